// Waits, after cert-manager is installed, until its webhook admits cert-manager's resources: the
// check cert-manager's Helm post-install hook (startupapicheck, `cmctl check api`) makes, which
// Pulumi's helm.v4.Chart skips with every hook. Until the cainjector has put the webhook's CA into
// the ValidatingWebhookConfiguration, and the webhook's Service has an endpoint, the API server
// refuses every ClusterIssuer with a 500; without this wait the platform's issuers could be sent
// in that window, and pulumi-kubernetes does not retry such a refusal.
//
// The probe is a server-side dry run of a ClusterIssuer (nothing is stored), run by Pulumi as a
// local Command with KUBECONFIG (a path) or KUBECONFIG_CONTENT (a secret) and KUBE_CONTEXT.
import { Checks } from '../config/checks';
import { credentialsFromEnv, HttpSend, kubeApi, KubeCredentials } from '../kube/kube-api';

/** The dry-run request: a minimal valid ClusterIssuer the webhook must admit. */
export const PROBE_PATH =
  '/apis/cert-manager.io/v1/clusterissuers?dryRun=All&fieldValidation=Strict';
export const PROBE = {
  apiVersion: 'cert-manager.io/v1',
  kind: 'ClusterIssuer',
  metadata: { name: 'k8s-platform-webhook-probe' },
  spec: { selfSigned: {} },
} as const;

/**
 * Answers that mean "not yet": the CRD not served yet (404), the webhook not reachable or its CA
 * not injected yet (500 "failed calling webhook"), the API server busy (429, 502-504). Anything
 * else is a real refusal (403: not allowed; 400/422: the probe itself), reported at once.
 */
const NOT_YET = new Set([404, 429, 500, 502, 503, 504]);

export interface ReadyOptions {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly log?: (line: string) => void;
}

/** The API server's message in a Status body, else the body's start. */
function reason(body: string): string {
  try {
    const status = JSON.parse(body) as { message?: unknown };
    if (typeof status.message === 'string') return status.message;
  } catch {
    // not JSON: fall through
  }
  return body.slice(0, 200);
}

/** A refusal that waiting will not change. */
class Refused extends Error {}

/** Resolves once a dry-run ClusterIssuer is admitted; rejects on a real refusal or at the deadline. */
export async function waitForCertManager(api: HttpSend, o: ReadyOptions): Promise<string> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = now() + o.timeoutMs;
  for (let attempt = 1; ; attempt++) {
    let state: string;
    try {
      const r = await api('POST', PROBE_PATH, JSON.stringify(PROBE));
      if (r.status === 200 || r.status === 201)
        return `cert-manager's webhook admitted a dry-run ClusterIssuer (attempt ${attempt})`;
      state = `HTTP ${r.status}: ${reason(r.body)}`;
      if (!NOT_YET.has(r.status))
        throw new Refused(`the API server refused a dry-run ClusterIssuer: ${state}`);
    } catch (error) {
      if (error instanceof Refused) throw error;
      state = error instanceof Error ? error.message : String(error);
    }
    if (now() >= deadline)
      throw new Error(
        `cert-manager's webhook did not admit a dry-run ClusterIssuer within ${Math.round(o.timeoutMs / 60000)} min (last: ${state})`,
      );
    o.log?.(`waiting for cert-manager's webhook: ${state}`);
    await sleep(o.intervalMs);
  }
}

/** The credentials and bound the command line runs with, from its environment. */
export function readReadySettings(env: NodeJS.ProcessEnv): {
  credentials: () => KubeCredentials;
  minutes: number;
} {
  const c = new Checks('');
  const context = env.KUBE_CONTEXT ?? '';
  c.require(context !== '', 'KUBE_CONTEXT', env.KUBE_CONTEXT, 'the kubeconfig context to use');
  const raw = env.WAIT_MINUTES ?? '10';
  const minutes = /^\d+$/.test(raw) ? Number(raw) : NaN;
  c.require(
    minutes >= 1 && minutes <= 60,
    'WAIT_MINUTES',
    env.WAIT_MINUTES,
    'an integer from 1 to 60 (minutes); 10 when unset',
  );
  c.throwIfAny();
  return {
    credentials: () => credentialsFromEnv(env, context),
    minutes,
  };
}

if (require.main === module) {
  const fail = (error: unknown) => {
    console.error(`cert-manager-ready: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  };
  try {
    const s = readReadySettings(process.env);
    waitForCertManager(kubeApi(s.credentials(), 10_000), {
      timeoutMs: s.minutes * 60_000,
      intervalMs: 5_000,
      log: (line) => console.error(line),
    }).then((done) => console.log(done), fail);
  } catch (error) {
    fail(error);
  }
}
