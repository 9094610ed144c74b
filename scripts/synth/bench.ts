// `npm run synth:bench [-- --runs=<n>] [-- --ts-node]`: times `npm run synth` side by side
// with `helm template` over the three charts synth writes (dist/helm/spring-api-<env>, one
// helm invocation each, timed together), alternating which goes first in each round, and
// prints the medians and their ratio. Context columns: the launcher without npm in front
// (`node scripts/synth/run.js`), npm's own cost (`npm run env`, a script that does next to
// nothing) and, with --ts-node, the former `ts-node --transpile-only infra/apps/main.ts`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { ENVIRONMENTS } from '../../infra/config/environments';

const root = resolve(__dirname, '..', '..');
const helm = join(root, '.tools', 'bin', 'helm');

interface Options {
  readonly runs: number;
  readonly tsNode: boolean;
}

export function parseArgs(argv: readonly string[]): Options {
  let runs = 7;
  let tsNode = false;
  for (const arg of argv) {
    if (arg === '--ts-node') tsNode = true;
    else if (arg.startsWith('--runs=')) {
      const value = arg.slice('--runs='.length);
      if (!/^[1-9][0-9]?$/.test(value)) {
        throw new Error(`synth:bench: --runs is ${JSON.stringify(value)}; allowed: 1 to 99`);
      }
      runs = Number(value);
    } else {
      throw new Error(
        `synth:bench: unknown argument ${JSON.stringify(arg)}; allowed: --runs=<1-99>, --ts-node`,
      );
    }
  }
  return { runs, tsNode };
}

/** Wall time of one command in seconds; a failing command stops the benchmark. */
function time(command: string, args: readonly string[]): number {
  const started = process.hrtime.bigint();
  const run = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) {
    throw new Error(`synth:bench: ${command} ${args.join(' ')} failed:\n${String(run.stderr)}`);
  }
  return seconds;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  if (!existsSync(helm)) throw new Error(`synth:bench: ${helm} is missing; run npm run tools`);
  const measures: Record<string, () => number> = {
    'npm run synth': () => time('npm', ['run', '-s', 'synth']),
    'helm template x3': () =>
      ENVIRONMENTS.reduce(
        (sum, env) => sum + time(helm, ['template', join('dist', 'helm', `spring-api-${env}`)]),
        0,
      ),
    'node scripts/synth/run.js': () => time(process.execPath, ['scripts/synth/run.js']),
    'npm run env (npm alone)': () => time('npm', ['run', '-s', 'env']),
    ...(options.tsNode
      ? {
          'ts-node (before)': () =>
            time(join(root, 'node_modules', '.bin', 'ts-node'), [
              '--transpile-only',
              'infra/apps/main.ts',
            ]),
        }
      : {}),
  };
  // A first synth builds the bundle and its code cache when stale and writes the charts.
  time('npm', ['run', '-s', 'synth']);
  const before = loadavg();
  const names = Object.keys(measures);
  const seconds: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < options.runs; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) seconds[name].push(measures[name]());
  }
  const after = loadavg();
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(
    `${options.runs} alternating rounds on ${cpus().length} CPUs; ` +
      `load average before ${load(before)}, after ${load(after)}`,
  );
  for (const name of names) {
    const all = seconds[name].map((s) => s.toFixed(2)).join(' ');
    console.log(`${name.padEnd(28)} median ${median(seconds[name]).toFixed(3)} s  (${all})`);
  }
  const helmMedian = median(seconds['helm template x3']);
  for (const name of names.filter(
    (n) => n !== 'helm template x3' && !n.startsWith('npm run env'),
  )) {
    console.log(
      `ratio ${name} / helm template x3: ${(median(seconds[name]) / helmMedian).toFixed(1)}x`,
    );
  }
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
