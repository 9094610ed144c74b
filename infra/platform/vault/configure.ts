// Vault's configuration for the platform, over Vault's HTTP API, idempotent: every step reads
// the current state first and changes only what differs, so a re-run after a failure (or on a
// Vault that someone configured by hand) converges instead of failing or duplicating. It never
// deletes: an existing mount of the wrong type is reported, not replaced, so no data is lost.
//
// Pulumi runs it after the Vault release (see ./index.ts, through ./cli.ts); `npm run verify`
// runs it against a real Vault-compatible server and then checks what the app's role may do.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpSend } from '../../kube/kube-api';
import { AppVaultAccess, appPolicyHcl, appRoleParameters } from './app-access';

/** What `vault operator init` returns, kept in the init store and nowhere else. */
export interface InitMaterial {
  readonly rootToken: string;
  /** Unseal keys (Shamir seal) or recovery keys (auto-unseal), base64. */
  readonly keys: readonly string[];
  /** `unseal` or `recovery`. */
  readonly keyKind: 'unseal' | 'recovery';
}

/** Where the init material lives between runs (a Kubernetes Secret in the cluster). */
export interface InitStore {
  load(): Promise<InitMaterial | undefined>;
  /** Must fail rather than overwrite existing material. */
  save(material: InitMaterial): Promise<void>;
  /** Where it is, for messages (never its content). */
  readonly description: string;
}

export interface VaultConfiguration {
  /** Reaches Vault's API (`/v1/...` paths). */
  readonly vault: HttpSend;
  readonly initStore: InitStore;
  /** Use this token instead of the stored root token (a dev server's, in tests). */
  readonly token?: string;
  /** Base delay between attempts to save the init material. @default 1000 */
  readonly retryDelayMs?: number;
  /** Kubernetes auth: the API server as Vault sees it; Vault's own service account reviews tokens. */
  readonly kubernetes: {
    readonly host: string;
    readonly caCert?: string;
    readonly tokenReviewerJwt?: string;
  };
  /** KV v2 mount for application secrets. */
  readonly kvMount: string;
  readonly apps: readonly {
    readonly access: AppVaultAccess;
    /** Values to keep at the app's path, one key per Spring property. */
    readonly secrets: Readonly<Record<string, string>>;
  }[];
}

/** What a run did, step by step, without any secret value: safe to log. */
export type Report = string[];

interface VaultAnswer {
  status: number;
  json: Record<string, unknown>;
}

async function call(
  send: HttpSend,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<VaultAnswer> {
  const answer = await send(
    method,
    `/v1/${path}`,
    body === undefined ? undefined : JSON.stringify(body),
    token ? { 'X-Vault-Token': token } : {},
  );
  let json: Record<string, unknown> = {};
  if (answer.body.trim().length > 0) {
    try {
      json = JSON.parse(answer.body) as Record<string, unknown>;
    } catch {
      json = { errors: [answer.body.slice(0, 200)] };
    }
  }
  return { status: answer.status, json };
}

async function must(
  send: HttpSend,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const r = await call(send, method, path, token, body);
  if (r.status < 200 || r.status >= 300) {
    const errors = Array.isArray(r.json.errors) ? r.json.errors.join('; ') : '';
    throw new Error(
      `Vault ${method} /v1/${path} answered ${r.status}${errors ? `: ${errors}` : ''}`,
    );
  }
  return r.json;
}

/** Saves init material, retrying; as a last resort writes a 0600 file and names its path. */
async function keep(store: InitStore, material: InitMaterial, delayMs: number): Promise<void> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await store.save(material);
      return;
    } catch (error) {
      last = error;
      await new Promise((r) => setTimeout(r, delayMs * (attempt + 1)));
    }
  }
  const rescue = join(tmpdir(), `vault-init-${Date.now()}.json`);
  writeFileSync(rescue, JSON.stringify(material), { mode: 0o600 });
  throw new Error(
    `Vault was initialized but its init material could not be saved to ${store.description} ` +
      `(${last instanceof Error ? last.message : String(last)}); it was written to ${rescue} (mode 0600): ` +
      'store it safely and delete the file',
  );
}

/** Waits (at most 5 minutes: image pull, volume attach) until the server answers at all. */
async function untilListening(vault: HttpSend, timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    try {
      const r = await call(vault, 'GET', 'sys/seal-status');
      if (r.status === 200) return r.json;
      last = `HTTP ${r.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline)
      throw new Error(`Vault did not answer within ${timeoutMs / 1000} s (last: ${last})`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/**
 * Waits (at most a minute) until the server answers as active (200), or as an unsealed standby
 * (429) once a leader is elected, so that it can forward writes: right after unsealing, raft is
 * still electing, and a standby without a leader refuses writes ("active cluster node not found").
 */
async function untilServing(vault: HttpSend, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const health = (await vault('GET', '/v1/sys/health')).status;
    last = `sys/health answered ${health}`;
    if (health === 200) return;
    if (health === 429) {
      const leader = await call(vault, 'GET', 'sys/leader');
      if (typeof leader.json.leader_address === 'string' && leader.json.leader_address !== '')
        return;
      last = 'a standby with no elected leader yet';
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`Vault did not become active within ${timeoutMs / 1000} s (${last})`);
}

/** Initializes (if needed) and unseals (Shamir seal only); returns the token to configure with. */
export async function initAndUnseal(
  c: Pick<VaultConfiguration, 'vault' | 'initStore' | 'token' | 'retryDelayMs'>,
  report: Report,
): Promise<string> {
  const seal = await untilListening(c.vault);
  const shamir = seal.type === 'shamir';
  let material = await c.initStore.load();
  if (seal.initialized !== true) {
    if (material)
      throw new Error(
        `Vault is not initialized but ${c.initStore.description} already holds init material from another Vault; ` +
          'refusing to overwrite it: move it away first',
      );
    const init = await must(
      c.vault,
      'PUT',
      'sys/init',
      undefined,
      shamir
        ? { secret_shares: 1, secret_threshold: 1 }
        : { recovery_shares: 5, recovery_threshold: 3 },
    );
    material = {
      rootToken: String(init.root_token),
      keys: ((shamir ? init.keys_base64 : init.recovery_keys_base64) ?? []) as string[],
      keyKind: shamir ? 'unseal' : 'recovery',
    };
    await keep(c.initStore, material, c.retryDelayMs ?? 1000);
    report.push(
      `initialized (${String(seal.type)} seal); init material kept in ${c.initStore.description}`,
    );
  } else report.push('already initialized');

  const sealed = await must(c.vault, 'GET', 'sys/seal-status');
  if (sealed.sealed === true) {
    if (!shamir)
      throw new Error(
        `Vault uses the ${String(seal.type)} seal but is sealed: check its access to the key (auto-unseal)`,
      );
    if (!material || material.keyKind !== 'unseal')
      throw new Error(`Vault is sealed and ${c.initStore.description} holds no unseal key`);
    for (const key of material.keys) {
      const r = await must(c.vault, 'PUT', 'sys/unseal', undefined, { key });
      if (r.sealed === false) break;
    }
    report.push('unsealed');
  }
  await untilServing(c.vault);
  const token = c.token ?? material?.rootToken;
  if (!token)
    throw new Error(
      `Vault is initialized but ${c.initStore.description} is missing and no token was given: ` +
        'restore the Secret (or pass a token) to configure it',
    );
  return token;
}

async function ensureKubernetesAuth(c: VaultConfiguration, token: string, report: Report) {
  const auths = await must(c.vault, 'GET', 'sys/auth', token);
  const mounts = (auths.data ?? auths) as Record<string, { type?: string }>;
  const existing = mounts['kubernetes/'];
  if (!existing) {
    await must(c.vault, 'POST', 'sys/auth/kubernetes', token, { type: 'kubernetes' });
    report.push('enabled auth kubernetes/');
  } else if (existing.type !== 'kubernetes') {
    throw new Error(`auth path kubernetes/ holds a ${existing.type} method, not kubernetes`);
  }
  const config: Record<string, string> = { kubernetes_host: c.kubernetes.host };
  if (c.kubernetes.caCert) config.kubernetes_ca_cert = c.kubernetes.caCert;
  if (c.kubernetes.tokenReviewerJwt) config.token_reviewer_jwt = c.kubernetes.tokenReviewerJwt;
  await must(c.vault, 'POST', 'auth/kubernetes/config', token, config);
  report.push(`auth kubernetes/ reviews tokens with ${c.kubernetes.host}`);
}

async function ensureKvMount(c: VaultConfiguration, token: string, report: Report) {
  const all = await must(c.vault, 'GET', 'sys/mounts', token);
  const mounts = (all.data ?? all) as Record<
    string,
    { type?: string; options?: { version?: string } }
  >;
  const existing = mounts[`${c.kvMount}/`];
  if (!existing) {
    await must(c.vault, 'POST', `sys/mounts/${c.kvMount}`, token, {
      type: 'kv',
      options: { version: '2' },
    });
    report.push(`mounted KV v2 at ${c.kvMount}/`);
  } else if (existing.type !== 'kv' || existing.options?.version !== '2') {
    throw new Error(
      `${c.kvMount}/ is mounted as ${existing.type ?? '?'} version ${existing.options?.version ?? '1'}, not KV v2; ` +
        'it is left untouched (no data is moved): migrate it by hand or choose another mount',
    );
  } else report.push(`KV v2 at ${c.kvMount}/ already mounted`);
}

function kvApiPath(kvDataPath: string, kvMount: string): string {
  if (!kvDataPath.startsWith(`${kvMount}/data/`))
    throw new Error(`app path ${kvDataPath} is not under the KV v2 mount ${kvMount}/data/`);
  return kvDataPath;
}

async function ensureApp(
  c: VaultConfiguration,
  token: string,
  app: VaultConfiguration['apps'][number],
  report: Report,
) {
  const { access, secrets } = app;
  const path = kvApiPath(access.kvDataPath, c.kvMount);
  await must(c.vault, 'PUT', `sys/policies/acl/${access.role}`, token, {
    policy: appPolicyHcl(access),
  });
  await must(
    c.vault,
    'POST',
    `auth/kubernetes/role/${access.role}`,
    token,
    appRoleParameters(access),
  );
  const current = await call(c.vault, 'GET', path, token);
  const stored =
    current.status === 200
      ? ((current.json.data as { data?: Record<string, string> } | undefined)?.data ?? {})
      : {};
  const same =
    Object.keys(stored).length === Object.keys(secrets).length &&
    Object.entries(secrets).every(([k, v]) => stored[k] === v);
  if (!same) {
    await must(c.vault, 'POST', path, token, { data: secrets });
    report.push(
      `${access.role}: policy, role and ${Object.keys(secrets).length} secret keys written`,
    );
  } else report.push(`${access.role}: policy and role written; secrets unchanged`);
}

/** Brings Vault to the platform's configuration; returns what it did (no secret values). */
export async function configureVault(c: VaultConfiguration): Promise<Report> {
  const report: Report = [];
  const token = await initAndUnseal(c, report);
  await ensureKubernetesAuth(c, token, report);
  await ensureKvMount(c, token, report);
  for (const app of c.apps) await ensureApp(c, token, app, report);
  return report;
}

/** An init store in a Kubernetes Secret, written with create (never replaced). */
export function secretInitStore(api: HttpSend, namespace: string, name: string): InitStore {
  const base = `/api/v1/namespaces/${namespace}/secrets`;
  return {
    description: `Secret ${namespace}/${name}`,
    async load() {
      const r = await api('GET', `${base}/${name}`);
      if (r.status === 404) return undefined;
      if (r.status !== 200)
        throw new Error(`reading Secret ${namespace}/${name}: HTTP ${r.status}`);
      const data = (JSON.parse(r.body) as { data?: Record<string, string> }).data ?? {};
      const text = (k: string) => Buffer.from(data[k] ?? '', 'base64').toString('utf8');
      return {
        rootToken: text('root-token'),
        keys: JSON.parse(text('keys') || '[]') as string[],
        keyKind: text('key-kind') === 'recovery' ? 'recovery' : 'unseal',
      };
    },
    async save(m) {
      const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
      const r = await api(
        'POST',
        base,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: {
            name,
            namespace,
            labels: { 'app.kubernetes.io/part-of': 'k8s-platform' },
            annotations: {
              'k8s-platform/description':
                'Vault init material (root token and unseal or recovery keys). Written once by the platform layer.',
            },
          },
          type: 'Opaque',
          immutable: true,
          data: {
            'root-token': b64(m.rootToken),
            keys: b64(JSON.stringify(m.keys)),
            'key-kind': b64(m.keyKind),
          },
        }),
      );
      if (r.status !== 201)
        throw new Error(`creating Secret ${namespace}/${name}: HTTP ${r.status}`);
    },
  };
}
