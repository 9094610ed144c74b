import { ManifestObject } from '../render';
import { containers, id, podTemplate } from './objects';

// What every container of every workload must have: a locked-down security context,
// requests and limits, probes, and a pinned image.

/**
 * The restricted security context on every container (non-root numeric UID, read-only root,
 * no privilege escalation, ALL capabilities dropped, RuntimeDefault seccomp), /tmp writable
 * through an emptyDir, and no host namespaces.
 */
export function securityContextViolations(objects: readonly ManifestObject[]): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const spec = podTemplate(o)?.spec;
    if (!spec) continue;
    const pod = spec.securityContext ?? {};
    for (const c of containers(spec)) {
      const sc = c.securityContext ?? {};
      const where = `${id(o)} container ${c.name}`;
      const user = sc.runAsUser ?? pod.runAsUser;
      if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) {
        out.push(`${where}: runAsNonRoot is not true`);
      }
      if (user === undefined || !Number.isInteger(user) || user < 1000) {
        out.push(`${where}: runAsUser ${user} is not a non-root numeric UID`);
      }
      if (sc.readOnlyRootFilesystem !== true) {
        out.push(`${where}: readOnlyRootFilesystem is not true`);
      }
      if (sc.allowPrivilegeEscalation !== false) {
        out.push(`${where}: allowPrivilegeEscalation is not false`);
      }
      if (sc.privileged === true) out.push(`${where}: privileged`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) {
        out.push(`${where}: capabilities do not drop ALL`);
      }
      if ((sc.capabilities?.add ?? []).length > 0) out.push(`${where}: adds capabilities`);
      const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
      if (seccomp !== 'RuntimeDefault') {
        out.push(`${where}: seccompProfile is ${seccomp}, not RuntimeDefault`);
      }
      const tmp = (c.volumeMounts ?? []).find((m) => m.mountPath === '/tmp');
      const volume = tmp && (spec.volumes ?? []).find((v) => v.name === tmp.name);
      if (!volume?.emptyDir) out.push(`${where}: /tmp is not an emptyDir mount`);
    }
    if (spec.hostNetwork === true || spec.hostPID === true || spec.hostIPC === true) {
      out.push(`${id(o)}: uses host namespaces`);
    }
  }
  return out;
}

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
