import { IngressRequest } from '../../scripts/smoke/environment';

// Stand-ins for the smoke test's API environment checks: the API server's answers for a healthy
// database and a synced API, and the API behind its ingress as an in-memory article store.

/** The names of the environment checks, in the order smoke runs them. */
export const API_ENVIRONMENT = ['database primary ready', 'API write through the database'];

type Routes = Record<string, { status: number; body: unknown }>;

export function healthyApi(): Routes {
  return {
    '/apis/postgresql.cnpg.io/v1/namespaces/databases/clusters/spring-api-db': {
      status: 200,
      body: {
        spec: { instances: 3 },
        status: {
          readyInstances: 3,
          currentPrimary: 'spring-api-db-1',
          phase: 'Cluster in healthy state',
        },
      },
    },
    '/apis/networking.k8s.io/v1/namespaces/spring-api/ingresses/spring-api': {
      status: 200,
      body: { spec: { rules: [{ host: 'spring-api.dev.test' }] } },
    },
    '/api/v1/namespaces/spring-api/secrets/spring-api-secrets': {
      status: 200,
      body: { data: { 'app.api-key': Buffer.from('dev-k3y').toString('base64') } },
    },
  };
}

/** The API behind its ingress: articles kept in memory, writes need the key "dev-k3y". */
export function storeBehindIngress(key = 'dev-k3y') {
  const calls: string[] = [];
  const articles = new Map<number, { title: string }>();
  let next = 41;
  const send: IngressRequest = (address, host, method, path, headers, body) => {
    calls.push(`${method} https://${host}${path} via ${address}`);
    const reply = (status: number, json?: unknown) =>
      Promise.resolve({ status, body: json === undefined ? '' : JSON.stringify(json) });
    const id = Number(/^\/api\/articles\/(\d+)$/.exec(path)?.[1]);
    if (method !== 'GET' && headers['X-API-Key'] !== key) return reply(403, { title: 'Forbidden' });
    if (method === 'POST' && path === '/api/articles') {
      const article = JSON.parse(body ?? '{}') as { title: string };
      articles.set(++next, article);
      return reply(201, { id: next, ...article });
    }
    if (method === 'GET' && articles.has(id)) return reply(200, { id, ...articles.get(id) });
    if (method === 'DELETE' && articles.delete(id)) return reply(204);
    return reply(404, { title: 'Not Found' });
  };
  return { send, calls, articles };
}
