// Images of one static binary each: the sandbox (pause) image, built from ./pause.c, and a
// generic image for binaries built elsewhere (CoreDNS, metrics-server, the vault-k8s injector,
// OpenBao's `bao` also installed as /bin/vault).
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { dirname, isAbsolute, join, posix } from 'node:path';
import { ImageUser, stageBaseLayer } from './rootfs';
import { ImageArchive, writeImageArchive } from './tarball';

/** Where the pause program's source lives. */
export const PAUSE_SOURCE = join(__dirname, 'pause.c');

/** The PATH of every image here, as Alpine's. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** An image holding one static binary. */
export interface StaticBinaryImageProps {
  /** The binary on this machine. */
  readonly binary: string;
  /** Its absolute path in the image, e.g. /usr/local/bin/coredns. */
  readonly path: string;
  /** More absolute paths linked to `path`, e.g. ['/bin/vault'] for `bao`. @default [] */
  readonly aliases?: readonly string[];
  /** Image names, `registry/repository:tag`. */
  readonly names: readonly string[];
  /** Folder for staging and the archive (`<workDir>/<first name's last segment>.tar`). */
  readonly workDir: string;
  /** @default [path] */
  readonly entrypoint?: readonly string[];
  /** @default [] */
  readonly cmd?: readonly string[];
  /** `uid:gid`. @default '65532:65532' (distroless' nonroot) */
  readonly user?: string;
  /** Accounts for /etc/passwd and /etc/group besides root. @default nonroot 65532 */
  readonly users?: readonly ImageUser[];
  /** busybox and its applets in /bin (a shell, for injected init containers). @default false */
  readonly busybox?: boolean;
  /** Environment besides PATH (which is DEFAULT_PATH unless given here). @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** @default '/' */
  readonly workingDir?: string;
  /** @default [] */
  readonly exposedPorts?: readonly number[];
}

const NONROOT: ImageUser = { name: 'nonroot', uid: 65532, gid: 65532 };

function checkAbsolute(key: string, value: string): void {
  if (!isAbsolute(value) || posix.normalize(value) !== value || value === '/')
    throw new Error(
      `${key}: "${value}" must be a normalized absolute path to a file, e.g. /bin/app`,
    );
}

/** The archive file name for a set of image names: the first name's repository's last segment. */
export function archiveName(names: readonly string[]): string {
  const first = names[0] ?? 'image';
  const repository = first.slice(0, first.lastIndexOf(':'));
  return `${repository.slice(repository.lastIndexOf('/') + 1)}.tar`;
}

/** Writes an image of one static binary; see StaticBinaryImageProps for the defaults. */
export function buildStaticBinaryImage(props: StaticBinaryImageProps): ImageArchive {
  checkAbsolute('path', props.path);
  for (const alias of props.aliases ?? []) checkAbsolute('aliases', alias);
  if (!existsSync(props.binary)) throw new Error(`binary: ${props.binary} does not exist`);
  mkdirSync(props.workDir, { recursive: true });
  const stage = mkdtempSync(join(props.workDir, '.stage-'));
  try {
    const base = join(stage, 'base');
    stageBaseLayer(base, { users: props.users ?? [NONROOT], busybox: props.busybox ?? false });
    const app = join(stage, 'app');
    const target = join(app, props.path);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(props.binary, target);
    chmodSync(target, 0o755);
    for (const alias of props.aliases ?? []) {
      mkdirSync(dirname(join(app, alias)), { recursive: true });
      symlinkSync(props.path, join(app, alias));
    }
    return writeImageArchive({
      out: join(props.workDir, archiveName(props.names)),
      names: props.names,
      config: {
        user: props.user ?? `${NONROOT.uid}:${NONROOT.gid}`,
        env: { PATH: DEFAULT_PATH, ...props.env },
        entrypoint: props.entrypoint ?? [props.path],
        cmd: props.cmd ?? [],
        workingDir: props.workingDir ?? '/',
        exposedPorts: props.exposedPorts ?? [],
      },
      layers: [{ dir: base }, { dir: app }],
    });
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** Compiles ./pause.c into a static binary `out` with gcc. Throws with gcc's message. */
export function compilePause(out: string, source = PAUSE_SOURCE): void {
  const r = spawnSync(
    'gcc',
    ['-static', '-Os', '-s', '-Wall', '-Wextra', '-Werror', '-o', out, source],
    {
      encoding: 'utf8',
    },
  );
  if (r.error) throw new Error(`gcc: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`gcc ${source} exited with ${r.status}: ${r.stderr.trim()}`);
}

/** What the pause image needs. */
export interface PauseImageProps {
  /** e.g. registry.k8s.io/pause:3.10, the kubelet's sandbox image. */
  readonly names: readonly string[];
  readonly workDir: string;
}

/** Compiles pause.c and writes the sandbox image: /pause, run as 65535 like upstream's. */
export function buildPauseImage(props: PauseImageProps): ImageArchive {
  mkdirSync(props.workDir, { recursive: true });
  const binary = join(props.workDir, 'pause.bin');
  compilePause(binary);
  try {
    return buildStaticBinaryImage({
      binary,
      path: '/pause',
      names: props.names,
      workDir: props.workDir,
      user: '65535:65535',
      users: [],
    });
  } finally {
    rmSync(binary, { force: true });
  }
}
