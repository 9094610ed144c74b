import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { HttpSend } from '../../../infra/kube/kube-api';
import { InitMaterial, InitStore, pulumiToken, Report } from '../../../infra/platform/vault/init';
import { LegacyInitSource } from '../../../infra/platform/vault/legacy-init';
import { pulumiPolicyHcl } from '../../../infra/platform/vault/pulumi-policy';

// `npm run verify` runs the step against a real Vault-compatible server (init, unseal, login,
// revocation, a restart). Here the exact calls, and the refusals a real server cannot easily be
// brought to, against a fake that records every call.

interface FakeState {
  initialized: boolean;
  sealed: boolean;
  sealType: string;
  calls: string[];
  failBootstrap?: boolean;
  /** The role write fails (after the login mount exists). */
  failRole?: boolean;
  mounted?: boolean;
}

function fakeVault(state: FakeState): HttpSend {
  return (method, path, body, headers = {}) => {
    const ok = (json: unknown) => Promise.resolve({ status: 200, body: JSON.stringify(json) });
    const token = headers['X-Vault-Token'];
    if (method !== 'GET') state.calls.push(`${method} ${path}${token ? ` as ${token}` : ''}`);
    switch (`${method} ${path}`) {
      case 'GET /v1/sys/seal-status':
        return ok({ type: state.sealType, initialized: state.initialized, sealed: state.sealed });
      case 'GET /v1/sys/health':
        return Promise.resolve({ status: state.sealed ? 503 : 200, body: '{}' });
      case 'PUT /v1/sys/init':
        state.initialized = true;
        return ok({
          root_token: 'root-1',
          recovery_keys_base64: ['r1', 'r2'],
          keys_base64: ['k1'],
        });
      case 'PUT /v1/sys/unseal':
        state.sealed = false;
        return ok({ sealed: false });
      case 'POST /v1/sys/auth/kubernetes-deployer':
        if (state.failBootstrap || state.mounted)
          return Promise.resolve({ status: 400, body: '{"errors":["path is already in use"]}' });
        state.mounted = true;
        return ok({});
      case 'GET /v1/sys/auth':
        return ok({
          data: state.mounted ? { 'kubernetes-deployer/': { type: 'kubernetes' } } : {},
        });
      case 'POST /v1/auth/kubernetes-deployer/role/k8s-platform-pulumi':
        if (state.failRole) return Promise.resolve({ status: 500, body: '{"errors":["boom"]}' });
        return ok({});
      case 'POST /v1/auth/kubernetes-deployer/login':
        state.calls.push(`  with ${body ?? ''}`);
        return ok({ auth: { client_token: 'pulumi-token' } });
      default:
        return ok({});
    }
  };
}

function memoryStore(
  initial?: InitMaterial,
  failSave = false,
): InitStore & { saved?: InitMaterial } {
  const store: InitStore & { saved?: InitMaterial } = {
    description: 'file /home/me/.config/k8s-platform/dev/vault-init.json',
    load: () => Promise.resolve(store.saved),
    save: (m) => {
      if (failSave) return Promise.reject(new Error('forbidden'));
      store.saved = m;
      return Promise.resolve();
    },
  };
  store.saved = initial;
  return store;
}

const fresh = (over: Partial<FakeState> = {}): FakeState => ({
  initialized: false,
  sealed: true,
  sealType: 'shamir',
  calls: [],
  ...over,
});

async function step(
  state: FakeState,
  store: InitStore,
  report: Report = [],
  legacy?: LegacyInitSource,
) {
  return pulumiToken(
    {
      vault: fakeVault(state),
      initStore: store,
      ...(legacy ? { legacy } : {}),
      retryDelayMs: 1,
      login: {
        kubernetes: { host: 'https://kubernetes.default.svc' },
        serviceAccountJwt: () => Promise.resolve('sa-jwt'),
      },
    },
    report,
  );
}

describe('the Vault init step', () => {
  it('initializes, keeps the keys, writes the Pulumi login with root, revokes root, then logs in', async () => {
    const state = fresh();
    const store = memoryStore();
    const report: Report = [];
    expect(await step(state, store, report)).toBe('pulumi-token');
    expect(store.saved).toEqual({ keys: ['k1'], keyKind: 'unseal' });
    expect(state.calls).toEqual([
      'PUT /v1/sys/init',
      'PUT /v1/sys/unseal',
      'PUT /v1/sys/policies/acl/k8s-platform-pulumi as root-1',
      'POST /v1/sys/auth/kubernetes-deployer as root-1',
      'POST /v1/auth/kubernetes-deployer/config as root-1',
      'POST /v1/auth/kubernetes-deployer/role/k8s-platform-pulumi as root-1',
      'POST /v1/auth/token/revoke-self as root-1',
      'POST /v1/auth/kubernetes-deployer/login',
      '  with {"role":"k8s-platform-pulumi","jwt":"sa-jwt"}',
    ]);
    expect(report).toEqual([
      'initialized (shamir seal); init material kept in file /home/me/.config/k8s-platform/dev/vault-init.json',
      'unsealed',
      'policy k8s-platform-pulumi and its login auth/kubernetes-deployer/ written',
      'root token revoked',
      'token for Pulumi from auth/kubernetes-deployer/ (policy k8s-platform-pulumi, 1h)',
    ]);
  });

  it('writes the fixed Pulumi policy and a role bound to one service account, audience and hour', async () => {
    const bodies: Record<string, unknown> = {};
    const base = fakeVault(fresh());
    await pulumiToken(
      {
        vault: (method, path, body, headers) => {
          if (body) bodies[path] = JSON.parse(body);
          return base(method, path, body, headers);
        },
        initStore: memoryStore(),
        login: {
          kubernetes: { host: 'https://kubernetes.default.svc' },
          serviceAccountJwt: () => Promise.resolve('sa-jwt'),
        },
      },
      [],
    );
    expect(bodies['/v1/sys/policies/acl/k8s-platform-pulumi']).toEqual({
      policy: pulumiPolicyHcl(),
    });
    expect(bodies['/v1/auth/kubernetes-deployer/config']).toEqual({
      kubernetes_host: 'https://kubernetes.default.svc',
    });
    expect(bodies['/v1/auth/kubernetes-deployer/role/k8s-platform-pulumi']).toEqual({
      bound_service_account_names: 'k8s-platform-pulumi',
      bound_service_account_namespaces: 'vault',
      audience: 'vault',
      token_policies: 'k8s-platform-pulumi',
      token_ttl: '1h',
      token_max_ttl: '1h',
    });
  });

  it('on a later run, only logs in: no root token is made or used', async () => {
    const state = fresh({ initialized: true, sealed: false, sealType: 'gcpckms' });
    const report: Report = [];
    expect(await step(state, memoryStore({ keys: ['r1'], keyKind: 'recovery' }), report)).toBe(
      'pulumi-token',
    );
    expect(state.calls.filter((c) => !c.startsWith('  '))).toEqual([
      'POST /v1/auth/kubernetes-deployer/login',
    ]);
    expect(report).toEqual([
      'already initialized',
      'token for Pulumi from auth/kubernetes-deployer/ (policy k8s-platform-pulumi, 1h)',
    ]);
  });

  it('revokes the root token even when writing the login fails', async () => {
    const state = fresh({ failBootstrap: true });
    await expect(step(state, memoryStore())).rejects.toThrow(
      'Vault POST /v1/sys/auth/kubernetes-deployer answered 400: path is already in use',
    );
    expect(state.calls.at(-1)).toBe('POST /v1/auth/token/revoke-self as root-1');
  });

  it('refuses to initialize over material from another Vault', async () => {
    const state = fresh();
    await expect(step(state, memoryStore({ keys: ['x'], keyKind: 'unseal' }))).rejects.toThrow(
      'Vault is not initialized but file /home/me/.config/k8s-platform/dev/vault-init.json already holds init material from another Vault; refusing to overwrite it: move it away first',
    );
    expect(state.calls).toEqual([]);
  });

  it('says so when an auto-unsealed Vault stays sealed', async () => {
    const state = fresh({ initialized: true, sealType: 'gcpckms' });
    await expect(step(state, memoryStore({ keys: [], keyKind: 'recovery' }))).rejects.toThrow(
      'Vault uses the gcpckms seal but is sealed: check its access to the key (auto-unseal)',
    );
  });

  it('rescues the init material to a private file when the store refuses it', async () => {
    const failing = step(fresh(), memoryStore(undefined, true));
    const message = await failing.then(
      () => '',
      (e: Error) => e.message,
    );
    const file = /written to (\S+) \(mode 0600\)/.exec(message)?.[1] ?? '';
    try {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ keys: ['k1'], keyKind: 'unseal' });
      expect(message).not.toContain('k1');
    } finally {
      if (existsSync(file)) rmSync(file);
    }
  });

  describe('on a Vault that an older version initialized (init material in Secret vault/vault-init)', () => {
    const oldSecret = (): LegacyInitSource & { removed: boolean } => {
      const source = {
        description: 'Secret vault/vault-init',
        removed: false,
        load: () =>
          Promise.resolve(
            source.removed
              ? undefined
              : { rootToken: 'old-root', material: { keys: ['k1'], keyKind: 'unseal' as const } },
          ),
        remove: () => {
          source.removed = true;
          return Promise.resolve();
        },
      };
      return source;
    };

    it('moves the keys to the store, writes the login with the old root, revokes it, deletes the Secret', async () => {
      const state = fresh({ initialized: true, sealed: true });
      const store = memoryStore();
      const legacy = oldSecret();
      const report: Report = [];
      expect(await step(state, store, report, legacy)).toBe('pulumi-token');
      expect(store.saved).toEqual({ keys: ['k1'], keyKind: 'unseal' });
      expect(legacy.removed).toBe(true);
      expect(state.calls.filter((c) => !c.startsWith('  '))).toEqual([
        'PUT /v1/sys/unseal',
        'PUT /v1/sys/policies/acl/k8s-platform-pulumi as old-root',
        'POST /v1/sys/auth/kubernetes-deployer as old-root',
        'POST /v1/auth/kubernetes-deployer/config as old-root',
        'POST /v1/auth/kubernetes-deployer/role/k8s-platform-pulumi as old-root',
        'POST /v1/auth/token/revoke-self as old-root',
        'POST /v1/auth/kubernetes-deployer/login',
      ]);
      expect(report).toEqual([
        'already initialized',
        'init material of Secret vault/vault-init kept in file /home/me/.config/k8s-platform/dev/vault-init.json',
        'unsealed',
        'policy k8s-platform-pulumi and its login auth/kubernetes-deployer/ written',
        'root token revoked; Secret vault/vault-init deleted',
        'token for Pulumi from auth/kubernetes-deployer/ (policy k8s-platform-pulumi, 1h)',
      ]);
    });

    it('keeps the old root token and the Secret when the move fails, and the next run finishes it', async () => {
      const state = fresh({ initialized: true, sealed: false, failRole: true });
      const store = memoryStore();
      const legacy = oldSecret();
      await expect(step(state, store, [], legacy)).rejects.toThrow(
        'Vault POST /v1/auth/kubernetes-deployer/role/k8s-platform-pulumi answered 500: boom',
      );
      expect(legacy.removed).toBe(false);
      expect(state.calls).not.toContain('POST /v1/auth/token/revoke-self as old-root');
      expect(store.saved).toEqual({ keys: ['k1'], keyKind: 'unseal' });

      state.failRole = false;
      state.calls.length = 0;
      expect(await step(state, store, [], legacy)).toBe('pulumi-token');
      // The login mount from the first attempt is reused, not written twice.
      expect(state.calls).not.toContain('POST /v1/sys/auth/kubernetes-deployer as old-root');
      expect(state.calls).toContain('POST /v1/auth/token/revoke-self as old-root');
      expect(legacy.removed).toBe(true);
    });

    it('leaves a Vault without the older Secret alone', async () => {
      const state = fresh({ initialized: true, sealed: false });
      const legacy = oldSecret();
      legacy.removed = true;
      await step(state, memoryStore({ keys: ['k1'], keyKind: 'unseal' }), [], legacy);
      expect(state.calls.filter((c) => !c.startsWith('  '))).toEqual([
        'POST /v1/auth/kubernetes-deployer/login',
      ]);
    });
  });
});
