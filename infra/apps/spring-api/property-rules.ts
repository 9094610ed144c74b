import { Checks } from '../../config/checks';
import { MANAGED_PROPERTIES } from './managed';
import { environmentBinds, sameProperty } from './spring-names';

// Spring's canonical property form. 41 characters at most: the Vault injector puts the name
// into an annotation key (`agent-inject-template-<name>`), whose name part has 63 at most.
const PROPERTY = /^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)*$/;
const PROPERTY_MAX = 41;
const SETTING_FORMS = 'a Spring property name in canonical form (lowercase, "." and "-")';
const PROPERTY_FORMS = `${SETTING_FORMS}, at most ${PROPERTY_MAX} characters`;
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;

/** Shown instead of a value that may be a secret someone put in the wrong place. */
const REDACTED = '<redacted>';

const managedBy = (property: string): string =>
  `Spring binds it to "${property}", which the construct sets itself`;
const secretOnly = (property: string): string =>
  `left unset: Spring binds it to the secret property "${property}", whose value only secretDelivery provides`;
const setAlready = (property: string): string =>
  `left unset: Spring binds it to "${property}", which settings already sets`;

/**
 * Checks where the profile sets Spring properties: `settings` (config-tree files),
 * `environment` (variables) and `secretProperties` (files from the Secret or Vault). Names are
 * compared the way Spring binds them (spring-names.ts), so `SERVER_PORT` in the environment or
 * `app.apikey` in settings is seen for what it is: another spelling of a managed or secret
 * property, which would silently win over (or leak) the value the construct expects.
 */
export function checkProperties(
  c: Checks,
  settings: Readonly<Record<string, string>>,
  environment: Readonly<Record<string, string>>,
  secretProperties: readonly string[],
): void {
  const seen: string[] = [];
  for (const [key, value] of Object.entries(settings)) {
    const where = `settings["${key}"]`;
    const managed = MANAGED_PROPERTIES.find((p) => sameProperty(key, p));
    const secret = secretProperties.find((p) => sameProperty(key, p));
    const earlier = seen.find((s) => sameProperty(key, s));
    if (managed !== undefined) c.require(false, where, value, `left unset: ${managedBy(managed)}`);
    else if (secret !== undefined) c.require(false, where, REDACTED, secretOnly(secret));
    else if (c.require(PROPERTY.test(key), where, key, SETTING_FORMS) && earlier !== undefined) {
      c.require(false, where, value, setAlready(earlier));
    }
    seen.push(key);
  }

  for (const [key, value] of Object.entries(environment)) {
    const where = `environment["${key}"]`;
    const managed = MANAGED_PROPERTIES.find((p) => environmentBinds(key, p));
    const secret = secretProperties.find((p) => environmentBinds(key, p));
    const setting = Object.keys(settings).find((s) => environmentBinds(key, s));
    if (managed !== undefined) c.require(false, where, value, `left unset: ${managedBy(managed)}`);
    else if (secret !== undefined) c.require(false, where, REDACTED, secretOnly(secret));
    else if (
      c.matches(where, key, ENV_NAME, 'an UPPER_SNAKE_CASE variable name') &&
      setting !== undefined
    ) {
      c.require(false, where, value, setAlready(setting));
    }
  }

  c.require(secretProperties.length > 0, 'secretProperties', secretProperties, 'a non-empty list');
  secretProperties.forEach((property, i) => {
    const key = `secretProperties[${i}]`;
    if (!c.matches(key, property, PROPERTY, PROPERTY_FORMS)) return;
    c.require(property.length <= PROPERTY_MAX, key, property, PROPERTY_FORMS);
    const first = secretProperties.findIndex((p) => sameProperty(p, property));
    const twin = secretProperties[first] ?? property;
    c.require(
      first === i,
      key,
      property,
      twin === property ? 'listed once' : `listed once: Spring binds it to "${twin}" too`,
    );
    const managed = MANAGED_PROPERTIES.find((p) => sameProperty(property, p));
    if (managed !== undefined)
      c.require(false, key, property, `another property: ${managedBy(managed)}`);
  });
}
