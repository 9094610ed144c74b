// What the gcp node scripts are rendered from, and the Secret Manager names they read.

/** Secret Manager secret names, from the cluster name. */
export function secretNames(cluster: string) {
  return {
    caKey: `${cluster}-ca-key`,
    bootstrapToken: `${cluster}-bootstrap-token`,
    encryptionKey: `${cluster}-encryption-key`,
  };
}

export interface NodeParams {
  readonly cluster: string;
  readonly project: string;
  /** Exact Kubernetes version, e.g. 1.32.13. */
  readonly kubernetesVersion: string;
}

export interface ControlPlaneParams extends NodeParams {
  /** Static internal address: the advertise address and the stable control-plane endpoint. */
  readonly internalIp: string;
  /** Static external address, in the API server certificate for admins. */
  readonly publicIp: string;
  readonly podCidr: string;
  readonly serviceCidr: string;
  /** The cluster CA certificate (PEM, public). */
  readonly caCertPem: string;
}

export interface WorkerParams extends NodeParams {
  /** host:port of the control-plane endpoint. */
  readonly endpoint: string;
  /** `sha256:<hex>` of the CA's SubjectPublicKeyInfo. */
  readonly caCertHash: string;
}

/** `1.32` of `1.32.13`. */
export const minorOf = (version: string) => version.split('.').slice(0, 2).join('.');
