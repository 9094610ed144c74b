import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { executable, shellcheck } from '../support/shell-fakes';

// scripts/system-packages.sh, with PATH cut down to stand-ins for `id` and `apt-get`: the
// commands the probes look for are then missing (PostgreSQL and the /usr/sbin tools are probed
// by path and stay found on this machine).

const script = resolve(__dirname, '..', '..', 'scripts', 'system-packages.sh');
const ON_PATH_ONLY = [
  'shellcheck',
  'etcd-server',
  'etcd-client',
  'prometheus',
  'containerd',
  'busybox-static',
];

function run(uid: number) {
  const dir = mkdtempSync(join(tmpdir(), 'system-packages-'));
  try {
    const log = join(dir, 'apt.log');
    executable(join(dir, 'bin', 'id'), `#!/bin/bash\necho ${uid}\n`);
    executable(join(dir, 'bin', 'apt-get'), `#!/bin/bash\necho "$*" >>${log}\n`);
    const r = spawnSync('/bin/bash', [script], {
      env: { PATH: join(dir, 'bin') },
      encoding: 'utf8',
    });
    let apt = '';
    try {
      apt = readFileSync(log, 'utf8');
    } catch {
      apt = '';
    }
    return { status: r.status, stderr: r.stderr, apt };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('system-packages.sh', () => {
  it('is clean under shellcheck', () => {
    expect(shellcheck(readFileSync(script, 'utf8'))).toBe('');
  });

  it('lists the packages it owns', () => {
    const r = spawnSync('/bin/bash', [script, '--list'], { encoding: 'utf8' });
    expect(r.stdout.trim().split('\n')).toEqual([
      'postgresql',
      'shellcheck',
      'etcd-server',
      'etcd-client',
      'prometheus',
      'iproute2',
      'iptables',
      'containerd',
      'runc',
      'containernetworking-plugins',
      'busybox-static',
      'conntrack',
    ]);
  });

  it('stops at once, without root, with the exact install command', () => {
    const r = run(1000);
    expect(r.status).toBe(1);
    expect(r.apt).toBe('');
    expect(r.stderr).toContain(
      `install them as root: apt-get update && apt-get install -y --no-install-recommends ${ON_PATH_ONLY.join(' ')}`,
    );
  });

  it('as root, installs what is missing and checks it is found afterwards', () => {
    const r = run(0);
    expect(r.apt.split('\n')[0]).toBe('update -qq');
    expect(r.apt).toContain(`install -y -qq --no-install-recommends ${ON_PATH_ONLY.join(' ')}`);
    // The stand-in installs nothing, so the check after the install fails loudly.
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('system-packages: shellcheck was installed but is still not found');
  });
});
