// The pieces every hand-made image shares: the base folders a container runtime expects, the
// user and group files, and busybox with its applets as symlinks, as Alpine lays them out.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** busybox-static from Debian; a static binary, so it needs nothing else in the image. */
export const HOST_BUSYBOX = '/bin/busybox';

/** An account of the image's /etc/passwd and /etc/group. */
export interface ImageUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /** @default the user's name */
  readonly group?: string;
  /** @default '/' */
  readonly home?: string;
}

/** What the base layer holds. */
export interface BaseLayerProps {
  /** Accounts besides root. @default [] */
  readonly users?: readonly ImageUser[];
  /** Install busybox as /bin/busybox with every applet linked in /bin. @default false */
  readonly busybox?: boolean;
  /** The busybox binary to copy. @default HOST_BUSYBOX */
  readonly busyboxPath?: string;
}

/** /etc/passwd and /etc/group for root plus `users`, one line each, in order. */
export function accountFiles(users: readonly ImageUser[]): { passwd: string; group: string } {
  const all: ImageUser[] = [{ name: 'root', uid: 0, gid: 0, home: '/root' }, ...users];
  const passwd = all.map(
    (u) => `${u.name}:x:${u.uid}:${u.gid}:${u.name}:${u.home ?? '/'}:/sbin/nologin`,
  );
  const groups = new Map<number, string>();
  for (const u of all) if (!groups.has(u.gid)) groups.set(u.gid, u.group ?? u.name);
  const group = [...groups].map(([gid, name]) => `${name}:x:${gid}:`);
  return { passwd: `${passwd.join('\n')}\n`, group: `${group.join('\n')}\n` };
}

/** The applets a busybox binary offers (`busybox --list`), without busybox itself. */
export function busyboxApplets(busybox: string): string[] {
  const r = spawnSync(busybox, ['--list'], { encoding: 'utf8' });
  if (r.error) throw new Error(`${busybox}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${busybox} --list exited with ${r.status}`);
  return r.stdout
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== 'busybox' && !s.includes('/'));
}

/**
 * Stages the base layer into `dir`: /etc/passwd, /etc/group, an empty /dev, /proc and /sys
 * (mount points), /tmp with mode 1777 (the manifests mount an emptyDir there under a
 * read-only root), and optionally busybox.
 */
export function stageBaseLayer(dir: string, props: BaseLayerProps = {}): void {
  for (const d of ['etc', 'dev', 'proc', 'sys', 'tmp', 'root', 'bin'])
    mkdirSync(join(dir, d), { recursive: true });
  chmodSync(join(dir, 'tmp'), 0o1777);
  chmodSync(join(dir, 'root'), 0o700);
  const { passwd, group } = accountFiles(props.users ?? []);
  writeFileSync(join(dir, 'etc', 'passwd'), passwd, { mode: 0o644 });
  writeFileSync(join(dir, 'etc', 'group'), group, { mode: 0o644 });
  if (props.busybox ?? false) {
    const source = props.busyboxPath ?? HOST_BUSYBOX;
    copyFileSync(source, join(dir, 'bin', 'busybox'));
    chmodSync(join(dir, 'bin', 'busybox'), 0o755);
    for (const applet of busyboxApplets(source))
      symlinkSync('/bin/busybox', join(dir, 'bin', applet));
  }
}
