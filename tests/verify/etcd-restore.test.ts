import { randomBytes } from 'node:crypto';
import { controlPlaneScript } from '../../infra/cluster/gcp/bootstrap';
import {
  atRestProblems,
  diffRestored,
  encryptionConfigFrom,
  memberProblems,
  secretboxWriteKey,
  selfTestProblems,
  Summary,
  summarize,
} from '../../scripts/verify/etcd-restore';

// verify's etcd-restore part runs these against real servers; here, what they accept and refuse.
const script = controlPlaneScript({
  cluster: 'c',
  project: 'p',
  kubernetesVersion: '1.32.13',
  internalIp: '10.0.0.2',
  publicIp: '192.0.2.10',
  podCidr: '192.168.0.0/16',
  serviceCidr: '10.96.0.0/12',
  caCertPem: 'CA',
});
const key = randomBytes(32).toString('base64');

describe('encryptionConfigFrom', () => {
  it("is the gcp control plane's EncryptionConfiguration with the key in place", () => {
    const config = encryptionConfigFrom(script, key);
    expect(config).toContain('kind: EncryptionConfiguration');
    expect(config).toContain(`secret: "${key}"`);
    expect(config).not.toContain('${encryption_key}');
    // secretbox first (it encrypts writes), identity after it (reads data stored before).
    expect(config.indexOf('secretbox:')).toBeLessThan(config.indexOf('identity: {}'));
    expect(secretboxWriteKey(config)).toBe('key1');
  });

  it('refuses a key secretbox cannot take', () => {
    expect(() => encryptionConfigFrom(script, randomBytes(16).toString('base64'))).toThrow(
      'encryption key: expected 32 bytes in base64 (what secretbox takes), got 24 characters',
    );
  });

  it('refuses a script that no longer writes the file, or writes the key twice', () => {
    expect(() => encryptionConfigFrom('#!/bin/bash\n', key)).toThrow(
      'control plane script: no `cat >/etc/kubernetes/encryption/config.yaml <<EOF` heredoc to read the EncryptionConfiguration from',
    );
    const twice = script.replace(
      'secret: "${encryption_key}"',
      'secret: "${encryption_key}${encryption_key}"',
    );
    expect(() => encryptionConfigFrom(twice, key)).toThrow(
      'control plane script: the EncryptionConfiguration uses ${encryption_key} 2 times; expected exactly once',
    );
  });

  it('finds no write key without a secretbox provider', () => {
    expect(() => secretboxWriteKey('providers:\n  - identity: {}\n')).toThrow(
      'EncryptionConfiguration: no secretbox provider with a key',
    );
  });
});

const secret = (token: string, uid = 'u-secret') => ({
  kind: 'Secret',
  metadata: { name: 'credentials', namespace: 'restore-check', uid },
  data: { token: Buffer.from(token).toString('base64') },
});
const configMap = (mode: string, uid = 'u-cm') => ({
  kind: 'ConfigMap',
  metadata: { name: 'settings', namespace: 'restore-check', uid },
  data: { mode, replicas: '3' },
});

describe('summarize', () => {
  it('compares Secrets by their decoded data', () => {
    expect(summarize(secret('s3cret'))).toEqual({
      ref: 'Secret/restore-check/credentials',
      uid: 'u-secret',
      content: { token: 's3cret' },
      secret: true,
    });
  });

  it('compares cluster-scoped objects by name and kind-specific content', () => {
    const role = {
      kind: 'ClusterRole',
      metadata: { name: 'reader', uid: 'u-role' },
      rules: [{ verbs: ['get'] }],
    };
    expect(summarize(role)).toEqual({
      ref: 'ClusterRole/reader',
      uid: 'u-role',
      content: [{ verbs: ['get'] }],
      secret: false,
    });
    const ns = { kind: 'Namespace', metadata: { name: 'n', uid: 'u', labels: { a: 'b' } } };
    expect(summarize(ns).content).toEqual({ a: 'b' });
  });

  it('refuses a kind it does not know how to compare', () => {
    expect(() => summarize({ kind: 'Pod', metadata: { name: 'p', namespace: 'n' } })).toThrow(
      'summarize: kind Pod (Pod/n/p) is not one of Namespace, ConfigMap, Secret, ClusterRole',
    );
  });
});

describe('diffRestored', () => {
  const expected: Summary[] = [summarize(configMap('late')), summarize(secret('s3cret'))];
  const restored = (...objects: (Summary | [string, string])[]) =>
    new Map<string, Summary | string>(objects.map((o) => (Array.isArray(o) ? o : [o.ref, o])));

  it('passes the same objects', () => {
    expect(diffRestored(expected, restored(...expected))).toEqual([]);
  });

  it('names a changed value, a different uid, a missing and an unreadable object', () => {
    expect(
      diffRestored(
        expected,
        restored(summarize(configMap('early')), ['Secret/restore-check/credentials', 'NotFound']),
      ),
    ).toEqual([
      'ConfigMap/restore-check/settings: differs in mode: "late" -> "early"',
      'Secret/restore-check/credentials: unreadable after the restore: NotFound',
    ]);
    expect(diffRestored(expected, restored(summarize(configMap('late', 'other'))))).toEqual([
      'ConfigMap/restore-check/settings: uid other after the restore, u-cm before',
      'Secret/restore-check/credentials: not read back after the restore',
    ]);
  });

  it('never shows a Secret value in its report', () => {
    const [problem] = diffRestored(
      [summarize(secret('s3cret'))],
      restored(summarize(secret('other'))),
    );
    expect(problem).toBe(
      'Secret/restore-check/credentials: data differs in key(s) token (values not shown)',
    );
  });
});

describe('atRestProblems', () => {
  it('passes a secretbox value of the write key', () => {
    const raw = Buffer.concat([Buffer.from('k8s:enc:secretbox:v1:key1:'), randomBytes(64)]);
    expect(atRestProblems(raw, 'key1', ['s3cret'])).toEqual([]);
  });

  it('flags a value stored in the clear, or under another key', () => {
    const clear = Buffer.from('k8s\u0000\n\u000c\n\u0002v1\u0012\u0006Secret token s3cret');
    expect(atRestProblems(clear, 'key1', ['s3cret'])).toEqual([
      'stored without the k8s:enc:secretbox:v1:key1: prefix (starts "k8s\\u0000\\n\\f\\n\\u0002v1\\u0012\\u0006Secret token")',
      'a plaintext value is stored in the clear',
    ]);
    expect(atRestProblems(Buffer.from('k8s:enc:secretbox:v1:key2:xyz'), 'key1', [])).toHaveLength(
      1,
    );
    expect(atRestProblems(Buffer.alloc(0), 'key1', [])).toEqual(['no value stored']);
  });
});

describe('memberProblems', () => {
  const member = { name: 'verify', peerUrl: 'http://127.0.0.1:2380' };
  const list = (...members: object[]) => JSON.stringify({ header: {}, members });

  it('passes the one member the restore named', () => {
    expect(
      memberProblems(list({ name: 'verify', peerURLs: ['http://127.0.0.1:2380'] }), member),
    ).toEqual([]);
  });

  it("flags etcd's defaults (a restore without --name and peer URLs) and extra members", () => {
    expect(
      memberProblems(list({ name: 'default', peerURLs: ['http://localhost:2380'] }), member),
    ).toEqual([
      'member name default; expected verify',
      'member peer URLs ["http://localhost:2380"]; expected ["http://127.0.0.1:2380"]',
    ]);
    expect(memberProblems(list({}, {}), member)).toEqual([
      '2 members after the restore; expected 1',
    ]);
    expect(memberProblems('Error: context deadline exceeded', member)).toEqual([
      'member list is not JSON: Error: context deadline exceeded',
    ]);
  });
});

describe('selfTestProblems', () => {
  const older = [
    'ConfigMap/restore-check/written-late: unreadable after the restore: Error from server (NotFound): configmaps "written-late" not found',
    'ConfigMap/restore-check/settings: differs in mode: "late" -> "early"',
  ];
  const otherKey = [
    'Secret/restore-check/credentials: unreadable after the restore: Error from server (InternalError): Internal error occurred: output array was not large enough for encryption',
  ];
  const readyz = '[+]etcd ok\n[-]informer-sync failed: reason withheld\nreadyz check failed';

  it('passes when each self-test failed for its own cause only', () => {
    expect(selfTestProblems(older, otherKey, readyz)).toEqual([]);
  });

  it('fails when a restore of the older snapshot went unnoticed', () => {
    const [problem] = selfTestProblems([], otherKey, readyz);
    expect(problem).toMatch(
      /^self-test \(an older snapshot\): expected exactly .*; got: no failure$/,
    );
  });

  it('fails on an extra failure, a wrong cause or a ready server', () => {
    expect(selfTestProblems([...older, 'Secret/x: gone'], otherKey, readyz)).toHaveLength(1);
    const notFound = ['Secret/restore-check/credentials: unreadable after the restore: NotFound'];
    expect(selfTestProblems(older, notFound, readyz)).toHaveLength(1);
    expect(selfTestProblems(older, otherKey, 'ok')).toEqual([
      'self-test (another encryption key): /readyz does not report informer-sync failed: ok',
    ]);
  });
});
