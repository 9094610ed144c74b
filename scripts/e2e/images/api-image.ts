// The Spring Boot API's image, laid out exactly as apps/spring-api/Dockerfile's run stage lays
// it out (tests/e2e/images/api-image.test.ts compares the two), on a runtime jlinked from this
// machine's JDK instead of the Temurin Alpine JRE:
//
//   base         /etc/passwd and /etc/group with spring (10001), /tmp 1777, busybox applets
//   runtime      /opt/java/openjdk + the glibc libraries it links, default CDS archive
//   4 app layers the jar's `extract --layers` folders merged into /app, in the Dockerfile's order
//   cds          /app/app.jsa, trained in the assembled root by the runtime that will use it
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, lutimesSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runInRoot } from './chroot';
import { JAVA_HOME, stageJavaRuntime, zeroMtimes } from './java-runtime';
import { stageBaseLayer } from './rootfs';
import { DEFAULT_PATH } from './small';
import { ImageArchive, writeImageArchive } from './tarball';

/** The run stage's WORKDIR. */
export const API_WORKDIR = '/app';
/** The jar's layers (`extract --layers`), in the order the Dockerfile COPYs them. */
export const API_LAYERS = [
  'dependencies',
  'spring-boot-loader',
  'snapshot-dependencies',
  'application',
] as const;
/** USER: the UID and GID the pods enforce. */
export const API_USER = '10001:10001';
/** EXPOSE: the API and management ports. */
export const API_PORTS = [8080, 8081] as const;
/** The Dockerfile's ENV. The manifests replace JAVA_TOOL_OPTIONS, so no start-up flag lives here. */
export const API_ENV = {
  JAVA_TOOL_OPTIONS: '-XX:MaxRAMPercentage=60 -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp',
} as const;
/** The CDS archive, relative to the WORKDIR, written at build time (the root is read-only). */
export const CDS_ARCHIVE = 'app.jsa';
/**
 * Start-up flags shared by training and the entrypoint. Serial GC is what the JVM picks with one
 * CPU or less (the pods' limit); stating it keeps the archive's GC the one that loads it.
 */
const JVM_FLAGS = [
  '-XX:+UseSerialGC',
  '-Dspring.aot.enabled=true',
  // C1 only. Measured in a 1-CPU pod on the e2e node: start to Ready 15 s -> 10 s, and 3x the
  // requests served in the first 30 s after Ready, when C2's compiler threads compete with the
  // requests for the one CPU. Peak throughput after a full C2 warm-up is not measured.
  '-XX:TieredStopAtLevel=1',
] as const;
/** The Dockerfile's RUN that trains the archive: start, refresh the context, exit, dump. */
export const API_TRAINING = [
  'java',
  `-XX:ArchiveClassesAtExit=${CDS_ARCHIVE}`,
  ...JVM_FLAGS,
  '-Dspring.context.exit=onRefresh',
  '-jar',
  'spring-api.jar',
] as const;
/** ENTRYPOINT: the extracted jar on the CDS archive, with Spring's AOT initializers. */
export const API_ENTRYPOINT = [
  'java',
  `-XX:SharedArchiveFile=${CDS_ARCHIVE}`,
  ...JVM_FLAGS,
  '-jar',
  'spring-api.jar',
] as const;
/** The account the image runs as. */
export const API_ACCOUNT = { name: 'spring', uid: 10001, gid: 10001 } as const;

/** What buildApiImage needs. */
export interface ApiImageProps {
  /** The Boot jar (apps/spring-api/target/spring-api.jar) built with its process-aot step. */
  readonly jar: string;
  /** Folder for staging and the archive (`<workDir>/spring-api.tar`). */
  readonly workDir: string;
  /** Every name to import it under, e.g. ghcr.io/k8s-platform/spring-api:0.1.0 and a second tag. */
  readonly names: readonly string[];
}

/** The written image, with the time it took. */
export interface ApiImage extends ImageArchive {
  readonly seconds: number;
}

/** The image's full environment: the Dockerfile's ENV plus what the Temurin base image sets. */
export function apiEnvironment(): Record<string, string> {
  return { PATH: `${JAVA_HOME}/bin:${DEFAULT_PATH}`, JAVA_HOME, ...API_ENV };
}

function extractLayers(jar: string, out: string): void {
  const r = spawnSync(
    'java',
    ['-Djarmode=tools', '-jar', jar, 'extract', '--layers', '--destination', out],
    {
      encoding: 'utf8',
    },
  );
  if (r.error) throw new Error(`java: ${r.error.message}`);
  if (r.status !== 0)
    throw new Error(`extracting ${jar} exited with ${r.status}: ${r.stderr.trim()}`);
  for (const layer of API_LAYERS)
    if (!existsSync(join(out, layer)))
      throw new Error(`jar: ${jar} has no "${layer}" layer; is it a Spring Boot jar with layers?`);
}

/**
 * Trains the CDS archive in `root` (all layers merged) as the Dockerfile's RUN does, as root,
 * and checks the archive then loads (-Xshare:on fails instead of silently running without it).
 */
export function trainCdsArchive(root: string): void {
  const env = apiEnvironment();
  const train = runInRoot(root, API_TRAINING, { cwd: API_WORKDIR, env });
  if (train.status !== 0 || !existsSync(join(root, API_WORKDIR, CDS_ARCHIVE)))
    throw new Error(`CDS training exited with ${train.status}: ${train.stderr.slice(-2000)}`);
  const check = runInRoot(
    root,
    [
      'java',
      '-Xshare:on',
      `-XX:SharedArchiveFile=${CDS_ARCHIVE}`,
      ...JVM_FLAGS,
      '-cp',
      'spring-api.jar',
      '-version',
    ],
    {
      cwd: API_WORKDIR,
      env,
      user: API_USER,
    },
  );
  if (check.status !== 0)
    throw new Error(`the CDS archive does not load: ${check.stderr.slice(-2000)}`);
}

/** Builds the API image from `props.jar`; see the file's header for its layers. */
export function buildApiImage(props: ApiImageProps): ApiImage {
  const started = process.hrtime.bigint();
  if (!existsSync(props.jar)) throw new Error(`jar: ${props.jar} does not exist`);
  mkdirSync(props.workDir, { recursive: true });
  const stage = mkdtempSync(join(props.workDir, '.api-'));
  try {
    const extracted = join(stage, 'extracted');
    extractLayers(props.jar, extracted);
    const base = join(stage, 'base');
    stageBaseLayer(base, { users: [API_ACCOUNT], busybox: true });
    const runtime = join(stage, 'runtime');
    stageJavaRuntime(runtime);
    const appLayers = API_LAYERS.map((layer) => {
      const dir = join(stage, 'layers', layer);
      mkdirSync(join(dir, API_WORKDIR), { recursive: true });
      cpSync(join(extracted, layer), join(dir, API_WORKDIR), { recursive: true });
      zeroMtimes(dir);
      return dir;
    });
    // One root with every layer, as the Dockerfile's RUN sees it; hard links cost no copy.
    const root = join(stage, 'root');
    for (const dir of [base, runtime, ...appLayers]) cpAll(dir, root);
    trainCdsArchive(root);
    const cds = join(stage, 'cds');
    mkdirSync(join(cds, API_WORKDIR), { recursive: true });
    cpSync(join(root, API_WORKDIR, CDS_ARCHIVE), join(cds, API_WORKDIR, CDS_ARCHIVE));
    lutimesSync(join(cds, API_WORKDIR, CDS_ARCHIVE), 0, 0);
    const image = writeImageArchive({
      out: join(props.workDir, 'spring-api.tar'),
      names: props.names,
      config: {
        user: API_USER,
        env: apiEnvironment(),
        entrypoint: API_ENTRYPOINT,
        workingDir: API_WORKDIR,
        exposedPorts: API_PORTS,
      },
      layers: [base, runtime, ...appLayers, cds].map((dir) => ({ dir })),
    });
    return { ...image, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** Merges `from` into `to` with hard links (cp -al), keeping symlinks and modes. */
function cpAll(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  const r = spawnSync('cp', ['-al', '--', `${from}/.`, to], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cp -al ${from}: ${r.stderr.trim()}`);
}
