import { HttpSend } from '../../../infra/kube/kube-api';
import { configureVault } from '../../../infra/platform/vault/configure';
import { TEST_VAULT_ACCESS as access } from '../../support/fixtures';

// The configuration over the HTTP API (GitOps platforms, and verify against OpenBao). Here the
// refusal a real server is not brought to, and the exact writes on a fresh server.

function fakeVault(mounts: Record<string, unknown>, writes: string[]): HttpSend {
  return (method, path, _body, headers = {}) => {
    const ok = (json: unknown) => Promise.resolve({ status: 200, body: JSON.stringify(json) });
    if (method !== 'GET') writes.push(`${method} ${path} as ${headers['X-Vault-Token'] ?? '-'}`);
    if (method === 'GET' && path === '/v1/sys/auth') return ok({ data: {} });
    if (method === 'GET' && path === '/v1/sys/mounts') return ok({ data: mounts });
    if (method === 'GET') return Promise.resolve({ status: 404, body: '{}' });
    return ok({});
  };
}

const base = {
  token: 'pulumi-token',
  kubernetes: { host: 'https://kubernetes.default.svc' },
  apps: [{ access, secrets: { 'app.api-key': 'k3y' } }],
};

describe('configureVault', () => {
  it('makes the writes of the Vault resources, with the given token', async () => {
    const writes: string[] = [];
    const report = await configureVault({ ...base, vault: fakeVault({}, writes) });
    expect(writes).toEqual([
      'POST /v1/sys/auth/kubernetes as pulumi-token',
      'POST /v1/auth/kubernetes/config as pulumi-token',
      'POST /v1/sys/mounts/secret as pulumi-token',
      'PUT /v1/sys/policies/acl/spring-api as pulumi-token',
      'POST /v1/auth/kubernetes/role/spring-api as pulumi-token',
      'POST /v1/secret/data/spring-api as pulumi-token',
    ]);
    expect(report.join('\n')).not.toContain('k3y');
  });

  it('leaves a KV version 1 mount alone instead of replacing it', async () => {
    const writes: string[] = [];
    await expect(
      configureVault({
        ...base,
        vault: fakeVault({ 'secret/': { type: 'kv', options: { version: '1' } } }, writes),
      }),
    ).rejects.toThrow(
      'secret/ is mounted as kv version 1, not KV v2; it is left untouched (no data is moved): migrate it by hand or choose another mount',
    );
    expect(writes.filter((w) => w.includes('sys/mounts'))).toEqual([]);
  });
});
