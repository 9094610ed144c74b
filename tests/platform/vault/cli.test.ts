import { parseApps, run } from '../../../infra/platform/vault/cli';

// The step's entry point refuses bad input before it reaches any cluster or Vault.
describe('the Vault step command line', () => {
  it('names its modes when given another', async () => {
    await expect(run(['configur'], {})).rejects.toThrow(
      'usage: cli.ts token | unseal | configure [--context <name>] [--init-store <store>] (got "configur")',
    );
  });

  it('needs an init store it understands', async () => {
    await expect(
      run(['unseal', '--init-store', 'secret:vault/vault-init'], {
        KUBECONFIG_CONTENT: [
          'apiVersion: v1',
          'kind: Config',
          'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
          'users: [{name: u, user: {token: "t"}}]',
          'contexts: [{name: minikube, context: {cluster: c, user: u}}]',
        ].join('\n'),
      }),
    ).rejects.toThrow(
      'init store "secret:vault/vault-init" is not one of file:<absolute path>, gcp-secret:<project>/<secret>',
    );
  });

  it('reads VAULT_APPS as a JSON array, and says what it wants otherwise', () => {
    expect(() => parseApps(undefined)).toThrow(
      'VAULT_APPS is not set: a JSON array of {"access": ..., "secrets": ...}',
    );
    expect(() => parseApps('{}')).toThrow('VAULT_APPS must be a JSON array');
    expect(parseApps('[{"access":{"role":"r"},"secrets":{}}]')).toEqual([
      { access: { role: 'r' }, secrets: {} },
    ]);
  });
});
