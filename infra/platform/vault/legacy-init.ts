// Vault initialized by this repository before its init material left the cluster (main up to
// 03c2b80) kept that material, root token included, in Secret vault/vault-init, and had no
// Pulumi login. The token step finds that Secret and moves the platform to today's model once:
// the keys go to the init store, the old root token writes the Pulumi policy and login, and only
// then is the root token revoked and the Secret deleted. A failure before that leaves both in
// place, so the next run can finish the move.
import { HttpSend } from '../../kube/kube-api';
import { InitMaterial } from './init';

/** The Secret, in Vault's namespace, that older versions kept the init material in. */
export const LEGACY_INIT_SECRET = 'vault-init';

export interface LegacyInit {
  readonly material: InitMaterial;
  readonly rootToken: string;
}

/** Where older versions kept the init material; read once, deleted after the move. */
export interface LegacyInitSource {
  load(): Promise<LegacyInit | undefined>;
  remove(): Promise<void>;
  /** For messages (never its content). */
  readonly description: string;
}

/** The older Secret, through the Kubernetes API (`api` answers `/api/v1/...` paths). */
export function legacySecretSource(api: HttpSend, namespace: string): LegacyInitSource {
  const path = `/api/v1/namespaces/${namespace}/secrets/${LEGACY_INIT_SECRET}`;
  const description = `Secret ${namespace}/${LEGACY_INIT_SECRET}`;
  return {
    description,
    async load() {
      const r = await api('GET', path);
      if (r.status === 404) return undefined;
      if (r.status !== 200) throw new Error(`reading ${description}: HTTP ${r.status}`);
      const data = (JSON.parse(r.body) as { data?: Record<string, string> }).data ?? {};
      const text = (key: string) => Buffer.from(data[key] ?? '', 'base64').toString('utf8');
      const keys: unknown = JSON.parse(text('keys') || '[]');
      const rootToken = text('root-token');
      if (!rootToken || !Array.isArray(keys) || !keys.every((k) => typeof k === 'string'))
        throw new Error(
          `${description} is not what older versions wrote (keys "root-token", "keys" as a JSON array of strings, "key-kind"); move it away or fix it, then run again`,
        );
      return {
        rootToken,
        material: {
          keys: keys,
          keyKind: text('key-kind') === 'recovery' ? 'recovery' : 'unseal',
        },
      };
    },
    async remove() {
      const r = await api('DELETE', path);
      if (r.status !== 200 && r.status !== 202 && r.status !== 404)
        throw new Error(`deleting ${description}: HTTP ${r.status}`);
    },
  };
}
