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

/** Every environment into `dist` as CI publishes it: each image pinned by the build's digest. */
function synthesizePinned(dist: string): void {
  const all = Object.fromEntries(
    Object.entries(profiles()).map(([env, p]) => [
      env,
      { ...p, image: { ...p.image, digest: DIGEST } },
    ]),
  );
  synthesize({ outdir: dist, profiles: all, chartVersion: '0.1.0' });
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

const rollback = join(root, 'scripts/gitops/rollback-manifests.sh');
const AUTHOR = {
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
};

/** A source repository with history main: c1 - c2 - c3 and a branch off c1: side. */
function sourceRepo(dir: string): { c1: string; c2: string; c3: string; side: string } {
  git(dir, 'init', '--quiet', '--initial-branch=main', 'source');
  const repo = join(dir, 'source');
  const commit = (message: string): string => {
    execFileSync('git', ['commit', '--quiet', '--allow-empty', '-m', message], {
      cwd: repo,
      env: { ...process.env, ...AUTHOR },
    });
    return git(repo, 'rev-parse', 'HEAD');
  };
  const c1 = commit('c1');
  const c2 = commit('c2');
  const c3 = commit('c3');
  git(repo, 'checkout', '--quiet', '-b', 'side', c1);
  const side = commit('side');
  return { c1, c2, c3, side };
}

describe('publish-manifests.sh', () => {
  const temp = useTempDir('publish');

  function setUp(): { dist: string; remote: string; source: string } & ReturnType<
    typeof sourceRepo
  > {
    const dist = join(temp(), 'dist');
    synthesizePinned(dist);
    const remote = join(temp(), 'remote.git');
    git(temp(), 'init', '--quiet', '--bare', remote);
    // A file:// URL, as a real remote: git clones it shallow, without a warning.
    return {
      dist,
      remote: `file://${remote}`,
      source: join(temp(), 'source'),
      ...sourceRepo(temp()),
    };
  }

  /** Runs the script from the source repository, as the pushing job does from its checkout. */
  function run(
    source: string,
    args: string[],
  ): ReturnType<typeof spawnSync> & { stdout: string; stderr: string } {
    return spawnSync('bash', [publish, ...args], { cwd: source, encoding: 'utf8' });
  }

  function deployed(remote: string, path: string): string {
    return git(temp(), '--git-dir', remote.replace('file://', ''), 'show', `deploy:${path}`);
  }

  it('creates the branch with staging and prod only, then commits only on change', () => {
    const { dist, remote, source, c1, c2, c3 } = setUp();
    const first = run(source, [dist, remote, 'deploy', c1]);
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
      'source-commits/prod',
      'source-commits/staging',
      'staging/spring-api.k8s.yaml',
    ]);
    expect(git(clone, 'log', '--format=%s')).toBe(`Rendered staging prod from ${c1}`);
    expect(readFileSync(join(clone, 'prod/spring-api.k8s.yaml'), 'utf8')).toBe(
      readFileSync(join(dist, 'prod/spring-api.k8s.yaml'), 'utf8'),
    );

    const same = run(source, [dist, remote, 'deploy', c2]);
    expect(same.stdout).toBe('publish: no change in the rendered manifests\n');
    writeFileSync(join(dist, 'prod/spring-api.k8s.yaml'), 'kind: ConfigMap\n');
    expect(run(source, [dist, remote, 'deploy', c3]).status).toBe(0);
    git(clone, 'pull', '--quiet');
    expect(git(clone, 'log', '--format=%s').split('\n')).toEqual([
      `Rendered staging prod from ${c3}`,
      `Rendered staging prod from ${c1}`,
    ]);
  });

  it('publishes one environment at a time and records its source commit', () => {
    const { dist, remote, source, c1, c2 } = setUp();
    expect(run(source, ['--env', 'staging', dist, remote, 'deploy', c2]).status).toBe(0);
    expect(deployed(remote, 'source-commits/staging')).toBe(c2);
    expect(() => deployed(remote, 'prod/spring-api.k8s.yaml')).toThrow();
    // prod has no record yet: any commit may go first.
    expect(run(source, ['--env', 'prod', dist, remote, 'deploy', c1]).status).toBe(0);
    expect(deployed(remote, 'source-commits/prod')).toBe(c1);
    expect(deployed(remote, 'source-commits/staging')).toBe(c2);
    expect(
      git(temp(), '--git-dir', remote.replace('file://', ''), 'log', '-1', '--format=%s', 'deploy'),
    ).toBe(`Rendered prod from ${c1}`);
  });

  it.each([
    ['an older commit', 'c1'],
    ['a commit on another branch', 'side'],
    ['a commit the source repository does not have', 'unknown'],
  ] as const)('refuses to move an environment backwards: %s', (_, which) => {
    const { dist, remote, source, c2, ...commits } = setUp();
    expect(run(source, ['--env', 'staging', dist, remote, 'deploy', c2]).status).toBe(0);
    const before = git(temp(), 'ls-remote', '--heads', remote);
    writeFileSync(join(dist, 'staging/spring-api.k8s.yaml'), 'kind: ConfigMap\n');
    const target = which === 'unknown' ? 'f'.repeat(40) : commits[which];
    const result = run(source, ['--env', 'staging', dist, remote, 'deploy', target]);
    expect(result.stderr).toBe(
      `publish: refusing to move staging backwards: ${target} does not descend from ${c2}, which deploy holds (pass --rollback to roll back on purpose)\n`,
    );
    expect(result.status).toBe(1);
    expect(git(temp(), 'ls-remote', '--heads', remote)).toBe(before);
  });

  it('moves an environment backwards when --rollback asks for it', () => {
    const { dist, remote, source, c1, c2 } = setUp();
    expect(run(source, ['--env', 'staging', dist, remote, 'deploy', c2]).status).toBe(0);
    writeFileSync(join(dist, 'staging/spring-api.k8s.yaml'), 'kind: ConfigMap\n');
    const result = run(source, ['--rollback', '--env', 'staging', dist, remote, 'deploy', c1]);
    expect(result.status).toBe(0);
    expect(deployed(remote, 'source-commits/staging')).toBe(c1);
    expect(
      git(temp(), '--git-dir', remote.replace('file://', ''), 'log', '-1', '--format=%s', 'deploy'),
    ).toBe(`Rolled back staging from ${c1}`);
  });

  it('refuses an unknown option or environment', () => {
    const { dist, remote, source, c1 } = setUp();
    for (const args of [['--force'], ['--env', 'dev'], ['--env']]) {
      const result = run(source, [...args, dist, remote, 'deploy', c1]);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^usage: publish-manifests\.sh /);
    }
  });

  it('refuses an image that is not pinned by digest, in the manifests or the chart', () => {
    const { dist, remote, source, c1 } = setUp();
    for (const file of [
      'prod/spring-api.k8s.yaml',
      'helm/spring-api-prod/templates/spring-api.k8s.yaml',
    ]) {
      const path = join(dist, file);
      const pinned = readFileSync(path, 'utf8');
      writeFileSync(path, pinned.replace(`@${DIGEST}`, ''));
      const result = run(source, [dist, remote, 'deploy', c1]);
      expect(result.status).toBe(1);
      expect(result.stderr).toBe(
        "publish: refusing prod's output: image ghcr.io/k8s-platform/spring-api:0.1.0 is not pinned by digest (synth with --image-digest=sha256:<hex>)\n",
      );
      writeFileSync(path, pinned);
    }
    expect(git(temp(), 'ls-remote', '--heads', remote)).toBe('');
    expect(run(source, [dist, remote, 'deploy', c1]).status).toBe(0);
  });

  it('needs every published folder', () => {
    const result = spawnSync('bash', [publish, temp(), join(temp(), 'r.git'), 'deploy', 'x'], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`publish: ${temp()}/staging is missing; run synth first\n`);
  });
});

describe('rollback-manifests.sh', () => {
  const temp = useTempDir('rollback');

  it('publishes again what a deploy commit held for prod, then lets newer commits forward', () => {
    const dist = join(temp(), 'dist');
    synthesizePinned(dist);
    const remotePath = join(temp(), 'remote.git');
    git(temp(), 'init', '--quiet', '--bare', remotePath);
    const remote = `file://${remotePath}`;
    const { c1, c2, c3 } = sourceRepo(temp());
    const source = join(temp(), 'source');
    const publishProd = (sha: string): void => {
      const r = spawnSync('bash', [publish, '--env', 'prod', dist, remote, 'deploy', sha], {
        cwd: source,
        encoding: 'utf8',
      });
      expect(r.stderr).toBe('');
    };
    const good = readFileSync(join(dist, 'prod/spring-api.k8s.yaml'), 'utf8');
    publishProd(c1);
    const goodCommit = git(temp(), '--git-dir', remotePath, 'rev-parse', 'deploy');
    writeFileSync(join(dist, 'prod/spring-api.k8s.yaml'), 'kind: ConfigMap # broken\n');
    publishProd(c2);

    const run = (target: string): ReturnType<typeof spawnSync> & { stderr: string } =>
      spawnSync('bash', [rollback, remote, 'deploy', 'prod', target], {
        cwd: temp(),
        encoding: 'utf8',
      });
    const back = run(goodCommit);
    expect(back.stderr).toBe('');
    expect(back.status).toBe(0);
    const show = (path: string): string =>
      execFileSync('git', ['--git-dir', remotePath, 'show', `deploy:${path}`], {
        encoding: 'utf8',
      });
    expect(show('prod/spring-api.k8s.yaml')).toBe(good);
    expect(show('source-commits/prod').trim()).toBe(c1);
    expect(
      git(temp(), '--git-dir', remotePath, 'log', '--format=%s', 'deploy').split('\n'),
    ).toEqual([
      `Rolled back prod from ${c1}`,
      `Rendered prod from ${c2}`,
      `Rendered prod from ${c1}`,
    ]);
    // The next publish of a newer commit moves forward as usual.
    writeFileSync(join(dist, 'prod/extra.yaml'), 'kind: ConfigMap\n');
    publishProd(c3);
    expect(show('source-commits/prod').trim()).toBe(c3);

    expect(run('0'.repeat(40)).stderr).toBe(
      `rollback: ${'0'.repeat(40)} is not a commit of deploy\n`,
    );
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
