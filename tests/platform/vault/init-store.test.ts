import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initStoreOf } from '../../../infra/platform/vault/cli';
import {
  defaultInitFile,
  fileInitStore,
  Gcloud,
  secretManagerInitStore,
} from '../../../infra/platform/vault/init-store';
import { newSealKey, openToken, sealToken } from '../../../infra/platform/vault/token-seal';
import { useTempDir } from '../../support/temp-dir';

const dir = useTempDir('init-store');

describe('the file init store (minikube)', () => {
  it('lives under ~/.config/k8s-platform/<stack>/ and refuses a stack that cannot name a folder', () => {
    expect(defaultInitFile('dev', '/home/me')).toBe(
      '/home/me/.config/k8s-platform/dev/vault-init.json',
    );
    expect(() => defaultInitFile('../x', '/home/me')).toThrow(
      'stack "../x" cannot name a folder: letters, digits, ".", "_", "-" only',
    );
  });

  it('writes the material once, 0600 in a 0700 folder, and never overwrites it', async () => {
    const path = join(dir(), 'dev', 'vault-init.json');
    const store = fileInitStore(path);
    expect(await store.load()).toBeUndefined();
    await store.save({ keys: ['k1'], keyKind: 'unseal' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir(), 'dev')).mode & 0o777).toBe(0o700);
    expect(await store.load()).toEqual({ keys: ['k1'], keyKind: 'unseal' });
    await expect(store.save({ keys: ['k2'], keyKind: 'unseal' })).rejects.toThrow(/EEXIST/);
    expect(await store.load()).toEqual({ keys: ['k1'], keyKind: 'unseal' });
  });

  it('refuses a file that holds something else', async () => {
    const path = join(dir(), 'other.json');
    writeFileSync(path, '{"root_token":"x"}');
    await expect(fileInitStore(path).load()).rejects.toThrow(
      `file ${path} does not hold Vault init material ({"keys": [...], "keyKind": ...})`,
    );
  });
});

describe('the Secret Manager init store (gcp)', () => {
  function fakeGcloud(versions: string[], denied = false): Gcloud & { calls: string[][] } {
    const calls: string[][] = [];
    const run = ((args: readonly string[], input?: string) => {
      calls.push([...args]);
      if (denied) return { status: 1, stdout: '', stderr: 'ERROR: PERMISSION_DENIED' };
      if (args[2] === 'access') {
        const latest = versions.at(-1);
        return latest
          ? { status: 0, stdout: latest, stderr: '' }
          : { status: 1, stdout: '', stderr: 'ERROR: NOT_FOUND: Secret Version not found' };
      }
      versions.push(input ?? '');
      return { status: 0, stdout: '', stderr: '' };
    }) as Gcloud & { calls: string[][] };
    run.calls = calls;
    return run;
  }

  it('adds the first version through gcloud, from stdin, and refuses a second', async () => {
    const versions: string[] = [];
    const run = fakeGcloud(versions);
    const store = secretManagerInitStore('my-project', 'vault-init-prod', run);
    expect(await store.load()).toBeUndefined();
    await store.save({ keys: ['r1', 'r2'], keyKind: 'recovery' });
    expect(run.calls).toContainEqual([
      'secrets',
      'versions',
      'add',
      'vault-init-prod',
      '--project=my-project',
      '--data-file=-',
    ]);
    expect(run.calls.flat().join(' ')).not.toContain('r1');
    expect(await store.load()).toEqual({ keys: ['r1', 'r2'], keyKind: 'recovery' });
    await expect(store.save({ keys: ['x'], keyKind: 'recovery' })).rejects.toThrow(
      'Secret Manager secret vault-init-prod (project my-project) already holds init material; refusing to add another',
    );
    expect(versions).toHaveLength(1);
  });

  it('treats a denied read as an error, not as "nothing stored"', async () => {
    const store = secretManagerInitStore('my-project', 's', fakeGcloud([], true));
    await expect(store.load()).rejects.toThrow(
      'reading Secret Manager secret s (project my-project): ERROR: PERMISSION_DENIED',
    );
  });
});

describe('initStoreOf', () => {
  it('reads file: and gcp-secret: references and refuses anything else', () => {
    expect(initStoreOf('file:/home/me/v.json').description).toBe('file /home/me/v.json');
    expect(initStoreOf('gcp-secret:my-project/vault-init-prod').description).toBe(
      'Secret Manager secret vault-init-prod (project my-project)',
    );
    expect(() => initStoreOf('secret:vault/vault-init')).toThrow(
      'init store "secret:vault/vault-init" is not one of file:<absolute path>, gcp-secret:<project>/<secret>',
    );
  });
});

describe('the sealed token on the init step stdout', () => {
  it('opens with the key it was sealed with, and only with it', () => {
    const key = newSealKey();
    const sealed = sealToken('hvs.secret-token', key);
    expect(sealed).not.toContain('secret-token');
    expect(openToken(`${sealed}\n`, key)).toBe('hvs.secret-token');
    expect(() => openToken(sealed, newSealKey())).toThrow();
    expect(() => openToken(sealed, 'short')).toThrow('the token seal key is not 64 hex digits');
  });
});
