import { appPolicyHcl, appRoleParameters } from '../../../infra/apps/spring-api/vault';
import { TEST_VAULT_ACCESS as access } from '../../support/fixtures';

// `npm run verify` applies these to a real Vault-compatible server and checks their effect;
// here their exact text, which the platform layer will apply as well.
describe('the Vault access of an app', () => {
  it('is a policy reading one KV v2 path, nothing else', () => {
    expect(appPolicyHcl(access)).toBe(
      'path "secret/data/spring-api" {\n  capabilities = ["read"]\n}\n',
    );
  });

  it('is a role bound to the service account, namespace and token audience', () => {
    expect(appRoleParameters(access)).toEqual({
      bound_service_account_names: 'spring-api',
      bound_service_account_namespaces: 'spring-api',
      audience: 'vault',
      policies: 'spring-api',
      token_ttl: '10m',
    });
  });
});
