// Part `interrupt`: Ctrl-C, tested. A second e2e process (`run.ts --hold`) brings a node up to
// CoreDNS and a running pod, then gets SIGINT on its whole process group, as a terminal sends it.
// It must exit by itself within a minute, and leave nothing: no network namespace, folder,
// mount, process, pods' cgroup or changed sysctl.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Tally } from '../context';
import * as host from '../node/host';

export const HOLDING = 'e2e: holding';

export async function checkInterrupt(tally: Tally, log: (line: string) => void): Promise<void> {
  const check = (name: string, ok: boolean, detail = ''): boolean => {
    if (ok) tally.passed++;
    else tally.failures.push(`${name}${detail ? `: ${detail}` : ''}`);
    log(`e2e: ${ok ? 'ok  ' : 'FAIL'} ${name}${ok || !detail ? '' : `: ${detail}`}`);
    return ok;
  };
  const sysctls = host.readSysctls();
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', join(__dirname, '..', 'run.ts'), '--hold'],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const started = Date.now();
  while (!out.includes(HOLDING) && child.exitCode === null && Date.now() - started < 240_000)
    await new Promise((r) => setTimeout(r, 500));
  const line = out.split('\n').find((l) => l.startsWith(HOLDING)) ?? '';
  const [, netns, dir] = /netns (\S+) folder (\S+)/.exec(line) ?? [];
  if (!check('interrupt: a second node comes up to hold', netns !== undefined, out.slice(-2000))) {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
    return;
  }
  const interrupted = Date.now();
  process.kill(-(child.pid ?? 0), 'SIGINT');
  const code = await Promise.race([
    exited,
    new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000)),
  ]);
  if (code === 'timeout' && child.pid) process.kill(-child.pid, 'SIGKILL');
  check(
    'interrupt: Ctrl-C (SIGINT to the process group) ends the run by itself, exit 130',
    code === 130,
    `exit ${code}; ${out.slice(-1500)}`,
  );
  const left = host.leftovers({
    dir,
    netns,
    sysctls,
    socket: join(dir, 'containerd', 'containerd.sock'),
  });
  check(
    'interrupt: nothing is left running, mounted or changed after Ctrl-C',
    left.length === 0,
    left.join(', '),
  );
  tally.figures['Ctrl-C to torn down'] = `${(Date.now() - interrupted) / 1000} s`;
}
