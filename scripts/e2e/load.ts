// A bounded HTTP load for the e2e: `workers` loops send requests to one URL until `seconds` have
// passed or `maxRequests` were sent, each on a new connection (no keep-alive: a client's reused
// socket that a stopping pod closed is the client's race, not the server's failure), each with a
// timeout. Every answer that is not the expected status, and every error, is counted and named.
// Runs inside the e2e node's network namespace (where Service addresses work), bundled once:
//   node load.js load '<LoadSpec as JSON>'   or   node load.js call '<CallSpec as JSON>'
import { request } from 'node:http';

export interface LoadSpec {
  readonly url: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** The status every answer must have. @default 200 */
  readonly expect?: number;
  readonly workers: number;
  readonly seconds: number;
  readonly maxRequests: number;
  /** Per-request timeout. @default 5000 */
  readonly timeoutMs?: number;
}

export interface LoadResult {
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  /** Failures by kind: `status 503`, `ECONNREFUSED`, `timeout`... */
  readonly failures: Record<string, number>;
  readonly seconds: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

function once(spec: LoadSpec): Promise<{ outcome: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const done = (outcome: string) => resolve({ outcome, ms: Date.now() - started });
    const req = request(
      spec.url,
      {
        method: spec.method ?? 'GET',
        headers: { ...spec.headers, Connection: 'close' },
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          done(res.statusCode === (spec.expect ?? 200) ? 'ok' : `status ${res.statusCode}`),
        );
        res.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
      },
    );
    req.setTimeout(spec.timeoutMs ?? 5000, () =>
      req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })),
    );
    req.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
    req.end(spec.body);
  });
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0
    ? 0
    : sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

/** Ends a running load early (the CLI does on SIGTERM); requests in flight still count. */
export const stopSwitch = { stopped: false };

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const started = Date.now();
  const deadline = started + spec.seconds * 1000;
  const failures: Record<string, number> = {};
  const times: number[] = [];
  let sent = 0;
  let ok = 0;
  const worker = async () => {
    while (Date.now() < deadline && sent < spec.maxRequests && !stopSwitch.stopped) {
      sent++;
      const { outcome, ms } = await once(spec);
      times.push(ms);
      if (outcome === 'ok') ok++;
      else failures[outcome] = (failures[outcome] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: spec.workers }, worker));
  times.sort((a, b) => a - b);
  return {
    sent,
    ok,
    failed: sent - ok,
    failures,
    seconds: (Date.now() - started) / 1000,
    p50Ms: percentile(times, 50),
    p99Ms: percentile(times, 99),
  };
}

/** One request: its status and body (for CRUD checks). */
export interface CallSpec {
  readonly url: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export function call(spec: CallSpec): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      spec.url,
      { method: spec.method ?? 'GET', headers: spec.headers, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`${spec.url}: no answer within 10 s`)));
    req.on('error', reject);
    req.end(spec.body);
  });
}

if (require.main === module) {
  const [mode, json] = process.argv.slice(2);
  process.once('SIGTERM', () => (stopSwitch.stopped = true));
  const work =
    mode === 'call' ? call(JSON.parse(json) as CallSpec) : runLoad(JSON.parse(json) as LoadSpec);
  work.then(
    (result) => console.log(JSON.stringify(result)),
    (error: unknown) => {
      console.error(String(error));
      process.exit(1);
    },
  );
}
