import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { useTempDir } from '../support/temp-dir';

const root = resolve(__dirname, '..', '..');
const tsNode = join(root, 'node_modules', '.bin', 'ts-node');

function synth(args: string[], outdir: string): ReturnType<typeof spawnSync> {
  return spawnSync(tsNode, ['--transpile-only', join(root, 'infra/apps/main.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, CDK8S_OUTDIR: outdir },
  });
}

describe('npm run synth (infra/apps/main.ts)', () => {
  const temp = useTempDir('main');

  it('synthesizes the environments named, into $CDK8S_OUTDIR', () => {
    const run = synth(['staging', 'prod'], temp());
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^staging: 14 objects \(/m);
    expect(run.stdout).toMatch(/^prod: 14 objects \(/m);
    expect(readdirSync(temp()).sort()).toEqual(['helm', 'prod', 'staging']);
  });

  it('refuses an unknown environment and writes nothing', () => {
    const run = synth(['qa'], temp());
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      'synth: unknown environment "qa"; allowed: dev, staging, prod, --image-tag=<tag> and --image-digest=sha256:<hex>\n',
    );
    expect(readdirSync(temp())).toEqual([]);
    expect(existsSync(join(temp(), 'qa'))).toBe(false);
  });

  it('stamps --image-tag into every environment, validated like a profile value', () => {
    const sha = '3f2c9a1b7d4e5f60718293a4b5c6d7e8f9012345';
    expect(synth(['prod', `--image-tag=${sha}`], temp()).status).toBe(0);
    const prod = readFileSync(join(temp(), 'prod', 'spring-api.k8s.yaml'), 'utf8');
    expect(prod).toContain(`image: ghcr.io/k8s-platform/spring-api:${sha}`);
    expect(prod).toContain(`app.kubernetes.io/version: ${sha}`);
    const bad = synth(['prod', '--image-tag=latest'], temp());
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('prod.springApi.image.tag = "latest" is invalid');
  });

  it('stamps --image-digest into every environment, so the image is pulled by digest', () => {
    const sha = '3f2c9a1b7d4e5f60718293a4b5c6d7e8f9012345';
    const digest = `sha256:${'ab12'.repeat(16)}`;
    const run = synth(
      ['staging', 'prod', `--image-tag=${sha}`, `--image-digest=${digest}`],
      temp(),
    );
    expect(run.status).toBe(0);
    for (const env of ['staging', 'prod']) {
      const yaml = readFileSync(join(temp(), env, 'spring-api.k8s.yaml'), 'utf8');
      expect(yaml).toContain(`image: ghcr.io/k8s-platform/spring-api:${sha}@${digest}`);
    }
    const bad = synth(['prod', '--image-digest=sha256:abc'], temp());
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(
      'prod.springApi.image.digest = "sha256:abc" is invalid: must be a digest of the form "sha256:<64 hex digits>"',
    );
  });
});
