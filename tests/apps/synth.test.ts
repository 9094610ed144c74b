import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ConfigError } from '../../infra/config/errors';
import { escapeForHelm } from '../../infra/apps/helm';
import { PolicyError } from '../../infra/apps/policies';
import { synthesize } from '../../infra/apps/synth';
import { profiles } from '../support/fixtures';
import { useTempDir } from '../support/temp-dir';

const root = resolve(__dirname, '..', '..');

function tree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const visit = (d: string): void => {
    for (const entry of readdirSync(d)) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) visit(path);
      else files[relative(dir, path)] = readFileSync(path, 'utf8');
    }
  };
  visit(dir);
  return files;
}

describe('synthesize', () => {
  const temp = useTempDir('synth');

  it('writes one manifest file per environment and one Helm chart each', () => {
    const summaries = synthesize({ outdir: temp(), profiles: profiles(), chartVersion: '1.2.3' });
    expect(Object.keys(tree(temp())).sort()).toEqual([
      'dev/spring-api.k8s.yaml',
      'helm/spring-api-dev/Chart.yaml',
      'helm/spring-api-dev/README.md',
      'helm/spring-api-dev/templates/spring-api.k8s.yaml',
      'helm/spring-api-prod/Chart.yaml',
      'helm/spring-api-prod/README.md',
      'helm/spring-api-prod/templates/spring-api.k8s.yaml',
      'helm/spring-api-staging/Chart.yaml',
      'helm/spring-api-staging/README.md',
      'helm/spring-api-staging/templates/spring-api.k8s.yaml',
      'prod/spring-api.k8s.yaml',
      'staging/spring-api.k8s.yaml',
    ]);
    expect(summaries.map((s) => [s.environment, s.objects])).toEqual([
      ['dev', 15],
      ['staging', 16],
      ['prod', 16],
    ]);
    const docs = parseAllDocuments(readFileSync(join(temp(), 'prod/spring-api.k8s.yaml'), 'utf8'));
    expect(docs).toHaveLength(16);
    expect(docs.every((d) => d.errors.length === 0)).toBe(true);
  });

  it('is deterministic: a second run writes the same bytes', () => {
    synthesize({ outdir: temp(), profiles: profiles(), chartVersion: '1.2.3' });
    const first = tree(temp());
    synthesize({ outdir: temp(), profiles: profiles(), chartVersion: '1.2.3' });
    expect(tree(temp())).toEqual(first);
  });

  it('writes nothing when any environment is invalid, and names every bad key', () => {
    synthesize({ outdir: temp(), profiles: profiles(), chartVersion: '1.2.3' });
    writeFileSync(join(temp(), 'keep.txt'), 'untouched');
    const before = tree(temp());
    const bad = profiles();
    const run = (): unknown =>
      synthesize({
        outdir: temp(),
        profiles: {
          ...bad,
          staging: { ...bad.staging, replicas: 0, autoscaling: undefined },
          prod: { ...bad.prod, image: { ...bad.prod.image, tag: 'latest' } },
        },
        chartVersion: '9.9.9',
      });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(
      'staging.springApi.replicas = 0 is invalid: must be an integer from 1 to 50\n' +
        'prod.springApi.image.tag = "latest" is invalid: must be a pinned version tag of at most 63 characters (letters, digits, "_", "." and "-", starting and ending with a letter or digit), never "latest"',
    );
    expect(tree(temp())).toEqual(before);
  });

  it('writes nothing when the output of any environment breaks an output policy', () => {
    synthesize({ outdir: temp(), profiles: profiles(), chartVersion: '1.2.3' });
    const before = tree(temp());
    const all = profiles();
    const run = (): unknown =>
      synthesize({
        outdir: temp(),
        profiles: { ...all, prod: { ...all.prod, environment: { API_TOKEN: 'x' } } },
        chartVersion: '9.9.9',
      });
    expect(run).toThrow(PolicyError);
    expect(run).toThrow(
      'prod: secret-values: ConfigMap/spring-api/spring-api-config: ConfigMap key "API_TOKEN" looks secret',
    );
    expect(tree(temp())).toEqual(before);
  });

  it('replaces an environment folder whole, leaving no stale file behind', () => {
    synthesize({ outdir: temp(), profiles: profiles(), chartVersion: '1.2.3' });
    writeFileSync(join(temp(), 'prod', 'stale.yaml'), 'kind: Stale');
    synthesize({ outdir: temp(), profiles: profiles(), chartVersion: '1.2.3' });
    expect(Object.keys(tree(temp()))).not.toContain('prod/stale.yaml');
  });

  it('writes a Helm v2 chart whose templates render back to the plain manifests', () => {
    synthesize({ outdir: temp(), profiles: profiles(), chartVersion: '1.2.3' });
    const chart = readFileSync(join(temp(), 'helm/spring-api-prod/Chart.yaml'), 'utf8');
    expect(chart).toContain('apiVersion: v2\nname: spring-api-prod\n');
    expect(chart).toContain('version: 1.2.3\nappVersion: 0.1.0\n');
    const template = join(temp(), 'helm/spring-api-prod/templates/spring-api.k8s.yaml');
    // Go's text/template is what Helm renders with; the Vault templates must survive it intact.
    const go = spawnSync('go', ['run', join(root, 'tests/support/gotemplate/main.go'), template], {
      encoding: 'utf8',
      env: { ...process.env, GOFLAGS: '-mod=mod', GO111MODULE: 'auto' },
    });
    expect(go.stderr).toBe('');
    expect(go.status).toBe(0);
    expect(go.stdout).toBe(readFileSync(join(temp(), 'prod/spring-api.k8s.yaml'), 'utf8'));
    expect(go.stdout).toContain('{{ index .Data.data "app.api-key" }}');
  });
});

describe('escapeForHelm', () => {
  it('turns every {{ into a literal action and leaves the rest alone', () => {
    expect(escapeForHelm('a {{- with x -}}{{ y }} b')).toBe(
      'a {{ "{{" }}- with x -}}{{ "{{" }} y }} b',
    );
    expect(escapeForHelm('no templates here')).toBe('no templates here');
  });
});
