// The API server's audit policy on the gcp control plane.

/** Audit: who changed what; never the bodies of Secrets, ConfigMaps or tokens. */
export const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  # Probes and version checks: noise.
  - level: None
    nonResourceURLs: ["/healthz*", "/livez*", "/readyz*", "/version"]
  # The system's own watches and leases: noise.
  - level: None
    users: ["system:kube-proxy"]
    verbs: ["watch"]
  - level: None
    resources:
      - group: "coordination.k8s.io"
        resources: ["leases"]
  # Anything touching secret material: who and when, never the payload.
  - level: Metadata
    resources:
      - group: ""
        resources: ["secrets", "configmaps", "serviceaccounts/token"]
      - group: "authentication.k8s.io"
        resources: ["tokenreviews"]
  # Reads of everything else: not recorded.
  - level: None
    verbs: ["get", "list", "watch"]
  # Changes to access control: with their request body.
  - level: Request
    resources:
      - group: "rbac.authorization.k8s.io"
  # Every other change: metadata.
  - level: Metadata
`;
