// A Docker-save-format image archive (manifest.json, one config JSON, one uncompressed tar per
// layer), written without a Docker engine so that `ctr -n k8s.io images import <tar>` can load
// it under the exact names the manifests use. Layers are made by GNU tar from staging folders
// laid out like the image's root; the same input gives byte-identical output (sorted names,
// mtime 0, numeric owners, GNU format without pax timestamps, hard links stored as files).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

/** One layer: a folder whose contents become the image root's, owned as a Dockerfile COPY would. */
export interface LayerSource {
  /** Staging folder laid out like the image root (e.g. `<dir>/app/BOOT-INF/...`). */
  readonly dir: string;
  /** Numeric owner of every entry. @default 0 */
  readonly uid?: number;
  /** Numeric group of every entry. @default 0 */
  readonly gid?: number;
}

/** The runtime part of an image config (the `config` object of the OCI/Docker image config). */
export interface RuntimeConfig {
  /** `uid:gid` or a user name. @default '' (root) */
  readonly user?: string;
  /** Environment, in order. @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** @default [] */
  readonly entrypoint?: readonly string[];
  /** @default [] */
  readonly cmd?: readonly string[];
  /** @default '/' */
  readonly workingDir?: string;
  /** TCP ports. @default [] */
  readonly exposedPorts?: readonly number[];
}

/** What to write. */
export interface ImageArchiveSpec {
  /** The archive to write; its folder must exist. */
  readonly out: string;
  /** Every name the image is imported under, `registry/repository:tag`. */
  readonly names: readonly string[];
  readonly config: RuntimeConfig;
  /** Layers bottom to top. */
  readonly layers: readonly LayerSource[];
}

/** The written archive. */
export interface ImageArchive {
  readonly tarball: string;
  readonly names: readonly string[];
  /** Size of the archive file. */
  readonly bytes: number;
  /** sha256 of each uncompressed layer, bottom to top, `sha256:<hex>`. */
  readonly diffIds: readonly string[];
  /** sha256 of the config JSON, `sha256:<hex>`: the image ID `ctr` and crictl show. */
  readonly configDigest: string;
}

// registry[:port]/path:tag, lower-case repository, explicit tag; no digests (import cannot keep them).
const NAME =
  /^[a-z0-9]+(?:[.-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Throws unless `name` is a fully qualified `registry/repository:tag`. */
export function checkImageName(name: string): void {
  if (!NAME.test(name))
    throw new Error(
      `names: "${name}" is not a fully qualified image name; expected registry/repository:tag, e.g. registry.k8s.io/pause:3.10`,
    );
}

/** sha256 of a file, read in chunks (layers can be hundreds of MB). */
export function sha256File(file: string): string {
  const hash = createHash('sha256');
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(1 << 20);
    for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer))
      hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** Runs GNU tar reproducibly over the top-level entries of `dir`. Throws with tar's stderr. */
export function reproducibleTar(dir: string, out: string, uid = 0, gid = 0): void {
  const entries = readdirSync(dir).sort();
  const args = [
    '--create',
    `--file=${out}`,
    '--format=gnu',
    '--sort=name',
    '--mtime=@0',
    '--numeric-owner',
    `--owner=${uid}`,
    `--group=${gid}`,
    '--hard-dereference',
  ];
  // An empty layer (a COPY of an empty folder) is a valid, empty tar.
  const files = entries.length === 0 ? ['--files-from=/dev/null'] : ['--', ...entries];
  const r = spawnSync('tar', [...args, '-C', dir, ...files], { encoding: 'utf8' });
  if (r.error) throw new Error(`tar: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`tar ${dir} exited with ${r.status}: ${r.stderr.trim()}`);
}

/** The image config JSON, with fixed key order and no timestamps besides the epoch. */
export function imageConfigJson(config: RuntimeConfig, diffIds: readonly string[]): string {
  const ports = config.exposedPorts ?? [];
  const env = Object.entries(config.env ?? {}).map(([k, v]) => `${k}=${v}`);
  return JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    created: '1970-01-01T00:00:00Z',
    config: {
      User: config.user ?? '',
      Env: env,
      Entrypoint: config.entrypoint ?? [],
      Cmd: config.cmd ?? [],
      WorkingDir: config.workingDir ?? '/',
      ExposedPorts: Object.fromEntries(ports.map((p) => [`${p}/tcp`, {}])),
    },
    rootfs: { type: 'layers', diff_ids: diffIds },
  });
}

/** Writes the archive `spec.out`: every layer tarred, hashed, stored once, then the whole wrapped. */
export function writeImageArchive(spec: ImageArchiveSpec): ImageArchive {
  if (spec.names.length === 0) throw new Error('names: at least one image name is required');
  for (const name of spec.names) checkImageName(name);
  if (spec.layers.length === 0) throw new Error('layers: at least one layer is required');
  for (const port of spec.config.exposedPorts ?? [])
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new Error(`config.exposedPorts: ${port} is not a TCP port (1-65535)`);

  const work = mkdtempSync(join(dirname(spec.out), '.image-'));
  try {
    const outer = join(work, 'archive');
    mkdirSync(outer);
    const diffIds: string[] = [];
    const layerPaths: string[] = [];
    for (const [i, layer] of spec.layers.entries()) {
      const tmp = join(work, `layer-${i}.tar`);
      reproducibleTar(layer.dir, tmp, layer.uid ?? 0, layer.gid ?? 0);
      const hex = sha256File(tmp);
      mkdirSync(join(outer, hex), { recursive: true });
      renameSync(tmp, join(outer, hex, 'layer.tar'));
      diffIds.push(`sha256:${hex}`);
      layerPaths.push(`${hex}/layer.tar`);
    }
    const configJson = imageConfigJson(spec.config, diffIds);
    const configHex = createHash('sha256').update(configJson).digest('hex');
    writeFileSync(join(outer, `${configHex}.json`), configJson);
    const manifest = [
      { Config: `${configHex}.json`, RepoTags: [...spec.names], Layers: layerPaths },
    ];
    writeFileSync(join(outer, 'manifest.json'), JSON.stringify(manifest));
    reproducibleTar(outer, spec.out);
    return {
      tarball: spec.out,
      names: [...spec.names],
      bytes: statSync(spec.out).size,
      diffIds,
      configDigest: `sha256:${configHex}`,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
