// What reaches the API through the ingress: a real nginx, configured the way ingress-nginx
// configures the API's Ingress (one `location /` for the Prefix path "/", and
// `proxy_pass http://upstream_balancer;` with no URI part), receives every spelling of the write
// routes in apps/spring-api/src/test/resources/path-spellings.txt. It runs twice: in front of a
// server that records the request-target it is handed, to learn what the proxy forwards, and
// in front of the real jar, to prove that no spelling writes without the API key.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { startJar } from './jar-check';
import { freePort, ProcessGroup } from './processes';

/** The spellings file shared with the app's tests; `{...}` placeholders filled in. */
export function pathSpellings(file: string, port: number, id: number): string[] {
  const digits = String(id);
  const first = digits.charCodeAt(0).toString(16).toUpperCase();
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) =>
      l
        .replaceAll('{port}', String(port))
        .replaceAll('{%id}', `%${first}${digits.slice(1)}`)
        .replaceAll('{%25id}', `%25${first}${digits.slice(1)}`)
        .replaceAll('{id}', digits),
    );
}

/** The parts of ingress-nginx's generated configuration that decide what the backend sees. */
export function nginxConfig(dir: string, listen: number, upstream: number): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream upstream_balancer { server 127.0.0.1:${upstream}; }
  server {
    listen 127.0.0.1:${listen};
    server_name api.example.test;
    location / {
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Original-URI $request_uri;
      proxy_pass http://upstream_balancer;
    }
  }
}
`;
}

/** One raw HTTP/1.1 exchange: the target goes out byte for byte, as an attacker's client sends it. */
export function rawRequest(
  port: number,
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body = '',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error(`${method} ${target}: timed out`)));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const head = text.slice(0, split);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      const rest = text.slice(split + 4);
      resolve({ status, body: /^transfer-encoding: *chunked/im.test(head) ? dechunk(rest) : rest });
    });
    const lines = [
      `${method} ${target} HTTP/1.1`,
      'Host: api.example.test',
      'Connection: close',
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      `Content-Length: ${Buffer.byteLength(body)}`,
    ];
    // write, not end: nginx takes a half-closed client connection for an aborted request (499).
    socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
  });
}

/** The payload of a chunked body (sizes in hex, each chunk followed by CRLF, a 0 chunk last). */
export function dechunk(body: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    const size = eol < 0 ? 0 : parseInt(body.slice(at, eol), 16);
    if (!size) return out;
    out += body.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

/** Polls a URL until it answers `status`; false when `ms` pass first. */
async function waitForStatus(url: string, status: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const answered = await fetch(url).then(
      (r) => r.status === status,
      () => false,
    );
    if (answered) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/** The JSON body of a response, or an error that shows what came back instead. */
function json<T>(r: { status: number; body: string }, what: string): T {
  try {
    return JSON.parse(r.body) as T;
  } catch {
    throw new Error(`${what}: status ${r.status}, body not JSON: ${r.body.slice(0, 200)}`);
  }
}

/** A backend that answers with the request-target nginx handed it. */
function recorder(port: number): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end(JSON.stringify({ target: req.url })));
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

function startNginx(processes: ProcessGroup, binary: string, name: string, upstream: number) {
  return freePort().then((listen) => {
    const dir = processes.scratch(name);
    writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, listen, upstream));
    processes.launch(
      binary,
      ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr'],
      `${name}.log`,
    );
    return listen;
  });
}

export interface IngressReport {
  readonly spellings: number;
  /** Spellings nginx passed on unchanged (the absolute form arrives as its path). */
  readonly forwardedAsSent: number;
  /** Spellings nginx answered itself, with their status. */
  readonly refusedByNginx: readonly string[];
  /** Write attempts through nginx to the jar without the right key. */
  readonly writeAttempts: number;
  readonly failures: readonly string[];
}

const WRITES = ['POST', 'PUT', 'PATCH', 'DELETE'];

export async function checkIngressPaths(
  processes: ProcessGroup,
  nginx: string,
  jar: string,
  spellingsFile: string,
): Promise<IngressReport> {
  const failures: string[] = [];

  // 1. What does the proxy forward? The recorder stands in for the Service.
  const recordPort = await freePort();
  const server = await recorder(recordPort);
  const refusedByNginx: string[] = [];
  let forwardedAsSent = 0;
  let spellings: string[] = [];
  try {
    const viaRecorder = await startNginx(processes, nginx, 'nginx-recorder', recordPort);
    if (!(await waitForStatus(`http://127.0.0.1:${viaRecorder}/`, 200, 30_000)))
      throw new Error('nginx in front of the recorder did not answer within 30 s');
    spellings = pathSpellings(spellingsFile, viaRecorder, 7);
    for (const target of spellings) {
      const r = await rawRequest(viaRecorder, 'POST', target);
      if (r.status !== 200) {
        refusedByNginx.push(`${target} (${r.status})`);
        continue;
      }
      const forwarded = json<{ target: string }>(r, `POST ${target} to the recorder`).target;
      const expected = target.replace(/^http:\/\/[^/]+/, '');
      if (forwarded === expected) forwardedAsSent++;
      else failures.push(`nginx forwarded ${target} as ${forwarded}`);
    }
  } finally {
    server.close();
  }

  // 2. The same spellings, every write method, through nginx to the real jar.
  const key = randomBytes(18).toString('base64url');
  const api = await startJar(
    processes,
    jar,
    { ...process.env, APP_APIKEY: key },
    '/actuator/health/readiness',
    'spring-api-ingress.log',
  );
  const apiPort = api.port;
  const viaJar = await startNginx(processes, nginx, 'nginx-jar', apiPort);
  if (!(await waitForStatus(`http://127.0.0.1:${viaJar}/api/articles`, 200, 30_000)))
    throw new Error('nginx in front of the jar did not answer within 30 s');
  const article = JSON.stringify({ title: 'seed', body: 'the one article', author: 'verify' });
  const seeded = await rawRequest(
    viaJar,
    'POST',
    '/api/articles',
    { 'X-API-Key': key, 'Content-Type': 'application/json' },
    article,
  );
  const id = Number(json<{ id?: number }>(seeded, 'seeding through nginx').id);
  if (seeded.status !== 201)
    failures.push(`seeding through nginx with the key returned ${seeded.status}`);
  const bypass = JSON.stringify({
    title: 'bypass',
    body: 'written without the key',
    author: 'mallory',
  });
  let writeAttempts = 0;
  for (const target of pathSpellings(spellingsFile, viaJar, id)) {
    for (const method of WRITES) {
      for (const presented of [undefined, 'wrong']) {
        const headers: Record<string, string> = { 'Content-Type': 'application/json' };
        if (presented) headers['X-API-Key'] = presented;
        const r = await rawRequest(
          viaJar,
          method,
          target,
          headers,
          method === 'DELETE' ? '' : bypass,
        );
        writeAttempts++;
        if (![400, 401, 403, 404, 405].includes(r.status))
          failures.push(`${method} ${target} through nginx without the key: ${r.status}`);
      }
    }
  }
  const after = await rawRequest(viaJar, 'GET', `/api/articles/${id}`);
  const stored = JSON.parse(after.body) as { title?: string; version?: number };
  const list = JSON.parse((await rawRequest(viaJar, 'GET', '/api/articles')).body) as {
    totalItems?: number;
  };
  if (
    after.status !== 200 ||
    stored.title !== 'seed' ||
    stored.version !== 0 ||
    list.totalItems !== 1
  )
    failures.push(`the store changed: article ${id} is ${after.body}, ${list.totalItems} articles`);
  // With the right key, the spellings that once slipped past the key check do reach the
  // controller through nginx: the refusals above come from the key, not from a dead route.
  for (const [n, target] of ['/%61pi/articles', '/api;x=1/articles'].entries()) {
    const headers = { 'X-API-Key': key, 'Content-Type': 'application/json' };
    const body = JSON.stringify({
      title: `through nginx ${n}`,
      body: 'with the key',
      author: 'verify',
    });
    const r = await rawRequest(viaJar, 'POST', target, headers, body);
    if (r.status !== 201)
      failures.push(`POST ${target} through nginx with the key: ${r.status}, not 201`);
  }
  return { spellings: spellings.length, forwardedAsSent, refusedByNginx, writeAttempts, failures };
}
