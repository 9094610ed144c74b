import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { guardPaths, guardText } from '../../scripts/gitops/guard-manifests';
import { synthesize } from '../../infra/apps/synth';
import { profiles } from '../support/fixtures';
import { useTempDir } from '../support/temp-dir';

const root = resolve(__dirname, '..', '..');
const DIGEST = `sha256:${'0f'.repeat(32)}`;
const CONFIG_MAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n';

// Every way a Secret has been (or could be) written past a line match on `^kind: Secret$`.
const SPELLINGS: Record<string, string> = {
  plain: 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: leak\n',
  'double quotes': 'apiVersion: v1\nkind: "Secret"\nmetadata:\n  name: leak\n',
  'single quotes': "apiVersion: v1\nkind: 'Secret'\nmetadata:\n  name: leak\n",
  'trailing comment': 'apiVersion: v1\nkind: Secret # harmless\nmetadata:\n  name: leak\n',
  CRLF: 'apiVersion: v1\r\nkind: Secret\r\nmetadata:\r\n  name: leak\r\n',
  'trailing spaces': 'apiVersion: v1\nkind: Secret   \nmetadata:\n  name: leak\n',
  'space before the colon': 'apiVersion: v1\nkind : Secret\nmetadata:\n  name: leak\n',
  'a tab after the colon': 'apiVersion: v1\nkind:\tSecret\nmetadata:\n  name: leak\n',
  'indented document': '  apiVersion: v1\n  kind: Secret\n  metadata:\n    name: leak\n',
  'flow mapping': '{apiVersion: v1, kind: Secret, metadata: {name: leak}}\n',
  'explicit tag': 'apiVersion: v1\nkind: !!str Secret\nmetadata:\n  name: leak\n',
  'folded scalar': 'apiVersion: v1\nkind: >-\n  Secret\nmetadata:\n  name: leak\n',
  alias: 'apiVersion: v1\nmetadata:\n  name: leak\n  labels: { role: &k Secret }\nkind: *k\n',
  'second document': `${CONFIG_MAP}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: leak\n`,
  'document end marker': `${CONFIG_MAP}...\n---\nkind: Secret\nmetadata:\n  name: leak\n`,
  'List item':
    'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Secret\n    metadata:\n      name: leak\n',
  'nested List':
    'kind: List\nitems:\n  - kind: List\n    items:\n      - kind: Secret\n        metadata:\n          name: leak\n',
  'SecretList-like List kind':
    'kind: SecretList\nitems:\n  - kind: Secret\n    metadata:\n      name: leak\n',
  'JSON object': '{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "leak"}}\n',
  'JSON List': '{"kind": "List", "items": [{"kind": "Secret", "metadata": {"name": "leak"}}]}',
  'JSON escape': '{"apiVersion": "v1", "kind": "\\u0053ecret", "metadata": {"name": "leak"}}\n',
  'lower case': 'apiVersion: v1\nkind: secret\nmetadata:\n  name: leak\n',
  'byte order mark': '\ufeffapiVersion: v1\nkind: Secret\nmetadata:\n  name: leak\n',
};

describe('guard-manifests.ts', () => {
  const temp = useTempDir('guard');

  it.each(Object.entries(SPELLINGS))('refuses a Secret written with %s', (_, text) => {
    const problems = guardText('leak.yaml', text);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toMatch(/^leak\.yaml: (Secret|secret)\/(\/)?leak: Secret object$/m);
  });

  it('passes an object that only mentions Secret', () => {
    const text =
      '# kind: Secret\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  note: "kind: Secret"\n';
    expect(guardText('notes.yaml', text)).toEqual([]);
  });

  it('refuses what the secret-values policy refuses, and a file that does not parse', () => {
    const key = '-----BEGIN RSA PRIVATE KEY-----';
    expect(
      guardText('cm.yaml', `kind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: "${key}"\n`),
    ).toEqual(['cm.yaml: ConfigMap//c at data.k: contains a key or token']);
    expect(guardText('bad.yaml', 'kind: [Secret\n')[0]).toMatch(
      /^bad\.yaml: document 1 does not parse: /,
    );
  });

  it('passes the staging and prod output CI publishes, manifests and charts', () => {
    const dist = join(temp(), 'dist');
    const all = Object.fromEntries(
      Object.entries(profiles()).map(([env, p]) => [
        env,
        { ...p, image: { ...p.image, digest: DIGEST } },
      ]),
    );
    synthesize({
      outdir: dist,
      profiles: { staging: all.staging, prod: all.prod },
      chartVersion: '0.1.0',
    });
    expect(guardPaths([join(dist, 'staging'), join(dist, 'prod'), join(dist, 'helm')])).toEqual([]);
  });

  it('as a command: finds a Secret in any file of any folder, JSON included, and exits 1', () => {
    const dir = join(temp(), 'staging');
    mkdirSync(join(dir, 'deep'), { recursive: true });
    writeFileSync(join(dir, 'ok.yaml'), CONFIG_MAP);
    writeFileSync(join(dir, 'deep', 'leak.json'), SPELLINGS['JSON List']);
    writeFileSync(join(dir, 'notes.txt'), 'kind: Secret\n');
    const run = spawnSync(
      join(root, 'node_modules', '.bin', 'ts-node'),
      ['--transpile-only', join(root, 'scripts/gitops/guard-manifests.ts'), 'staging'],
      { cwd: temp(), encoding: 'utf8' },
    );
    expect(run.stderr).toBe(
      'guard: refusing to publish:\nstaging/deep/leak.json: Secret//leak: Secret object\n',
    );
    expect(run.status).toBe(1);
  });
});
