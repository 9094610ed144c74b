import { HttpSend } from '../../infra/kube/kube-api';
import { environmentChecks, EnvironmentOptions } from '../../scripts/smoke/environment';
import { healthyApi, storeBehindIngress } from '../support/smoke-fakes';

// The database and the write through the API, against a fake API server and the API as an
// in-memory store behind its ingress: what passes, and each failure named.

type Routes = ReturnType<typeof healthyApi>;

function cluster(): Routes {
  return {
    ...healthyApi(),
    '/api/v1/namespaces/ingress-nginx/services/ingress-nginx-controller': {
      status: 200,
      body: { status: { loadBalancer: { ingress: [{ ip: '192.168.49.200' }] } } },
    },
  };
}

const api =
  (routes: Routes): HttpSend =>
  (_method, path) => {
    const r = routes[path];
    return Promise.resolve(
      r ? { status: r.status, body: JSON.stringify(r.body) } : { status: 404, body: '{}' },
    );
  };

async function run(routes: Routes, options: EnvironmentOptions) {
  const results: Record<string, string> = {};
  await environmentChecks(
    api(routes),
    async (name, check) => {
      results[name] = await check().then(
        (detail) => `ok: ${detail}`,
        (e: Error) => `FAIL: ${e.message}`,
      );
    },
    options,
  );
  return results;
}

describe("the smoke test's environment checks", () => {
  it('finds the primary, and writes, reads back and deletes an article through the ingress', async () => {
    const store = storeBehindIngress();
    const results = await run(cluster(), { ingress: store.send });
    expect(results).toEqual({
      'database primary ready': 'ok: primary spring-api-db-1, 3/3 instances ready',
      'API write through the database':
        'ok: article 42 written, read back and deleted through https://spring-api.dev.test',
    });
    expect(store.calls).toEqual([
      'POST https://spring-api.dev.test/api/articles via 192.168.49.200',
      'GET https://spring-api.dev.test/api/articles/42 via 192.168.49.200',
      'DELETE https://spring-api.dev.test/api/articles/42 via 192.168.49.200',
    ]);
    expect(store.articles.size).toBe(0);
  });

  it('names a database without its instances or without a primary', async () => {
    const routes = cluster();
    routes['/apis/postgresql.cnpg.io/v1/namespaces/databases/clusters/spring-api-db'] = {
      status: 200,
      body: {
        spec: { instances: 3 },
        status: { readyInstances: 2, currentPrimary: 'spring-api-db-1', phase: 'Waiting' },
      },
    };
    expect(
      (await run(routes, { ingress: storeBehindIngress().send }))['database primary ready'],
    ).toBe('FAIL: 2/3 instances ready (phase "Waiting")');
    routes['/apis/postgresql.cnpg.io/v1/namespaces/databases/clusters/spring-api-db'] = {
      status: 200,
      body: { spec: { instances: 1 }, status: { phase: 'Setting up primary' } },
    };
    expect(
      (await run(routes, { ingress: storeBehindIngress().send }))['database primary ready'],
    ).toBe('FAIL: no primary yet (phase "Setting up primary")');
    delete routes['/apis/postgresql.cnpg.io/v1/namespaces/databases/clusters/spring-api-db'];
    expect(
      (await run(routes, { ingress: storeBehindIngress().send }))['database primary ready'],
    ).toBe('FAIL: Cluster databases/spring-api-db: HTTP 404');
  });

  it('uses the key it is given, and says the write was refused with a wrong one', async () => {
    const store = storeBehindIngress('the-real-key');
    const refused = await run(cluster(), { ingress: store.send });
    expect(refused['API write through the database']).toBe(
      'FAIL: POST /api/articles answered 403: {"title":"Forbidden"}',
    );
    const given = await run(cluster(), { ingress: store.send, apiKey: 'the-real-key' });
    expect(given['API write through the database']).toMatch(/^ok: article \d+ written/);
  });

  it('asks for the key where no Secret holds it, and for a sync where the API is missing', async () => {
    const routes = cluster();
    delete routes['/api/v1/namespaces/spring-api/secrets/spring-api-secrets'];
    expect(
      (await run(routes, { ingress: storeBehindIngress().send }))['API write through the database'],
    ).toBe(
      'FAIL: no API key: set SMOKE_API_KEY (staging and prod keep it in Vault only; dev in Secret spring-api/spring-api-secrets)',
    );
    delete routes['/apis/networking.k8s.io/v1/namespaces/spring-api/ingresses/spring-api'];
    expect(
      (await run(routes, { ingress: storeBehindIngress().send }))['API write through the database'],
    ).toBe(
      "FAIL: the API's Ingress spring-api/spring-api is missing (HTTP 404): sync the API first",
    );
  });
});
