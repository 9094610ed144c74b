import * as pulumi from '@pulumi/pulumi';
import { sealToken } from '../../infra/platform/vault/token-seal';

/** The token the faked Vault init step hands Pulumi (sealed, as the real step does). */
export const FAKE_PULUMI_VAULT_TOKEN = 's.fake-pulumi-token';

/** One resource the program registered, as the engine would see it. */
export interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
  /** The ID a read (`Resource.get`) asked for; empty for a resource the program creates. */
  readonly id: string;
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

/** Registrations the mocks are answering: started, not yet answered. */
const pending = new Map<number, string>();
/** Registrations started or answered so far: the program's progress, as the mocks see it. */
let progress = 0;

/**
 * Pulumi mocks whose answers to registrations are tracked, so that `idle` and `settled` can tell
 * when the program has nothing left to register. `newResource` may hold an answer back.
 */
export function trackedMocks(mocks: pulumi.runtime.Mocks): pulumi.runtime.Mocks {
  return {
    call: (args) => mocks.call(args),
    newResource: async (args) => {
      const ticket = progress++;
      pending.set(ticket, args.name);
      try {
        return await mocks.newResource(args);
      } finally {
        pending.delete(ticket);
        progress++;
      }
    },
  };
}

/**
 * Resolves once the program is idle: an event-loop turn passed (every queued callback ran, the
 * mocks doing no I/O) without any registration starting or being answered. Resolves with the
 * names of those still unanswered, which only a test holding an answer back has.
 */
export async function idle(): Promise<string[]> {
  for (;;) {
    const before = progress;
    await new Promise((resolve) => setImmediate(resolve));
    if (progress === before) return [...pending.values()];
  }
}

/** Resolves once every resource the program will register has been answered by the mocks. */
export async function settled(): Promise<void> {
  const unanswered = await idle();
  if (unanswered.length > 0)
    throw new Error(`registrations never answered: ${unanswered.join(', ')}`);
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
    trackedMocks({
      newResource: (args) => {
        registered.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs,
          id: args.id ?? '',
        });
        return { id: args.id || `${args.name}-id`, state: fake(args) ?? fakeState(args) };
      },
      call: (args) => args.inputs,
    }),
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

/**
 * The output names each component passes to registerOutputs, spied on from now on. Pulumi shows a
 * component's outputs, and ends its creation, only once they are registered.
 */
export function registeredOutputs(): Map<pulumi.Resource, string[]> {
  const seen = new Map<pulumi.Resource, string[]>();
  // registerOutputs is protected: reached through the prototype, as the subclasses call it.
  const proto = pulumi.ComponentResource.prototype as unknown as {
    registerOutputs(outputs?: unknown): void;
  };
  const original = proto.registerOutputs; // eslint-disable-line @typescript-eslint/unbound-method
  jest.spyOn(proto, 'registerOutputs').mockImplementation(function (
    this: pulumi.ComponentResource,
    outputs?: unknown,
  ) {
    // Only the first call counts: Pulumi ignores the later ones (its own, after initialize).
    if (!seen.has(this)) seen.set(this, Object.keys(outputs ?? {}));
    original.call(this, outputs);
  });
  return seen;
}

/** The component's Output fields it did not register (all of them when it registered none). */
export function unregisteredOutputs(
  component: pulumi.ComponentResource,
  seen: ReadonlyMap<pulumi.Resource, readonly string[]>,
): string[] {
  const fields = Object.entries(component)
    .filter(([k, v]) => k !== 'urn' && pulumi.Output.isInstance(v))
    .map(([k]) => k);
  const registered = seen.get(component);
  return registered
    ? fields.filter((f) => !registered.includes(f))
    : ['(registerOutputs never called)', ...fields];
}

/**
 * Registered resources outside the component's tree: a child created without `parent` is not
 * seen by the transformations the component passes down (the recorder's), so it shows up here.
 */
export function outsideTree(
  registered: readonly Registered[],
  recorder: { typedDependsOn: ReadonlyMap<string, unknown> },
  expectedOutside: (r: Registered) => boolean = () => false,
): string[] {
  return registered
    .filter((r) => !expectedOutside(r) && !recorder.typedDependsOn.has(`${r.type} ${r.name}`))
    .map((r) => `${r.type} ${r.name}`);
}
