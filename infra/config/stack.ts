import { Checks } from './checks';
import { CIDR_FORMS, parseIpv4Cidr, parseIpv4Range, RANGE_FORMS, rangeInside } from './cidr';
import { ClusterTarget, ENVIRONMENTS, ENVIRONMENT_INFO, EnvironmentName } from './environments';

/** The stack configuration every layer reads (keys under the `k8s-platform:` namespace). */
export interface StackConfig {
  /** Which environment profile the stack stands up. */
  readonly environment: EnvironmentName;
  /** Where the cluster comes from; defaults to the environment's usual target. */
  readonly target: ClusterTarget;
  /** kubeconfig context of an existing cluster (minikube target). @default STACK_DEFAULTS.kubeContext */
  readonly kubeContext: string;
  /** minikube's node network (the docker driver's default). @default STACK_DEFAULTS.minikubeNetwork */
  readonly minikubeNetwork: string;
  /** MetalLB's pool on minikube, inside minikubeNetwork. @default STACK_DEFAULTS.metallbPool */
  readonly metallbPool: string;
  /** Also deploy the API's synthesized manifests with Pulumi (a one-command demo). @default STACK_DEFAULTS.deployApp */
  readonly deployApp: boolean;
}

/**
 * The default of every stack key that has a fixed one: the one place each lives. Pulumi.yaml
 * documents the same values (tests/config/pulumi-yaml.test.ts holds the two together); `target`
 * defaults to the environment's usual target (ENVIRONMENT_INFO).
 */
export const STACK_DEFAULTS = {
  kubeContext: 'minikube',
  minikubeNetwork: '192.168.49.0/24',
  metallbPool: '192.168.49.200-192.168.49.250',
  deployApp: false,
} as const;

const TARGETS: readonly ClusterTarget[] = ['minikube', 'gcp'];
const CONTEXT = /^[A-Za-z0-9][A-Za-z0-9_.@:/-]{0,252}$/;

/**
 * Reads and validates the stack configuration from a key lookup (Pulumi's `config.get` in the
 * program, a plain object in tests). Throws one ConfigError naming every bad key.
 */
export function readStackConfig(get: (key: string) => string | undefined): StackConfig {
  const c = new Checks('k8s-platform');
  /** A key's value, or its default from STACK_DEFAULTS. */
  const value = (key: keyof typeof STACK_DEFAULTS): string =>
    get(key) ?? String(STACK_DEFAULTS[key]);
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
  const kubeContext = value('kubeContext');
  c.matches('kubeContext', kubeContext, CONTEXT, 'a kubeconfig context name');
  const minikubeNetwork = value('minikubeNetwork');
  const network = parseIpv4Cidr(minikubeNetwork);
  c.require(network !== undefined, 'minikubeNetwork', minikubeNetwork, CIDR_FORMS);
  const metallbPool = value('metallbPool');
  const pool = parseIpv4Range(metallbPool);
  if (c.require(pool !== undefined, 'metallbPool', metallbPool, RANGE_FORMS) && network) {
    c.require(
      pool !== undefined && rangeInside(pool, network),
      'metallbPool',
      metallbPool,
      `a range inside minikubeNetwork ${minikubeNetwork}, excluding its first and last address`,
    );
  }
  const deployApp = value('deployApp');
  c.require(['true', 'false'].includes(deployApp), 'deployApp', deployApp, '"true" or "false"');
  c.throwIfAny();
  return {
    environment: environment as EnvironmentName,
    target: target as ClusterTarget,
    kubeContext,
    minikubeNetwork,
    metallbPool,
    deployApp: deployApp === 'true',
  };
}
