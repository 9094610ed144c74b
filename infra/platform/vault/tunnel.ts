// How Pulumi's Vault provider reaches Vault during a run: the Pulumi program itself listens on a
// loopback port and forwards each Vault API request through the API server's service proxy (the
// same path `npm run vault:unseal` takes), with the admin kubeconfig the program already holds.
// No port-forward process is left behind: the listener is unref'd, so it lives exactly as long as
// the program waits on its resources, and dies with it. Limits: `pulumi refresh` and `pulumi
// destroy` do not run the program unless given `--run-program`; without it the provider's
// address answers nothing (see infra/platform/vault/README.md).
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { HttpSend } from '../../kube/kube-api';

/** Request headers Vault's clients send that the tunnel passes on; nothing else is forwarded. */
const FORWARDED = ['x-vault-token', 'x-vault-namespace', 'x-vault-request', 'x-vault-wrap-ttl'];

/**
 * Whether a request path may be forwarded: Vault's API only. The path is appended to the API
 * server's proxy path and sent with admin credentials, so a "..", encoded or not, could climb out
 * of the proxy to the rest of the Kubernetes API: such paths are refused.
 */
export function forwardable(path: string): boolean {
  return /^\/v1\/[A-Za-z0-9_\-./?=&%+:,]*$/.test(path) && !/\.\.|%2e|%2f|\/\//i.test(path);
}

function bodyOf(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () =>
      resolve(chunks.length === 0 ? undefined : Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}

export interface VaultTunnel {
  /** `http://127.0.0.1:<port>`, the Vault provider's address. */
  readonly address: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (port 0: any free one) and forwards Vault API requests to `vault`. */
export function openVaultTunnel(vault: HttpSend, port = 0): Promise<VaultTunnel> {
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '';
    const method = req.method ?? 'GET';
    if (!forwardable(path)) {
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errors: [`the tunnel forwards Vault API paths only: ${path}`] }));
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of FORWARDED) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    bodyOf(req)
      .then((body) => vault(method, path, body, headers))
      .then((answer) => {
        res.writeHead(answer.status, { 'Content-Type': 'application/json' });
        res.end(answer.body);
      })
      .catch((error: unknown) => {
        res.writeHead(502, { 'Content-Type': 'application/json' });
        const message = error instanceof Error ? error.message : String(error);
        res.end(JSON.stringify({ errors: [`the tunnel could not reach Vault: ${message}`] }));
      });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.unref();
      const { port: bound } = server.address() as AddressInfo;
      resolve({
        address: `http://127.0.0.1:${bound}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

const OPEN = Symbol.for('k8s-platform.vault-tunnels');
type Registry = Map<number, Promise<VaultTunnel>>;

/**
 * One tunnel per port in this process: a later program in the same process (tests run several)
 * closes the earlier tunnel and takes the port over, instead of failing on a port in use.
 */
export function openSharedVaultTunnel(vault: HttpSend, port: number): Promise<VaultTunnel> {
  const holder = globalThis as unknown as Record<symbol, Registry | undefined>;
  const registry: Registry = holder[OPEN] ?? new Map<number, Promise<VaultTunnel>>();
  holder[OPEN] = registry;
  const previous = registry.get(port);
  const next = (
    previous
      ? previous.then(
          (t: VaultTunnel) => t.close(),
          () => undefined,
        )
      : Promise.resolve()
  ).then(() => openVaultTunnel(vault, port));
  registry.set(port, next);
  return next;
}
