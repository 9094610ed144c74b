import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { httpSendTo } from '../../../infra/kube/kube-api';
import {
  forwardable,
  openSharedVaultTunnel,
  openVaultTunnel,
  VaultTunnel,
} from '../../../infra/platform/vault/tunnel';

// The loopback tunnel the Vault provider talks to, with a real HTTP server standing in for the
// API server's proxy: what reaches it, and what is refused before it.

interface Seen {
  method: string;
  url: string;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

let upstream: Server;
let upstreamUrl = '';
const seen: Seen[] = [];
let tunnel: VaultTunnel;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body, headers: req.headers });
      res.writeHead(req.url?.includes('missing') ? 404 : 200);
      res.end(JSON.stringify({ data: { ok: true } }));
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/proxied`;
  tunnel = await openVaultTunnel(httpSendTo(upstreamUrl));
});
afterAll(async () => {
  await tunnel.close();
  await new Promise((r) => upstream.close(r));
});
beforeEach(() => (seen.length = 0));

describe('the Vault tunnel', () => {
  it('listens on loopback and forwards method, path, body, status and the Vault token only', async () => {
    expect(tunnel.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${tunnel.address}/v1/sys/policies/acl/spring-api`, {
      method: 'PUT',
      body: '{"policy":"x"}',
      headers: { 'X-Vault-Token': 'tok', Authorization: 'Bearer not-forwarded' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { ok: true } });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      method: 'PUT',
      url: '/proxied/v1/sys/policies/acl/spring-api',
      body: '{"policy":"x"}',
    });
    expect(seen[0]?.headers['x-vault-token']).toBe('tok');
    expect(seen[0]?.headers.authorization).toBeUndefined();
    const missing = await fetch(`${tunnel.address}/v1/secret/data/missing`);
    expect(missing.status).toBe(404);
  });

  it('refuses paths that are not Vault API paths or could climb out of the proxy', async () => {
    for (const path of ['/api/v1/secrets', '/v1/../../secrets', '/v1/%2e%2e/secrets', '/v1//x']) {
      expect(forwardable(path)).toBe(false);
    }
    expect(forwardable('/v1/secret/data/spring-api?version=2')).toBe(true);
    const res = await fetch(`${tunnel.address}/api/v1/namespaces/vault/secrets`);
    expect(res.status).toBe(400);
    expect(seen).toEqual([]);
  });

  it('answers 502 with the reason when Vault cannot be reached', async () => {
    const dead = await openVaultTunnel(httpSendTo('http://127.0.0.1:1'));
    try {
      const res = await fetch(`${dead.address}/v1/sys/health`);
      expect(res.status).toBe(502);
      expect(JSON.stringify(await res.json())).toContain('the tunnel could not reach Vault');
    } finally {
      await dead.close();
    }
  });

  it('lets a later program in the same process take over a shared port', async () => {
    const probe = await openVaultTunnel(httpSendTo(upstreamUrl));
    const port = Number(new URL(probe.address).port);
    await probe.close();
    const first = await openSharedVaultTunnel(httpSendTo(upstreamUrl), port);
    const second = await openSharedVaultTunnel(httpSendTo(upstreamUrl), port);
    const third = await openSharedVaultTunnel(httpSendTo(upstreamUrl), port);
    expect([second.address, third.address]).toEqual([first.address, first.address]);
    expect((await fetch(`${third.address}/v1/sys/health`)).status).toBe(200);
    await third.close();
  });
});
