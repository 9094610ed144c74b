import { springApiProfiles } from '../../infra/apps/environments';
import { SpringApiProps } from '../../infra/apps/spring-api/props';
import { resolveSpringApi, SPRING_API_DEFAULTS } from '../../infra/apps/spring-api/resolve';
import { ENVIRONMENTS } from '../../infra/config/environments';
import { TEST_DEV_SECRETS } from '../support/fixtures';

type Tree = Record<string, unknown>;

function isTree(value: unknown): value is Tree {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Paths of every leaf of the props' nested objects (arrays count as one leaf). */
function leafPaths(tree: Tree, prefix: readonly string[] = []): string[][] {
  return Object.entries(tree).flatMap(([k, v]) =>
    isTree(v) && Object.keys(v).length > 0 ? leafPaths(v, [...prefix, k]) : [[...prefix, k]],
  );
}

function withoutPath(tree: Tree, path: readonly string[]): Tree {
  const [head, ...rest] = path;
  if (head === undefined) return tree;
  const { [head]: child, ...others } = tree;
  if (rest.length === 0 || !isTree(child)) return others;
  return { ...others, [head]: withoutPath(child, rest) };
}

function resolved(props: Tree): string | undefined {
  try {
    return JSON.stringify(resolveSpringApi(props as unknown as SpringApiProps));
  } catch {
    return undefined; // a required field: not a default
  }
}

/**
 * The props `profile` sets that change nothing: removed one at a time, the construct resolves to
 * the same thing, because each only restates one of SPRING_API_DEFAULTS.
 */
function restatedDefaults(profile: SpringApiProps): string[] {
  const tree = profile as unknown as Tree;
  const whole = resolved(tree);
  return leafPaths(tree)
    .filter((path) => resolved(withoutPath(tree, path)) === whole)
    .map((path) => path.join('.'));
}

describe('the environment profiles', () => {
  const profiles = springApiProfiles(TEST_DEV_SECRETS);

  it.each(ENVIRONMENTS)('%s states only what differs from the construct defaults', (env) => {
    expect(restatedDefaults(profiles[env])).toEqual([]);
  });

  it('are caught restating a default', () => {
    const prod = profiles.prod;
    const restating: SpringApiProps = {
      ...prod,
      resources: { ...prod.resources, cpuLimit: SPRING_API_DEFAULTS.cpuLimit },
      shutdown: { drainSeconds: SPRING_API_DEFAULTS.drainSeconds },
    };
    expect(restatedDefaults(restating)).toEqual(['resources.cpuLimit', 'shutdown.drainSeconds']);
  });
});
