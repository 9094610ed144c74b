import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

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
  let outdir: string;
  beforeEach(() => {
    outdir = mkdtempSync(join(tmpdir(), 'main-'));
  });
  afterEach(() => rmSync(outdir, { recursive: true, force: true }));

  it('synthesizes the environments named, into $CDK8S_OUTDIR', () => {
    const run = synth(['staging', 'prod'], outdir);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^staging: 14 objects \(/m);
    expect(run.stdout).toMatch(/^prod: 14 objects \(/m);
    expect(readdirSync(outdir).sort()).toEqual(['helm', 'prod', 'staging']);
  });

  it('refuses an unknown environment and writes nothing', () => {
    const run = synth(['qa'], outdir);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('synth: unknown environment "qa"; allowed: dev, staging, prod\n');
    expect(readdirSync(outdir)).toEqual([]);
    expect(existsSync(join(outdir, 'qa'))).toBe(false);
  });
});
