import { ACME_HTTP01_SOLVER, PLATFORM_ENDPOINTS, TLS_CLUSTER_ISSUER } from '../../config/platform';
import { ManifestObject } from '../render';
import { id } from './objects';

interface IngressView {
  readonly spec?: {
    readonly tls?: readonly { readonly hosts?: readonly string[]; readonly secretName?: string }[];
  };
}

interface CertificateView {
  readonly spec?: {
    readonly secretName?: string;
    readonly dnsNames?: readonly string[];
    readonly issuerRef?: {
      readonly name?: string;
      readonly kind?: string;
      readonly group?: string;
    };
  };
}

interface SolverPolicyView {
  readonly spec?: {
    readonly podSelector?: { readonly matchLabels?: Readonly<Record<string, string>> };
    readonly policyTypes?: readonly string[];
    readonly ingress?: readonly {
      readonly from?: readonly {
        readonly namespaceSelector?: { readonly matchLabels?: Readonly<Record<string, string>> };
      }[];
      readonly ports?: readonly { readonly protocol?: string; readonly port?: number | string }[];
    }[];
  };
}

const inNamespace = (objects: readonly ManifestObject[], kind: string, namespace?: string) =>
  objects.filter((o) => o.kind === kind && o.metadata.namespace === namespace);

/** Whether a NetworkPolicy lets the ingress controller reach the HTTP-01 solver's port. */
function admitsSolver(policy: SolverPolicyView): boolean {
  const selector = policy.spec?.podSelector?.matchLabels ?? {};
  const solver: Readonly<Record<string, string>> = ACME_HTTP01_SOLVER.podLabels;
  const selects = Object.entries(selector).every(([k, v]) => solver[k] === v);
  const controller = PLATFORM_ENDPOINTS.ingressController.namespace;
  return (
    selects &&
    (policy.spec?.policyTypes ?? []).includes('Ingress') &&
    (policy.spec?.ingress ?? []).some(
      (rule) =>
        (rule.from ?? []).some(
          (peer) =>
            peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === controller,
        ) &&
        (rule.ports ?? []).some(
          (p) => (p.protocol ?? 'TCP') === 'TCP' && p.port === ACME_HTTP01_SOLVER.port,
        ),
    )
  );
}

/**
 * TLS that works after a sync: every Secret an Ingress serves is issued by a Certificate in its
 * namespace, for its hosts, from the platform's ClusterIssuer (the one issuer both targets
 * have); and where a Certificate is, the ingress controller may reach cert-manager's HTTP-01
 * solver pods, which the namespace's default deny would otherwise cut off.
 */
export function certificateViolations(objects: readonly ManifestObject[]): string[] {
  const out: string[] = [];
  for (const o of objects.filter((x) => x.kind === 'Ingress')) {
    const certificates = inNamespace(objects, 'Certificate', o.metadata.namespace).map(
      (c) => c as unknown as CertificateView,
    );
    ((o as unknown as IngressView).spec?.tls ?? []).forEach((tls, i) => {
      const issued = certificates.find((c) => c.spec?.secretName === tls.secretName);
      if (!issued) {
        out.push(
          `${id(o)} tls ${i}: no Certificate in its namespace issues Secret "${tls.secretName ?? ''}"`,
        );
        return;
      }
      for (const host of tls.hosts ?? []) {
        if (!(issued.spec?.dnsNames ?? []).includes(host))
          out.push(
            `${id(o)} tls ${i}: the Certificate for "${tls.secretName ?? ''}" omits ${host}`,
          );
      }
    });
  }
  for (const c of objects.filter((x) => x.kind === 'Certificate')) {
    const ref = (c as unknown as CertificateView).spec?.issuerRef;
    if (
      ref?.name !== TLS_CLUSTER_ISSUER ||
      ref.kind !== 'ClusterIssuer' ||
      (ref.group ?? 'cert-manager.io') !== 'cert-manager.io'
    )
      out.push(
        `${id(c)}: issuer ${ref?.kind ?? 'Issuer'}/${ref?.name ?? ''} is not the platform's ClusterIssuer/${TLS_CLUSTER_ISSUER}`,
      );
    const policies = inNamespace(objects, 'NetworkPolicy', c.metadata.namespace);
    if (!policies.some((p) => admitsSolver(p as unknown as SolverPolicyView)))
      out.push(
        `${id(c)}: no NetworkPolicy admits the ingress controller to the HTTP-01 solver pods on ${ACME_HTTP01_SOLVER.port}`,
      );
  }
  return out;
}
