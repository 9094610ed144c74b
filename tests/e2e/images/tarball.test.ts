import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkImageName,
  imageConfigJson,
  sha256File,
  writeImageArchive,
} from '../../../scripts/e2e/images/tarball';
import { useTempDir } from '../../support/temp-dir';
import { readArchive } from './read-archive';

const NAME = 'ghcr.io/k8s-platform/spring-api:0.1.0';

/** A tiny two-layer root: a runtime owned by root and an app folder owned by 10001. */
function stage(dir: string, mtime: number): { runtime: string; app: string } {
  const runtime = join(dir, 'runtime');
  const app = join(dir, 'app');
  mkdirSync(join(runtime, 'opt', 'bin'), { recursive: true });
  mkdirSync(join(app, 'app', 'lib'), { recursive: true });
  writeFileSync(join(runtime, 'opt', 'bin', 'tool'), '#!/bin/sh\n');
  chmodSync(join(runtime, 'opt', 'bin', 'tool'), 0o755);
  writeFileSync(join(app, 'app', 'lib', 'b.jar'), 'b');
  writeFileSync(join(app, 'app', 'a.txt'), 'a');
  for (const f of [join(runtime, 'opt', 'bin', 'tool'), join(app, 'app', 'a.txt')])
    utimesSync(f, mtime, mtime);
  return { runtime, app };
}

describe('writeImageArchive', () => {
  const tmp = useTempDir('tarball');

  function build(name: string, mtime = 1_700_000_000, names = [NAME]) {
    const src = join(tmp(), `src-${name}`);
    const { runtime, app } = stage(src, mtime);
    return writeImageArchive({
      out: join(tmp(), `${name}.tar`),
      names,
      config: {
        user: '10001:10001',
        env: { PATH: '/bin', JAVA_TOOL_OPTIONS: '-Xss1m' },
        entrypoint: ['java', 'Main'],
        workingDir: '/app',
        exposedPorts: [8080, 8081],
      },
      layers: [{ dir: runtime }, { dir: app, uid: 10001, gid: 10001 }],
    });
  }

  it('writes manifest.json naming the config, every tag and the layers in order', () => {
    const image = build('one', undefined, [NAME, 'ghcr.io/k8s-platform/spring-api:0.1.1']);
    readArchive(image.tarball, ({ manifest, files }) => {
      expect(manifest).toHaveLength(1);
      expect(manifest[0]?.RepoTags).toEqual([NAME, 'ghcr.io/k8s-platform/spring-api:0.1.1']);
      expect(manifest[0]?.Config).toBe(`${image.configDigest.slice('sha256:'.length)}.json`);
      expect(manifest[0]?.Layers).toEqual(
        image.diffIds.map((d) => `${d.slice('sha256:'.length)}/layer.tar`),
      );
      expect(files).toContain('manifest.json');
    });
    expect(image.names).toEqual([NAME, 'ghcr.io/k8s-platform/spring-api:0.1.1']);
    expect(image.bytes).toBe(readFileSync(image.tarball).length);
  });

  it('writes a config for linux/amd64 whose diff_ids are the sha256 of each layer tar', () => {
    const image = build('config');
    readArchive(image.tarball, ({ config, layerFiles }) => {
      expect(config.architecture).toBe('amd64');
      expect(config.os).toBe('linux');
      expect(config.config).toEqual({
        User: '10001:10001',
        Env: ['PATH=/bin', 'JAVA_TOOL_OPTIONS=-Xss1m'],
        Entrypoint: ['java', 'Main'],
        Cmd: [],
        WorkingDir: '/app',
        ExposedPorts: { '8080/tcp': {}, '8081/tcp': {} },
      });
      expect(config.rootfs.type).toBe('layers');
      expect(config.rootfs.diff_ids).toEqual(layerFiles.map((f) => `sha256:${sha256File(f)}`));
    });
  });

  it('names the config by its own sha256, the image ID containerd reports', () => {
    const image = build('id');
    const json = imageConfigJson({}, image.diffIds);
    expect(JSON.parse(json).rootfs.diff_ids).toEqual(image.diffIds);
    readArchive(image.tarball, ({ config }) => {
      const hex = createHash('sha256').update(JSON.stringify(config)).digest('hex');
      expect(`sha256:${hex}`).toBe(image.configDigest);
    });
  });

  it('stores sorted entries with mtime 0 and the numeric owner given per layer', () => {
    const image = build('owners');
    readArchive(image.tarball, ({ layers }) => {
      expect(layers[0]?.map((e) => `${e.owner} ${e.path}`)).toEqual([
        '0/0 opt/',
        '0/0 opt/bin/',
        '0/0 opt/bin/tool',
      ]);
      expect(layers[1]?.map((e) => `${e.owner} ${e.path}`)).toEqual([
        '10001/10001 app/',
        '10001/10001 app/a.txt',
        '10001/10001 app/lib/',
        '10001/10001 app/lib/b.jar',
      ]);
      expect(layers[0]?.find((e) => e.path === 'opt/bin/tool')?.mode).toBe('rwxr-xr-x');
    });
  });

  it('is reproducible: the same content staged at other times gives the same bytes', () => {
    const a = build('a', 1_600_000_000);
    const b = build('b', 1_700_000_000);
    expect(sha256File(b.tarball)).toBe(sha256File(a.tarball));
    expect(b.diffIds).toEqual(a.diffIds);
  });

  it('writes an empty layer for an empty folder, as a COPY of an empty folder does', () => {
    const empty = join(tmp(), 'empty');
    mkdirSync(empty);
    const image = writeImageArchive({
      out: join(tmp(), 'empty.tar'),
      names: [NAME],
      config: {},
      layers: [{ dir: empty }],
    });
    readArchive(image.tarball, ({ layers, config }) => {
      expect(layers).toEqual([[]]);
      expect(config.config.WorkingDir).toBe('/');
      expect(config.config.User).toBe('');
    });
  });

  it('refuses a name without registry or tag, naming it', () => {
    expect(() => checkImageName('spring-api:0.1.0')).toThrow(
      'names: "spring-api:0.1.0" is not a fully qualified image name; expected registry/repository:tag, e.g. registry.k8s.io/pause:3.10',
    );
    expect(() => checkImageName('ghcr.io/k8s-platform/spring-api')).toThrow(
      'names: "ghcr.io/k8s-platform/spring-api" is not a fully qualified image name',
    );
    expect(() => checkImageName('localhost:5000/a/b:1')).not.toThrow();
    expect(() => checkImageName('registry.k8s.io/pause:3.10')).not.toThrow();
  });

  it('refuses no names, no layers and a port out of range', () => {
    const dir = join(tmp(), 'x');
    mkdirSync(dir);
    const out = join(tmp(), 'x.tar');
    expect(() => writeImageArchive({ out, names: [], config: {}, layers: [{ dir }] })).toThrow(
      'names: at least one image name is required',
    );
    expect(() => writeImageArchive({ out, names: [NAME], config: {}, layers: [] })).toThrow(
      'layers: at least one layer is required',
    );
    expect(() =>
      writeImageArchive({ out, names: [NAME], config: { exposedPorts: [0] }, layers: [{ dir }] }),
    ).toThrow('config.exposedPorts: 0 is not a TCP port (1-65535)');
  });
});
