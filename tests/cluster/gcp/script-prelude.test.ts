import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeFinish } from '../../../infra/cluster/gcp/node-prep';
import {
  BOOTSTRAP_STATUS,
  RETRY_FUNCTION,
  scriptPrelude,
} from '../../../infra/cluster/gcp/script-prelude';
import { useTempDir } from '../../support/temp-dir';

// The prelude run for real by bash, with curl, logger and sleep replaced by recorders in PATH:
// what a failing, a killed and a finished bootstrap report, and how retry backs off.
const tmp = useTempDir('prelude');

function shim(dir: string, name: string, body: string) {
  const path = join(dir, name);
  writeFileSync(path, `#!/usr/bin/env bash\n${body}\n`);
  chmodSync(path, 0o755);
}

function run(body: string, o: { prelude?: boolean; curlExit?: number } = {}) {
  const prelude = o.prelude ?? true;
  const dir = tmp();
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  // Each call: one line, the arguments joined by a tab.
  for (const name of ['curl', 'logger', 'sleep'])
    shim(bin, name, `(IFS=$'\\t'; echo "$*") >>"${join(dir, name)}.calls"`);
  if (o.curlExit !== undefined) shim(bin, 'curl', `exit ${o.curlExit}`);
  const log = join(dir, 'bootstrap.log');
  const tty = join(dir, 'ttyS0');
  writeFileSync(tty, '');
  const script = prelude
    ? `${scriptPrelude({ logFile: log, serialConsole: tty })}\n${body}`
    : `#!/usr/bin/env bash\nset -euo pipefail\n${RETRY_FUNCTION}\n${body}`;
  const r = spawnSync('bash', ['-c', script], {
    encoding: 'utf8',
    env: { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: dir },
  });
  const calls = (name: string) => {
    const f = join(dir, `${name}.calls`);
    return existsSync(f)
      ? readFileSync(f, 'utf8')
          .trimEnd()
          .split('\n')
          .map((l) => l.split('\t'))
      : [];
  };
  return { r, dir, log, tty: readFileSync(tty, 'utf8'), calls };
}

/** The guest-attribute values PUT, in order. */
const reported = (curlCalls: string[][]) =>
  curlCalls.map((args) => {
    expect(args).toEqual(
      expect.arrayContaining(['-X', 'PUT', '-H', 'Metadata-Flavor: Google', BOOTSTRAP_STATUS.url]),
    );
    return args[args.indexOf('--data') + 1];
  });

describe('node script prelude', () => {
  it('reports a failure once on the console, in the journal and in the guest attribute', () => {
    const { r, log, tty, calls } = run('step first\ntrue\nstep second\n(exit 3)\nstep third\n');
    expect(r.status).toBe(3);
    const line = 'k8s-platform-bootstrap: FAILED at second (exit 3)';
    expect(tty).toBe(`${line}\n`);
    expect(calls('logger')).toEqual([['-t', 'k8s-platform-bootstrap', '--', line]]);
    expect(reported(calls('curl'))).toEqual(['running:first', 'running:second', 'failed:second:3']);
    expect(readFileSync(log, 'utf8')).toContain(line);
  });

  it('reports a bootstrap killed by the runner as a failure too', () => {
    const { r, tty, calls } = run('step waiting\nkill -TERM $$\nstep never\n');
    expect(r.status).toBe(143);
    expect(tty).toBe('k8s-platform-bootstrap: FAILED at waiting (exit 143)\n');
    expect(reported(calls('curl'))).toEqual(['running:waiting', 'failed:waiting:143']);
  });

  it('finishes with the marker and done, and reports nothing as failed', () => {
    const { r, dir, tty, calls } = run(
      `marker=${tmp()}/state/bootstrapped\nstep last\n${nodeFinish({ afterKubeadm: [{ name: 'extra', script: 'echo extra ran' }] })}`,
    );
    expect(r.status).toBe(0);
    expect(existsSync(join(dir, 'state', 'bootstrapped'))).toBe(true);
    expect(reported(calls('curl'))).toEqual(['running:last', 'running:extra', 'done']);
    expect(tty).toBe('');
    expect(calls('logger')).toEqual([]);
  });

  it('creates the log private, also when an older one was readable', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'bootstrap.log'), 'earlier boot\n', { mode: 0o644 });
    const { r, log } = run('echo hello');
    expect(r.status).toBe(0);
    expect(statSync(log).mode & 0o777).toBe(0o600);
    expect(readFileSync(log, 'utf8')).toMatch(/^earlier boot\n/);
  });

  it('does not fail the bootstrap when the metadata server does not answer', () => {
    const { r } = run('step one\necho after', { curlExit: 7 });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('k8s-platform-bootstrap: one\nafter\n');
  });
});

describe('retry', () => {
  it('reruns a failing command with growing sleeps until it succeeds', () => {
    const counter = join(tmp(), 'n');
    const { r, calls } = run(
      `flaky() { local n; n=$(( $(cat ${counter} 2>/dev/null || echo 0) + 1 )); echo "$n" >${counter}; ((n >= 3)); }\nretry 5 flaky\necho ok`,
      { prelude: false },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('ok\n');
    expect(readFileSync(counter, 'utf8')).toBe('3\n');
    expect(calls('sleep')).toEqual([['2'], ['4']]);
  });

  it('gives up after the attempts, returning the command’s own exit code, sleeps capped at 60 s', () => {
    const { r, calls } = run('retry 8 bash -c "exit 7"', { prelude: false });
    expect(r.status).toBe(7);
    expect(calls('sleep')).toEqual([['2'], ['4'], ['8'], ['16'], ['32'], ['60'], ['60']]);
    expect(r.stderr).toContain('retry: bash failed 8 times (exit 7), giving up');
  });

  it('fails the step it runs in, with that exit code', () => {
    const { r, tty } = run('step fetch-secret\nretry 2 bash -c "exit 5"\n');
    expect(r.status).toBe(5);
    expect(tty).toBe('k8s-platform-bootstrap: FAILED at fetch-secret (exit 5)\n');
  });
});
