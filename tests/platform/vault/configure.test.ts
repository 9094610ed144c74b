import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { HttpSend } from '../../../infra/kube/kube-api';
import {
  configureVault,
  InitMaterial,
  InitStore,
  VaultConfiguration,
} from '../../../infra/platform/vault/configure';

// `npm run verify` runs the configuration against a real Vault-compatible server (init, unseal,
// re-runs). Here the refusals a real server cannot easily be brought to: each must stop before
// changing anything, with a message that says what to do.

interface FakeState {
  initialized: boolean;
  sealed: boolean;
  sealType: string;
  mounts: Record<string, { type: string; options?: { version?: string } }>;
  writes: string[];
}

function fakeVault(state: FakeState): HttpSend {
  return (method, path) => {
    const ok = (json: unknown) => Promise.resolve({ status: 200, body: JSON.stringify(json) });
    if (method !== 'GET') state.writes.push(`${method} ${path}`);
    switch (`${method} ${path}`) {
      case 'GET /v1/sys/seal-status':
        return ok({ type: state.sealType, initialized: state.initialized, sealed: state.sealed });
      case 'GET /v1/sys/health':
        return Promise.resolve({ status: state.sealed ? 503 : 200, body: '{}' });
      case 'PUT /v1/sys/init':
        state.initialized = true;
        return ok({ root_token: 'root', recovery_keys_base64: ['r1', 'r2'], keys_base64: ['k1'] });
      case 'GET /v1/sys/auth':
        return ok({ data: { 'kubernetes/': { type: 'kubernetes' } } });
      case 'GET /v1/sys/mounts':
        return ok({ data: state.mounts });
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
    description: 'Secret vault/vault-init',
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

function configuration(state: FakeState, store: InitStore): VaultConfiguration {
  return {
    vault: fakeVault(state),
    initStore: store,
    kubernetes: { host: 'https://kubernetes.default.svc' },
    kvMount: 'secret',
    apps: [],
  };
}

const fresh = (over: Partial<FakeState> = {}): FakeState => ({
  initialized: false,
  sealed: true,
  sealType: 'gcpckms',
  mounts: {},
  writes: [],
  ...over,
});

describe('the Vault configuration', () => {
  it('initializes an auto-unsealed Vault with recovery keys and keeps them in the store', async () => {
    const state = fresh({ sealed: false });
    const store = memoryStore();
    const report = await configureVault(configuration(state, store));
    expect(store.saved).toEqual({ rootToken: 'root', keys: ['r1', 'r2'], keyKind: 'recovery' });
    expect(report[0]).toBe(
      'initialized (gcpckms seal); init material kept in Secret vault/vault-init',
    );
    expect(state.writes[0]).toBe('PUT /v1/sys/init');
    expect(report.join('\n')).not.toContain('root');
  });

  it('refuses to initialize over material from another Vault', async () => {
    const state = fresh();
    const store = memoryStore({ rootToken: 'old', keys: ['x'], keyKind: 'unseal' });
    await expect(configureVault(configuration(state, store))).rejects.toThrow(
      'Vault is not initialized but Secret vault/vault-init already holds init material from another Vault; refusing to overwrite it: move it away first',
    );
    expect(state.writes).toEqual([]);
  });

  it('says so when an auto-unsealed Vault stays sealed', async () => {
    const state = fresh({ initialized: true, sealed: true });
    await expect(
      configureVault(
        configuration(state, memoryStore({ rootToken: 'r', keys: [], keyKind: 'recovery' })),
      ),
    ).rejects.toThrow(
      'Vault uses the gcpckms seal but is sealed: check its access to the key (auto-unseal)',
    );
  });

  it('needs the stored token once Vault is initialized', async () => {
    const state = fresh({ initialized: true, sealed: false });
    await expect(configureVault(configuration(state, memoryStore()))).rejects.toThrow(
      'Vault is initialized but Secret vault/vault-init is missing and no token was given: restore the Secret (or pass a token) to configure it',
    );
  });

  it('leaves a KV version 1 mount alone instead of replacing it', async () => {
    const state = fresh({
      initialized: true,
      sealed: false,
      mounts: { 'secret/': { type: 'kv', options: { version: '1' } } },
    });
    await expect(
      configureVault(
        configuration(state, memoryStore({ rootToken: 'r', keys: [], keyKind: 'recovery' })),
      ),
    ).rejects.toThrow(
      'secret/ is mounted as kv version 1, not KV v2; it is left untouched (no data is moved): migrate it by hand or choose another mount',
    );
    expect(state.writes.filter((w) => w.includes('sys/mounts'))).toEqual([]);
  });

  it('rescues the init material to a private file when the store refuses it', async () => {
    const state = fresh({ sealed: false });
    const failing = configureVault({
      ...configuration(state, memoryStore(undefined, true)),
      retryDelayMs: 1,
    });
    await expect(failing).rejects.toThrow(/it was written to (\S+) \(mode 0600\)/);
    const message = await failing.then(
      () => '',
      (e: Error) => e.message,
    );
    const file = /written to (\S+) \(mode 0600\)/.exec(message)?.[1] ?? '';
    try {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ rootToken: 'root' });
      expect(message).not.toContain('"root"');
    } finally {
      if (existsSync(file)) rmSync(file);
    }
  });
});
