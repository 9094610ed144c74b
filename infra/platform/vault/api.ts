// Calls to Vault's HTTP API over any transport (the API server's proxy, a loopback address),
// and the waits a fresh or restarted server needs before it takes requests.
import { HttpSend } from '../../kube/kube-api';

export interface VaultAnswer {
  readonly status: number;
  readonly json: Record<string, unknown>;
}

/** One call to `/v1/<path>`; the answer's JSON, or its first 200 characters as an error. */
export async function call(
  send: HttpSend,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<VaultAnswer> {
  const answer = await send(
    method,
    `/v1/${path}`,
    body === undefined ? undefined : JSON.stringify(body),
    token ? { 'X-Vault-Token': token } : {},
  );
  let json: Record<string, unknown> = {};
  if (answer.body.trim().length > 0) {
    try {
      json = JSON.parse(answer.body) as Record<string, unknown>;
    } catch {
      json = { errors: [answer.body.slice(0, 200)] };
    }
  }
  return { status: answer.status, json };
}

/** Like call, but any answer outside 2xx is an error naming the method, path and Vault's errors. */
export async function must(
  send: HttpSend,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const r = await call(send, method, path, token, body);
  if (r.status < 200 || r.status >= 300) {
    const errors = Array.isArray(r.json.errors) ? r.json.errors.join('; ') : '';
    throw new Error(
      `Vault ${method} /v1/${path} answered ${r.status}${errors ? `: ${errors}` : ''}`,
    );
  }
  return r.json;
}

/** Waits (at most 5 minutes: image pull, volume attach) until the server answers at all. */
export async function untilListening(
  vault: HttpSend,
  timeoutMs = 300_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    try {
      const r = await call(vault, 'GET', 'sys/seal-status');
      if (r.status === 200) return r.json;
      last = `HTTP ${r.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline)
      throw new Error(`Vault did not answer within ${timeoutMs / 1000} s (last: ${last})`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/**
 * Waits (at most a minute) until the server answers as active (200), or as an unsealed standby
 * (429) once a leader is elected, so that it can forward writes: right after unsealing, raft is
 * still electing, and a standby without a leader refuses writes ("active cluster node not found").
 */
export async function untilServing(vault: HttpSend, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const health = (await vault('GET', '/v1/sys/health')).status;
    last = `sys/health answered ${health}`;
    if (health === 200) return;
    if (health === 429) {
      const leader = await call(vault, 'GET', 'sys/leader');
      if (typeof leader.json.leader_address === 'string' && leader.json.leader_address !== '')
        return;
      last = 'a standby with no elected leader yet';
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`Vault did not become active within ${timeoutMs / 1000} s (${last})`);
}
