// The smoke checks of the API's own environment: its PostgreSQL (the CloudNativePG Cluster the
// platform runs) and one write through the API as a client makes it, through the ingress
// controller's address with the Ingress's host name (the API's NetworkPolicy admits the ingress
// controller and Prometheus only, so the API server's proxy cannot reach it).
import { request } from 'node:https';
import { PLATFORM_ENDPOINTS } from '../../infra/config/platform';
import { HttpSend } from '../../infra/kube/kube-api';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
/* eslint-disable @typescript-eslint/no-unsafe-member-access */

/** One HTTPS request to `address`, for `host` (SNI and Host header). */
export type IngressRequest = (
  address: string,
  host: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
) => Promise<{ status: number; body: string }>;

/**
 * The real request. The certificate is not verified here (Let's Encrypt staging and minikube's
 * CA are in no system trust store); the "TLS certificates" check reads its state from
 * cert-manager instead.
 */
export const httpsToIngress: IngressRequest = (address, host, method, path, headers, body) =>
  new Promise((resolve, reject) => {
    const req = request(
      {
        host: address,
        servername: host,
        port: 443,
        method,
        path,
        headers: { ...headers, Host: host },
        rejectUnauthorized: false,
        timeout: 15_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${address} within 15 s`)));
    req.on('error', reject);
    req.end(body);
  });

export interface EnvironmentOptions {
  /** The API's namespace, also its name. @default "spring-api" */
  readonly app?: string;
  /** The API key for the write; dev's is read from the API's Secret when not given. */
  readonly apiKey?: string;
  readonly ingress?: IngressRequest;
}

async function getJson(api: HttpSend, path: string): Promise<{ status: number; json: Json }> {
  const r = await api('GET', path);
  try {
    return { status: r.status, json: JSON.parse(r.body) as Json };
  } catch {
    return { status: r.status, json: {} };
  }
}

const fail = (m: string): never => {
  throw new Error(m);
};

/** dev keeps the API key in the API's Secret; staging and prod in Vault only. */
async function devApiKey(api: HttpSend, app: string): Promise<string> {
  const r = await getJson(api, `/api/v1/namespaces/${app}/secrets/${app}-secrets`);
  const encoded = r.json.data?.['app.api-key'] as string | undefined;
  if (r.status !== 200 || !encoded)
    fail(
      `no API key: set SMOKE_API_KEY (staging and prod keep it in Vault only; dev in Secret ${app}/${app}-secrets)`,
    );
  return Buffer.from(String(encoded), 'base64').toString('utf8');
}

export async function environmentChecks(
  api: HttpSend,
  check: (name: string, run: () => Promise<string>) => Promise<void>,
  options: EnvironmentOptions = {},
): Promise<void> {
  const app = options.app ?? 'spring-api';
  const db = PLATFORM_ENDPOINTS.database;
  const clusterName = db.podLabels['cnpg.io/cluster'] ?? '';

  await check('database primary ready', async () => {
    const path = `/apis/postgresql.cnpg.io/v1/namespaces/${db.namespace}/clusters/${clusterName}`;
    const r = await getJson(api, path);
    if (r.status !== 200) fail(`Cluster ${db.namespace}/${clusterName}: HTTP ${r.status}`);
    const want = Number(r.json.spec?.instances ?? 0);
    const have = Number(r.json.status?.readyInstances ?? 0);
    const primary = r.json.status?.currentPrimary as string | undefined;
    if (!primary) fail(`no primary yet (phase "${String(r.json.status?.phase ?? 'none')}")`);
    return have >= want
      ? `primary ${String(primary)}, ${have}/${want} instances ready`
      : fail(`${have}/${want} instances ready (phase "${String(r.json.status?.phase)}")`);
  });

  await check('API write through the database', async () => {
    const ingress = await getJson(
      api,
      `/apis/networking.k8s.io/v1/namespaces/${app}/ingresses/${app}`,
    );
    const host = ingress.json.spec?.rules?.[0]?.host as string | undefined;
    if (ingress.status !== 200 || !host)
      fail(
        `the API's Ingress ${app}/${app} is missing (HTTP ${ingress.status}): sync the API first`,
      );
    const ns = PLATFORM_ENDPOINTS.ingressController.namespace;
    const controller = await getJson(
      api,
      `/api/v1/namespaces/${ns}/services/ingress-nginx-controller`,
    );
    const address = controller.json.status?.loadBalancer?.ingress?.[0]?.ip as string | undefined;
    if (!address) fail('the ingress controller has no address');
    const key = options.apiKey ?? (await devApiKey(api, app));
    const send = (method: string, path: string, headers: Record<string, string>, body?: string) =>
      (options.ingress ?? httpsToIngress)(
        String(address),
        String(host),
        method,
        path,
        headers,
        body,
      );
    const auth = { 'Content-Type': 'application/json', 'X-API-Key': key };
    const title = `smoke ${new Date().toISOString()}`;
    const made = await send('POST', '/api/articles', auth,
      JSON.stringify({ title, body: 'written by npm run smoke', author: 'smoke' })); // prettier-ignore
    if (made.status !== 201)
      fail(`POST /api/articles answered ${made.status}: ${made.body.slice(0, 200)}`);
    const id = Number((JSON.parse(made.body) as Json).id);
    const read = await send('GET', `/api/articles/${id}`, {});
    if (read.status !== 200 || (JSON.parse(read.body) as Json).title !== title)
      fail(`GET /api/articles/${id} answered ${read.status} without the article just written`);
    const gone = await send('DELETE', `/api/articles/${id}`, auth);
    if (gone.status !== 204) fail(`DELETE /api/articles/${id} answered ${gone.status}`);
    return `article ${id} written, read back and deleted through https://${String(host)}`;
  });
}
