import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EnvironmentName } from '../config/environments';
import { helmChart } from './helm';
import { CHART_ID, renderAll } from './render';
import { SpringApiProps } from './spring-api/props';

export interface SynthOptions {
  /** Root output folder; environments go to `<outdir>/<env>/`, charts to `<outdir>/helm/`. */
  readonly outdir: string;
  /** Profiles to synthesize, by environment. */
  readonly profiles: Readonly<Partial<Record<EnvironmentName, SpringApiProps>>>;
  /** Version stamped on the Helm charts. */
  readonly chartVersion: string;
}

export interface SynthSummary {
  readonly environment: EnvironmentName;
  /** Objects per kind, sorted by kind. */
  readonly kinds: Readonly<Record<string, number>>;
  readonly objects: number;
  readonly file: string;
}

function writeTree(root: string, files: Record<string, string>): void {
  for (const [path, contents] of Object.entries(files)) {
    const target = join(root, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, contents);
  }
}

/**
 * Validates and renders every profile in memory first; only when all succeed are the files
 * written, into a scratch folder that then replaces each environment's folder. A bad value
 * therefore leaves `outdir` exactly as it was.
 */
export function synthesize(options: SynthOptions): SynthSummary[] {
  const rendered = renderAll(options.profiles);

  // Each environment owns two folders: its manifests and its chart.
  const files: Record<string, string> = {};
  const folders: string[] = [];
  for (const env of rendered) {
    const chart = join('helm', `${CHART_ID}-${env.environment}`);
    folders.push(env.environment, chart);
    files[join(env.environment, `${CHART_ID}.k8s.yaml`)] = env.yaml;
    for (const file of helmChart(env, options.chartVersion)) {
      files[join(chart, file.path)] = file.contents;
    }
  }

  const scratch = join(options.outdir, `.synth-${process.pid}`);
  rmSync(scratch, { recursive: true, force: true });
  try {
    writeTree(scratch, files);
    for (const folder of folders) {
      rmSync(join(options.outdir, folder), { recursive: true, force: true });
      mkdirSync(dirname(join(options.outdir, folder)), { recursive: true });
      renameSync(join(scratch, folder), join(options.outdir, folder));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  return rendered.map((env) => {
    const kinds: Record<string, number> = {};
    for (const o of env.objects) kinds[o.kind] = (kinds[o.kind] ?? 0) + 1;
    return {
      environment: env.environment,
      kinds: Object.fromEntries(Object.entries(kinds).sort(([a], [b]) => a.localeCompare(b))),
      objects: env.objects.length,
      file: join(options.outdir, env.environment, `${CHART_ID}.k8s.yaml`),
    };
  });
}
