// Reading requests out of the wrapper charts' merged values (and other manifests), failing with
// the chart, object and container whenever a container would run without a CPU and memory
// request or without a memory limit.
import { ClusterTarget } from '../config/environments';
import { parseCpuMillis, parseMemoryBytes } from '../config/quantities';
import { wrapperChart } from './charts';

/** Requests of a container or a pod, in millicores and MiB. */
export interface Requests {
  readonly cpuMillis: number;
  readonly memoryMiB: number;
}

export type Values = Record<string, unknown>;

function isObject(v: unknown): v is Values {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `over` deep-merged onto `base`, maps key by key, as Helm merges values files. */
export function merge(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isObject(b) && isObject(v) ? merge(b, v) : v;
  }
  return out;
}

/** values.yaml then values-<target>.yaml, merged the way Helm merges them. */
export function mergedValues(chart: string, target: ClusterTarget, chartsDir: string): Values {
  return wrapperChart(chart, chartsDir)
    .values(target)
    .reduce<Values>((a, b) => merge(a, b), {});
}

/**
 * The value at a dotted path; a segment `list[name=x]` picks the element of `list` whose name is
 * x (how the Installation's overrides name their containers).
 */
export function at(values: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, segment) => {
    const pick = /^(.+)\[name=(.+)\]$/.exec(segment);
    if (!pick) return isObject(v) ? v[segment] : undefined;
    const list = isObject(v) ? v[pick[1] ?? ''] : undefined;
    return Array.isArray(list)
      ? (list as unknown[]).find((e) => isObject(e) && e.name === pick[2])
      : undefined;
  }, values);
}

const quantity = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;

/** The requests of a `resources` block; fails, naming `where`, when any of the three is missing. */
export function requestsOf(resources: unknown, where: string): Requests {
  const requests = isObject(resources) ? resources.requests : undefined;
  const limits = isObject(resources) ? resources.limits : undefined;
  const cpu = quantity(isObject(requests) ? requests.cpu : undefined);
  const memory = quantity(isObject(requests) ? requests.memory : undefined);
  const limit = quantity(isObject(limits) ? limits.memory : undefined);
  const cpuMillis = cpu === undefined ? undefined : parseCpuMillis(cpu);
  const memoryBytes = memory === undefined ? undefined : parseMemoryBytes(memory);
  if (cpuMillis === undefined || memoryBytes === undefined)
    throw new Error(
      `${where}: has no CPU and memory request (requests.cpu and requests.memory must be set explicitly)`,
    );
  if (limit === undefined || parseMemoryBytes(limit) === undefined)
    throw new Error(`${where}: has no memory limit (limits.memory must be set explicitly)`);
  return { cpuMillis, memoryMiB: memoryBytes / 2 ** 20 };
}

/** Adds requests up. */
export function sum(list: readonly Requests[]): Requests {
  return list.reduce(
    (a, b) => ({ cpuMillis: a.cpuMillis + b.cpuMillis, memoryMiB: a.memoryMiB + b.memoryMiB }),
    { cpuMillis: 0, memoryMiB: 0 },
  );
}

/**
 * A pod's request as the scheduler counts it: the sum of its containers, or its largest init
 * container if that is more (init containers run one at a time, before the others).
 */
export function podRequests(containers: readonly Requests[], inits: readonly Requests[]): Requests {
  const running = sum(containers);
  return {
    cpuMillis: Math.max(running.cpuMillis, ...inits.map((r) => r.cpuMillis)),
    memoryMiB: Math.max(running.memoryMiB, ...inits.map((r) => r.memoryMiB)),
  };
}
