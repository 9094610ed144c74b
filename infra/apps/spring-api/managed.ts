import { ResolvedSpringApi } from './props';
import { environmentName } from './spring-names';
import { SECRETS_DIR } from './vault';

/** Folder the API reads non-secret properties from (Spring config tree). */
export const CONFIG_DIR = '/etc/spring-api/config';

/** Spring reads both folders as config trees; `optional:` keeps local runs working without them. */
export const CONFIG_IMPORT = `optional:configtree:${CONFIG_DIR}/,optional:configtree:${SECRETS_DIR}/`;

/** How the construct sets one Spring property. */
interface Managed {
  /** Its value from the resolved props; undefined when the props leave it alone. */
  readonly value: (api: ResolvedSpringApi) => string | undefined;
  /** Set as an environment variable: Spring needs it before it reads any config tree. */
  readonly asVariable?: boolean;
}

// The one list of what the construct sets itself. Validation refuses each of these names, in
// every spelling Spring binds to it, wherever a profile could set one (settings, environment,
// secret properties): ports, probes and shutdown timing must match what the pod spec assumes.
const MANAGED: Readonly<Record<string, Managed>> = {
  'server.port': { value: (api) => String(api.httpPort) },
  'management.server.port': { value: (api) => String(api.managementPort) },
  'server.shutdown': { value: () => 'graceful' },
  'spring.lifecycle.timeout-per-shutdown-phase': {
    value: (api) => `${api.shutdown.drainSeconds}s`,
  },
  'management.endpoint.health.probes.enabled': { value: () => 'true' },
  'spring.datasource.url': { value: (api) => api.database?.url },
  'spring.datasource.username': { value: (api) => api.database?.username },
  'spring.config.import': { value: () => CONFIG_IMPORT, asVariable: true },
};

/** Spring properties the construct sets itself; a profile may not set them in any spelling. */
export const MANAGED_PROPERTIES: readonly string[] = Object.keys(MANAGED);

function collect(api: ResolvedSpringApi, asVariable: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [property, managed] of Object.entries(MANAGED)) {
    const value = managed.value(api);
    if (value === undefined || (managed.asVariable ?? false) !== asVariable) continue;
    out[asVariable ? environmentName(property) : property] = value;
  }
  return out;
}

/** Managed properties read from the config tree (ports, shutdown, probes, database). */
export function managedSettings(api: ResolvedSpringApi): Record<string, string> {
  return collect(api, false);
}

/** Managed properties set as environment variables, by variable name. */
export function managedVariables(api: ResolvedSpringApi): Record<string, string> {
  return collect(api, true);
}
