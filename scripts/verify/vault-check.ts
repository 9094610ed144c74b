// A Vault-compatible server (OpenBao, from PyPI) on 127.0.0.1 whose Kubernetes auth reviews
// tokens with the local kube-apiserver, the configuration under test (the platform's init step,
// then its Vault resources' writes made over the HTTP API with the scoped Pulumi token), and the
// check of what the app's role may do. The flow itself is in ./vault-flow.ts.
import { ChildProcess, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpSendTo } from '../../infra/kube/kube-api';
import { AppVaultAccess } from '../../infra/apps/spring-api/vault';
import { VaultConfiguration } from '../../infra/platform/vault/configure';
import { InitStore } from '../../infra/platform/vault/init';
import { fileInitStore } from '../../infra/platform/vault/init-store';
import { PulumiLogin } from '../../infra/platform/vault/init';
import { PULUMI_LOGIN } from '../../infra/platform/vault/pulumi-policy';
import { freePort, LocalCluster } from './local-cluster';

/**
 * A persistent (not dev-mode) Vault-compatible server: raft storage and the Shamir seal, like
 * the minikube target's standalone Vault, so initialization and unsealing are exercised too.
 * restart() stops it and starts it again on the same storage, sealed.
 */
export class LocalVault {
  private child: ChildProcess | undefined;

  private constructor(
    private readonly cluster: LocalCluster,
    private readonly bao: string,
    private readonly configFile: string,
    readonly address: string,
    private readonly name: string,
  ) {}

  /** A file init store of this server's own, outside any Kubernetes object (as on minikube). */
  initStore(): InitStore {
    return fileInitStore(join(this.cluster.scratch(`${this.name}-home`), 'vault-init.json'));
  }

  static async start(cluster: LocalCluster, bao: string, name = 'bao'): Promise<LocalVault> {
    const port = await freePort();
    const clusterPort = await freePort();
    const dir = cluster.scratch(name);
    const configFile = join(dir, 'config.hcl');
    writeFileSync(
      configFile,
      [
        `storage "raft" {\n  path = "${dir}"\n  node_id = "verify"\n}`,
        `listener "tcp" {\n  address = "127.0.0.1:${port}"\n  cluster_address = "127.0.0.1:${clusterPort}"\n  tls_disable = true\n}`,
        `api_addr = "http://127.0.0.1:${port}"`,
        `cluster_addr = "http://127.0.0.1:${clusterPort}"`,
        '',
      ].join('\n'),
    );
    const vault = new LocalVault(cluster, bao, configFile, `http://127.0.0.1:${port}`, name);
    await vault.launch();
    return vault;
  }

  private async launch(): Promise<void> {
    this.child = this.cluster.launch(
      this.bao,
      ['server', `-config=${this.configFile}`],
      `${this.name}.log`,
    );
    const deadline = Date.now() + 30_000;
    // `status` exits 2 while sealed or uninitialized, 1 while unreachable.
    while (this.run(['status'], '').status === 1) {
      if (Date.now() > deadline)
        throw new Error('the Vault-compatible server was not listening within 30 s');
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async restart(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await this.launch();
  }

  /** The bao CLI with the given token. */
  run(args: readonly string[], token: string, input?: string): { status: number; out: string } {
    const r = spawnSync(this.bao, args, {
      input,
      encoding: 'utf8',
      env: { ...process.env, BAO_ADDR: this.address, BAO_TOKEN: token, VAULT_ADDR: this.address },
    });
    return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}`.trim() };
  }
}

/** kubectl's arguments for a short-lived token of the Pulumi login's service account. */
export function pulumiLoginTokenArgs(): string[] {
  const { namespace, serviceAccount, audience } = PULUMI_LOGIN;
  return [
    '-n',
    namespace,
    'create',
    'token',
    serviceAccount,
    `--audience=${audience}`,
    '--duration=10m',
  ];
}

/** Runs kubectl against the local cluster, tolerating "already exists". */
export function kubectl(cluster: LocalCluster, ...args: string[]): string {
  const r = cluster.kubectl(args);
  if (r.status !== 0 && !r.stderr.includes('already exists'))
    throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** The service accounts the checks log in with, and the configuration under test. */
export function prepare(
  cluster: LocalCluster,
  vault: LocalVault,
  access: AppVaultAccess,
): {
  configuration: Omit<VaultConfiguration, 'token'>;
  initStore: InitStore;
  values: Record<string, string>;
  login: PulumiLogin;
} {
  kubectl(cluster, 'create', 'namespace', access.namespace);
  kubectl(cluster, 'create', 'namespace', 'vault');
  kubectl(cluster, '-n', access.namespace, 'create', 'serviceaccount', access.serviceAccount);
  kubectl(cluster, '-n', access.namespace, 'create', 'serviceaccount', 'someone-else');
  kubectl(cluster, '-n', 'vault', 'create', 'serviceaccount', 'vault');
  kubectl(cluster, '-n', 'vault', 'create', 'serviceaccount', PULUMI_LOGIN.serviceAccount);
  kubectl(cluster, '-n', 'vault', 'create', 'serviceaccount', 'vault-snapshot');
  kubectl(
    cluster,
    'create',
    'clusterrolebinding',
    'vault-token-reviewer',
    '--clusterrole=system:auth-delegator',
    '--serviceaccount=vault:vault',
  );
  const values = Object.fromEntries(
    access.secretProperties.map((key) => [key, randomBytes(12).toString('hex')]),
  );
  const configuration: Omit<VaultConfiguration, 'token'> = {
    vault: httpSendTo(vault.address),
    kubernetes: {
      host: cluster.server,
      caCert: readFileSync(cluster.caCertificate, 'utf8'),
      tokenReviewerJwt: kubectl(cluster, '-n', 'vault', 'create', 'token', 'vault'),
    },
    apps: [{ access, secrets: values }],
  };
  const login: PulumiLogin = {
    kubernetes: configuration.kubernetes,
    serviceAccountJwt: () => Promise.resolve(kubectl(cluster, ...pulumiLoginTokenArgs()).trim()),
  };
  return { configuration, initStore: vault.initStore(), values, login };
}

/**
 * Checks what a login with the app's own projected token may do. Returns the failures; none
 * means the app reads its path and nothing else, and other tokens are refused.
 */
export function checkAccess(
  cluster: LocalCluster,
  vault: LocalVault,
  rootToken: string,
  access: AppVaultAccess,
  values: Readonly<Record<string, string>>,
): string[] {
  const failures: string[] = [];
  const mount = access.kvDataPath.split('/')[0] ?? '';
  const decoyPath = `${access.kvDataPath.split('/').slice(2).join('/')}-decoy`;
  const decoy = vault.run(
    ['kv', 'put', `-mount=${mount}`, decoyPath, 'other=not-yours'],
    rootToken,
  );
  if (decoy.status !== 0) return [`writing a decoy secret: ${decoy.out}`];

  const login = (jwt: string) =>
    vault.run(
      ['write', '-field=token', 'auth/kubernetes/login', `role=${access.role}`, `jwt=${jwt}`],
      '',
    );
  const token = (sa: string, audience?: string) =>
    kubectl(
      cluster,
      '-n',
      access.namespace,
      'create',
      'token',
      sa,
      ...(audience ? [`--audience=${audience}`] : []),
    );
  const own = login(token(access.serviceAccount, access.audience));
  if (own.status !== 0) return [`the app's service account could not log in: ${own.out}`];

  const read = vault.run(['read', '-format=json', access.kvDataPath], own.out);
  if (read.status !== 0) failures.push(`the app cannot read ${access.kvDataPath}: ${read.out}`);
  else {
    const data = (JSON.parse(read.out) as { data: { data: Record<string, string> } }).data.data;
    for (const [key, value] of Object.entries(values)) {
      if (data[key] !== value) failures.push(`${access.kvDataPath} did not return ${key}`);
    }
  }
  const other = vault.run(['read', `${mount}/data/${decoyPath}`], own.out);
  if (other.status === 0 || !other.out.includes('permission denied')) {
    failures.push(
      `the app's role can read another path (${mount}/data/${decoyPath}): its policy is too broad`,
    );
  }
  if (login(token(access.serviceAccount)).status === 0)
    failures.push(`a token without audience "${access.audience}" logged in`);
  if (login(token('someone-else', access.audience)).status === 0)
    failures.push("another service account logged in with the app's role");
  return failures;
}
