// A small Kubernetes API client built from a kubeconfig. It sits below the cluster and platform
// layers, for the few calls they make outside Pulumi's resources: the cluster's readiness waits
// and node drains, and the platform's Vault step (one Secret, and an in-cluster Service reached
// through the API server's service proxy, so Vault never needs a public address and no
// port-forward is left running).
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';

/** An HTTP answer: status code and body text. */
export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** Anything that sends a request to a path and returns the answer (tests pass fakes). */
export type HttpSend = (
  method: string,
  path: string,
  body?: string,
  headers?: Readonly<Record<string, string>>,
) => Promise<HttpAnswer>;

/** A named entry of a kubeconfig list (clusters, users, contexts). */
interface NamedEntry {
  readonly name: string;
  readonly [key: string]: unknown;
}

/** What a kubeconfig context resolves to: where the server is and how to authenticate. */
export interface KubeCredentials {
  readonly server: string;
  readonly ca?: Buffer;
  readonly insecure: boolean;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly token?: string;
}

type Json = Record<string, unknown>;

function entries(config: Json, list: string): NamedEntry[] {
  const value = config[list];
  return Array.isArray(value) ? (value as NamedEntry[]) : [];
}

/** The names of a kubeconfig's contexts. */
export function kubeconfigContexts(kubeconfigYaml: string): string[] {
  const config = (parse(kubeconfigYaml) ?? {}) as Json;
  return entries(config, 'contexts').map((c) => c.name);
}

/**
 * Resolves one context of a kubeconfig into credentials. File references (minikube writes
 * certificate paths) are read relative to the kubeconfig's folder. Exec plugins and auth
 * providers are refused with a message naming them, rather than half-supported.
 */
export function resolveKubeconfig(
  kubeconfigYaml: string,
  context: string,
  baseDir = process.cwd(),
): KubeCredentials {
  const config = (parse(kubeconfigYaml) ?? {}) as Json;
  const ctx = entries(config, 'contexts').find((c) => c.name === context)?.context as
    { cluster?: string; user?: string } | undefined;
  if (!ctx) {
    const known = kubeconfigContexts(kubeconfigYaml);
    throw new Error(
      `kubeconfig context "${context}" not found; the kubeconfig has ${known.length === 0 ? 'no contexts' : known.map((k) => `"${k}"`).join(', ')}`,
    );
  }
  const cluster = entries(config, 'clusters').find((c) => c.name === ctx.cluster)?.cluster as
    Json | undefined;
  const user = (entries(config, 'users').find((u) => u.name === ctx.user)?.user ?? {}) as Json;
  if (!cluster || typeof cluster.server !== 'string')
    throw new Error(`kubeconfig context "${context}": cluster "${ctx.cluster}" has no server`);
  if (user.exec !== undefined || user['auth-provider'] !== undefined)
    throw new Error(
      `kubeconfig context "${context}": exec plugins and auth providers are not supported here; use a client certificate or a token`,
    );
  const file = (dataKey: string, fileKey: string, from: Json): Buffer | undefined => {
    if (typeof from[dataKey] === 'string') return Buffer.from(from[dataKey], 'base64');
    const path = from[fileKey];
    if (typeof path !== 'string') return undefined;
    return readFileSync(isAbsolute(path) ? path : join(baseDir, path));
  };
  return {
    server: cluster.server.replace(/\/+$/, ''),
    ca: file('certificate-authority-data', 'certificate-authority', cluster),
    insecure: cluster['insecure-skip-tls-verify'] === true,
    cert: file('client-certificate-data', 'client-certificate', user),
    key: file('client-key-data', 'client-key', user),
    token: typeof user.token === 'string' ? user.token : undefined,
  };
}

/** The kubeconfig kubectl would use: the first file of $KUBECONFIG, else ~/.kube/config. */
export function defaultKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const first = env.KUBECONFIG?.split(':').find((p) => p.length > 0);
  return first ?? join(homedir(), '.kube', 'config');
}

/** Reads a kubeconfig file and resolves a context, with file paths relative to it. */
export function credentialsFromFile(path: string, context: string): KubeCredentials {
  return resolveKubeconfig(readFileSync(path, 'utf8'), context, dirname(path));
}

/**
 * The credentials a repository program run by Pulumi gets: the kubeconfig's content in
 * $KUBECONFIG_CONTENT (a secret, gcp), else the file kubectl would use (minikube).
 */
export function credentialsFromEnv(env: NodeJS.ProcessEnv, context: string): KubeCredentials {
  if (env.KUBECONFIG_CONTENT) return resolveKubeconfig(env.KUBECONFIG_CONTENT, context);
  return credentialsFromFile(defaultKubeconfigPath(env), context);
}

/** An HttpSend speaking to the API server with the given credentials. */
export function kubeApi(creds: KubeCredentials, timeoutMs = 30_000): HttpSend {
  return (method, path, body, headers = {}) =>
    new Promise<HttpAnswer>((resolveAnswer, reject) => {
      const req = httpsRequest(
        `${creds.server}${path}`,
        {
          method,
          ca: creds.ca,
          cert: creds.cert,
          key: creds.key,
          rejectUnauthorized: !creds.insecure,
          timeout: timeoutMs,
          headers: {
            Accept: 'application/json',
            ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
            ...(creds.token ? { Authorization: `Bearer ${creds.token}` } : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolveAnswer({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        },
      );
      req.on('timeout', () =>
        req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)),
      );
      req.on('error', reject);
      req.end(body);
    });
}

/** What the API server can proxy to: a Service or a Pod, by name. */
export interface ProxyTarget {
  readonly namespace: string;
  readonly kind: 'services' | 'pods';
  readonly name: string;
  readonly port: number | string;
}

/** The API server path that proxies (plain `http` scheme) to a Service's or a Pod's port. */
export function proxyPath(t: ProxyTarget): string {
  const ns = encodeURIComponent(t.namespace);
  return `/api/v1/namespaces/${ns}/${t.kind}/http:${encodeURIComponent(t.name)}:${t.port}/proxy`;
}

/** An HttpSend that reaches a Service or Pod through the API server's proxy. */
export function viaProxy(api: HttpSend, target: ProxyTarget): HttpSend {
  const prefix = proxyPath(target);
  return (method, path, body, headers) => api(method, `${prefix}${path}`, body, headers);
}

/** An HttpSend to a plain base URL (a Vault-compatible server on loopback, in verify). */
export function httpSendTo(baseUrl: string): HttpSend {
  return async (method, path, body, headers = {}) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      body,
      headers: {
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      signal: AbortSignal.timeout(30_000),
    });
    return { status: res.status, body: await res.text() };
  };
}
