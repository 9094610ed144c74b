import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { useTempDir } from '../../support/temp-dir';

const root = resolve(__dirname, '..', '..', '..');
const tsNode = join(root, 'node_modules', '.bin', 'ts-node');
const launcher = join(root, 'scripts', 'synth', 'run.js');

function run(command: string, args: string[], env: Record<string, string>) {
  return spawnSync(command, args, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, SYNTH_LOG_BUILD: '1', ...env },
  });
}

/** Every file under `dir`, by relative path, with its bytes. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (d: string): void => {
    for (const entry of readdirSync(d).sort()) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) visit(path);
      else out[relative(dir, path)] = readFileSync(path).toString('base64');
    }
  };
  visit(dir);
  return out;
}

describe('npm run synth (scripts/synth/run.js, the bundled runner)', () => {
  const temp = useTempDir('synth-run');
  const build = () => join(temp(), 'build');
  const bundled = (args: string[], outdir: string) =>
    run(process.execPath, [launcher, ...args], {
      CDK8S_OUTDIR: outdir,
      SYNTH_BUILD_DIR: build(),
    });
  const stampFile = () => join(build(), 'stamp.json');
  const editStamp = (edit: (stamp: Record<string, any>) => void) => {
    const stamp = JSON.parse(readFileSync(stampFile(), 'utf8'));
    edit(stamp);
    writeFileSync(stampFile(), JSON.stringify(stamp));
  };

  it('writes byte for byte the dist that ts-node writes from infra/apps/main.ts', () => {
    const viaTsNode = run(tsNode, ['--transpile-only', join(root, 'infra/apps/main.ts')], {
      CDK8S_OUTDIR: join(temp(), 'ts-node'),
    });
    expect(viaTsNode.status).toBe(0);
    const first = bundled([], join(temp(), 'bundle'));
    expect(first.stderr).toBe(
      'synth: rebuilding bundle (no bundle yet)\nsynth: writing V8 code cache\n',
    );
    expect(first.status).toBe(0);
    const expected = tree(join(temp(), 'ts-node'));
    expect(Object.keys(expected)).toHaveLength(12);
    expect(tree(join(temp(), 'bundle'))).toEqual(expected);
    // The second run, through npm as the README says, reuses the bundle and its code cache.
    const second = run('npm', ['run', '-s', 'synth'], {
      CDK8S_OUTDIR: join(temp(), 'again'),
      SYNTH_BUILD_DIR: build(),
    });
    expect(second.status).toBe(0);
    expect(second.stderr).toBe('');
    expect(tree(join(temp(), 'again'))).toEqual(expected);
    expect(second.stdout.replace(/ in \d+ ms/, '')).toBe(
      viaTsNode.stdout
        .replaceAll(join(temp(), 'ts-node'), join(temp(), 'again'))
        .replace(/ in \d+ ms/, ''),
    );
  });

  it('is what npm run synth and cdk8s synth run', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.scripts.synth).toBe('node scripts/synth/run.js');
    expect(pkg.dependencies.esbuild).toMatch(/^\d+\.\d+\.\d+$/);
    expect(readFileSync(join(root, 'cdk8s.yaml'), 'utf8')).toMatch(
      /^app: node scripts\/synth\/run\.js$/m,
    );
  });

  it('passes its arguments through: options, environments and the refusal of bad ones', () => {
    const args = ['prod', '--image-tag=1.2.3'];
    const viaTsNode = run(tsNode, ['--transpile-only', 'infra/apps/main.ts', ...args], {
      CDK8S_OUTDIR: join(temp(), 'ts-node'),
    });
    const viaBundle = bundled(args, join(temp(), 'bundle'));
    expect(viaTsNode.status).toBe(0);
    expect(viaBundle.status).toBe(0);
    expect(readdirSync(join(temp(), 'bundle')).sort()).toEqual(['helm', 'prod']);
    expect(tree(join(temp(), 'bundle'))).toEqual(tree(join(temp(), 'ts-node')));
    expect(readFileSync(join(temp(), 'bundle', 'prod', 'spring-api.k8s.yaml'), 'utf8')).toContain(
      ':1.2.3',
    );

    const refused = bundled(['qa'], join(temp(), 'refused'));
    const refusedByTsNode = run(tsNode, ['--transpile-only', 'infra/apps/main.ts', 'qa'], {});
    expect(refused.status).toBe(2);
    expect(refused.stderr).toBe(refusedByTsNode.stderr);
    expect(refusedByTsNode.stderr).toMatch(/^synth: unknown environment "qa"/);
  });

  it('rebuilds when a file the bundle was built from, or esbuild, changed', () => {
    expect(bundled(['staging'], join(temp(), 'a')).status).toBe(0);
    const inputs = Object.keys(JSON.parse(readFileSync(stampFile(), 'utf8')).inputs);
    // Whatever the sources import, from the repository or from node_modules, is watched.
    expect(inputs).toEqual(
      expect.arrayContaining([
        'infra/apps/main.ts',
        'infra/apps/render.ts',
        'scripts/synth/run.js',
        'tsconfig.json',
        'package-lock.json',
      ]),
    );
    expect(inputs.some((f) => /node_modules\/cdk8s\/lib\/chart\.js$/.test(f))).toBe(true);

    editStamp((stamp) => {
      stamp.inputs['infra/apps/render.ts'] = '1 1';
    });
    const edited = bundled(['staging'], join(temp(), 'b'));
    expect(edited.stderr).toMatch(
      /^synth: rebuilding bundle \(infra\/apps\/render\.ts changed\)\n/,
    );
    expect(edited.status).toBe(0);

    editStamp((stamp) => {
      stamp.esbuild = '0.0.1';
    });
    const upgraded = bundled(['staging'], join(temp(), 'c'));
    expect(upgraded.stderr).toMatch(/^synth: rebuilding bundle \(esbuild version changed\)\n/);

    writeFileSync(join(build(), 'main.js'), 'throw new Error("tampered");\n');
    const tampered = bundled(['staging'], join(temp(), 'd'));
    expect(tampered.stderr).toMatch(/^synth: rebuilding bundle \(.*main\.js changed\)\n/);
    expect(tampered.status).toBe(0);
    expect(tree(join(temp(), 'd'))).toEqual(tree(join(temp(), 'a')));
  });

  it('replaces a code cache V8 rejects, and still writes the same output', () => {
    expect(bundled(['dev'], join(temp(), 'a')).status).toBe(0);
    const [cache] = readdirSync(build()).filter((f) => f.endsWith('.v8cache'));
    writeFileSync(join(build(), cache), 'not a code cache');
    const rerun = bundled(['dev'], join(temp(), 'b'));
    expect(rerun.status).toBe(0);
    expect(rerun.stderr).toBe('synth: writing V8 code cache\n');
    expect(readFileSync(join(build(), cache)).length).toBeGreaterThan(100_000);
    expect(tree(join(temp(), 'b'))).toEqual(tree(join(temp(), 'a')));
  });
});
