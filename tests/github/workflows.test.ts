import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { useTempDir } from '../support/temp-dir';

// Workflows cannot run here, so they are checked as data: valid YAML, least privilege per job,
// every action pinned to a commit, every script they call present, and actionlint clean.
const root = resolve(__dirname, '..', '..');
const dir = join(root, '.github', 'workflows');
const files = readdirSync(dir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const workflows = files.map((file) => {
  const text = readFileSync(join(dir, file), 'utf8');
  return { file, text, doc: parse(text) };
});
const npmScripts = Object.keys(
  (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: object }).scripts,
);

/** Scopes each job may write; anything else must be read-only. Changing this is a review point. */
const WRITES: Record<string, string[]> = {
  'ci.yml/test': [],
  'ci.yml/image': [],
  'manifests.yml/diff': ['pull-requests'],
  'manifests.yml/image': ['packages'],
  'manifests.yml/publish': ['contents'],
  'infra.yml/preview': ['id-token', 'pull-requests'],
  'infra.yml/up': ['id-token'],
};

describe.each(workflows)('$file', ({ file, text, doc }) => {
  const jobs = Object.entries(doc.jobs as Record<string, any>);

  it('grants nothing at the top and least privilege per job', () => {
    expect(doc.permissions).toEqual({});
    for (const [name, job] of jobs) {
      const permissions = job.permissions as Record<string, string>;
      expect(typeof permissions).toBe('object');
      const writes = Object.entries(permissions)
        .filter(([, level]) => level === 'write')
        .map(([scope]) => scope)
        .sort();
      expect({ job: `${file}/${name}`, writes }).toEqual({
        job: `${file}/${name}`,
        writes: WRITES[`${file}/${name}`],
      });
      for (const level of Object.values(permissions))
        expect(['read', 'write', 'none']).toContain(level);
    }
  });

  it('pins every action to a full commit, with the version in a comment', () => {
    const uses = [...text.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/gm)];
    expect(uses.length).toBeGreaterThan(0);
    for (const [, ref, rest] of uses) {
      if ((ref ?? '').startsWith('./')) continue;
      expect(ref).toMatch(/^[A-Za-z0-9-]+\/[A-Za-z0-9._/-]+@[0-9a-f]{40}$/);
      expect(rest).toMatch(/# v\d+\.\d+\.\d+$/);
    }
  });

  it('calls only scripts that exist in the repository', () => {
    const runs = jobs.flatMap(([, job]) =>
      (job.steps as any[]).map((s) => s.run).filter(Boolean),
    ) as string[];
    for (const run of runs) {
      for (const [, path] of run.matchAll(
        /(?:bash|ts-node --transpile-only)\s+(\S+\.(?:sh|ts)|\.ci\/run)/g,
      )) {
        expect({ run: path, exists: existsSync(join(root, path ?? '')) }).toEqual({
          run: path,
          exists: true,
        });
      }
      for (const [, script] of run.matchAll(/npm run ([\w:-]+)/g)) {
        expect(npmScripts).toContain(script);
      }
    }
  });

  it('bounds every job in time', () => {
    for (const [, job] of jobs) expect(job['timeout-minutes']).toBeGreaterThan(0);
  });
});

it('finds the scripts the workflows call (the check above is not vacuous)', () => {
  const called = workflows.flatMap(({ text }) => [
    ...text.matchAll(/(?:bash|ts-node --transpile-only)\s+(\S+\.(?:sh|ts)|\.ci\/run)/g),
  ]);
  expect(called.map((m) => m[1]).sort()).toEqual([
    '.ci/run',
    'scripts/gitops/diff-manifests.ts',
    'scripts/gitops/publish-manifests.sh',
    'scripts/gitops/render-base.sh',
  ]);
});

describe('actionlint', () => {
  const actionlint = join(root, '.tools', 'bin', 'actionlint');
  const temp = useTempDir('actionlint');

  it('finds nothing in the workflows', () => {
    const run = spawnSync(actionlint, ['-no-color'], { cwd: root, encoding: 'utf8' });
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('does report a broken workflow', () => {
    const broken = join(temp(), 'broken.yml');
    writeFileSync(
      broken,
      'on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.evnt_name }}\n',
    );
    const run = spawnSync(actionlint, ['-no-color', broken], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('evnt_name');
  });
});

describe('shell scripts', () => {
  const scripts = [
    '.ci/run',
    'scripts/install-tools.sh',
    'scripts/install-verify-tools.sh',
    'scripts/gitops/publish-manifests.sh',
    'scripts/gitops/render-base.sh',
    'apps/spring-api/scripts/load-test.sh',
  ];

  it('are every shell script in the repository', () => {
    const found = spawnSync(
      'git',
      ['ls-files', '--cached', '--others', '--exclude-standard', '*.sh', '.ci/run'],
      {
        cwd: root,
        encoding: 'utf8',
      },
    )
      .stdout.trim()
      .split('\n')
      .filter((f) => existsSync(join(root, f)));
    expect(new Set(scripts)).toEqual(new Set([...found, ...scripts]));
  });

  it('pass shellcheck', () => {
    const run = spawnSync('shellcheck', scripts, { cwd: root, encoding: 'utf8' });
    if (run.error)
      throw new Error('shellcheck is not installed: apt-get install shellcheck (.ci/run does)');
    expect(run.stdout).toBe('');
    expect(run.status).toBe(0);
  });
});

describe('Renovate', () => {
  const config = JSON.parse(readFileSync(join(root, '.github', 'renovate.json'), 'utf8'));

  it('groups npm, Maven, Helm charts, base images and actions, and never automerges', () => {
    const groups = (config.packageRules as any[]).map((r) => r.groupName).filter(Boolean);
    expect(groups).toEqual(
      expect.arrayContaining([
        'npm dependencies',
        'Spring Boot service (Maven)',
        'platform Helm charts',
        'container base images',
        'GitHub Actions',
      ]),
    );
    expect(config.automerge).toBe(false);
    expect((config.packageRules as any[]).every((r) => r.automerge !== true)).toBe(true);
  });

  it('holds back the pins the toolchain needs', () => {
    const allowed = Object.fromEntries(
      (config.packageRules as any[])
        .filter((r) => r.allowedVersions)
        .map((r) => [r.matchPackageNames[0], r.allowedVersions]),
    );
    expect(allowed).toEqual({
      '@pulumi/pulumi': '<3.249.0',
      typescript: '<6.0.0',
      '@types/node': '<21.0.0',
    });
  });
});

describe('GitOps example', () => {
  const manifests = workflows.find((w) => w.file === 'manifests.yml')!;
  const branch = /publish-manifests\.sh \S+ "[^"]+" (\S+) /.exec(manifests.text)?.[1];

  it.each(['staging', 'prod'])('Flux pulls %s from the branch and folder CI publishes', (env) => {
    const docs = readFileSync(join(root, 'gitops', 'flux', env, 'spring-api.yaml'), 'utf8')
      .split(/^---$/m)
      .map((d) => parse(d));
    const repo = docs.find((d) => d.kind === 'GitRepository');
    const kustomization = docs.find((d) => d.kind === 'Kustomization');
    expect(branch).toBe('deploy');
    expect(repo.spec.ref.branch).toBe(branch);
    expect(kustomization.spec.path).toBe(`./${env}`);
    expect(kustomization.spec.prune).toBe(true);
  });
});

describe('manifests.yml publishing', () => {
  const manifests = workflows.find((w) => w.file === 'manifests.yml')!;
  const jobs = manifests.doc.jobs as Record<string, any>;

  it('publishes manifests pinned by the digest the registry returned for the pushed image', () => {
    const build = (jobs.image.steps as any[]).find((s) =>
      String(s.uses).startsWith('docker/build-push-action@'),
    );
    expect(build.with.push).toBe(true);
    expect(jobs.image.outputs.digest).toBe(`\${{ steps.${build.id}.outputs.digest }}`);
    expect(jobs.publish.needs).toBe('image');
    const synth = (jobs.publish.steps as any[]).find((s) => /npm run synth/.test(String(s.run)));
    expect(synth.run).toContain('"--image-digest=${{ needs.image.outputs.digest }}"');
    expect(synth.run).toContain('"--image-tag=${{ github.sha }}"');
  });
});
