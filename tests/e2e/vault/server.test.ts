import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baoServerConfig, unixSocketSend } from '../../../scripts/e2e/vault/server';

describe('baoServerConfig', () => {
  const text = baoServerConfig({ data: '/n/raft', socket: '/n/bao.sock', address: '10.244.0.1' });
  it('listens on the bridge without TLS, for the pods', () => {
    expect(text).toContain(
      'listener "tcp" {\n  address = "10.244.0.1:8200"\n  cluster_address = "10.244.0.1:8201"\n  tls_disable = true\n}',
    );
  });
  it('listens on a Unix socket, for the test process outside the namespace', () => {
    expect(text).toContain('listener "unix" {\n  address = "/n/bao.sock"\n}');
  });
  it('keeps raft data (persistent, Shamir seal: the init step initializes and unseals)', () => {
    expect(text).toContain('storage "raft" {\n  path = "/n/raft"\n  node_id = "e2e"\n}');
    expect(text).not.toContain('seal "');
  });
  it('advertises the bridge address', () => {
    expect(text).toContain('api_addr = "http://10.244.0.1:8200"');
  });
});

describe('unixSocketSend', () => {
  const dir = mkdtempSync(join(tmpdir(), 'unix-send-'));
  const socket = join(dir, 's.sock');
  const seen: { method?: string; url?: string; body: string; headers: Record<string, unknown> }[] =
    [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, body, headers: req.headers });
      res.writeHead(req.url === '/missing' ? 404 : 200).end(`{"echo":${JSON.stringify(body)}}`);
    });
  });
  beforeAll(() => new Promise<void>((r) => server.listen(socket, r)));
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends method, path, JSON body and headers, and returns status and body', async () => {
    const send = unixSocketSend(socket);
    const answer = await send('POST', '/v1/sys/init', '{"a":1}', { 'X-Vault-Token': 't' });
    expect(answer).toEqual({ status: 200, body: '{"echo":"{\\"a\\":1}"}' });
    expect(seen.at(-1)).toMatchObject({
      method: 'POST',
      url: '/v1/sys/init',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json', 'x-vault-token': 't' },
    });
  });
  it('returns a non-2xx status as an answer, not an error', async () => {
    expect((await unixSocketSend(socket)('GET', '/missing')).status).toBe(404);
  });
  it('rejects when nothing listens', async () => {
    await expect(unixSocketSend(join(dir, 'none.sock'))('GET', '/')).rejects.toThrow(/ENOENT/);
  });
});
