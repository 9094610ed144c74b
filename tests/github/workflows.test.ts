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
  'manifests.yml/diff': [],
  'manifests.yml/comment': ['pull-requests'],
  'manifests.yml/image': ['packages'],
  'manifests.yml/render': [],
  'manifests.yml/staging': ['contents'],
  'manifests.yml/staging-healthy': [],
  'manifests.yml/prod': ['contents'],
  'manifests.yml/rollback': ['contents'],
  'infra.yml/preview': ['id-token', 'pull-requests'],
  'infra.yml/up': ['id-token'],
  'e2e-kind.yml/e2e': [],
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
    'scripts/ci/api-tunnel-target.ts',
    'scripts/ci/api-tunnel-target.ts',
    'scripts/ci/api-tunnel.sh',
    'scripts/ci/api-tunnel.sh',
    'scripts/ci/api-tunnel.sh',
    'scripts/ci/api-tunnel.sh',
    ...Array<string>(10).fill('scripts/e2e/kind-e2e.sh'),
    'scripts/gitops/diff-manifests.ts',
    'scripts/gitops/guard-manifests.ts',
    'scripts/gitops/publish-manifests.sh',
    'scripts/gitops/render-base.sh',
    'scripts/gitops/rollback-manifests.sh',
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
    'scripts/ci/api-tunnel.sh',
    'scripts/e2e/kind-e2e.sh',
    'scripts/install-tools.sh',
    'scripts/install-verify-tools.sh',
    'scripts/gitops/publish-manifests.sh',
    'scripts/gitops/render-base.sh',
    'scripts/gitops/rollback-manifests.sh',
    'apps/spring-api/scripts/load-test.sh',
    'infra/cluster/gcp/maintenance/cert-renewal.sh',
    'infra/cluster/gcp/maintenance/etcd-snapshot.sh',
    'scripts/cluster/upgrade.sh',
    'scripts/cluster/upgrade-node.sh',
    'scripts/system-packages.sh',
    'scripts/install-e2e-tools.sh',
    'apps/spring-api/scripts/startup-bench.sh',
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
      throw new Error(
        'shellcheck is not installed: apt-get install shellcheck (scripts/system-packages.sh does, as root)',
      );
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
  const branch = /publish-manifests\.sh .* "\$remote" (\S+) /.exec(manifests.text)?.[1];

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

describe('infra.yml: Pulumi from GitHub-hosted runners', () => {
  const infra = workflows.find((w) => w.file === 'infra.yml')!;
  const jobs = infra.doc.jobs as Record<string, any>;
  const steps = (job: string): any[] => jobs[job].steps as any[];
  const index = (job: string, match: (s: any) => boolean): number => {
    const i = steps(job).findIndex(match);
    if (i < 0) throw new Error(`${job}: no such step`);
    return i;
  };
  const uses = (action: string) => (s: any) => String(s.uses ?? '').startsWith(`${action}@`);
  const runs = (text: string) => (s: any) => String(s.run ?? '').includes(text);
  const STACK = '${{ vars.PULUMI_ORG }}/k8s-platform/${{ matrix.stack }}';

  it.each([
    ['preview', 'preview'],
    ['up', 'up'],
  ])(
    '%s: opens the IAP tunnel from the stack config before Pulumi runs, closes it always',
    (job, command) => {
      const auth = index(job, uses('google-github-actions/auth'));
      const gcloud = index(job, uses('google-github-actions/setup-gcloud'));
      const target = index(job, (s) => s.id === 'target');
      const open = index(job, runs('bash scripts/ci/api-tunnel.sh start'));
      const pulumi = index(job, (s) => uses('pulumi/actions')(s) && s.with?.command === command);
      const close = index(job, runs('bash scripts/ci/api-tunnel.sh stop'));
      expect(auth).toBeLessThan(gcloud);
      expect(gcloud).toBeLessThan(target);
      expect(target).toBeLessThan(open);
      expect(open).toBeLessThan(pulumi);
      expect(close).toBe(steps(job).length - 1);
      expect(steps(job)[close].if).toBe('always()');

      // The tunnel's target is read from the very stack Pulumi then runs.
      const t = steps(job)[target];
      expect(t.run).toContain('pulumi config --json --stack "$STACK"');
      expect(t.run).toContain('npx ts-node --transpile-only scripts/ci/api-tunnel-target.ts');
      expect(t.run).toContain('>> "$GITHUB_OUTPUT"');
      expect(t.env.STACK).toBe(STACK);
      expect(steps(job)[pulumi].with['stack-name']).toBe(STACK);
      // The Pulumi CLI is there for `pulumi config` before the command step.
      const cli = index(job, (s) => uses('pulumi/actions')(s) && s.with === undefined);
      expect(cli).toBeLessThan(target);

      const o = steps(job)[open];
      expect(o.run).toBe('bash scripts/ci/api-tunnel.sh start "$VM" "$ZONE" "$PROJECT" "$PORT"');
      expect(o.env).toEqual({
        VM: '${{ steps.target.outputs.vm }}',
        ZONE: '${{ steps.target.outputs.zone }}',
        PROJECT: '${{ steps.target.outputs.project }}',
        PORT: '${{ steps.target.outputs.port }}',
      });
      expect(steps(job)[gcloud].with.version).toMatch(/^\d+\.\d+\.\d+$/);
    },
  );

  it.each(['preview', 'up'])(
    '%s: installs without scripts, before the step that mints Google credentials',
    (job) => {
      const installs = steps(job).filter(runs('npm ci'));
      expect(installs.map((s) => s.run)).toEqual(['npm ci --ignore-scripts']);
      expect(index(job, runs('npm ci'))).toBeLessThan(
        index(job, uses('google-github-actions/auth')),
      );
      expect(steps(job)[0].with['persist-credentials']).toBe(false);
    },
  );

  it('runs when the tunnel scripts or the workflow change, not only the program', () => {
    for (const event of ['pull_request', 'push'])
      expect(infra.doc.on[event].paths).toEqual(
        expect.arrayContaining(['infra/**', 'scripts/ci/**', '.github/workflows/infra.yml']),
      );
  });

  it('documents the stack setting and the IAP role the tunnel needs', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain('pulumi config set apiServerEndpoint iap-tunnel');
    expect(readme).toContain('roles/iap.tunnelResourceAccessor');
    expect(infra.text).toContain('roles/iap.tunnelResourceAccessor');
  });
});

describe('manifests.yml publishing', () => {
  const manifests = workflows.find((w) => w.file === 'manifests.yml')!;
  const jobs = manifests.doc.jobs as Record<string, any>;
  const steps = (job: string): any[] => jobs[job].steps as any[];
  const runs = (job: string): string =>
    steps(job)
      .map((s) => String(s.run ?? ''))
      .join('\n');
  const uses = (job: string, action: string): any[] =>
    steps(job).filter((s) => String(s.uses).startsWith(`${action}@`));
  const needs = (job: string): string[] => [jobs[job].needs ?? []].flat();
  const HEAD_SHA = '${{ github.event.workflow_run.head_sha }}';
  const writers = Object.keys(jobs).filter((j) =>
    Object.values(jobs[j].permissions as object).includes('write'),
  );

  it('publishes only after ci passed on a push to main, the very commit ci tested', () => {
    expect(manifests.doc.on.push).toBeUndefined();
    expect(manifests.doc.on.workflow_run).toEqual({
      workflows: ['ci'],
      types: ['completed'],
      branches: ['main'],
    });
    const gate = String(jobs.image.if).replace(/\s+/g, ' ');
    expect(gate).toContain("github.event.workflow_run.conclusion == 'success'");
    expect(gate).toContain("github.event.workflow_run.event == 'push'");
    expect(gate).toContain(
      'github.event.workflow_run.head_repository.full_name == github.repository',
    );
    // Everything that publishes hangs off the gated image job.
    for (const job of ['render', 'staging', 'staging-healthy', 'prod']) {
      const ancestors = new Set<string>();
      const visit = (j: string): void => needs(j).forEach((n) => (ancestors.add(n), visit(n)));
      visit(job);
      expect({ job, image: ancestors.has('image') }).toEqual({ job, image: true });
    }
    for (const job of ['image', 'render', 'staging', 'staging-healthy', 'prod']) {
      expect({ job, ref: uses(job, 'actions/checkout')[0].with.ref }).toEqual({
        job,
        ref: HEAD_SHA,
      });
    }
    expect(manifests.text).not.toMatch(/github\.sha/);
  });

  it('publishes manifests pinned by the digest the registry returned for the pushed image', () => {
    const build = uses('image', 'docker/build-push-action')[0];
    expect(build.with.push).toBe(true);
    expect(build.with.tags).toBe(`\${{ steps.repository.outputs.repository }}:${HEAD_SHA}`);
    expect(jobs.image.outputs.digest).toBe(`\${{ steps.${build.id}.outputs.digest }}`);
    const synth = steps('render').find((s) => /npm run synth/.test(String(s.run)));
    expect(synth.run).toContain('"--image-digest=$IMAGE_DIGEST"');
    expect(synth.run).toContain('"--image-tag=$IMAGE_TAG"');
    expect(synth.env.IMAGE_DIGEST).toBe('${{ needs.image.outputs.digest }}');
    expect(synth.env.IMAGE_TAG).toBe(HEAD_SHA);
  });

  it('derives the image repository once, from the repository owner, and passes it to synth', () => {
    const step = steps('image').find((s) => s.id === 'repository');
    expect(step.run).toBe(
      'echo "repository=ghcr.io/${GITHUB_REPOSITORY_OWNER,,}/spring-api" >> "$GITHUB_OUTPUT"',
    );
    expect(jobs.image.outputs.repository).toBe('${{ steps.repository.outputs.repository }}');
    const synth = steps('render').find((s) => /npm run synth/.test(String(s.run)));
    expect(synth.run).toContain('"--image-repository=$IMAGE_REPOSITORY"');
    expect(synth.env.IMAGE_REPOSITORY).toBe('${{ needs.image.outputs.repository }}');
    // No other spelling of an image path in any workflow.
    const paths = workflows.flatMap(({ text }) => [...text.matchAll(/ghcr\.io\/[^\s"']*/g)]);
    expect(paths.map((m) => m[0])).toEqual(['ghcr.io/${GITHUB_REPOSITORY_OWNER,,}/spring-api']);
  });

  it('renders once, guards the render, and promotes that same render from staging to prod', () => {
    expect(needs('render')).toEqual(['image']);
    expect(needs('staging')).toEqual(['render']);
    expect(needs('staging-healthy')).toEqual(['staging']);
    expect(needs('prod').sort()).toEqual(['render', 'staging-healthy']);
    const names = steps('render').map((s) => String(s.run ?? s.uses));
    const synth = names.findIndex((n) => n.includes('npm run synth'));
    const guard = names.findIndex((n) =>
      n.includes('ts-node --transpile-only scripts/gitops/guard-manifests.ts "$RUNNER_TEMP/dist"'),
    );
    const upload = names.findIndex((n) => n.startsWith('actions/upload-artifact@'));
    expect(synth).toBeGreaterThanOrEqual(0);
    expect(guard).toBeGreaterThan(synth);
    expect(upload).toBeGreaterThan(guard);
    const artifact = uses('render', 'actions/upload-artifact')[0].with.name;
    for (const job of ['staging', 'prod']) {
      expect(uses(job, 'actions/download-artifact')[0].with.name).toBe(artifact);
      const publish = steps(job).find((s) => /publish-manifests\.sh/.test(String(s.run)));
      expect(publish.run).toContain(
        'publish-manifests.sh --env "$ENVIRONMENT" "$RUNNER_TEMP/dist"',
      );
      expect(publish.env.SOURCE_COMMIT).toBe(HEAD_SHA);
    }
    expect(steps('staging')).toEqual(steps('prod'));
    expect(steps('staging').find((s) => s.id === 'publish').env.ENVIRONMENT).toBe(
      "${{ github.job == 'staging' && 'staging' || 'prod' }}",
    );
  });

  it('waits for staging to apply the published revision and pass the smoke test', () => {
    const check = runs('staging-healthy');
    expect(check).toContain(
      '--for=jsonpath=\'{.status.lastAppliedRevision}\'="deploy@sha1:$REVISION"',
    );
    expect(check).toContain('--for=condition=Ready');
    expect(check).toContain('npm run smoke -- --kubeconfig "$KUBECONFIG"');
    expect(steps('staging-healthy').find((s) => s.env?.REVISION).env.REVISION).toBe(
      '${{ needs.staging.outputs.revision }}',
    );
    expect(jobs.staging.outputs.revision).toBe('${{ steps.publish.outputs.revision }}');
  });

  it('promotes to prod and rolls prod back only through the reviewed production environment', () => {
    expect(jobs.prod.environment).toBe('production');
    expect(jobs.rollback.environment).toBe('production');
    expect(jobs.staging.environment).toBeUndefined();
    expect(jobs.prod.concurrency).toEqual({ group: 'deploy-prod', 'cancel-in-progress': false });
    expect(jobs.rollback.concurrency).toEqual(jobs.prod.concurrency);
    expect(manifests.text).toMatch(/required reviewers/);
  });

  it('rolls prod back in one step: a workflow_dispatch naming a deploy-branch commit', () => {
    expect(manifests.doc.on.workflow_dispatch.inputs.rollback_to.required).toBe(true);
    expect(jobs.rollback.if).toBe("github.event_name == 'workflow_dispatch'");
    const step = steps('rollback').find((s) => /rollback-manifests\.sh/.test(String(s.run)));
    // The input reaches the script as data, never spliced into the shell.
    expect(step.env.ROLLBACK_TO).toBe('${{ inputs.rollback_to }}');
    expect(step.run).toContain(
      'bash scripts/gitops/rollback-manifests.sh "$remote" deploy prod "$ROLLBACK_TO"',
    );
  });

  it('installs without scripts wherever it installs, and never where it can write', () => {
    const installing = Object.keys(jobs).filter((j) => /\bnpm ci\b/.test(runs(j)));
    expect(installing.sort()).toEqual(['diff', 'render', 'staging-healthy']);
    for (const job of installing) {
      expect(runs(job)).not.toMatch(/npm ci(?! --ignore-scripts)/);
      expect({ job, writes: writers.includes(job) }).toEqual({ job, writes: false });
    }
    const base = readFileSync(join(root, 'scripts/gitops/render-base.sh'), 'utf8');
    expect(base).toContain('npm ci --ignore-scripts');
  });

  it('pushes from jobs that run only git and the checked-in publish scripts, token in one step', () => {
    expect(writers.sort()).toEqual(['comment', 'image', 'prod', 'rollback', 'staging']);
    for (const job of ['staging', 'prod', 'rollback']) {
      for (const checkout of uses(job, 'actions/checkout')) {
        expect(checkout.with['persist-credentials']).toBe(false);
      }
      expect(uses(job, 'actions/setup-node')).toEqual([]);
      expect(runs(job)).not.toMatch(/\b(npm|npx|node|ts-node)\b/);
      expect(jobs[job].env).toBeUndefined();
      const withToken = steps(job).filter((s) =>
        JSON.stringify(s).includes('secrets.GITHUB_TOKEN'),
      );
      expect(withToken).toHaveLength(1);
      expect(withToken[0].env.TOKEN).toBe('${{ secrets.GITHUB_TOKEN }}');
      expect(withToken[0].run).toMatch(/bash scripts\/gitops\/(publish|rollback)-manifests\.sh/);
    }
  });

  it("gives a fork's pull request the diff as the job summary, and comments only for others", () => {
    expect(runs('diff')).toContain('cat "$RUNNER_TEMP/diff/diff.md" >> "$GITHUB_STEP_SUMMARY"');
    expect(jobs.comment.if).toBe(
      "github.event_name == 'pull_request' && !github.event.pull_request.head.repo.fork",
    );
    expect(needs('comment')).toEqual(['diff']);
    expect(uses('comment', 'actions/checkout')).toEqual([]);
    expect(uses('comment', 'actions/download-artifact')[0].with.name).toBe(
      uses('diff', 'actions/upload-artifact')[0].with.name,
    );
  });
});
