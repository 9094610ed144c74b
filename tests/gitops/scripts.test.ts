import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { synthesize } from '../../infra/apps/synth';
import { profiles } from '../support/fixtures';
import { useTempDir } from '../support/temp-dir';

const root = resolve(__dirname, '..', '..');
const publish = join(root, 'scripts/gitops/publish-manifests.sh');
const renderBase = join(root, 'scripts/gitops/render-base.sh');
const DIGEST = `sha256:${'0f'.repeat(32)}`;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

describe('publish-manifests.sh', () => {
  const temp = useTempDir('publish');

  function setUp(): { dist: string; remote: string } {
    const dist = join(temp(), 'dist');
    // As CI publishes: every image pinned by the digest of the pushed build.
    const all = Object.fromEntries(
      Object.entries(profiles()).map(([env, p]) => [
        env,
        { ...p, image: { ...p.image, digest: DIGEST } },
      ]),
    );
    synthesize({ outdir: dist, profiles: all, chartVersion: '0.1.0' });
    const remote = join(temp(), 'remote.git');
    git(temp(), 'init', '--quiet', '--bare', remote);
    return { dist, remote };
  }

  function run(dist: string, remote: string, sha: string): ReturnType<typeof spawnSync> {
    return spawnSync('bash', [publish, dist, remote, 'deploy', sha], { encoding: 'utf8' });
  }

  it('creates the branch with staging and prod only, then commits only on change', () => {
    const { dist, remote } = setUp();
    const first = run(dist, remote, 'abc123');
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const clone = join(temp(), 'clone');
    git(temp(), 'clone', '--quiet', '--branch', 'deploy', remote, clone);
    expect(git(clone, 'ls-files').split('\n').sort()).toEqual([
      'README.md',
      'helm/spring-api-prod/Chart.yaml',
      'helm/spring-api-prod/README.md',
      'helm/spring-api-prod/templates/spring-api.k8s.yaml',
      'helm/spring-api-staging/Chart.yaml',
      'helm/spring-api-staging/README.md',
      'helm/spring-api-staging/templates/spring-api.k8s.yaml',
      'prod/spring-api.k8s.yaml',
      'staging/spring-api.k8s.yaml',
    ]);
    expect(git(clone, 'log', '--format=%s')).toBe('Rendered manifests from abc123');
    expect(readFileSync(join(clone, 'prod/spring-api.k8s.yaml'), 'utf8')).toBe(
      readFileSync(join(dist, 'prod/spring-api.k8s.yaml'), 'utf8'),
    );

    const same = run(dist, remote, 'def456');
    expect(same.stdout).toBe('publish: no change in the rendered manifests\n');
    writeFileSync(join(dist, 'prod/spring-api.k8s.yaml'), 'kind: ConfigMap\n');
    expect(run(dist, remote, 'fed789').status).toBe(0);
    git(clone, 'pull', '--quiet');
    expect(git(clone, 'log', '--format=%s').split('\n')).toEqual([
      'Rendered manifests from fed789',
      'Rendered manifests from abc123',
    ]);
  });

  it('refuses to publish a Secret', () => {
    const { dist, remote } = setUp();
    writeFileSync(join(dist, 'staging/leak.yaml'), 'apiVersion: v1\nkind: Secret\n');
    const result = run(dist, remote, 'abc123');
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("publish: refusing to publish a Secret found in staging's output\n");
    expect(git(temp(), 'ls-remote', '--heads', remote)).toBe('');
  });

  it('refuses an image that is not pinned by digest, in the manifests or the chart', () => {
    const { dist, remote } = setUp();
    for (const file of [
      'prod/spring-api.k8s.yaml',
      'helm/spring-api-prod/templates/spring-api.k8s.yaml',
    ]) {
      const path = join(dist, file);
      const pinned = readFileSync(path, 'utf8');
      writeFileSync(path, pinned.replace(`@${DIGEST}`, ''));
      const result = run(dist, remote, 'abc123');
      expect(result.status).toBe(1);
      expect(result.stderr).toBe(
        "publish: refusing prod's output: image ghcr.io/k8s-platform/spring-api:0.1.0 is not pinned by digest (synth with --image-digest=sha256:<hex>)\n",
      );
      writeFileSync(path, pinned);
    }
    expect(git(temp(), 'ls-remote', '--heads', remote)).toBe('');
    expect(run(dist, remote, 'abc123').status).toBe(0);
  });

  it('needs every published folder', () => {
    const result = spawnSync('bash', [publish, temp(), join(temp(), 'r.git'), 'deploy', 'x'], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`publish: ${temp()}/staging is missing; run synth first\n`);
  });
});

describe('render-base.sh', () => {
  const temp = useTempDir('render-base');

  it('renders staging and prod as of a commit, identical to synth of that commit', () => {
    // A clone of this repository at HEAD, sharing node_modules (same lockfile).
    const clone = join(temp(), 'repo');
    git(temp(), 'clone', '--quiet', root, clone);
    symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'));
    const out = join(temp(), 'base-dist');
    const result = spawnSync('bash', [renderBase, 'HEAD', out], { cwd: clone, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(existsSync(join(out, 'dev'))).toBe(false);
    // The same commit synthesized directly in the clone (not this working tree, which may differ).
    const expected = join(temp(), 'expected');
    const direct = spawnSync(
      join(clone, 'node_modules', '.bin', 'ts-node'),
      ['--transpile-only', 'infra/apps/main.ts', 'staging', 'prod'],
      { cwd: clone, encoding: 'utf8', env: { ...process.env, CDK8S_OUTDIR: expected } },
    );
    expect(direct.status).toBe(0);
    expect(readFileSync(join(out, 'prod/spring-api.k8s.yaml'), 'utf8')).toBe(
      readFileSync(join(expected, 'prod/spring-api.k8s.yaml'), 'utf8'),
    );
    expect(git(clone, 'worktree', 'list').split('\n')).toHaveLength(1);
  });
});
