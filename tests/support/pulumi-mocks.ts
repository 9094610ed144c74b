import * as pulumi from '@pulumi/pulumi';
import { sealToken } from '../../infra/platform/vault/token-seal';

/** The token the faked Vault init step hands Pulumi (sealed, as the real step does). */
export const FAKE_PULUMI_VAULT_TOKEN = 's.fake-pulumi-token';

/** One resource the program registered, as the engine would see it. */
export interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
}

/** How the engine marks a secret value among a resource's inputs. */
const SECRET_SIG = '4dabf18193072939515e22adb298388d';

function unwrapSecret(value: unknown): unknown {
  return value && typeof value === 'object' && SECRET_SIG in value
    ? (value as unknown as { value: unknown }).value
    : value;
}

/** Outputs the real providers compute, faked by resource type. */
function fakeState(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
  switch (args.type) {
    case 'random:index/randomPassword:RandomPassword':
      return { ...args.inputs, result: `generated-${args.name}` };
    case 'gcp:serviceaccount/key:Key':
      return {
        ...args.inputs,
        privateKey: Buffer.from('{"type":"service_account"}').toString('base64'),
      };
    case 'gcp:serviceaccount/account:Account':
      return {
        ...args.inputs,
        email: `${String(args.inputs.accountId)}@test-project.iam.gserviceaccount.com`,
        name: `projects/test-project/serviceAccounts/${String(args.inputs.accountId)}`,
      };
    case 'kubernetes:core/v1:Service':
      return { ...args.inputs, status: { loadBalancer: { ingress: [{ ip: '192.168.49.200' }] } } };
    case 'gcp:projects/serviceIdentity:ServiceIdentity':
      return {
        ...args.inputs,
        email: `service-123456@gcp-sa-${String(args.inputs.service).split('.')[0]}.iam.gserviceaccount.com`,
      };
    case 'command:local:Command': {
      // The Vault init step prints the Pulumi token sealed with the key in its environment.
      const env = unwrapSecret(args.inputs.environment) as Record<string, unknown> | undefined;
      const key = unwrapSecret(env?.VAULT_TOKEN_SEAL_KEY) as string | undefined;
      return key
        ? { ...args.inputs, stdout: sealToken(FAKE_PULUMI_VAULT_TOKEN, key) }
        : args.inputs;
    }
    case 'kubernetes:helm.sh/v3:Release':
      return { ...args.inputs, status: { namespace: args.inputs.namespace, status: 'deployed' } };
    default:
      return args.inputs as Record<string, unknown>;
  }
}

/**
 * Installs Pulumi mocks that record every registered resource. Returns the live list (cleared
 * by the caller between programs).
 */
export function recordResources(
  project = 'k8s-platform',
  stack = 'test',
  fake: (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown> | undefined = () =>
    undefined,
): Registered[] {
  const registered: Registered[] = [];
  void pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: args.id || `${args.name}-id`, state: fake(args) ?? fakeState(args) };
      },
      call: (args) => args.inputs,
    },
    project,
    stack,
    false,
  );
  return registered;
}

/** The value of an output (mocks resolve every output). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/** Resolves once every resource registered so far has been answered by the mocks. */
export function settled(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 50));
}

/** Records each child's dependsOn (by name) through a component transformation. */
export function dependencyRecorder(known: ReadonlyMap<pulumi.Resource, string> = new Map()): {
  transformation: pulumi.ResourceTransformation;
  dependsOn: Map<string, string[]>;
  props: Map<string, pulumi.Inputs>;
  opts: Map<string, pulumi.ResourceOptions>;
  /** dependsOn by `<type token> <name>`, for names several resources share. */
  typedDependsOn: Map<string, string[]>;
} {
  const names = new Map<pulumi.Resource, string>(known);
  const dependsOn = new Map<string, string[]>();
  const props = new Map<string, pulumi.Inputs>();
  const opts = new Map<string, pulumi.ResourceOptions>();
  const typedDependsOn = new Map<string, string[]>();
  return {
    dependsOn,
    props,
    opts,
    typedDependsOn,
    transformation: (args) => {
      names.set(args.resource, args.name);
      const deps = ([] as unknown[])
        .concat(args.opts.dependsOn ?? [])
        .map((d) => names.get(d as pulumi.Resource) ?? '?');
      dependsOn.set(args.name, deps);
      typedDependsOn.set(`${args.type} ${args.name}`, deps);
      props.set(args.name, args.props);
      opts.set(args.name, args.opts);
      return undefined;
    },
  };
}
