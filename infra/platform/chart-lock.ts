// charts/versions.lock.json records, for each wrapper chart, its version and a digest of its
// folder. Flux installs the platform charts with `reconcileStrategy: ChartVersion`, so a
// release is upgraded only when its chart's version changes: any change to a chart's files
// (templates, values files, dependencies, rules, dashboards) must come with a version bump, or
// Flux never rolls it out. The lock is how a test notices a change without a bump.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parse } from 'yaml';
import { CHARTS_DIR } from './charts';

/** The lock file, next to the charts it describes. */
export const CHART_LOCK_FILE = join(CHARTS_DIR, 'versions.lock.json');

/** The npm script that refreshes the lock. */
export const CHART_LOCK_COMMAND = 'npm run charts:lock';

/** One chart's entry in the lock. */
export interface ChartLockEntry {
  readonly version: string;
  /** sha256 over the folder's files (paths and contents), see chartDigest. */
  readonly digest: string;
}

export type ChartLock = Readonly<Record<string, ChartLockEntry>>;

/**
 * What `helm dependency update` writes into a chart folder: downloaded archives and their lock.
 * They are derived from Chart.yaml (whose versions are exact), so they are left out.
 */
const DERIVED = new Set(['charts', 'tmpcharts', 'Chart.lock']);

function files(dir: string, top = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (dir === top && DERIVED.has(e.name)) return [];
    if (e.isDirectory()) return files(path, top);
    return e.isFile() ? [path] : [];
  });
}

/**
 * sha256 of a chart folder: each file's path (with "/") and contents (CRLF read as LF, so a
 * Windows checkout agrees), in path order.
 */
export function chartDigest(chartDir: string): string {
  const hash = createHash('sha256');
  const paths = files(chartDir)
    .map((f) => relative(chartDir, f).split(sep).join('/'))
    .sort();
  for (const p of paths) {
    const text = readFileSync(join(chartDir, p), 'utf8').replace(/\r\n/g, '\n');
    hash.update(`${p}\0${Buffer.byteLength(text)}\0`).update(text);
  }
  return `sha256:${hash.digest('hex')}`;
}

/** The `version` of charts/<name>/Chart.yaml. */
export function chartVersion(chartDir: string): string {
  const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as {
    version?: string | number;
  };
  return String(chart.version ?? '');
}

/** The current entry of each named chart. */
export function currentLock(names: readonly string[], dir = CHARTS_DIR): ChartLock {
  return Object.fromEntries(
    names.map((n) => [
      n,
      { version: chartVersion(join(dir, n)), digest: chartDigest(join(dir, n)) },
    ]),
  );
}

/** Parses x.y.z (an optional v and a pre-release suffix are allowed) for comparison. */
function semver(v: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function newer(a: string, b: string): boolean {
  const x = semver(a);
  const y = semver(b);
  if (!x || !y) return a !== b;
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] ?? 0) > (y[i] ?? 0);
  return false;
}

/**
 * What is wrong with the recorded lock against the charts as they are, one message per chart:
 * a content change without a higher version (bump it), or a lock that was not refreshed.
 * `refreshing` leaves out the second kind (the refresh is what fixes it).
 */
export function lockProblems(
  recorded: ChartLock,
  current: ChartLock,
  refreshing = false,
): string[] {
  const problems: string[] = [];
  for (const [name, now] of Object.entries(current)) {
    const was = recorded[name];
    const file = `charts/${name}/Chart.yaml`;
    if (!was) {
      if (!refreshing)
        problems.push(
          `charts/${name} is not in charts/versions.lock.json: run "${CHART_LOCK_COMMAND}"`,
        );
      continue;
    }
    if (was.digest !== now.digest && !newer(now.version, was.version)) {
      problems.push(
        `charts/${name} changed since charts/versions.lock.json but its version is still ${now.version}: ` +
          `Flux (reconcileStrategy: ChartVersion) would not roll it out. ` +
          `Bump "version" in ${file} above ${was.version}, then run "${CHART_LOCK_COMMAND}"`,
      );
    } else if (!refreshing && (was.digest !== now.digest || was.version !== now.version)) {
      problems.push(
        `charts/${name} is at version ${now.version} but charts/versions.lock.json records ${was.version} ` +
          `with another digest: run "${CHART_LOCK_COMMAND}"`,
      );
    }
  }
  if (!refreshing) {
    for (const name of Object.keys(recorded).filter((n) => !(n in current)))
      problems.push(
        `charts/versions.lock.json names ${name}, which is not a wrapper chart: run "${CHART_LOCK_COMMAND}"`,
      );
  }
  return problems;
}

/** The lock as committed (empty when the file does not exist yet). */
export function readLock(file = CHART_LOCK_FILE): ChartLock {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ChartLock;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw e;
  }
}
