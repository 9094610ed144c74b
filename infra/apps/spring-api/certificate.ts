import { Construct } from 'constructs';
import { ACME_HTTP01_SOLVER, TLS_CLUSTER_ISSUER } from '../../config/platform';
import {
  Certificate,
  CertificateSpecPrivateKeyAlgorithm,
  CertificateSpecPrivateKeyRotationPolicy,
} from '../imports/cert-manager.io';
import { IntOrString, KubeNetworkPolicy } from '../imports/k8s';
import { commonLabels } from './labels';
import { peer } from './network-policies';
import { ResolvedSpringApi } from './props';

/** Whether the profile's Ingress serves TLS, and so gets a Certificate. */
export function issuesCertificate(api: ResolvedSpringApi): boolean {
  return api.ingress?.tlsSecretName !== undefined;
}

/**
 * The Ingress's TLS Secret, issued and renewed by cert-manager from the platform's ClusterIssuer
 * (TLS_CLUSTER_ISSUER: Let's Encrypt on gcp, the cluster's own CA on minikube), so the manifests
 * are the same on both targets and the Ingress needs no controller-specific annotation. With an
 * ACME issuer, cert-manager answers the HTTP-01 challenge with a solver pod in this namespace,
 * reached through the ingress controller: the NetworkPolicy below admits exactly that, since
 * the namespace denies everything else (the quota leaves room for the pod: quota.ts).
 */
export class ApiCertificate extends Construct {
  constructor(scope: Construct, id: string, api: ResolvedSpringApi) {
    super(scope, id);
    const { ingress } = api;
    if (!ingress?.tlsSecretName) return;
    const labels = commonLabels(api);
    new Certificate(this, 'certificate', {
      metadata: { name: api.name, namespace: api.namespace, labels },
      spec: {
        secretName: ingress.tlsSecretName,
        // The Secret carries the API's labels too: `kubectl get secret -l` finds it.
        secretTemplate: { labels },
        dnsNames: [ingress.host],
        issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: TLS_CLUSTER_ISSUER },
        // A fresh key at every renewal; ECDSA P-256 is what Let's Encrypt and clients prefer.
        privateKey: {
          algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA,
          size: 256,
          rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS,
        },
      },
    });
    new KubeNetworkPolicy(this, 'acme-solver', {
      metadata: {
        name: `${api.name}-acme-solver`,
        namespace: api.namespace,
        labels,
        // The solver pods exist only while cert-manager answers a challenge, so the selector
        // matches nothing most of the time, which kube-score would report as a mistake.
        annotations: { 'kube-score/ignore': 'networkpolicy-targets-pod' },
      },
      spec: {
        podSelector: { matchLabels: { ...ACME_HTTP01_SOLVER.podLabels } },
        // Ingress only: the solver answers and opens no connection, so default-deny-all keeps
        // its egress closed.
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [peer(api.platform.ingressController)],
            ports: [{ protocol: 'TCP', port: IntOrString.fromNumber(ACME_HTTP01_SOLVER.port) }],
          },
        ],
      },
    });
  }
}
