import { Checks } from '../../config/checks';
import { SecretDelivery } from './props';

const VAULT_ROLE = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const VAULT_KV2_PATH = /^[a-z0-9][a-z0-9_-]*\/data(\/[a-z0-9][a-z0-9_-]*)+$/;

/**
 * Checks how secret values reach the pod. Kubernetes delivery must carry a value for exactly
 * the secret properties (values are never echoed: issues show "<redacted>"); Vault delivery a
 * role and a KV v2 data path that can be spliced into the agent's template safely.
 */
export function checkDelivery(
  c: Checks,
  delivery: SecretDelivery,
  properties: readonly string[],
): void {
  if (delivery.kind === 'kubernetes') {
    for (const property of properties) {
      const value = delivery.values[property];
      c.require(
        typeof value === 'string' && value.length > 0,
        `secretDelivery.values["${property}"]`,
        value === undefined ? undefined : '<redacted>',
        'a non-empty string for every secret property',
      );
    }
    for (const key of Object.keys(delivery.values)) {
      c.require(
        properties.includes(key),
        `secretDelivery.values["${key}"]`,
        '<redacted>',
        'a value only for properties listed in secretProperties',
      );
    }
  } else if (delivery.kind === 'vault') {
    c.matches(
      'secretDelivery.role',
      delivery.role,
      VAULT_ROLE,
      'a Vault role name (lowercase letters, digits, "_" and "-", at most 63 characters)',
    );
    c.matches(
      'secretDelivery.path',
      delivery.path,
      VAULT_KV2_PATH,
      'a KV v2 data path "<mount>/data/<path>" such as "secret/data/spring-api"',
    );
  } else {
    const kind = (delivery as { kind?: unknown }).kind;
    c.require(false, 'secretDelivery.kind', kind, 'one of "kubernetes", "vault"');
  }
}
