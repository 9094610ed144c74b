import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { kubeadmInitConfig } from '../../../infra/cluster/gcp/kubeadm-config';
import {
  BOOTSTRAP_TOKEN,
  tokenRotationInstall,
  tokenRotationScript,
  tokenRotationUnits,
} from '../../../infra/cluster/gcp/token-rotation';
import { useTempDir } from '../../support/temp-dir';

// The rotation script run by bash against recording kubeadm and gcloud stand-ins: where the token
// goes (stdin of `versions add`, nowhere else) and which versions end up disabled.
const tmp = useTempDir('rotation');
const TOKEN = 'abcdef.0123456789abcdef';
const P = { cluster: 'k8s-platform', project: 'acme-platform-1' };

interface Fakes {
  /** What kubeadm prints. */
  readonly kubeadmOut?: string;
  /** Enabled versions, newest first, as `versions list` prints them. */
  readonly enabled?: string[];
  /** `versions add` fails this many times before it works. */
  readonly addFailures?: number;
}

function rotate(f: Fakes = {}) {
  const dir = tmp();
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const fake = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/usr/bin/env bash\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  const record = `(IFS=$'\\t'; echo "$*") >>"${dir}/$(basename "$0").calls"`;
  fake('sleep', record);
  fake('kubeadm', `${record}\nprintf '%s\\n' '${f.kubeadmOut ?? TOKEN}'`);
  writeFileSync(join(dir, 'add-failures'), String(f.addFailures ?? 0));
  fake(
    'gcloud',
    `${record}
case "$1 $2 $3" in
  'secrets versions add')
    n=$(cat "${dir}/add-failures")
    if ((n > 0)); then echo $((n - 1)) >"${dir}/add-failures"; cat >/dev/null; exit 1; fi
    cat >"${dir}/added"; echo 'Created version [9].' >&2 ;;
  'secrets versions list') printf '%s\\n' ${(f.enabled ?? ['9', '8', '7', '3']).join(' ')} ;;
esac`,
  );
  const r = spawnSync('bash', ['-c', tokenRotationScript(P)], {
    encoding: 'utf8',
    env: { PATH: `${bin}:${process.env.PATH ?? ''}` },
  });
  const calls = (name: string) => {
    const file = join(dir, `${name}.calls`);
    return existsSync(file)
      ? readFileSync(file, 'utf8')
          .trimEnd()
          .split('\n')
          .map((l) => l.split('\t'))
      : [];
  };
  const added = existsSync(join(dir, 'added')) ? readFileSync(join(dir, 'added'), 'utf8') : null;
  return { r, calls, added, dir };
}

describe('bootstrap token rotation', () => {
  it('adds a fresh token as the newest version, on stdin only', () => {
    const { r, calls, added } = rotate();
    expect(r.status).toBe(0);
    expect(added).toBe(TOKEN);
    expect(calls('kubeadm')[0]).toEqual(
      expect.arrayContaining(['token', 'create', '--ttl', '24h', '--kubeconfig']),
    );
    const gcloud = calls('gcloud');
    expect(gcloud[0]).toEqual([
      'secrets',
      'versions',
      'add',
      'k8s-platform-bootstrap-token',
      '--project=acme-platform-1',
      '--data-file=-',
    ]);
    for (const args of gcloud) expect(args.join(' ')).not.toContain(TOKEN);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
  });

  it('disables every enabled version older than the previous one', () => {
    const { r, calls } = rotate({ enabled: ['9', '8', '7', '3'] });
    expect(r.status).toBe(0);
    const disabled = calls('gcloud')
      .filter((a) => a.slice(0, 3).join(' ') === 'secrets versions disable')
      .map((a) => a[3]);
    expect(disabled).toEqual(['7', '3']);
    expect(r.stdout).toContain('new version added, 2 older disabled');
  });

  it('disables nothing while only the new and the previous version are enabled', () => {
    const { r, calls } = rotate({ enabled: ['2', '1'] });
    expect(r.status).toBe(0);
    expect(calls('gcloud').some((a) => a[2] === 'disable')).toBe(false);
  });

  it('retries a failed add with the whole token each time', () => {
    const { r, added, calls } = rotate({ addFailures: 2 });
    expect(r.status).toBe(0);
    expect(added).toBe(TOKEN);
    expect(calls('sleep')).toEqual([['2'], ['4']]);
  });

  it('stores nothing when kubeadm prints no token, and does not print what it got', () => {
    const { r, added, calls } = rotate({ kubeadmOut: 'error: Unauthorized' });
    expect(r.status).toBe(1);
    expect(added).toBeNull();
    expect(calls('gcloud')).toEqual([]);
    expect(r.stderr).toContain('kubeadm printed no bootstrap token');
    expect(r.stderr).not.toContain('Unauthorized');
  });

  it('is shellcheck clean', () => {
    const sc = spawnSync('shellcheck', ['--shell=bash', '--severity=style', '-'], {
      input: tokenRotationScript(P),
      encoding: 'utf8',
    });
    expect(sc.stdout).toBe('');
  });
});

describe('bootstrap token lifetime', () => {
  const CP = {
    ...P,
    kubernetesVersion: '1.32.13',
    internalIp: '10.10.0.2',
    publicIp: '34.1.2.10',
    podCidr: '192.168.0.0/16',
    serviceCidr: '10.96.0.0/12',
    caCertPem: 'x',
  };

  it('gives the first token a finite ttl, longer than the rotation period', () => {
    const init = parseAllDocuments(kubeadmInitConfig(CP))[0]?.toJS() as {
      bootstrapTokens: { ttl: string }[];
    };
    expect(init.bootstrapTokens[0]?.ttl).toBe('24h');
    expect(BOOTSTRAP_TOKEN.ttlHours).toBeGreaterThan(BOOTSTRAP_TOKEN.rotateEveryHours);
  });

  it('rotates twice a day, and at boot when a run was missed', () => {
    const { service, timer } = tokenRotationUnits();
    expect(timer).toContain('OnCalendar=*-*-* 00/12:00:00');
    expect(timer).toContain('Persistent=true');
    expect(service).toContain('ExecStart=/usr/local/sbin/k8s-platform-rotate-bootstrap-token');
    expect(service).toContain('Restart=on-failure');
  });

  it('installs the script private and enables the timer', () => {
    const step = tokenRotationInstall(P);
    expect(step).toContain(
      "(umask 077 && cat >/usr/local/sbin/k8s-platform-rotate-bootstrap-token <<'ROTATE_EOF'",
    );
    expect(step).toContain('chmod 0700 /usr/local/sbin/k8s-platform-rotate-bootstrap-token');
    expect(step).toContain('systemctl enable --now k8s-platform-bootstrap-token.timer');
  });
});
