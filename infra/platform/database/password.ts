// The database owner's password is one value with two readers: Vault serves it to the API as
// spring.datasource.password (staging, prod), and the Secret databases/spring-api-db-app gives it
// to the database's role. On dev the API reads it from its own Secret, rendered from
// .secrets/dev.json, so the database takes it from there too.
import * as pulumi from '@pulumi/pulumi';
import { DATABASE_PASSWORD_PROPERTY } from '../../apps/spring-api/database-rules';

/**
 * The password the database's owner gets: the very Output written to Vault when there is one,
 * else dev's locally generated value (as a secret). Fails, naming both places, when neither has it.
 */
export function databasePasswordFor(
  vaultSecrets: Readonly<Record<string, pulumi.Output<string>>>,
  devSecrets: Readonly<Record<string, string>>,
): pulumi.Output<string> {
  const fromVault = vaultSecrets[DATABASE_PASSWORD_PROPERTY];
  if (fromVault) return fromVault;
  const dev = devSecrets[DATABASE_PASSWORD_PROPERTY];
  if (dev) return pulumi.secret(dev);
  throw new Error(
    `no value for ${DATABASE_PASSWORD_PROPERTY}: the API's profile must list it among its secret properties (Vault on staging and prod, .secrets/dev.json on dev)`,
  );
}
