// Part `app`: the dev manifests, exactly as `npm run synth` writes them to dist/dev, applied with
// kubectl to the real node. The API logs in to a real PostgreSQL behind the platform's database
// Service, becomes Ready through the kubelet's own probes, and answers CRUD through its Service
// (kube-proxy) with the key from its Secret; inside the pod the root filesystem is read-only,
// the user is 10001, no service-account token is mounted and the memory limit is the cgroup's.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { join } from 'node:path';
import { PLATFORM_ENDPOINTS } from '../../../infra/config/platform';
import { devSecretsFile, loadDevSecrets } from '../../../infra/apps/dev-secrets';
import { DEV_SECRET_PROPERTIES } from '../../../infra/apps/environments';
import { DATABASE_PASSWORD_PROPERTY } from '../../../infra/apps/spring-api/database-rules';
import { startPostgres } from '../../verify/app-database';
import { databaseEndpoint } from '../addons';
import { E2eContext } from '../context';
import { NODE_IP, POD_SUBNET } from '../node/config';
import { apiPods, crud, startupFigures, waitRolledOut } from './api';

const root = join(__dirname, '..', '..', '..');
export const APP_NAMESPACE = 'spring-api';

/** `npm run synth`'s program: writes dist/<environment>/ for every environment. */
export function synth(): void {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'synth', 'run.js')], {
    cwd: root,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`synth failed: ${r.stderr}${r.stdout}`);
}

export const distFiles = (environment: string) =>
  readdirSync(join(root, 'dist', environment))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(root, 'dist', environment, f));

/** The pod template of the environment's Deployment, as `npm run synth` wrote it. */
/** A container probe, with the fields the e2e reads; the rest pass through unchanged. */
export interface Probe {
  periodSeconds?: number;
  failureThreshold?: number;
  [field: string]: unknown;
}

export interface PodTemplate {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    containers: {
      name: string;
      image: string;
      command?: string[];
      readinessProbe?: Probe;
      startupProbe?: Probe;
    }[];
  } & Record<string, unknown>;
}

export function distPodTemplate(environment: string): PodTemplate {
  for (const file of distFiles(environment))
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const o = doc.toJS() as { kind?: string; spec?: { template: PodTemplate } } | null;
      if (o?.kind === 'Deployment' && o.spec) return o.spec.template;
    }
  throw new Error(`dist/${environment}: no Deployment`);
}

/** The API image the environment's Deployment runs, as `repository` and `tag`. */
export function manifestImage(environment: string): { repository: string; tag: string } {
  const image = distPodTemplate(environment).spec.containers.find((c) => c.name === 'api')?.image;
  if (!image) throw new Error(`dist/${environment}: the Deployment has no "api" container`);
  const colon = image.lastIndexOf(':');
  return { repository: image.slice(0, colon), tag: image.slice(colon + 1) };
}

/** The platform's database for the pods: PostgreSQL on the node's bridge, bootstrapped like CloudNativePG. */
export async function startDatabase(ctx: E2eContext, password: string): Promise<void> {
  const db = PLATFORM_ENDPOINTS.database;
  const pg = await startPostgres(
    { database: db.databaseName, owner: db.owner, password },
    { netns: ctx.node.netns, address: NODE_IP, clients: POD_SUBNET },
  );
  ctx.node.whenStopping(() => pg.stop());
  ctx.node.apply(databaseEndpoint());
}

export async function checkApp(ctx: E2eContext): Promise<void> {
  const secrets = loadDevSecrets(devSecretsFile(root), DEV_SECRET_PROPERTIES);
  await startDatabase(ctx, secrets[DATABASE_PASSWORD_PROPERTY]);
  for (const file of distFiles('dev')) ctx.kubectl('apply', '-f', file);
  const ns = ['-n', APP_NAMESPACE];
  ctx.check(
    'dev: the namespace enforces Pod Security restricted',
    ctx.get(
      ['get', 'namespace', APP_NAMESPACE],
      '{.metadata.labels.pod-security\\.kubernetes\\.io/enforce}',
    ) === 'restricted',
  );
  const rolled = await waitRolledOut(ctx, 'dev', 240);
  if (
    !ctx.check(
      'dev: the Deployment rolls out and its pod turns Ready through its probes',
      rolled.ok,
      rolled.detail,
    )
  )
    return;
  startupFigures(ctx, 'dev');

  const key = Buffer.from(
    ctx.get([...ns, 'get', 'secret', 'spring-api-secrets'], '{.data.app\\.api-key}'),
    'base64',
  ).toString('utf8');
  crud(ctx, 'dev', key);

  const [pod] = apiPods(ctx);
  const inPod = (...command: string[]) =>
    ctx.node.kubectl([...ns, 'exec', pod, '-c', 'api', '--', ...command]);
  ctx.check(
    'dev: the process runs as user 10001',
    inPod('id', '-u').stdout === '10001',
    inPod('id', '-u').stdout,
  );
  const write = inPod('touch', '/e2e-probe');
  ctx.check(
    'dev: the root filesystem is read-only',
    write.status !== 0 && /Read-only file system/i.test(write.stderr),
    write.stderr,
  );
  const token = inPod('ls', '/var/run/secrets/kubernetes.io/serviceaccount');
  ctx.check('dev: no service-account token is mounted', token.status !== 0, token.stdout);
  const limit = ctx.get(
    [...ns, 'get', 'pod', pod],
    '{.spec.containers[0].resources.limits.memory}',
  );
  const cgroup = inPod('cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes').stdout;
  ctx.check(
    `dev: the memory limit (${limit}) is the container's cgroup limit`,
    Number(cgroup) === quantityBytes(limit),
    `cgroup says ${cgroup}`,
  );
}

/** A Kubernetes memory quantity (Ki, Mi, Gi or plain bytes) in bytes. */
export function quantityBytes(q: string): number {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(q);
  if (!m) throw new Error(`memory quantity ${q}: expected a number with Ki, Mi or Gi`);
  const unit = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * unit;
}
