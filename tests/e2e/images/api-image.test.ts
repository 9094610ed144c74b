import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  API_ACCOUNT,
  API_ENTRYPOINT,
  API_ENV,
  API_LAYERS,
  API_PORTS,
  API_TRAINING,
  API_USER,
  API_WORKDIR,
  apiEnvironment,
} from '../../../scripts/e2e/images/api-image';
import { chrootArgv } from '../../../scripts/e2e/images/chroot';
import { JAVA_HOME, parseLdd } from '../../../scripts/e2e/images/java-runtime';

// The e2e image and apps/spring-api/Dockerfile must not drift apart: every run-stage
// instruction that shapes the container is read from the Dockerfile and compared.
const dockerfile = readFileSync(
  join(resolve(__dirname, '..', '..', '..'), 'apps', 'spring-api', 'Dockerfile'),
  'utf8',
).replace(/\\\n\s*/g, ' ');
const runStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

function instructions(name: string, text = runStage): string[] {
  return [...text.matchAll(new RegExp(`^${name}\\s+(.+)$`, 'gm'))].map((m) => (m[1] ?? '').trim());
}

describe('the API image and apps/spring-api/Dockerfile agree', () => {
  it('works in the same folder', () => {
    expect(instructions('WORKDIR')).toEqual([API_WORKDIR]);
  });

  it('copies the jar layers into it in the same order, extracted the same way', () => {
    const copies = instructions('COPY').map(
      (c) => /^--from=build \/src\/target\/layers\/([a-z-]+)\/ \.\/$/.exec(c)?.[1],
    );
    expect(copies).toEqual([...API_LAYERS]);
    const [extract] = instructions(
      'RUN',
      dockerfile.slice(0, dockerfile.lastIndexOf('\nFROM ')),
    ).filter((r) => r.includes('extract'));
    expect(extract).toContain('extract --layers --destination target/layers');
    expect(extract).not.toContain('--launcher');
  });

  it('runs as the same user, exposes the same ports, sets the same environment', () => {
    expect(instructions('USER')).toEqual([API_USER]);
    expect(instructions('EXPOSE')).toEqual([API_PORTS.join(' ')]);
    const env = instructions('ENV').map((e) => /^(\w+)="(.*)"$/.exec(e)?.slice(1));
    expect(Object.fromEntries(env.map((e) => e ?? []))).toEqual(API_ENV);
  });

  it('trains the CDS archive with the same command, before USER, after every layer', () => {
    const runs = instructions('RUN');
    expect(runs.map((r) => JSON.parse(r))).toEqual([[...API_TRAINING]]);
    const at = (s: string) => runStage.indexOf(s);
    expect(at('\nRUN ')).toBeGreaterThan(at('layers/application/'));
    expect(at('\nRUN ')).toBeLessThan(at('\nUSER '));
    expect(at('\nRUN ')).toBeGreaterThan(at('\nENV '));
  });

  it('starts with the same entrypoint', () => {
    expect(instructions('ENTRYPOINT').map((e) => JSON.parse(e))).toEqual([[...API_ENTRYPOINT]]);
  });
});

describe('the API image', () => {
  it('puts java on PATH with JAVA_HOME, as the Temurin images do', () => {
    expect(apiEnvironment()).toEqual({
      PATH: `${JAVA_HOME}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      JAVA_HOME: '/opt/java/openjdk',
      JAVA_TOOL_OPTIONS:
        '-XX:MaxRAMPercentage=60 -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp',
    });
  });

  it('runs as the spring account of its /etc/passwd', () => {
    expect(`${API_ACCOUNT.uid}:${API_ACCOUNT.gid}`).toBe(API_USER);
  });

  it('keeps every start-up flag out of JAVA_TOOL_OPTIONS, which the manifests replace', () => {
    expect(API_ENTRYPOINT).toContain('-XX:SharedArchiveFile=app.jsa');
    expect(API_ENTRYPOINT).toContain('-Dspring.aot.enabled=true');
    expect(API_ENV.JAVA_TOOL_OPTIONS).not.toMatch(/SharedArchive|aot/);
  });

  it('trains with the entrypoint flags, so the archive fits the JVM that loads it', () => {
    const flags = (argv: readonly string[]) =>
      argv.filter((a) => a.startsWith('-') && !/Archive|context\.exit/.test(a));
    expect(flags(API_TRAINING)).toEqual(flags(API_ENTRYPOINT));
    expect(API_TRAINING.slice(-2)).toEqual(API_ENTRYPOINT.slice(-2));
  });
});

describe('parseLdd', () => {
  const own = new Set(['libjvm.so']);
  const output = [
    '\tlinux-vdso.so.1 (0x00007ffd)',
    '\tlibz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x00007f89)',
    '\tlibjli.so => /rt/bin/../lib/libjli.so (0x00007f8a)',
    '\tlibjvm.so => not found',
    '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f8b)',
    '\t/lib64/ld-linux-x86-64.so.2 (0x00007f8c)',
    '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f8b)',
  ].join('\n');

  it('lists host libraries once each with the loader, not the runtime own ones', () => {
    expect(parseLdd(output, '/rt', own)).toEqual([
      '/lib/x86_64-linux-gnu/libc.so.6',
      '/lib/x86_64-linux-gnu/libz.so.1',
      '/lib64/ld-linux-x86-64.so.2',
    ]);
  });

  it('fails on a library neither the host nor the runtime has', () => {
    expect(() => parseLdd('\tlibX11.so.6 => not found', '/rt', own)).toThrow(
      'ldd: libX11.so.6 => not found',
    );
  });
});

describe('chrootArgv', () => {
  it('mounts /proc and /dev in new namespaces, then chroots as the user in the folder', () => {
    const argv = chrootArgv('/r', ['java', '-version'], { user: API_USER, cwd: '/app', cpus: '0' });
    expect(argv.slice(0, 7)).toEqual([
      'taskset',
      '-c',
      '0',
      'unshare',
      '--mount',
      '--pid',
      '--fork',
    ]);
    expect(argv.slice(-5)).toEqual(['/r', API_USER, '/app', 'java', '-version']);
  });
});
