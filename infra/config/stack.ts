import { Checks } from './checks';
import { ClusterTarget, ENVIRONMENTS, ENVIRONMENT_INFO, EnvironmentName } from './environments';

/** The stack configuration every layer reads (keys under the `k8s-platform:` namespace). */
export interface StackConfig {
  /** Which environment profile the stack stands up. */
  readonly environment: EnvironmentName;
  /** Where the cluster comes from; defaults to the environment's usual target. */
  readonly target: ClusterTarget;
  /** kubeconfig context of an existing cluster (minikube target). @default "minikube" */
  readonly kubeContext: string;
}

const TARGETS: readonly ClusterTarget[] = ['minikube', 'gcp'];
const CONTEXT = /^[A-Za-z0-9][A-Za-z0-9_.@:/-]{0,252}$/;

/**
 * Reads and validates the stack configuration from a key lookup (Pulumi's `config.get` in the
 * program, a plain object in tests). Throws one ConfigError naming every bad key.
 */
export function readStackConfig(get: (key: string) => string | undefined): StackConfig {
  const c = new Checks('k8s-platform');
  const environment = get('environment');
  const envOk = c.require(
    environment !== undefined && (ENVIRONMENTS as readonly string[]).includes(environment),
    'environment',
    environment,
    `one of ${ENVIRONMENTS.map((e) => `"${e}"`).join(', ')} (pulumi config set environment <name>)`,
  );
  const fallback = envOk ? ENVIRONMENT_INFO[environment as EnvironmentName].target : 'minikube';
  const target = get('target') ?? fallback;
  c.require(
    (TARGETS as readonly string[]).includes(target),
    'target',
    target,
    `one of ${TARGETS.map((t) => `"${t}"`).join(', ')}`,
  );
  const kubeContext = get('kubeContext') ?? 'minikube';
  c.matches('kubeContext', kubeContext, CONTEXT, 'a kubeconfig context name');
  c.throwIfAny();
  return {
    environment: environment as EnvironmentName,
    target: target as ClusterTarget,
    kubeContext,
  };
}
