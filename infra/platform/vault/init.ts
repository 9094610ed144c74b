// The step Pulumi cannot model as resources: initialize Vault once, unseal it (Shamir seal), and
// hand Pulumi a short-lived token for the Vault provider. The root token never outlives the
// first run: it writes the Pulumi policy and the login that hands out Pulumi tokens, and is
// revoked. The keys go to an InitStore (Secret Manager on gcp, a 0600 file on minikube), never
// to the cluster; they unseal a Shamir-sealed Vault (minikube) and are the break-glass for
// `generate-root` (which Vault 2.0 and OpenBao 2.5+ only allow once enabled in the server config).
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpSend } from '../../kube/kube-api';
import { must, untilListening, untilServing } from './api';
import { LegacyInitSource } from './legacy-init';
import { PULUMI_LOGIN, PULUMI_POLICY, pulumiPolicyHcl } from './pulumi-policy';

/** What `vault operator init` returns that must be kept: the keys (the root token is not). */
export interface InitMaterial {
  /** Unseal keys (Shamir seal) or recovery keys (auto-unseal), base64. */
  readonly keys: readonly string[];
  readonly keyKind: 'unseal' | 'recovery';
}

/** Where the init material lives between runs. */
export interface InitStore {
  load(): Promise<InitMaterial | undefined>;
  /** Must fail rather than overwrite existing material. */
  save(material: InitMaterial): Promise<void>;
  /** Where it is, for messages (never its content). */
  readonly description: string;
}

export interface InitStep {
  /** Reaches Vault's API (`/v1/...` paths) on one server. */
  readonly vault: HttpSend;
  readonly initStore: InitStore;
  /** Base delay between attempts to save the init material. @default 1000 */
  readonly retryDelayMs?: number;
  /** Where older versions kept the init material in the cluster (see ./legacy-init.ts). */
  readonly legacy?: LegacyInitSource;
}

/** What a run did, step by step, without any secret value: safe to log. */
export type Report = string[];

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

/**
 * Initializes (if needed) and unseals (Shamir seal only). Returns the stored material and, on
 * the run that initialized Vault, its root token (which the caller must revoke).
 */
export async function initAndUnseal(
  c: InitStep,
  report: Report,
): Promise<{ material: InitMaterial | undefined; rootToken?: string; legacyRoot?: string }> {
  const seal = await untilListening(c.vault);
  const shamir = seal.type === 'shamir';
  let material = await c.initStore.load();
  let rootToken: string | undefined;
  let legacyRoot: string | undefined;
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
    rootToken = String(init.root_token);
    material = {
      keys: ((shamir ? init.keys_base64 : init.recovery_keys_base64) ?? []) as string[],
      keyKind: shamir ? 'unseal' : 'recovery',
    };
    await keep(c.initStore, material, c.retryDelayMs ?? 1000);
    report.push(
      `initialized (${String(seal.type)} seal); init material kept in ${c.initStore.description}`,
    );
  } else {
    report.push('already initialized');
    const legacy = await c.legacy?.load();
    if (legacy) {
      if (!material) {
        await keep(c.initStore, legacy.material, c.retryDelayMs ?? 1000);
        material = legacy.material;
      }
      report.push(
        `init material of ${c.legacy?.description ?? 'the older Secret'} kept in ${c.initStore.description}`,
      );
      legacyRoot = legacy.rootToken;
    }
  }

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
  return {
    material,
    ...(rootToken ? { rootToken } : {}),
    ...(legacyRoot ? { legacyRoot } : {}),
  };
}

/** How the init step logs in for the Pulumi token (see PULUMI_LOGIN). */
export interface PulumiLogin {
  /** The API server as Vault sees it, for the login mount's token reviews. */
  readonly kubernetes: {
    readonly host: string;
    readonly caCert?: string;
    readonly tokenReviewerJwt?: string;
  };
  /** A fresh token of PULUMI_LOGIN's service account, with its audience. */
  serviceAccountJwt(): Promise<string>;
}

/** The first run only: the Pulumi policy and its login mount and role, written with root. */
async function bootstrap(c: InitStep & PulumiTokenStep, root: string, report: Report) {
  const { mount, role, namespace, serviceAccount, audience, ttl } = PULUMI_LOGIN;
  await must(c.vault, 'PUT', `sys/policies/acl/${PULUMI_POLICY}`, root, {
    policy: pulumiPolicyHcl(),
  });
  // A move from an older version may be finishing what an interrupted run started.
  const mounts = await must(c.vault, 'GET', 'sys/auth', root);
  if (!(`${mount}/` in ((mounts.data as object | undefined) ?? mounts)))
    await must(c.vault, 'POST', `sys/auth/${mount}`, root, { type: 'kubernetes' });
  const k = c.login.kubernetes;
  await must(c.vault, 'POST', `auth/${mount}/config`, root, {
    kubernetes_host: k.host,
    ...(k.caCert ? { kubernetes_ca_cert: k.caCert } : {}),
    ...(k.tokenReviewerJwt ? { token_reviewer_jwt: k.tokenReviewerJwt } : {}),
  });
  await must(c.vault, 'POST', `auth/${mount}/role/${role}`, root, {
    bound_service_account_names: serviceAccount,
    bound_service_account_namespaces: namespace,
    audience,
    token_policies: PULUMI_POLICY,
    token_ttl: ttl,
    token_max_ttl: ttl,
  });
  report.push(`policy ${PULUMI_POLICY} and its login auth/${mount}/ written`);
}

export interface PulumiTokenStep {
  readonly login: PulumiLogin;
  /** Sees the fresh server's root token before it is revoked (verify proves the revocation). */
  readonly onRootToken?: (token: string) => void;
}

/**
 * The whole step: init/unseal; on the first run, root writes the Pulumi policy and login and is
 * revoked; then the step logs in with the service account for a token of PULUMI_LOGIN.ttl.
 */
export async function pulumiToken(c: InitStep & PulumiTokenStep, report: Report): Promise<string> {
  const { rootToken, legacyRoot } = await initAndUnseal(c, report);
  if (legacyRoot) {
    // Not revoked on failure: the older root token is what lets the next run finish the move.
    await bootstrap(c, legacyRoot, report);
    await must(c.vault, 'POST', 'auth/token/revoke-self', legacyRoot);
    await c.legacy?.remove();
    report.push(`root token revoked; ${c.legacy?.description ?? 'the older Secret'} deleted`);
  } else if (rootToken) {
    c.onRootToken?.(rootToken);
    try {
      await bootstrap(c, rootToken, report);
    } finally {
      await must(c.vault, 'POST', 'auth/token/revoke-self', rootToken);
      report.push('root token revoked');
    }
  }
  const { mount, role, ttl } = PULUMI_LOGIN;
  const login = await must(c.vault, 'POST', `auth/${mount}/login`, undefined, {
    role,
    jwt: await c.login.serviceAccountJwt(),
  });
  const token = (login.auth as { client_token?: string } | undefined)?.client_token;
  if (!token) throw new Error(`Vault's auth/${mount}/login returned no token`);
  report.push(`token for Pulumi from auth/${mount}/ (policy ${PULUMI_POLICY}, ${ttl})`);
  return token;
}
