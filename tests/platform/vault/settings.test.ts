import * as pulumi from '@pulumi/pulumi';
import * as vault from '@pulumi/vault';
import { appPolicyHcl } from '../../../infra/apps/spring-api/vault';
import { VaultAppSecrets, VaultSettings } from '../../../infra/platform/vault/settings';
import { TEST_VAULT_ACCESS as access } from '../../support/fixtures';
import {
  dependencyRecorder,
  recordResources,
  Registered,
  settled,
} from '../../support/pulumi-mocks';

// Vault's configuration as Pulumi resources, under mocks: exactly these resources, from the app's
// typed access, with the secret values as Pulumi secrets and the order Vault needs.

const registered: Registered[] = recordResources();
const SECRET_SIG = '4dabf18193072939515e22adb298388d';

async function build(apps: readonly ConstructorParameters<typeof VaultAppSecrets>[1][]) {
  registered.length = 0;
  const recorder = dependencyRecorder();
  const provider = new vault.Provider('vault-api', { address: 'http://127.0.0.1:1', token: 't' });
  const opts = { transformations: [recorder.transformation] };
  const settings = new VaultSettings('vault-config', {}, provider, opts);
  for (const app of apps) new VaultAppSecrets('vault-config', app, settings, opts);
  await settled();
  const byName = (name: string): Registered => {
    const found = registered.find((r) => r.name === name);
    if (!found) throw new Error(`no ${name}; have ${registered.map((r) => r.name).join(', ')}`);
    return found;
  };
  return { settings, recorder, byName, provider };
}

describe('VaultSettings', () => {
  let built: Awaited<ReturnType<typeof build>>;
  beforeAll(async () => {
    built = await build([
      {
        access,
        secrets: { 'app.api-key': pulumi.secret('k3y'), 'spring.datasource.password': 'pw' },
      },
    ]);
  });

  it('registers exactly the auth method, its config, the KV mount, and the app policy, role and secret', () => {
    expect(
      registered
        .filter((r) => r.type !== 'pulumi:providers:vault')
        .map((r) => [r.type, r.name])
        .sort(),
    ).toEqual(
      [
        ['k8s-platform:platform:VaultSettings', 'vault-config'],
        ['k8s-platform:platform:VaultAppSecrets', 'vault-config'],
        ['vault:index/authBackend:AuthBackend', 'vault-config-kubernetes-auth'],
        ['vault:kubernetes/authBackendConfig:AuthBackendConfig', 'vault-config-kubernetes-config'],
        ['vault:index/mount:Mount', 'vault-config-kv'],
        ['vault:index/policy:Policy', 'vault-config-policy-spring-api'],
        ['vault:kubernetes/authBackendRole:AuthBackendRole', 'vault-config-role-spring-api'],
        ['vault:kv/secretV2:SecretV2', 'vault-config-secret-spring-api'],
      ].sort(),
    );
  });

  it('mounts Kubernetes auth and KV v2 where the app access and the Pulumi policy expect them', () => {
    expect(built.byName('vault-config-kubernetes-auth').inputs).toMatchObject({
      type: 'kubernetes',
      path: 'kubernetes',
    });
    expect(built.byName('vault-config-kubernetes-config').inputs).toMatchObject({
      backend: 'kubernetes',
      kubernetesHost: 'https://kubernetes.default.svc',
    });
    expect(built.byName('vault-config-kv').inputs).toMatchObject({
      path: 'secret',
      type: 'kv',
      options: { version: '2' },
    });
  });

  it('gives the app a read-only policy and a role bound to its account, namespace and audience', () => {
    expect(built.byName('vault-config-policy-spring-api').inputs).toEqual({
      name: 'spring-api',
      policy: appPolicyHcl(access),
    });
    expect(built.byName('vault-config-role-spring-api').inputs).toEqual({
      backend: 'kubernetes',
      roleName: 'spring-api',
      boundServiceAccountNames: ['spring-api'],
      boundServiceAccountNamespaces: ['spring-api'],
      audience: 'vault',
      tokenPolicies: ['spring-api'],
      tokenTtl: 600,
    });
  });

  it('keeps the values at the app path as a Pulumi secret', () => {
    const secret = built.byName('vault-config-secret-spring-api').inputs;
    expect(secret.mount).toBe('secret');
    expect(secret.name).toBe('spring-api');
    expect(secret.deleteAllVersions).toBe(true);
    expect(secret.dataJson[SECRET_SIG]).toBeDefined();
    expect(JSON.parse(secret.dataJson.value as string)).toEqual({
      'app.api-key': 'k3y',
      'spring.datasource.password': 'pw',
    });
  });

  it('configures the auth method before a role is written, all through the Vault provider', () => {
    expect(built.recorder.dependsOn.get('vault-config-role-spring-api')).toEqual([
      'vault-config-kubernetes-config',
    ]);
    for (const name of [
      'vault-config-kubernetes-auth',
      'vault-config-kubernetes-config',
      'vault-config-kv',
      'vault-config-policy-spring-api',
      'vault-config-role-spring-api',
      'vault-config-secret-spring-api',
    ])
      expect(built.recorder.opts.get(name)?.provider).toBe(built.provider);
  });

  it('refuses an app path outside the platform KV mount, naming the role and path', async () => {
    await expect(
      build([{ access: { ...access, kvDataPath: 'kv/data/spring-api' }, secrets: {} }]).then(
        () => 'built',
      ),
    ).rejects.toThrow(
      'kvDataPath "kv/data/spring-api" of role spring-api is under mount "kv"; the platform mounts KV v2 at "secret/" only',
    );
  });
});
