// Reads a Docker-save archive back the way containerd's importer does: manifest.json first,
// then the config and layers it names. Test helper only.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ArchiveEntry {
  /** tar's type letter: '-' file, 'd' folder, 'l' symlink, 'h' hard link. */
  readonly type: string;
  readonly mode: string;
  readonly owner: string;
  readonly path: string;
  /** Symlink target, if any. */
  readonly target?: string;
}

export interface ReadArchive {
  readonly files: string[];
  readonly manifest: { Config: string; RepoTags: string[]; Layers: string[] }[];
  readonly config: any;
  /** Each layer's entries, bottom to top. */
  readonly layers: ArchiveEntry[][];
  /** Each layer's path inside the archive, resolved on disk while `read` runs. */
  readonly layerFiles: string[];
}

function tar(args: string[]): string {
  const r = spawnSync('tar', args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`tar ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Lists a tar with numeric owners: `type, mode, uid/gid, path[, target]` for every entry. */
export function listTar(file: string): ArchiveEntry[] {
  return tar(['--numeric-owner', '-tvf', file])
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const [perm = '', owner = '', , , , ...rest] = line.split(/\s+/);
      const name = rest.join(' ');
      const [path = '', target] = name.split(' -> ');
      return {
        type: perm.slice(0, 1),
        mode: perm.slice(1),
        owner,
        path,
        ...(target === undefined ? {} : { target }),
      };
    });
}

/** Unpacks `tarball` to a temporary folder, runs `use`, then removes the folder. */
export function readArchive<T>(tarball: string, use: (a: ReadArchive) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'read-archive-'));
  try {
    const files = tar(['-tf', tarball])
      .split('\n')
      .filter((l) => l !== '');
    tar(['-xf', tarball, '-C', dir]);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    const config = JSON.parse(readFileSync(join(dir, manifest[0].Config), 'utf8'));
    const layerFiles = (manifest[0].Layers as string[]).map((l) => join(dir, l));
    const layers = layerFiles.map(listTar);
    return use({ files, manifest, config, layers, layerFiles });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
