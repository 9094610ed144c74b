import { ManifestObject } from '../render';
import { MANAGED_PROPERTIES } from '../spring-api/managed';
import { environmentBinds, sameProperty, uniformProperty } from '../spring-api/spring-names';
import {
  ContainerView,
  dataOf,
  EnvVarView,
  KeyToPathView,
  podTemplate,
  PodTemplateView,
} from './objects';

// What Spring Boot inside a container will see, read back from the manifests alone: every
// environment variable and every file of the config trees that `spring.config.import` names,
// with where its value comes from. Policies reason over this view rather than over the props,
// so they also hold for whatever a later change to the construct renders.

/** Where a value comes from. Two bindings with the same origin carry the same value. */
export type Origin =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'ConfigMap'; readonly name: string; readonly key: string }
  | { readonly kind: 'Secret'; readonly name: string; readonly key: string }
  | { readonly kind: 'Vault'; readonly path: string; readonly key: string };

/** One environment variable, or one file of a config tree, as Spring reads it. */
export interface Binding {
  readonly via: 'env' | 'file';
  /** The variable's name, or the property name the file stands for (path, "/" as "."). */
  readonly name: string;
  /** For messages, e.g. `env SERVER_PORT from ConfigMap spring-api-config`; never a value. */
  readonly where: string;
  readonly origin: Origin;
}

/** The bindings of one container of a workload. */
export interface ContainerBindings {
  readonly object: ManifestObject;
  readonly container: ContainerView;
  readonly bindings: readonly Binding[];
}

/** Whether a value comes from a secret store rather than from plain configuration. */
export function isSecret(origin: Origin): boolean {
  return origin.kind === 'Secret' || origin.kind === 'Vault';
}

function describeOrigin(origin: Origin): string {
  if (origin.kind === 'literal') return 'as a literal value';
  if (origin.kind === 'Vault') return `from Vault ${origin.path}`;
  return `from ${origin.kind} ${origin.name}`;
}

function binding(via: 'env' | 'file', name: string, path: string, origin: Origin): Binding {
  return { via, name, where: `${via} ${path} ${describeOrigin(origin)}`, origin };
}

function find(
  objects: readonly ManifestObject[],
  kind: string,
  name: string,
  ns: string | undefined,
): ManifestObject | undefined {
  return objects.find(
    (o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === ns,
  );
}

function envOrigin(e: EnvVarView): Origin | undefined {
  const cm = e.valueFrom?.configMapKeyRef;
  const secret = e.valueFrom?.secretKeyRef;
  if (cm) return { kind: 'ConfigMap', name: cm.name ?? '', key: cm.key ?? '' };
  if (secret) return { kind: 'Secret', name: secret.name ?? '', key: secret.key ?? '' };
  return e.value === undefined ? undefined : { kind: 'literal', value: e.value };
}

function envBindings(
  objects: readonly ManifestObject[],
  ns: string | undefined,
  c: ContainerView,
): Binding[] {
  const out: Binding[] = [];
  // In the kubelet's order: envFrom, then env (which overrides it).
  for (const from of c.envFrom ?? []) {
    const kind = from.configMapRef ? 'ConfigMap' : 'Secret';
    const name = from.configMapRef?.name ?? from.secretRef?.name ?? '';
    const source = find(objects, kind, name, ns);
    for (const key of Object.keys(source ? dataOf(source) : {})) {
      const variable = `${from.prefix ?? ''}${key}`;
      out.push(binding('env', variable, variable, { kind, name, key }));
    }
  }
  for (const e of c.env ?? []) {
    const origin = envOrigin(e);
    if (origin) out.push(binding('env', e.name, e.name, origin));
  }
  return out;
}

/** The plain value of a binding, when the manifests hold it (never for secret origins). */
export function plainValue(
  objects: readonly ManifestObject[],
  ns: string | undefined,
  origin: Origin,
): string | undefined {
  if (origin.kind === 'literal') return origin.value;
  if (origin.kind !== 'ConfigMap') return undefined;
  const source = find(objects, 'ConfigMap', origin.name, ns);
  return source ? dataOf(source)[origin.key] : undefined;
}

/** The folders `spring.config.import` reads as config trees, without trailing "/". */
function configTrees(
  objects: readonly ManifestObject[],
  ns: string | undefined,
  env: readonly Binding[],
): string[] {
  const imports = env.filter((b) => environmentBinds(b.name, 'spring.config.import'));
  const value =
    imports.length === 1 && imports[0] ? plainValue(objects, ns, imports[0].origin) : undefined;
  return (value ?? '')
    .split(',')
    .map((location) => /^(?:optional:)?configtree:(.+?)\/?$/.exec(location.trim())?.[1])
    .filter((dir): dir is string => dir !== undefined);
}

function fileBindings(
  objects: readonly ManifestObject[],
  ns: string | undefined,
  template: PodTemplateView,
  c: ContainerView,
  trees: readonly string[],
): Binding[] {
  const out: Binding[] = [];
  const add = (dir: string, file: string, origin: Origin): void => {
    const tree = trees.find((t) => `${dir}/${file}`.startsWith(`${t}/`));
    if (tree === undefined) return;
    const relative = `${dir}/${file}`.slice(tree.length + 1);
    out.push(binding('file', relative.split('/').join('.'), `${dir}/${file}`, origin));
  };
  for (const mount of c.volumeMounts ?? []) {
    const volume = (template.spec?.volumes ?? []).find((v) => v.name === mount.name);
    const kind = volume?.configMap ? 'ConfigMap' : volume?.secret ? 'Secret' : undefined;
    if (!volume || !kind) continue;
    const name = volume.configMap?.name ?? volume.secret?.secretName ?? '';
    const source = find(objects, kind, name, ns);
    const items: readonly KeyToPathView[] =
      volume.configMap?.items ??
      volume.secret?.items ??
      Object.keys(source ? dataOf(source) : {}).map((key) => ({ key, path: key }));
    for (const item of items) {
      if (mount.subPath !== undefined && mount.subPath !== item.path) continue;
      const [dir, file] =
        mount.subPath === undefined
          ? [mount.mountPath, item.path]
          : [mount.mountPath.replace(/\/[^/]*$/, ''), mount.mountPath.replace(/^.*\//, '')];
      add(dir, file, { kind, name, key: item.key });
    }
  }
  // The Vault agent injector writes one file per `agent-inject-secret-<file>` annotation.
  const annotations = template.metadata?.annotations ?? {};
  if (annotations['vault.hashicorp.com/agent-inject'] === 'true') {
    const dir = annotations['vault.hashicorp.com/secret-volume-path'] ?? '/vault/secrets';
    for (const [key, path] of Object.entries(annotations)) {
      const match = /^vault\.hashicorp\.com\/agent-inject-secret-(.+)$/.exec(key);
      if (match?.[1]) add(dir.replace(/\/$/, ''), match[1], { kind: 'Vault', path, key: match[1] });
    }
  }
  return out;
}

/** Every workload container with what Spring would bind in it. */
export function springBindings(objects: readonly ManifestObject[]): ContainerBindings[] {
  const out: ContainerBindings[] = [];
  for (const o of objects) {
    const template = podTemplate(o);
    const ns = o.metadata.namespace;
    for (const container of template?.spec?.containers ?? []) {
      const env = envBindings(objects, ns, container);
      const files = template
        ? fileBindings(objects, ns, template, container, configTrees(objects, ns, env))
        : [];
      out.push({ object: o, container, bindings: [...files, ...env] });
    }
  }
  return out;
}

/** Whether a binding sets `property`, in any spelling Spring accepts. */
export function binds(b: Binding, property: string): boolean {
  return b.via === 'env' ? environmentBinds(b.name, property) : sameProperty(b.name, property);
}

/**
 * The properties bound in a container, each with every binding that sets it, compared in
 * Spring's uniform form. Each is keyed by its most authoritative spelling: a managed
 * property's own name, then a secret's (the Secret key or Vault file), then a plain file's.
 */
export function propertiesOf(cb: ContainerBindings): Map<string, Binding[]> {
  const files = cb.bindings.filter((b) => b.via === 'file');
  const names = [
    ...MANAGED_PROPERTIES,
    ...files.filter((b) => isSecret(b.origin)).map((b) => b.name),
    ...files.filter((b) => !isSecret(b.origin)).map((b) => b.name),
  ];
  const out = new Map<string, Binding[]>();
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(uniformProperty(name))) continue;
    seen.add(uniformProperty(name));
    const bound = cb.bindings.filter((b) => binds(b, name));
    if (bound.length > 0) out.set(name, bound);
  }
  return out;
}

/** Identity of an origin: bindings with equal keys carry the same value. */
export function originKey(origin: Origin): string {
  return origin.kind === 'literal'
    ? `literal|${origin.value}`
    : `${origin.kind}|${'name' in origin ? origin.name : origin.path}|${origin.key}`;
}

/** The value Spring sees for a property bound from one origin, if the manifests hold it. */
export function boundValue(
  objects: readonly ManifestObject[],
  cb: ContainerBindings,
  bound: readonly Binding[] | undefined,
): string | undefined {
  const origins = new Set((bound ?? []).map((b) => originKey(b.origin)));
  const first = bound?.[0];
  if (origins.size !== 1 || !first) return undefined;
  return plainValue(objects, cb.object.metadata.namespace, first.origin);
}

/** The bindings of `property`, whatever spelling its group is keyed by. */
export function boundTo(
  properties: ReadonlyMap<string, Binding[]>,
  property: string,
): Binding[] | undefined {
  return [...properties].find(([name]) => sameProperty(name, property))?.[1];
}
