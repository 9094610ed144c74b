import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { accountFiles, busyboxApplets, HOST_BUSYBOX } from '../../../scripts/e2e/images/rootfs';
import {
  archiveName,
  buildPauseImage,
  buildStaticBinaryImage,
  compilePause,
  DEFAULT_PATH,
} from '../../../scripts/e2e/images/small';
import { useTempDir } from '../../support/temp-dir';
import { listTar, readArchive } from './read-archive';

describe('accountFiles', () => {
  it('lists root first, then each user, and each group once', () => {
    const { passwd, group } = accountFiles([
      { name: 'spring', uid: 10001, gid: 10001 },
      { name: 'vault', uid: 100, gid: 1000, group: 'vault', home: '/home/vault' },
    ]);
    expect(passwd).toBe(
      'root:x:0:0:root:/root:/sbin/nologin\n' +
        'spring:x:10001:10001:spring:/:/sbin/nologin\n' +
        'vault:x:100:1000:vault:/home/vault:/sbin/nologin\n',
    );
    expect(group).toBe('root:x:0:\nspring:x:10001:\nvault:x:1000:\n');
  });
});

describe('busyboxApplets', () => {
  it('offers what the preStop hook and injected init containers run', () => {
    expect(busyboxApplets(HOST_BUSYBOX)).toEqual(
      expect.arrayContaining(['sh', 'sleep', 'cat', 'id', 'base64', 'echo']),
    );
    expect(busyboxApplets(HOST_BUSYBOX)).not.toContain('busybox');
  });
});

describe('buildStaticBinaryImage', () => {
  const tmp = useTempDir('small');

  it('holds the binary, its aliases and the account files, run as nonroot by default', () => {
    const image = buildStaticBinaryImage({
      binary: HOST_BUSYBOX,
      path: '/usr/local/bin/bao',
      aliases: ['/bin/vault'],
      names: ['docker.io/openbao/openbao:2.7.2'],
      workDir: tmp(),
    });
    expect(image.tarball).toBe(join(tmp(), 'openbao.tar'));
    readArchive(image.tarball, ({ config, layers }) => {
      expect(config.config.User).toBe('65532:65532');
      expect(config.config.Entrypoint).toEqual(['/usr/local/bin/bao']);
      expect(config.config.Env).toEqual([`PATH=${DEFAULT_PATH}`]);
      const [base = [], app = []] = layers;
      expect(base.map((e) => e.path)).toEqual(
        expect.arrayContaining(['etc/passwd', 'etc/group', 'tmp/', 'proc/', 'dev/']),
      );
      expect(base.find((e) => e.path === 'tmp/')?.mode).toBe('rwxrwxrwt');
      expect(base.some((e) => e.path === 'bin/busybox')).toBe(false);
      expect(app.find((e) => e.path === 'usr/local/bin/bao')).toMatchObject({
        type: '-',
        mode: 'rwxr-xr-x',
        owner: '0/0',
      });
      expect(app.find((e) => e.path === 'bin/vault')).toMatchObject({
        type: 'l',
        target: '/usr/local/bin/bao',
      });
    });
  });

  it('adds busybox with its applets when asked, and takes user, users, env and ports', () => {
    const image = buildStaticBinaryImage({
      binary: HOST_BUSYBOX,
      path: '/bin/agent',
      names: ['docker.io/hashicorp/vault:1.18.5'],
      workDir: tmp(),
      busybox: true,
      user: '100:1000',
      users: [{ name: 'vault', uid: 100, gid: 1000, home: '/home/vault' }],
      env: { HOME: '/home/vault' },
      cmd: ['agent'],
      exposedPorts: [8200],
    });
    readArchive(image.tarball, ({ config, layers }) => {
      expect(config.config).toMatchObject({
        User: '100:1000',
        Cmd: ['agent'],
        Env: [`PATH=${DEFAULT_PATH}`, 'HOME=/home/vault'],
        ExposedPorts: { '8200/tcp': {} },
      });
      const base = layers[0] ?? [];
      for (const applet of ['sh', 'sleep', 'base64'])
        expect(base.find((e) => e.path === `bin/${applet}`)?.target).toBe('/bin/busybox');
      expect(base.find((e) => e.path === 'bin/busybox')?.type).toBe('-');
    });
  });

  it('refuses relative or unnormalized paths and a missing binary, naming them', () => {
    const props = { binary: HOST_BUSYBOX, names: ['registry.k8s.io/x:1'], workDir: tmp() };
    expect(() => buildStaticBinaryImage({ ...props, path: 'bin/x' })).toThrow(
      'path: "bin/x" must be a normalized absolute path to a file, e.g. /bin/app',
    );
    expect(() => buildStaticBinaryImage({ ...props, path: '/x', aliases: ['/a/../b'] })).toThrow(
      'aliases: "/a/../b" must be a normalized absolute path',
    );
    expect(() => buildStaticBinaryImage({ ...props, path: '/x', binary: '/nope' })).toThrow(
      'binary: /nope does not exist',
    );
  });

  it('names the archive after the repository', () => {
    expect(archiveName(['registry.k8s.io/coredns/coredns:v1.12.4'])).toBe('coredns.tar');
    expect(archiveName(['localhost:5000/pause:3.10'])).toBe('pause.tar');
  });
});

describe('pause', () => {
  const tmp = useTempDir('pause');

  function exitOn(signal: NodeJS.Signals, binary: string): Promise<number | null> {
    return new Promise((resolve, reject) => {
      const child = spawn(binary, [], { stdio: 'ignore' });
      child.on('error', reject);
      child.on('exit', (code) => resolve(code));
      setTimeout(() => child.kill(signal), 200);
    });
  }

  it('compiles statically and exits 0 on SIGTERM and on SIGINT', async () => {
    const binary = join(tmp(), 'pause');
    compilePause(binary);
    expect(readFileSync(binary).subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    await expect(exitOn('SIGTERM', binary)).resolves.toBe(0);
    await expect(exitOn('SIGINT', binary)).resolves.toBe(0);
  });

  it('is an image of /pause alone, run as 65535 like the upstream sandbox image', () => {
    const image = buildPauseImage({ names: ['registry.k8s.io/pause:3.10'], workDir: tmp() });
    readArchive(image.tarball, ({ config, manifest, layerFiles }) => {
      expect(manifest[0]?.RepoTags).toEqual(['registry.k8s.io/pause:3.10']);
      expect(config.config.Entrypoint).toEqual(['/pause']);
      expect(config.config.User).toBe('65535:65535');
      expect(listTar(layerFiles[1] ?? '').map((e) => e.path)).toEqual(['pause']);
    });
    expect(image.bytes).toBeLessThan(1_000_000);
  });
});
