import * as pulumi from '@pulumi/pulumi';
import { databasePasswordFor } from '../../../infra/platform/database/password';
import {
  databaseChartValues,
  databaseValuesFiles,
  retentionDays,
} from '../../../infra/platform/database/settings';

describe("the database owner's password", () => {
  it('is the very Output written to Vault', () => {
    const vault = pulumi.secret('from-vault');
    expect(databasePasswordFor({ 'spring.datasource.password': vault }, {})).toBe(vault);
  });

  it("is dev's local value, as a secret, where Vault has none", async () => {
    const out = databasePasswordFor({}, { 'spring.datasource.password': 'from-dev-json' });
    expect(await pulumi.isSecret(out)).toBe(true);
    expect(await new Promise((r) => out.apply(r))).toBe('from-dev-json');
  });

  it('is refused when neither has it, naming the property and both places', () => {
    expect(() => databasePasswordFor({ 'app.api-key': pulumi.output('k') }, {})).toThrow(
      "no value for spring.datasource.password: the API's profile must list it among its secret properties (Vault on staging and prod, .secrets/dev.json on dev)",
    );
  });
});

describe('the database chart values Pulumi computes', () => {
  it('are the target file, then the environment file', () => {
    expect(databaseValuesFiles('gcp', 'prod')).toEqual([
      'charts/spring-api-database/values-gcp.yaml',
      'charts/spring-api-database/values-prod.yaml',
    ]);
  });

  it("are the bucket as barman's destination on gcp, nothing on minikube", () => {
    expect(databaseChartValues('gcp', 'b-1')).toEqual({ backup: { destinationPath: 'gs://b-1' } });
    expect(databaseChartValues('minikube')).toEqual({});
    expect(() => databaseChartValues('gcp')).toThrow(
      'the gcp database chart needs its backup bucket',
    );
  });
});

describe('a retention policy in days', () => {
  it('reads days, weeks and months (31 days, to keep at least as long)', () => {
    expect(['14d', '2w', '1m'].map(retentionDays)).toEqual([14, 14, 31]);
  });

  it('refuses what barman would refuse', () => {
    expect(() => retentionDays('14')).toThrow(
      'charts/spring-api-database backup.retentionPolicy = "14" is invalid: must be a number of days, weeks or months such as "14d"',
    );
  });
});
