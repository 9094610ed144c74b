import { ManifestObject } from '../render';
import { containers, id, podTemplate } from './objects';

/** CPU and memory requests and limits on every container: the quota and scheduler need them. */
export function resourceViolations(objects: readonly ManifestObject[]): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const spec = podTemplate(o)?.spec;
    if (!spec) continue;
    for (const c of containers(spec)) {
      for (const kind of ['requests', 'limits'] as const) {
        for (const resource of ['cpu', 'memory']) {
          if (c.resources?.[kind]?.[resource] === undefined) {
            out.push(`${id(o)} container ${c.name}: no ${resource} ${kind.replace(/s$/, '')}`);
          }
        }
      }
    }
  }
  return out;
}

/** Startup, readiness and liveness probes on every long-running container. */
export function probeViolations(objects: readonly ManifestObject[]): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const spec = podTemplate(o)?.spec;
    if (!spec || o.kind === 'Job') continue;
    for (const c of spec.containers ?? []) {
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
        if (!c[probe]) out.push(`${id(o)} container ${c.name}: no ${probe}`);
      }
    }
  }
  return out;
}

/** Every image pinned by a tag other than latest, or by digest: a rollout must be repeatable. */
export function imageViolations(objects: readonly ManifestObject[]): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const spec = podTemplate(o)?.spec;
    if (!spec) continue;
    for (const c of containers(spec)) {
      const image = c.image ?? '';
      const withoutDigest = image.split('@')[0] ?? '';
      const lastSegment = withoutDigest.split('/').pop() ?? '';
      const tag = lastSegment.includes(':') ? lastSegment.split(':').pop() : undefined;
      if (!image.includes('@sha256:') && (!tag || tag.toLowerCase() === 'latest')) {
        out.push(`${id(o)} container ${c.name}: image "${image}" is not pinned`);
      }
    }
  }
  return out;
}
