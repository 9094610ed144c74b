// The environments this repo describes. Each environment is its own cluster (a Pulumi stack),
// so object names and namespaces are the same in all of them and only profile values differ.
import { KUBERNETES_VERSION } from './nodes';

export const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;

export type EnvironmentName = (typeof ENVIRONMENTS)[number];

/** Where an environment's cluster comes from. */
export type ClusterTarget = 'minikube' | 'gcp';

export interface EnvironmentInfo {
  /** Cluster the environment runs on. */
  readonly target: ClusterTarget;
  /** One line for humans: what the environment is for. */
  readonly purpose: string;
}

export const ENVIRONMENT_INFO: Readonly<Record<EnvironmentName, EnvironmentInfo>> = {
  dev: { target: 'minikube', purpose: 'a developer laptop running minikube' },
  staging: { target: 'gcp', purpose: 'the kubeadm cluster on GCP where releases are rehearsed' },
  prod: { target: 'gcp', purpose: 'the kubeadm cluster on GCP that serves users' },
};

/**
 * The Kubernetes minor every environment runs and every manifest is validated against, taken
 * from the one exact version pin (KUBERNETES_VERSION in ./nodes.ts).
 */
export const KUBERNETES_MINOR = KUBERNETES_VERSION.split('.').slice(0, 2).join('.');

export function isEnvironmentName(value: string): value is EnvironmentName {
  return (ENVIRONMENTS as readonly string[]).includes(value);
}
