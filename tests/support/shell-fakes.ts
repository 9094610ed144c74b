import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

// Shared by the tests of shell scripts: the files a rendered fragment writes, fake executables
// that record their calls, and real certificates made with openssl.

/** Every `cat >path <<'DELIM' ... DELIM` of a bash fragment, path -> body. */
export function heredocs(fragment: string): Map<string, string> {
  const files = new Map<string, string>();
  const re = /^cat >(\S+) <<'([A-Z0-9_]+)'\n([\s\S]*?)\n\2$/gm;
  for (const m of fragment.matchAll(re)) files.set(m[1], `${m[3]}\n`);
  return files;
}

export function shellcheck(script: string): string {
  const r = spawnSync('shellcheck', ['--shell=bash', '--severity=style', '-'], {
    input: script,
    encoding: 'utf8',
  });
  if (r.error)
    throw new Error(
      'shellcheck is not installed: apt-get install shellcheck (scripts/system-packages.sh does, as root)',
    );
  return r.stdout;
}

/** Writes an executable file, creating its folder. */
export function executable(path: string, text: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, 0o755);
  return path;
}

/** A self-signed certificate valid for `days` (PEM), its key beside it when `keyOut` is given. */
export function makeCert(out: string, days: number, cn: string, keyOut?: string): string {
  mkdirSync(dirname(out), { recursive: true });
  const key = keyOut ?? `${out}.key`;
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key,
      '-out',
      out,
      '-days',
      String(days),
      '-subj',
      `/CN=${cn}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return readFileSync(out, 'utf8');
}

/** notAfter in Unix seconds, read with Node's own X.509 parser (not the script's openssl). */
export function notAfterSeconds(pem: string): number {
  const ms = Date.parse(new X509Certificate(pem).validTo);
  if (Number.isNaN(ms)) throw new Error(`unparsable validTo in ${pem}`);
  return ms / 1000;
}

/** A kubeconfig embedding `pem` as its client certificate, as kubeadm writes them. */
export function kubeconfig(pem: string): string {
  const data = Buffer.from(pem).toString('base64');
  return `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: ${Buffer.from('ca').toString('base64')}
    server: https://10.10.0.2:6443
  name: k8s-platform
users:
- name: kubernetes-admin
  user:
    client-certificate-data: ${data}
    client-key-data: ${Buffer.from('key').toString('base64')}
`;
}

/** Parses a textfile-collector file into `name{labels}` -> value. */
export function samples(prom: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of prom.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+) (\d+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    out.set(m[1], Number(m[2]));
  }
  return out;
}

/** Lines recorded by the fakes, one call each. */
export function calls(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

export function run(
  script: string,
  env: Record<string, string>,
  args: readonly string[] = [],
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', [script, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60000,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
