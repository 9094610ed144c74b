// The footprint as a Markdown table, for the README and `npm run footprint`.
import type { Footprint } from './footprint';
import type { Requests } from './footprint-values';

/** A share as a percentage with one decimal. */
export const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

/** The footprint as a Markdown table, for the README and `npm run footprint`. */
export function footprintTable(f: Footprint): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
  const both = (r: Requests) => [`${Math.ceil(r.cpuMillis)}m`, `${Math.ceil(r.memoryMiB)}Mi`];
  const app = f.app;
  return [
    line(['share', 'from', 'object', 'pods', 'CPU / pod', 'memory / pod', 'CPU', 'memory']),
    line(['---', '---', '---', '---:', '---:', '---:', '---:', '---:']),
    ...f.rows.map((r) =>
      line([
        r.share,
        r.source,
        r.object,
        r.pods,
        ...both(r.perPod),
        `${r.perPod.cpuMillis * r.pods}m`,
        `${Math.ceil(r.perPod.memoryMiB * r.pods)}Mi`,
      ]),
    ),
    line(['**platform**', '', '', '', '', '', ...both(f.platform).map((x) => `**${x}**`)]),
    line([
      '**everything on the workers**',
      '',
      '',
      '',
      '',
      '',
      ...both(f.total).map((x) => `**${x}**`),
    ]),
    line(['allocatable', '', `${f.workers} worker(s)`, '', '', '', ...both(f.allocatable)]),
    line([
      'share: platform',
      '',
      '',
      '',
      '',
      '',
      pct(f.platformShare.cpu),
      pct(f.platformShare.memory),
    ]),
    line([
      '**share: everything**',
      '',
      '',
      '',
      '',
      '',
      `**${pct(f.totalShare.cpu)}**`,
      `**${pct(f.totalShare.memory)}**`,
    ]),
    line([
      `application (${f.database.environment})`,
      f.database.source,
      `${f.database.object}: ${f.database.instances} instance(s)`,
      f.database.instances,
      ...both(f.database.perPod),
      `${f.database.perPod.cpuMillis * f.database.instances}m`,
      `${Math.ceil(f.database.perPod.memoryMiB * f.database.instances)}Mi`,
    ]),
    line([
      `application (${app.environment})`,
      'spring-api',
      `${app.minReplicas} to ${app.maxReplicas} replicas`,
      `${app.minReplicas}-${app.maxReplicas}`,
      ...both(app.perPod),
      `${app.perPod.cpuMillis * app.minReplicas}-${app.perPod.cpuMillis * app.maxReplicas}m`,
      `${app.perPod.memoryMiB * app.minReplicas}-${app.perPod.memoryMiB * app.maxReplicas}Mi`,
    ]),
    line([
      '**with the application**',
      '',
      '',
      '',
      '',
      '',
      ...both(f.withApplication).map((x) => `**${x}**`),
    ]),
    line([
      'share: with the application',
      '',
      '',
      '',
      '',
      '',
      pct(f.withApplication.cpuMillis / f.allocatable.cpuMillis),
      pct(f.withApplication.memoryMiB / f.allocatable.memoryMiB),
    ]),
  ].join('\n');
}
