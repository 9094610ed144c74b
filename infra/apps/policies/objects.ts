import { ManifestObject } from '../render';

// Read-only views of the manifest fields the policies read. Synthesized objects are plain
// JSON, so every field is optional: a policy reports what is missing instead of crashing.

export interface SecurityContextView {
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly readOnlyRootFilesystem?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly privileged?: boolean;
  readonly capabilities?: { readonly drop?: readonly string[]; readonly add?: readonly string[] };
  readonly seccompProfile?: { readonly type?: string };
}

export interface KeyRefView {
  readonly name?: string;
  readonly key?: string;
}

export interface EnvVarView {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: {
    readonly configMapKeyRef?: KeyRefView;
    readonly secretKeyRef?: KeyRefView;
  };
}

export interface EnvFromView {
  readonly prefix?: string;
  readonly configMapRef?: { readonly name?: string };
  readonly secretRef?: { readonly name?: string };
}

export interface VolumeMountView {
  readonly name: string;
  readonly mountPath: string;
  readonly subPath?: string;
}

export interface ContainerView {
  readonly name: string;
  readonly image?: string;
  readonly env?: readonly EnvVarView[];
  readonly envFrom?: readonly EnvFromView[];
  readonly ports?: readonly { readonly name?: string; readonly containerPort?: number }[];
  readonly resources?: {
    readonly requests?: Readonly<Record<string, unknown>>;
    readonly limits?: Readonly<Record<string, unknown>>;
  };
  readonly securityContext?: SecurityContextView;
  readonly volumeMounts?: readonly VolumeMountView[];
  readonly startupProbe?: unknown;
  readonly readinessProbe?: unknown;
  readonly livenessProbe?: unknown;
}

export interface KeyToPathView {
  readonly key: string;
  readonly path: string;
}

export interface VolumeView {
  readonly name: string;
  readonly emptyDir?: unknown;
  readonly configMap?: { readonly name?: string; readonly items?: readonly KeyToPathView[] };
  readonly secret?: { readonly secretName?: string; readonly items?: readonly KeyToPathView[] };
}

export interface PodSpecView {
  readonly securityContext?: SecurityContextView;
  readonly initContainers?: readonly ContainerView[];
  readonly containers?: readonly ContainerView[];
  readonly volumes?: readonly VolumeView[];
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly hostIPC?: boolean;
}

export interface ObjectMetaView {
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface PodTemplateView {
  readonly metadata?: ObjectMetaView;
  readonly spec?: PodSpecView;
}

const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet'];

/** `Kind/namespace/name`: how every violation names its object. */
export function id(o: ManifestObject): string {
  return `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** The pod template of a workload, or undefined for any other kind. */
export function podTemplate(o: ManifestObject): PodTemplateView | undefined {
  if (!WORKLOAD_KINDS.includes(o.kind)) return undefined;
  return (o.spec as { readonly template?: PodTemplateView } | undefined)?.template;
}

/** Init containers first, then the others. */
export function containers(spec: PodSpecView): readonly ContainerView[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}

/** The `data` of a ConfigMap or Secret. */
export function dataOf(o: ManifestObject): Readonly<Record<string, string>> {
  return (o.data as Readonly<Record<string, string>> | undefined) ?? {};
}

/** Calls `visit` with the path and value of every string inside `value`. */
export function walkStrings(
  value: unknown,
  path: readonly string[],
  visit: (path: readonly string[], value: string) => void,
): void {
  if (typeof value === 'string') visit(path, value);
  else if (Array.isArray(value)) {
    value.forEach((v: unknown, i) => walkStrings(v, [...path, String(i)], visit));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) walkStrings(v, [...path, k], visit);
  }
}
