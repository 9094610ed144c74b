// The Vault-compatible server of part `vault`: OpenBao (the static `bao` verify uses) inside the
// node's network namespace, persistent (raft storage, Shamir seal) like the minikube target's
// standalone server, so the platform's own init step initializes and unseals it. Pods reach it
// on the bridge (NODE_IP:8200, behind the selector-less Service vault/vault, as the chart's
// Service name); this process, outside the namespace, reaches it through a second listener on a
// Unix socket in the node's folder.
import { request } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { HttpSend } from '../../../infra/kube/kube-api';
import { E2eNode } from '../node/node';
import { NODE_IP } from '../node/config';

/** Vault's API port (the chart's). */
export const VAULT_PORT = 8200;

export interface BaoServerLayout {
  /** Raft data folder. */
  readonly data: string;
  /** The Unix socket the test process calls the API on. */
  readonly socket: string;
  /** The address pods reach, on the node's bridge. */
  readonly address: string;
}

/** The server's configuration file: raft, the Shamir seal, TCP on the bridge and a Unix socket. */
export function baoServerConfig(l: BaoServerLayout): string {
  return [
    'ui = false',
    `storage "raft" {\n  path = "${l.data}"\n  node_id = "e2e"\n}`,
    `listener "tcp" {\n  address = "${l.address}:${VAULT_PORT}"\n  cluster_address = "${l.address}:${VAULT_PORT + 1}"\n  tls_disable = true\n}`,
    `listener "unix" {\n  address = "${l.socket}"\n}`,
    `api_addr = "http://${l.address}:${VAULT_PORT}"`,
    `cluster_addr = "http://${l.address}:${VAULT_PORT + 1}"`,
    '',
  ].join('\n');
}

/** An HttpSend to an HTTP server on a Unix socket (JSON bodies, 30 s per request). */
export function unixSocketSend(socket: string, timeoutMs = 30_000): HttpSend {
  return (method, path, body, headers = {}) =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          socketPath: socket,
          method,
          path,
          headers: {
            ...(body === undefined
              ? {}
              : {
                  'Content-Type': 'application/json',
                  'Content-Length': String(Buffer.byteLength(body)),
                }),
            ...headers,
          },
          timeout: timeoutMs,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () =>
        req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)),
      );
      req.on('error', reject);
      req.end(body);
    });
}

/** OpenBao in the node's network namespace, stopped with the node (its process group). */
export function startBaoServer(
  node: E2eNode,
  bao: string,
): { send: HttpSend; address: string; layout: BaoServerLayout } {
  const folder = join(node.folder, 'openbao');
  const layout: BaoServerLayout = {
    data: join(folder, 'raft'),
    socket: join(folder, 'bao.sock'),
    address: NODE_IP,
  };
  mkdirSync(layout.data, { recursive: true, mode: 0o700 });
  const config = join(folder, 'config.hcl');
  writeFileSync(config, baoServerConfig(layout));
  node.launch(
    'nsenter',
    [`--net=/run/netns/${node.netns}`, '--', bao, 'server', `-config=${config}`],
    'openbao.log',
  );
  return {
    send: unixSocketSend(layout.socket),
    address: `http://${NODE_IP}:${VAULT_PORT}`,
    layout,
  };
}
