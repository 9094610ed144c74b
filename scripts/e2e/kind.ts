// The repository-derived steps of the kind job, called by scripts/e2e/kind-e2e.sh with helm and
// kubectl on PATH and $KUBECONFIG set:
//
//   kind.ts install --context <ctx> --subnets "<cidr> ..."   the platform, as Flux installs it
//   kind.ts app --context <ctx>                              dist/dev applied, rolled out
//   kind.ts image                                            the API image dist/dev runs
//   kind.ts namespaces                                       the namespaces to dump on failure
//   kind.ts kubernetes-version                               the cluster's pinned version
//
// install: the namespaces of gitops/flux/platform/namespaces.yaml, the Secrets Pulumi would
// create (Grafana's admin password generated here; the database owner's password, the API's, from
// .secrets/dev.json, which `npm run synth -- dev` wrote), then every HelmRelease of releases.yaml
// in order (./plan.ts) with MetalLB's pool computed from the kind network, and the database Ready.
// No secret value is ever an argument or printed: the Secrets go to kubectl on stdin.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DATABASE_PASSWORD_PROPERTY } from '../../infra/apps/spring-api/database-rules';
import { SPRING_API_DEFAULTS } from '../../infra/apps/spring-api/resolve';
import { devSecretsFile, loadDevSecrets } from '../../infra/apps/dev-secrets';
import { DEV_SECRET_PROPERTIES } from '../../infra/apps/environments';
import { PLATFORM_ENDPOINTS } from '../../infra/config/platform';
import { KUBERNETES_VERSION } from '../../infra/config/nodes';
import { wrapperChart } from '../../infra/platform/charts';
import { PLATFORM_NAMESPACES } from '../../infra/platform/namespaces';
import { metallbPools } from '../../infra/platform/platform';
import {
  deploymentImage,
  fluxReleases,
  helmSteps,
  metallbPoolFromSubnets,
  platformSecrets,
  withValues,
} from './plan';

const root = resolve(__dirname, '..', '..');
const FLUX = join(root, 'gitops', 'flux', 'platform');
const DEV = join(root, 'dist', 'dev');

/** Runs a command from the repository root; stdin is `input` when given. Throws on failure. */
export type Run = (command: string, args: readonly string[], input?: string) => void;

export const run: Run = (command, args, input) => {
  const r = spawnSync(command, args, {
    cwd: root,
    input,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'inherit', 'inherit'],
  });
  if (r.error) throw new Error(`${command}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${r.status}`);
};

/** The releases of the Flux example with this cluster's MetalLB pool, as Pulumi computes it. */
export function kindReleases(subnets: readonly string[]) {
  const pool = metallbPoolFromSubnets(subnets);
  const releases = fluxReleases(readFileSync(join(FLUX, 'releases.yaml'), 'utf8'));
  const pools = metallbPools({ kind: 'minikube', metallbPool: pool });
  return withValues(releases, { 'metallb-pools': { pools } });
}

export function install(
  context: string,
  subnets: readonly string[],
  { exec = run, devSecrets = devSecretsFile(root) }: { exec?: Run; devSecrets?: string } = {},
): void {
  const releases = kindReleases(subnets);
  exec('kubectl', ['--context', context, 'apply', '-f', join(FLUX, 'namespaces.yaml')]);

  const dev = loadDevSecrets(devSecrets, DEV_SECRET_PROPERTIES);
  const secrets = platformSecrets({
    grafanaAdminPassword: randomBytes(16).toString('hex'),
    databasePassword: dev[DATABASE_PASSWORD_PROPERTY] ?? '',
  });
  const list = { apiVersion: 'v1', kind: 'List', items: secrets };
  exec('kubectl', ['--context', context, 'apply', '-f', '-'], JSON.stringify(list));

  const valuesDir = mkdtempSync(join(tmpdir(), 'kind-values-'));
  try {
    const steps = helmSteps(releases, {
      context,
      valuesDir,
      hasDependencies: (name) => wrapperChart(name).dependencies.length > 0,
    });
    for (const step of steps) {
      if (step.valuesFile) writeFileSync(step.valuesFile.path, step.valuesFile.content);
      console.error(`kind: ${step.release}: helm ${step.args.slice(0, 2).join(' ')}`);
      exec('helm', step.args);
    }
  } finally {
    rmSync(valuesDir, { recursive: true, force: true });
  }

  // Helm does not wait for custom resources: the API needs its database before it starts.
  const db = PLATFORM_ENDPOINTS.database;
  exec('kubectl', [
    '--context', context, '--namespace', db.namespace, 'wait',
    `clusters.postgresql.cnpg.io/${db.podLabels['cnpg.io/cluster'] ?? ''}`,
    '--for=condition=Ready', '--timeout=15m',
  ]); // prettier-ignore
}

/** dist/dev as a GitOps controller applies it, then the API rolled out and its certificate issued. */
export function app(context: string, exec: Run = run, dir = DEV): void {
  const { namespace, name } = SPRING_API_DEFAULTS;
  exec('kubectl', ['--context', context, 'apply', '-f', dir]);
  exec('kubectl', [
    '--context', context, '--namespace', namespace, 'rollout', 'status',
    `deployment/${name}`, '--timeout=10m',
  ]); // prettier-ignore
  exec('kubectl', [
    '--context', context, '--namespace', namespace, 'wait', 'certificates.cert-manager.io',
    '--all', '--for=condition=Ready', '--timeout=5m',
  ]); // prettier-ignore
}

/** The API image dist/dev runs: the name and tag the job builds and loads into kind. */
export function image(dir = DEV): string {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  return deploymentImage(files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n---\n'));
}

/** Every namespace the platform and the API create, then kind's own. */
export function namespaces(): string[] {
  return [
    ...Object.keys(PLATFORM_NAMESPACES),
    SPRING_API_DEFAULTS.namespace,
    'kube-system',
    'local-path-storage',
  ];
}

function main(argv: readonly string[]): void {
  const [mode, ...rest] = argv;
  const flag = (name: string): string => {
    const i = rest.indexOf(`--${name}`);
    const value = i >= 0 ? rest[i + 1] : undefined;
    if (!value) throw new Error(`${mode ?? ''}: --${name} is required`);
    return value;
  };
  if (mode === 'install') install(flag('context'), flag('subnets').split(/\s+/).filter(Boolean));
  else if (mode === 'app') app(flag('context'));
  else if (mode === 'image') console.log(image());
  else if (mode === 'namespaces') console.log(namespaces().join('\n'));
  else if (mode === 'kubernetes-version') console.log(KUBERNETES_VERSION);
  else
    throw new Error(
      `usage: kind.ts install|app --context <ctx> [--subnets "<cidr> ..."] | image | namespaces | kubernetes-version (got "${mode ?? ''}")`,
    );
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(`kind: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
