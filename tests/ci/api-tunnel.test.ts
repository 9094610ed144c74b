import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// The tunnel loop with a fake gcloud on PATH: no cloud, nothing leaves 127.0.0.1. The fake
// fails its first FAKE_FAILS tunnels (as gcloud does while the VM or its 6443 is not there yet),
// then either sleeps (a tunnel with nothing behind it) or serves HTTPS on the local port the way
// the API server answers through a working tunnel (401 to an anonymous client).
const SCRIPT = resolve(__dirname, '..', '..', 'scripts', 'ci', 'api-tunnel.sh');

const FAKE_GCLOUD = `#!/usr/bin/env bash
echo "$*" >> "$FAKE_DIR/calls"
if [[ "$1 $2 $3" == "compute instances describe" ]]; then
  [[ "$FAKE_VM_EXISTS" == yes ]] && { echo RUNNING; exit 0; }
  echo "ERROR: not found" >&2; exit 1
fi
n=$(( $(cat "$FAKE_DIR/count" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$FAKE_DIR/count"
if (( n <= FAKE_FAILS )); then echo "ERROR: connection failed" >&2; exit 1; fi
echo $$ > "$FAKE_DIR/tunnel.pid"
port=\${5#--local-host-port=127.0.0.1:}
if [[ "$FAKE_SERVE" == yes ]]; then
  exec node -e "require('https').createServer({key: require('fs').readFileSync(process.env.FAKE_DIR + '/key.pem'), cert: require('fs').readFileSync(process.env.FAKE_DIR + '/cert.pem')}, (q, r) => { r.writeHead(401); r.end(); }).listen(+process.argv[1], '127.0.0.1')" "$port"
fi
exec sleep 60
`;

function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => done(port));
    });
  });
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('scripts/ci/api-tunnel.sh', () => {
  let dir = '';
  const temp = () => dir;
  let env: NodeJS.ProcessEnv;
  let started: string[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'api-tunnel-'));
    const bin = join(temp(), 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'gcloud'), FAKE_GCLOUD);
    chmodSync(join(bin, 'gcloud'), 0o755);
    env = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      FAKE_DIR: temp(),
      API_TUNNEL_DIR: temp(),
      API_TUNNEL_RETRY_SECONDS: '0.1',
      FAKE_FAILS: '2',
    };
    started = [];
  });

  // Whatever a test started is stopped, also when it failed half-way.
  afterEach(() => {
    const pidFile = join(temp(), 'api-tunnel.pid');
    if (existsSync(pidFile)) spawnSync('bash', [SCRIPT, 'stop'], { env, encoding: 'utf8' });
    const tunnel = join(temp(), 'tunnel.pid');
    if (existsSync(tunnel)) started.push(readFileSync(tunnel, 'utf8').trim());
    for (const pid of started) if (alive(Number(pid))) process.kill(Number(pid), 'SIGKILL');
    // Only now: the folder holds the pid files the steps above read.
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (...args: string[]) =>
    spawnSync('bash', [SCRIPT, ...args], { env, encoding: 'utf8' });

  it('keeps starting gcloud until the tunnel holds, and stop ends the loop and gcloud', async () => {
    const port = String(await freePort());
    const start = run('start', 'k8s-platform-cp-0', 'europe-west1-b', 'acme-platform-1', port);
    expect(start.status).toBe(0);
    expect(start.stdout).toContain(
      'api-tunnel: k8s-platform-cp-0 does not exist yet; the tunnel opens once pulumi up has created it',
    );
    const loopPid = Number(readFileSync(join(temp(), 'api-tunnel.pid'), 'utf8'));
    started.push(String(loopPid));
    await until('the third tunnel', () => existsSync(join(temp(), 'tunnel.pid')));
    const gcloudPid = Number(readFileSync(join(temp(), 'tunnel.pid'), 'utf8'));
    const calls = readFileSync(join(temp(), 'calls'), 'utf8').trim().split('\n');
    expect(calls.filter((c) => c.startsWith('compute start-iap-tunnel'))).toEqual(
      Array(3).fill(
        `compute start-iap-tunnel k8s-platform-cp-0 6443 --local-host-port=127.0.0.1:${port} --zone europe-west1-b --project acme-platform-1`,
      ),
    );
    expect([alive(loopPid), alive(gcloudPid)]).toEqual([true, true]);

    const stop = run('stop');
    expect(stop.status).toBe(0);
    expect(stop.stdout.match(/gcloud exited with 1; starting it again in 0.1s/g)).toHaveLength(2);
    await until('the loop and gcloud to end', () => !alive(loopPid) && !alive(gcloudPid), 5_000);
    expect(existsSync(join(temp(), 'api-tunnel.pid'))).toBe(false);
  });

  it('waits, when the VM exists, until the API server answers through the tunnel', async () => {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(temp(), 'key.pem'), '-out', join(temp(), 'cert.pem'),
      '-subj', '/CN=kube-apiserver', '-days', '1', '-addext', 'subjectAltName=IP:127.0.0.1',
    ], { stdio: 'ignore' }); // prettier-ignore
    env = { ...env, FAKE_VM_EXISTS: 'yes', FAKE_SERVE: 'yes', API_TUNNEL_READY_SECONDS: '20' };
    const port = String(await freePort());
    const start = run('start', 'k8s-platform-cp-0', 'europe-west1-b', 'acme-platform-1', port);
    started.push(readFileSync(join(temp(), 'api-tunnel.pid'), 'utf8').trim());
    expect(start.status).toBe(0);
    expect(start.stdout).toMatch(
      new RegExp(`api-tunnel: the API server answers on 127\\.0\\.0\\.1:${port} \\(after \\d+s\\)`),
    );
    expect(start.stdout).not.toContain('::warning::');
  });

  it('warns, and goes on, when the API server does not answer in time', async () => {
    env = { ...env, FAKE_VM_EXISTS: 'yes', API_TUNNEL_READY_SECONDS: '1' };
    const port = String(await freePort());
    const start = run('start', 'k8s-platform-cp-0', 'europe-west1-b', 'acme-platform-1', port);
    started.push(readFileSync(join(temp(), 'api-tunnel.pid'), 'utf8').trim());
    expect(start.status).toBe(0);
    expect(start.stdout).toContain(
      '::warning::api-tunnel: the API server did not answer through the tunnel within 1s; pulumi up may find the cluster unreachable',
    );
  });

  it('refuses a second loop, a bad port and a bad command', async () => {
    const port = String(await freePort());
    expect(run('start', 'vm', 'zone', 'project', port).status).toBe(0);
    started.push(readFileSync(join(temp(), 'api-tunnel.pid'), 'utf8').trim());
    const again = run('start', 'vm', 'zone', 'project', port);
    expect([again.status, again.stderr.trim()]).toEqual([
      1,
      `api-tunnel: already running (pid ${started[0]})`,
    ]);
    const badPort = run('start', 'vm', 'zone', 'project', 'x');
    expect([badPort.status, badPort.stderr.trim()]).toEqual([
      2,
      'api-tunnel: port "x" is not a number',
    ]);
    const bad = run('open');
    expect([bad.status, bad.stderr.trim()]).toEqual([
      2,
      'usage: api-tunnel.sh start|loop <vm> <zone> <project> <port> | stop',
    ]);
  });
});
