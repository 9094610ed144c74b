// A self-contained Java 17 runtime for the API image, from this machine's JDK: jlink with a
// fixed, tested module list, then every glibc library the runtime links against (found by ldd),
// copied to the paths ldd names so the image needs nothing from the host.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  rmSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Where the runtime lives in the image, as in the eclipse-temurin images. */
export const JAVA_HOME = '/opt/java/openjdk';

/**
 * The modules the API needs, checked by starting the jar on this runtime (readiness and the
 * API answer): java.desktop is there for java.beans (Spring, Tomcat), java.instrument for
 * Byte Buddy, jdk.management for Micrometer's process metrics, jdk.crypto.ec for TLS to the
 * database, jdk.unsupported for sun.misc.Unsafe users.
 */
export const API_MODULES = [
  'java.base',
  'java.compiler',
  'java.desktop',
  'java.instrument',
  'java.logging',
  'java.management',
  'java.naming',
  'java.net.http',
  'java.prefs',
  'java.rmi',
  'java.scripting',
  'java.security.jgss',
  'java.security.sasl',
  'java.sql',
  'java.transaction.xa',
  'java.xml',
  'jdk.crypto.ec',
  'jdk.management',
  'jdk.naming.dns',
  'jdk.net',
  'jdk.unsupported',
  'jdk.zipfs',
] as const;

/**
 * java.desktop's native half (AWT, fonts, sound, images). A headless server never loads it;
 * without it the image needs no X11, ALSA, freetype or libpng.
 */
export const DESKTOP_NATIVE_LIBRARIES = [
  'libawt.so',
  'libawt_headless.so',
  'libawt_xawt.so',
  'libfontmanager.so',
  'libjavajpeg.so',
  'libjawt.so',
  'libjsound.so',
  'liblcms.so',
  'libmlib_image.so',
  'libsplashscreen.so',
] as const;

function run(command: string, args: readonly string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.error) throw new Error(`${command}: ${r.error.message}`);
  if (r.status !== 0)
    throw new Error(`${command} ${args.join(' ')} exited with ${r.status}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Every file under `dir` (symlinks included, not followed). */
export function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = lstatSync(path);
    out.push(path);
    if (stat.isDirectory()) out.push(...walk(path));
  }
  return out;
}

/**
 * Sets every mtime under `dir` to the epoch, as the layer tar stores it. CDS records the mtime
 * of the runtime's modules file and of every jar on the class path and refuses an archive
 * whose files changed, so archives must be made from files already at their image mtime.
 */
export function zeroMtimes(dir: string): void {
  for (const path of [dir, ...walk(dir)]) lutimesSync(path, 0, 0);
}

/**
 * The host libraries `ldd` resolves for each ELF file, outside `inside` (the runtime's own
 * libraries), plus the dynamic loader: absolute paths as ldd prints them (symlink names).
 * `own` are the runtime's library names: ldd cannot find libjvm.so for the libraries that
 * the JVM loads after itself, which is right.
 */
export function parseLdd(output: string, inside: string, own: ReadonlySet<string>): string[] {
  const found = new Set<string>();
  for (const line of output.split('\n')) {
    const arrow = /=>\s+(\/\S+)\s+\(0x/.exec(line);
    const loader = /^\s*(\/\S+)\s+\(0x/.exec(line);
    const path = arrow?.[1] ?? loader?.[1];
    const missing = /^\s*(\S+)\s+=>\s+not found/.exec(line);
    if (missing !== null && !own.has(missing[1] ?? '')) throw new Error(`ldd: ${line.trim()}`);
    if (path !== undefined && !path.startsWith(`${inside}/`)) found.add(path);
  }
  return [...found].sort();
}

/** jlinks API_MODULES into `out` (which must not exist): no debug, man pages or headers. */
export function jlinkRuntime(out: string, modules: readonly string[] = API_MODULES): void {
  run('jlink', [
    '--add-modules',
    modules.join(','),
    '--strip-debug',
    '--no-man-pages',
    '--no-header-files',
    '--output',
    out,
  ]);
  for (const lib of DESKTOP_NATIVE_LIBRARIES) rmSync(join(out, 'lib', lib), { force: true });
}

/**
 * Stages the runtime layer into `root`: the jlinked runtime at JAVA_HOME, the host libraries
 * it needs at the paths ldd names (the real files' contents under the symlink names), its
 * mtimes at the epoch, and the default CDS archive dumped from those very files.
 * Returns the library paths copied.
 */
export function stageJavaRuntime(root: string, modules: readonly string[] = API_MODULES): string[] {
  const home = join(root, JAVA_HOME);
  mkdirSync(dirname(home), { recursive: true });
  jlinkRuntime(home, modules);
  const elves = [join(home, 'bin', 'java'), ...walk(home).filter((p) => p.endsWith('.so'))];
  const own = new Set(elves.map((p) => basename(p)));
  const ldd = elves.map((f) => run('ldd', [f])).join('\n');
  const libraries = parseLdd(ldd, realpathSync(home), own);
  for (const lib of libraries) {
    const target = join(root, lib);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(realpathSync(lib), target);
  }
  zeroMtimes(root);
  // The base archive the app's dynamic archive builds on; default CDS ignores where the JDK
  // lives but not its modules file's mtime, hence after zeroMtimes.
  run(join(home, 'bin', 'java'), ['-Xshare:dump']);
  zeroMtimes(root);
  return libraries;
}
