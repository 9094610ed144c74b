// Spring Boot's relaxed binding, as far as this repo needs it: which spellings of a property
// name, as a file of a config tree or as an environment variable, bind the same property.
// Read from Spring Boot's ConfigurationPropertyName and SystemEnvironmentPropertyMapper (4.x):
// a user who writes `SERVER_PORT` or `server.Port` overrides `server.port` just the same, so
// every comparison between names goes through the forms below, never through `===`.

/** One element in Spring's uniform form: lower case, letters and digits only. */
function uniformElement(element: string): string {
  return element.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * The uniform form Spring compares property names in: `server.Port`, `server.po-rt` and
 * `server.po_rt` all become `server.port`. Names from files (config tree, properties) are split
 * on "."; Spring treats `-`, `_` and case as formatting only.
 */
export function uniformProperty(name: string): string {
  return name.split('.').map(uniformElement).join('.');
}

/**
 * Environment variable Spring Boot binds to a property: dots become underscores, dashes are
 * dropped, letters are upper-cased (`app.api-key` -> `APP_APIKEY`).
 */
export function environmentName(property: string): string {
  return property.split('.').map(uniformElement).join('_').toUpperCase();
}

/**
 * Every environment variable name Spring Boot looks up for a property: the form above and the
 * legacy one that keeps each dash as an underscore (`APP_API_KEY`).
 */
export function environmentNames(property: string): readonly string[] {
  const legacy = property
    .split('.')
    .map((e) => e.replace(/-/g, '_'))
    .join('_')
    .toUpperCase();
  const current = environmentName(property);
  return current === legacy ? [current] : [current, legacy];
}

/**
 * Whether an environment variable binds a property. Spring maps the variable's name by
 * splitting on "_" (SystemEnvironmentPropertyMapper), also reads it as a dotted name
 * (DefaultPropertyMapper), and looks each property up under both names of
 * `environmentNames`; any of the three is a binding.
 */
export function environmentBinds(variable: string, property: string): boolean {
  const wanted = uniformProperty(property);
  return (
    uniformProperty(variable.split('_').join('.')) === wanted ||
    uniformProperty(variable) === wanted ||
    environmentNames(property).includes(variable.toUpperCase())
  );
}

/** Whether two property names (files, settings keys) bind the same property. */
export function sameProperty(a: string, b: string): boolean {
  return uniformProperty(a) === uniformProperty(b);
}
