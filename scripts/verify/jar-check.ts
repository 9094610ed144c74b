import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_KEY_PROPERTY } from '../../infra/apps/environments';
import {
  DATABASE_PASSWORD_PROPERTY,
  parseJdbcUrl,
} from '../../infra/apps/spring-api/database-rules';
import { databaseServiceHosts, PLATFORM_ENDPOINTS } from '../../infra/config/platform';
import { ManifestObject } from '../../infra/apps/render';
import { LocalCluster } from './local-cluster';
import { freePort, ProcessGroup } from './processes';
import { checkExposition } from './platform-check';
import { PostgresBootstrap, RunningPostgres, startPostgres } from './app-database';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call */

/** The container's files and environment as the kubelet would give them, under `root`. */
export function materialize(
  objects: readonly ManifestObject[],
  root: string,
): { env: Record<string, string>; secretValues: string[] } {
  const byName = (kind: string, name: string): Json | undefined =>
    objects.find((o) => o.kind === kind && o.metadata.name === name);
  const deployment = objects.find((o) => o.kind === 'Deployment') as Json;
  const spec = deployment.spec.template.spec;
  const container = spec.containers[0];
  const local = (mountPath: string): string => join(root, mountPath);
  const decode = (v: string): string => Buffer.from(v, 'base64').toString('utf8');
  const secretValues: string[] = [];

  for (const mount of container.volumeMounts ?? []) {
    const volume = spec.volumes.find((v: Json) => v.name === mount.name);
    const dir = local(mount.mountPath);
    mkdirSync(dir, { recursive: true });
    if (volume?.configMap) {
      const data = byName('ConfigMap', volume.configMap.name)?.data ?? {};
      for (const item of volume.configMap.items ??
        Object.keys(data).map((k) => ({ key: k, path: k }))) {
        writeFileSync(join(dir, item.path), data[item.key]);
      }
    } else if (volume?.secret) {
      const data = byName('Secret', volume.secret.secretName)?.data ?? {};
      for (const [key, value] of Object.entries<string>(data)) {
        writeFileSync(join(dir, key), decode(value), { mode: 0o600 });
        secretValues.push(decode(value));
      }
    }
  }
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.configMapKeyRef) {
      const ref = e.valueFrom.configMapKeyRef;
      env[e.name] = byName('ConfigMap', ref.name)?.data?.[ref.key];
    } else if (e.valueFrom?.secretKeyRef) {
      const ref = e.valueFrom.secretKeyRef;
      env[e.name] = decode(byName('Secret', ref.name)?.data?.[ref.key] ?? '');
    }
  }
  // The config-tree import names the mount paths; point it at the local copies.
  for (const [name, value] of Object.entries(env)) {
    env[name] = value.replace(
      /(configtree:)(\/[^,]*)/g,
      (_, scheme: string, path: string) => `${scheme}${local(path)}`,
    );
  }
  return { env, secretValues };
}

/** The actuator endpoint, on the management port only, that reports where settings come from. */
export const CONFIG_SOURCES_PATH = '/actuator/configsources';

/** The environment variable through which the container gets the API key from a Secret. */
export function secretEnvName(container: Json): string | undefined {
  const variable = (container.env ?? []).find(
    (e: Json) => e.valueFrom?.secretKeyRef?.key === API_KEY_PROPERTY,
  );
  return variable === undefined ? undefined : String(variable.name);
}

/**
 * What an operator asks the configsources report in dev: the API key comes from the Secret's
 * environment variable (`keyVariable`, named in the report's origin), the environment name from
 * the ConfigMap folder, and no secret value appears anywhere in the report.
 */
export function checkConfigSources(
  text: string,
  keyVariable: string | undefined,
  secretValues: readonly string[],
): string[] {
  const failures: string[] = [];
  const properties = ((JSON.parse(text) as Json).properties ?? {}) as Json;
  const apiKey = properties[API_KEY_PROPERTY];
  if (keyVariable === undefined)
    failures.push(
      `no environment variable of the container takes ${API_KEY_PROPERTY} from a Secret`,
    );
  else if (apiKey?.kind !== 'environment' || !String(apiKey?.origin).includes(`"${keyVariable}"`))
    failures.push(
      `${API_KEY_PROPERTY} should come from the Secret's environment variable ${keyVariable}, came from ${JSON.stringify(apiKey)}`,
    );
  if (properties['app.environment']?.kind !== 'config-folder') {
    failures.push(
      `app.environment should come from the ConfigMap folder, came from ${JSON.stringify(properties['app.environment'])}`,
    );
  }
  if (secretValues.some((v) => v !== '' && text.includes(v)))
    failures.push(`${CONFIG_SOURCES_PATH} shows a secret value`);
  return failures;
}

/** A jar that answers on loopback: the API's port and the management port. */
export interface RunningJar {
  readonly port: number;
  readonly management: number;
}

/**
 * Starts the packaged jar (built first when it is missing) on free ports of 127.0.0.1, as a
 * helper of `processes` so that it stops with them, and waits until the management port answers
 * `readinessPath` with 200. Throws when it does not within 120 s.
 */
export async function startJar(
  processes: ProcessGroup,
  jar: string,
  env: NodeJS.ProcessEnv,
  readinessPath: string,
  log = 'spring-api.log',
): Promise<RunningJar> {
  if (!existsSync(jar)) {
    const built = spawnSync('mvn', ['-B', '-q', 'package', '-DskipTests'], {
      cwd: join(jar, '..', '..'),
      stdio: 'inherit',
    });
    if (built.status !== 0) throw new Error(`${jar} is missing and could not be built`);
  }
  const [port, management] = [await freePort(), await freePort()];
  const child = processes.launch(
    'java',
    [
      '-jar',
      jar,
      `--server.port=${port}`,
      `--management.server.port=${management}`,
      '--server.address=127.0.0.1',
      '--management.server.address=127.0.0.1',
    ],
    log,
    env,
  );
  const readiness = `http://127.0.0.1:${management}${readinessPath}`;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const ready = await fetch(readiness).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return { port, management };
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    child.exitCode === null
      ? `the jar did not answer ${readinessPath} with 200 within 120 s`
      : `the jar exited with ${child.exitCode} before answering ${readinessPath}`,
  );
}

/**
 * Starts the packaged jar with exactly the files and variables the dev manifests give the
 * container, then asks what the kubelet and an operator would: is it ready on the probe
 * path, which source supplies the API key (the management port's report; the API port must not
 * serve it), and does that key open writes.
 */
export async function checkDevJar(
  cluster: LocalCluster,
  objects: readonly ManifestObject[],
  jar: string,
  scratch: string,
  queries: readonly string[] = [],
): Promise<string[]> {
  const { env, secretValues } = materialize(objects, scratch);
  const database = platformDatabaseOf(objects);
  let postgres: RunningPostgres | undefined;
  try {
    if (database) {
      // The Service name resolves only inside a cluster: the same bootstrap, on loopback. The
      // jar keeps the manifests' user and the Secret's password, so the login proves them.
      postgres = await startPostgres(database);
      env.SPRING_DATASOURCE_URL = `jdbc:postgresql://127.0.0.1:${postgres.port}/${database.database}`;
    }
    return await runDevJar(cluster, objects, jar, env, secretValues, queries);
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  } finally {
    postgres?.stop();
  }
}

/**
 * The platform's database as the dev manifests point at it (its Service in the ConfigMap's
 * spring.datasource.url, the owner, the Secret's password), or undefined for another database.
 */
export function platformDatabaseOf(
  objects: readonly ManifestObject[],
): PostgresBootstrap | undefined {
  const data = (kind: string): Record<string, string> =>
    (objects.find((o) => o.kind === kind) as { data?: Record<string, string> } | undefined)?.data ??
    {};
  const url = parseJdbcUrl(String(data('ConfigMap')['spring.datasource.url'] ?? ''));
  const db = PLATFORM_ENDPOINTS.database;
  if (!url || !databaseServiceHosts(db).includes(url.host)) return undefined;
  const password = Buffer.from(
    String(data('Secret')[DATABASE_PASSWORD_PROPERTY] ?? ''),
    'base64',
  ).toString('utf8');
  return {
    database: url.database,
    owner: String(data('ConfigMap')['spring.datasource.username'] ?? ''),
    password,
  };
}

async function runDevJar(
  cluster: LocalCluster,
  objects: readonly ManifestObject[],
  jar: string,
  env: Record<string, string>,
  secretValues: readonly string[],
  queries: readonly string[],
): Promise<string[]> {
  const deployment = objects.find((o) => o.kind === 'Deployment') as Json;
  const container = deployment.spec.template.spec.containers[0];
  let running: RunningJar;
  try {
    running = await startJar(
      cluster,
      jar,
      { ...process.env, ...env },
      container.readinessProbe.httpGet.path,
    );
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
  const { port, management } = running;

  const failures: string[] = [];
  const report = await fetch(`http://127.0.0.1:${management}${CONFIG_SOURCES_PATH}`);
  if (report.status !== 200)
    failures.push(`${CONFIG_SOURCES_PATH} on the management port returned ${report.status}`);
  else
    failures.push(
      ...checkConfigSources(await report.text(), secretEnvName(container), secretValues),
    );
  // Where the report was public before it moved; the Ingress routes this port.
  for (const path of ['/api/config-sources', CONFIG_SOURCES_PATH]) {
    const onApi = await fetch(`http://127.0.0.1:${port}${path}`);
    if (onApi.status !== 404)
      failures.push(`the API port answered ${path} with ${onApi.status}, not 404`);
  }
  const key = env.APP_APIKEY ?? '';
  const write = await fetch(`http://127.0.0.1:${port}/api/articles`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-API-Key': key },
    body: JSON.stringify({
      title: 'verify',
      body: 'written with the dev Secret',
      author: 'verify',
    }),
  });
  if (write.status !== 201)
    failures.push(`a write with the dev Secret's key returned ${write.status}, not 201`);
  // The metrics and labels the platform's rules and dashboard read, after that traffic.
  const metrics = await fetch(`http://127.0.0.1:${management}/actuator/prometheus`);
  if (metrics.status !== 200) failures.push(`/actuator/prometheus returned ${metrics.status}`);
  else failures.push(...checkExposition(await metrics.text(), queries));
  return failures;
}
