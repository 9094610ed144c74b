// Part `vault`: the Vault path of staging, for real. OpenBao beside the node, configured by the
// platform's own init step and Vault resources (../vault/platform.ts); the real vault-k8s
// injector registered as a mutating webhook as the chart registers it (../vault/injector.ts);
// then dist/staging applied as written. The injected init container logs in with the pod's
// projected token and renders the secret files; the API starts from them, reports their origin
// and answers CRUD with the key from Vault, under Pod Security `restricted`. Self-test: a pod
// asking for a role Vault lacks stays in Init with the refusal readable in its agent's log.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { PLATFORM_ENDPOINTS } from '../../../infra/config/platform';
import { devSecretsFile, loadDevSecrets } from '../../../infra/apps/dev-secrets';
import { DEV_SECRET_PROPERTIES, springApiProfiles } from '../../../infra/apps/environments';
import { renderEnvironment } from '../../../infra/apps/render';
import { DATABASE_PASSWORD_PROPERTY } from '../../../infra/apps/spring-api/database-rules';
import { SECRETS_DIR, vaultAccess } from '../../../infra/apps/spring-api/vault';
import { baoBinary, E2E_IMAGES } from '../cluster-images';
import { E2eContext } from '../context';
import {
  agentLogFailures,
  configSourcesFailures,
  logSpanSeconds,
  podTimings,
  refusedLogin,
  secretFileFailures,
  wrongRolePod,
} from '../vault/checks';
import { INJECTOR, injectorObjects } from '../vault/injector';
import { configureLikeThePlatform, rotateOwnerPassword } from '../vault/platform';
import { startBaoServer } from '../vault/server';
import { APP_NAMESPACE, distFiles, startDatabase } from './app';
import { apiPods, crud, startupOf, waitRolledOut } from './api';

const root = join(__dirname, '..', '..', '..');
const NS = ['-n', APP_NAMESPACE];
const WRONG_ROLE = 'spring-api-e2e-wrong-role';

/** The password PostgreSQL takes: rotated from part app's, or a fresh server when app did not run. */
async function databaseWith(ctx: E2eContext, password: string): Promise<void> {
  const db = PLATFORM_ENDPOINTS.database;
  const running = ctx.node.kubectl(['-n', db.namespace, 'get', 'service', db.service]).status === 0;
  if (!running) return startDatabase(ctx, password);
  const dev = loadDevSecrets(devSecretsFile(root), DEV_SECRET_PROPERTIES);
  rotateOwnerPassword(
    ctx.node,
    { database: db.databaseName, owner: db.owner },
    dev[DATABASE_PASSWORD_PROPERTY],
    password,
  );
}

async function installInjector(ctx: E2eContext): Promise<boolean> {
  ctx.node.apply(injectorObjects());
  const ns = ['-n', INJECTOR.namespace];
  let detail = '';
  let ok = true;
  try {
    await ctx.node.waitFor('the injector available with its CA in the webhook', 120_000, () => {
      const ready = ctx.get(
        [...ns, 'get', 'deployment', INJECTOR.name],
        '{.status.availableReplicas}',
      );
      const ca = ctx.get(
        ['get', 'mutatingwebhookconfiguration', INJECTOR.webhook],
        '{.webhooks[0].clientConfig.caBundle}',
      );
      detail = `available ${ready || 0}, caBundle ${ca.length} characters`;
      return ready === '1' && ca.length > 0;
    });
  } catch {
    ok = false;
    detail = `${detail}; ${ctx.node.kubectl([...ns, 'logs', `deployment/${INJECTOR.name}`, '--tail=20']).stdout}`;
  }
  return ctx.check(
    'vault: vault-k8s runs in namespace vault and wrote its CA into the MutatingWebhookConfiguration (tls-auto)',
    ok,
    detail,
  );
}

export async function checkVault(ctx: E2eContext): Promise<void> {
  const staging = renderEnvironment('staging', springApiProfiles({}).staging);
  const access = vaultAccess(staging.resolved);
  if (!access) {
    ctx.check('vault: the staging profile takes its secrets from Vault', false);
    return;
  }
  const secrets = Object.fromEntries(
    access.secretProperties.map((p) => [p, randomBytes(18).toString('base64url')]),
  );
  await databaseWith(ctx, secrets[DATABASE_PASSWORD_PROPERTY] ?? '');

  const bao = baoBinary(root);
  const server = startBaoServer(ctx.node, bao);
  const configured = Date.now();
  const { init, resources } = await configureLikeThePlatform(
    ctx.node,
    server.send,
    access,
    secrets,
  );
  ctx.check(
    "vault: the platform's init step and Vault resources configure OpenBao (Kubernetes auth against the node's API server)",
    init.includes('root token revoked') &&
      resources.includes(
        `${access.role}: policy, role and ${access.secretProperties.length} secret keys written`,
      ),
    [...init, ...resources].join('; '),
  );
  ctx.figure(
    'vault: OpenBao start to configured',
    `${((Date.now() - configured) / 1000).toFixed(1)} s`,
  );
  if (!(await installInjector(ctx))) return;

  // Staging replaces dev's Deployment and Secret; dev's pod drains while staging's start.
  ctx.kubectl(
    ...NS,
    'delete',
    'deployment',
    'spring-api',
    'secret',
    'spring-api-secrets',
    '--ignore-not-found',
    '--wait=false',
  );
  for (const file of distFiles('staging')) ctx.kubectl('apply', '-f', file);
  const rolled = await waitRolledOut(ctx, 'staging', 240);
  let detail = rolled.detail;
  if (rolled.ok)
    await ctx.node
      .waitFor(
        'two available replicas (the HPA minimum)',
        120_000,
        () =>
          ctx.get([...NS, 'get', 'deployment', 'spring-api'], '{.status.availableReplicas}') ===
          '2',
      )
      .catch((e: unknown) => (detail = String(e)));
  if (
    !ctx.check(
      'staging: the Deployment rolls out to the HPA minimum of 2 Ready pods',
      rolled.ok && detail === '',
      detail,
    )
  )
    return;

  const pods = apiPods(ctx);
  const [pod = ''] = pods;
  const json = JSON.parse(ctx.kubectl(...NS, 'get', 'pod', pod, '-o', 'json')) as {
    metadata: { creationTimestamp: string };
    spec: { initContainers?: { name: string }[]; containers: { name: string }[] };
    status: Parameters<typeof podTimings>[0]['status'];
  };
  const enforce = ctx.get(
    ['get', 'namespace', APP_NAMESPACE],
    '{.metadata.labels.pod-security\\.kubernetes\\.io/enforce}',
  );
  const inits = (json.spec.initContainers ?? []).map((c) => c.name);
  const containers = json.spec.containers.map((c) => c.name);
  ctx.check(
    `staging: the mutated pod carries the injected ${INJECTOR.initContainer} (no agent sidecar: pre-populate-only) and was admitted where Pod Security enforces restricted`,
    inits.includes(INJECTOR.initContainer) &&
      containers.join() === 'api' &&
      enforce === 'restricted',
    `init containers [${inits.join(', ')}], containers [${containers.join(', ')}], enforce=${enforce}`,
  );
  const t = podTimings(json, INJECTOR.initContainer);
  const agentLog = ctx.node.kubectl([...NS, 'logs', pod, '-c', INJECTOR.initContainer]).stdout;
  const logFailures = agentLogFailures(
    agentLog,
    access.secretProperties.map((p) => `${SECRETS_DIR}/${p}`),
  );
  ctx.check(
    `staging: ${INJECTOR.initContainer} exited 0 after logging in with the projected token and rendering every secret file`,
    t.initExit === 0 && logFailures.length === 0,
    `exit ${t.initExit}; ${logFailures.join('; ')}\n${agentLog.slice(-1500)}`,
  );

  const inPod = (...command: string[]) =>
    ctx.node.kubectl([...NS, 'exec', pod, '-c', 'api', '--', ...command]);
  const files = access.secretProperties.map((p) => `${SECRETS_DIR}/${p}`);
  const stat = inPod('stat', '-c', '%a %u %n', ...files);
  const fileFailures = secretFileFailures(stat.stdout, SECRETS_DIR, access.secretProperties, {
    mode: '400',
    uid: 10001,
  });
  const same = access.secretProperties.every(
    (p) => inPod('cat', `${SECRETS_DIR}/${p}`).stdout === secrets[p],
  );
  ctx.check(
    `staging: ${SECRETS_DIR} holds one file per secret property, mode 0400, owned by 10001, with Vault's values`,
    fileFailures.length === 0 && same,
    `${fileFailures.join('; ')}${same ? '' : '; a file differs from the value kept in Vault'} ${stat.stderr}`,
  );

  const ip = ctx.get([...NS, 'get', 'pod', pod], '{.status.podIP}');
  const sources = ctx.call({ url: `http://${ip}:8081/actuator/configsources` });
  const sourceFailures = configSourcesFailures(
    sources.body,
    SECRETS_DIR,
    access.secretProperties,
    Object.values(secrets),
  );
  ctx.check(
    'staging: /actuator/configsources reports the API key and the database password from the secrets folder, no value shown',
    sources.status === 200 && sourceFailures.length === 0,
    `${sources.status} ${sourceFailures.join('; ')}`,
  );
  crud(ctx, 'staging', secrets['app.api-key'] ?? '');

  for (const p of pods) {
    const pj = JSON.parse(ctx.kubectl(...NS, 'get', 'pod', p, '-o', 'json')) as Parameters<
      typeof podTimings
    >[0];
    const pt = podTimings(pj, INJECTOR.initContainer);
    const agent = logSpanSeconds(
      ctx.node.kubectl([...NS, 'logs', p, '-c', INJECTOR.initContainer]).stdout,
    );
    const s = startupOf(ctx, p);
    ctx.figure(
      `staging: pod ${p} created to Ready`,
      `${pt.toReady} s (${INJECTOR.initContainer} ${pt.init} s by its status, ${agent} s by its log; api container start to Ready ${s.toReady} s; JVM to Spring started ${s.spring} s)`,
    );
  }
  await checkWrongRole(ctx);
}

/** Self-test: a role Vault lacks leaves the init container failing with a readable message. */
async function checkWrongRole(ctx: E2eContext): Promise<void> {
  const deployment = JSON.parse(
    ctx.kubectl(...NS, 'get', 'deployment', 'spring-api', '-o', 'json'),
  ) as Record<string, unknown>;
  ctx.node.apply([
    wrongRolePod(deployment, { name: WRONG_ROLE, role: WRONG_ROLE, image: E2E_IMAGES.busybox }),
  ]);
  let refusal: string | undefined;
  let phase = '';
  await ctx.node
    .waitFor('the refusal in the wrong role pod agent log', 90_000, () => {
      const log = ctx.node.kubectl([
        ...NS,
        'logs',
        WRONG_ROLE,
        '-c',
        INJECTOR.initContainer,
      ]).stdout;
      refusal = refusedLogin(log, WRONG_ROLE);
      phase = ctx.get([...NS, 'get', 'pod', WRONG_ROLE], '{.status.phase}');
      return refusal !== undefined;
    })
    .catch(() => undefined);
  const ready = ctx.get(
    [...NS, 'get', 'pod', WRONG_ROLE],
    '{.status.initContainerStatuses[0].ready}',
  );
  ctx.check(
    `self-test: a pod asking for role ${WRONG_ROLE} stays in Init, its ${INJECTOR.initContainer} logging the refusal`,
    refusal !== undefined && phase === 'Pending' && ready !== 'true',
    `phase ${phase}, init ready ${ready}, refusal: ${refusal ?? 'none'}`,
  );
  if (refusal) ctx.log(`e2e: the refusal reads: ${refusal.slice(0, 300)}`);
  ctx.kubectl(...NS, 'delete', 'pod', WRONG_ROLE, '--wait=false');
}
