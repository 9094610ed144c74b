import { ManifestObject } from '../render';
import { MANAGED_PROPERTIES } from '../spring-api/managed';
import { id } from './objects';
import {
  Binding,
  boundTo,
  boundValue,
  ContainerBindings,
  isSecret,
  originKey,
  propertiesOf,
  springBindings,
} from './spring-bindings';

/** The ports Spring listens on against the container ports the construct names. */
function portChecks(
  objects: readonly ManifestObject[],
  cb: ContainerBindings,
  properties: Map<string, Binding[]>,
): string[] {
  const where = `${id(cb.object)} container ${cb.container.name}`;
  const port = (name: string): number | undefined =>
    cb.container.ports?.find((p) => p.name === name)?.containerPort;
  // Unbound, Spring falls back on its defaults: 8080, and the server's port for management.
  // Bound from a Secret the value is unknown here, and nothing is compared.
  const valueOf = (property: string, fallback: string | undefined): string | undefined => {
    const bound = boundTo(properties, property);
    return bound ? boundValue(objects, cb, bound) : fallback;
  };
  const server = valueOf('server.port', '8080');
  const management = valueOf('management.server.port', server);
  const out: string[] = [];
  for (const [property, value, portName] of [
    ['server.port', server, 'http'],
    ['management.server.port', management, 'management'],
  ] as const) {
    const declared = port(portName);
    if (declared !== undefined && value !== undefined && value !== String(declared)) {
      out.push(
        `${where}: Spring listens on ${property} ${value}, but the container port "${portName}" is ${declared}`,
      );
    }
  }
  return out;
}

/**
 * What Spring Boot will bind, read back from the manifests (spring-bindings.ts):
 * - no property is set from two origins in different spellings (`SERVER_PORT` next to the
 *   file `server.port`): Spring would pick one silently, the environment variable first;
 *   for a managed property the construct's own value would lose;
 * - a property whose value comes from a Secret or Vault is not also set in plain text;
 * - the ports Spring listens on are the container ports the Service and probes use.
 */
export function springPropertyViolations(objects: readonly ManifestObject[]): string[] {
  const out: string[] = [];
  for (const cb of springBindings(objects)) {
    const where = `${id(cb.object)} container ${cb.container.name}`;
    const properties = propertiesOf(cb);
    let ambiguous = false;
    for (const [property, bound] of properties) {
      const origins = new Set(bound.map((b) => originKey(b.origin)));
      if (origins.size < 2) continue;
      ambiguous = true;
      const plain = bound.filter((b) => !isSecret(b.origin));
      const managed = MANAGED_PROPERTIES.includes(property);
      if (!managed && plain.length < bound.length && plain.length > 0) {
        out.push(
          `${where}: secret property ${property} is also set in plain text: ${plain.map((b) => b.where).join(', ')}`,
        );
      } else {
        out.push(
          `${where}: property ${property} is set ${bound.length} times, Spring keeps one: ${bound.map((b) => b.where).join(', ')}`,
        );
      }
    }
    // With a property set twice the value Spring keeps is already reported as unknowable.
    if (!ambiguous) out.push(...portChecks(objects, cb, properties));
  }
  return out;
}
