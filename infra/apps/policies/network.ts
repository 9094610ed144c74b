import { DatabaseEndpoint, databaseServiceHosts, PLATFORM_ENDPOINTS } from '../../config/platform';
import { ManifestObject } from '../render';
import { ipv4InCidr, JdbcTarget, parseJdbcUrl } from '../spring-api/database-rules';
import { id, podTemplate } from './objects';
import { boundTo, boundValue, propertiesOf, springBindings } from './spring-bindings';

interface LabelSelectorView {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly unknown[];
}

interface PortView {
  readonly protocol?: string;
  readonly port?: number | string;
  readonly endPort?: number;
}

interface PeerView {
  readonly ipBlock?: { readonly cidr: string; readonly except?: readonly string[] };
  readonly namespaceSelector?: LabelSelectorView;
  readonly podSelector?: LabelSelectorView;
}

interface EgressRuleView {
  readonly to?: readonly PeerView[];
  readonly ports?: readonly PortView[];
}

interface NetworkPolicyView {
  readonly metadata: { readonly namespace?: string };
  readonly spec?: {
    readonly podSelector?: LabelSelectorView;
    readonly policyTypes?: readonly string[];
    readonly egress?: readonly EgressRuleView[];
  };
}

function selects(
  selector: LabelSelectorView | undefined,
  labels: Readonly<Record<string, string>>,
): boolean {
  // Expressions are not used here; never assume they cover a workload.
  if ((selector?.matchExpressions ?? []).length > 0) return false;
  return Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

/** The NetworkPolicies whose pod selector picks the workload's pods. */
function applying(objects: readonly ManifestObject[], o: ManifestObject): NetworkPolicyView[] {
  const labels = podTemplate(o)?.metadata?.labels ?? {};
  return objects
    .filter((p) => p.kind === 'NetworkPolicy')
    .map((p) => p as unknown as NetworkPolicyView)
    .filter(
      (p) => p.metadata.namespace === o.metadata.namespace && selects(p.spec?.podSelector, labels),
    );
}

/** Every workload's pods selected by NetworkPolicies for both ingress and egress. */
export function networkPolicyViolations(objects: readonly ManifestObject[]): string[] {
  const out: string[] = [];
  for (const o of objects) {
    if (!podTemplate(o)) continue;
    const policies = applying(objects, o);
    for (const direction of ['Ingress', 'Egress']) {
      if (!policies.some((p) => (p.spec?.policyTypes ?? []).includes(direction))) {
        out.push(`${id(o)}: no NetworkPolicy restricts ${direction.toLowerCase()}`);
      }
    }
  }
  return out;
}

function portAllows(ports: readonly PortView[] | undefined, port: number): boolean {
  if (ports === undefined || ports.length === 0) return true;
  return ports.some(
    (p) =>
      (p.protocol ?? 'TCP') === 'TCP' &&
      (p.port === undefined ||
        (typeof p.port === 'number' && port >= p.port && port <= (p.endPort ?? p.port))),
  );
}

function egressAllows(rule: EgressRuleView, host: string, port: number): boolean {
  if (!portAllows(rule.ports, port)) return false;
  if (rule.to === undefined || rule.to.length === 0) return true;
  return rule.to.some(
    (peer) =>
      peer.ipBlock !== undefined &&
      ipv4InCidr(host, peer.ipBlock.cidr) &&
      !(peer.ipBlock.except ?? []).some((cidr) => ipv4InCidr(host, cidr)),
  );
}

/**
 * Whether the rule lets the pods reach the in-cluster database's pods on its port: a peer that
 * selects its namespace by name and asks nothing of the pods that they do not carry.
 */
function egressAllowsPods(rule: EgressRuleView, db: DatabaseEndpoint): boolean {
  if (!portAllows(rule.ports, db.port)) return false;
  if (rule.to === undefined || rule.to.length === 0) return true;
  return rule.to.some(
    (peer) =>
      peer.ipBlock === undefined &&
      peer.namespaceSelector !== undefined &&
      selects(peer.namespaceSelector, { 'kubernetes.io/metadata.name': db.namespace }) &&
      selects(peer.podSelector, db.podLabels),
  );
}

/** The in-cluster database whose Service the host names, if any. */
function inClusterDatabase(
  host: string,
  databases: readonly DatabaseEndpoint[],
): DatabaseEndpoint | undefined {
  return databases.find((db) => databaseServiceHosts(db).includes(host));
}

/** What is wrong with connecting to `target` under these egress rules, if anything. */
function databaseTargetProblem(
  target: JdbcTarget,
  rules: readonly EgressRuleView[],
  databases: readonly DatabaseEndpoint[],
): string | undefined {
  const destination = `${target.host}:${target.port}`;
  if (/\.svc(\.cluster\.local)?$/.test(target.host)) {
    const db = inClusterDatabase(target.host, databases);
    if (!db) {
      const known = databases.map((d) => databaseServiceHosts(d)[0]).join(', ');
      return `spring.datasource.url connects to ${target.host}, a Service that is not a database the platform provides (${known})`;
    }
    if (target.port !== db.port || !rules.some((rule) => egressAllowsPods(rule, db)))
      return `spring.datasource.url connects to ${destination}, which no egress NetworkPolicy allows`;
    return undefined;
  }
  return rules.some((rule) => egressAllows(rule, target.host, target.port))
    ? undefined
    : `spring.datasource.url connects to ${destination}, which no egress NetworkPolicy allows`;
}

/**
 * The database the API connects to (`spring.datasource.url` as Spring will read it) is a
 * destination its egress NetworkPolicies allow, host and port: an address inside an ipBlock, or
 * an in-cluster database's Service (`<service>.<namespace>.svc[.cluster.local]`) whose pods a
 * namespace and pod selector admit on its port. Otherwise the pods start and then time out on
 * their first query.
 */
export function databaseEgressViolations(
  objects: readonly ManifestObject[],
  databases: readonly DatabaseEndpoint[] = [PLATFORM_ENDPOINTS.database],
): string[] {
  const out: string[] = [];
  for (const cb of springBindings(objects)) {
    const url = boundValue(objects, cb, boundTo(propertiesOf(cb), 'spring.datasource.url'));
    if (url === undefined) continue;
    const where = `${id(cb.object)} container ${cb.container.name}`;
    const target = parseJdbcUrl(url);
    if (!target) {
      // The URL itself is not echoed: a malformed one may carry credentials.
      out.push(`${where}: spring.datasource.url is not a jdbc:postgresql://host:port/database URL`);
      continue;
    }
    const egress = applying(objects, cb.object).filter((p) =>
      (p.spec?.policyTypes ?? []).includes('Egress'),
    );
    if (egress.length === 0) continue; // unrestricted; networkPolicyViolations reports it
    const rules = egress.flatMap((p) => p.spec?.egress ?? []);
    const problem = databaseTargetProblem(target, rules, databases);
    if (problem) out.push(`${where}: ${problem}`);
  }
  return out;
}
