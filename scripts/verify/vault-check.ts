import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  AppVaultAccess,
  appPolicyHcl,
  appRoleParameters,
} from '../../infra/platform/vault/app-access';
import { freePort, LocalCluster } from './local-cluster';

/**
 * A Vault-compatible dev server (OpenBao, from PyPI) on 127.0.0.1 whose Kubernetes auth
 * reviews tokens with the local kube-apiserver. Started through the cluster so stop() ends it.
 */
export class LocalVault {
  private constructor(
    private readonly bao: string,
    private readonly address: string,
    private readonly rootToken: string,
  ) {}

  static async start(cluster: LocalCluster, bao: string): Promise<LocalVault> {
    const port = await freePort();
    const root = randomBytes(16).toString('hex');
    cluster.launch(
      bao,
      ['server', '-dev', `-dev-root-token-id=${root}`, `-dev-listen-address=127.0.0.1:${port}`],
      'bao.log',
    );
    const vault = new LocalVault(bao, `http://127.0.0.1:${port}`, root);
    const deadline = Date.now() + 30_000;
    while (vault.run(['status']).status !== 0) {
      if (Date.now() > deadline)
        throw new Error('the Vault-compatible server was not ready within 30 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    return vault;
  }

  /** The bao CLI, as root unless another token is given. */
  run(
    args: readonly string[],
    token = this.rootToken,
    input?: string,
  ): { status: number; out: string } {
    const r = spawnSync(this.bao, args, {
      input,
      encoding: 'utf8',
      env: { ...process.env, BAO_ADDR: this.address, BAO_TOKEN: token, VAULT_ADDR: this.address },
    });
    return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}`.trim() };
  }

  must(args: readonly string[], input?: string): string {
    const r = this.run(args, undefined, input);
    if (r.status !== 0) throw new Error(`bao ${args.join(' ')}: ${r.out}`);
    return r.out;
  }
}

function kvParts(dataPath: string): { mount: string; path: string } {
  const [mount, ...rest] = dataPath.split('/');
  return { mount: mount ?? '', path: rest.slice(1).join('/') };
}

/**
 * Configures Kubernetes auth, the app's secrets and a decoy, the given policy and the app's
 * role, then checks what a login with the app's own projected token may do. Returns the
 * failures; none means the app reads its path and nothing else.
 */
export function checkAppAccess(
  cluster: LocalCluster,
  vault: LocalVault,
  access: AppVaultAccess,
  secretKeys: readonly string[],
  policy = appPolicyHcl(access),
): string[] {
  const failures: string[] = [];
  const k = (...args: string[]): string => {
    const r = cluster.kubectl(args);
    if (r.status !== 0 && !r.stderr.includes('already exists'))
      throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  k('create', 'namespace', access.namespace);
  k('-n', access.namespace, 'create', 'serviceaccount', access.serviceAccount);
  k('-n', access.namespace, 'create', 'serviceaccount', 'someone-else');
  k('-n', 'default', 'create', 'serviceaccount', 'vault-token-reviewer');
  k(
    'create',
    'clusterrolebinding',
    'vault-token-reviewer',
    '--clusterrole=system:auth-delegator',
    '--serviceaccount=default:vault-token-reviewer',
  );

  if (!vault.run(['auth', 'list']).out.includes('kubernetes/'))
    vault.must(['auth', 'enable', 'kubernetes']);
  vault.must([
    'write',
    'auth/kubernetes/config',
    `kubernetes_host=${cluster.server}`,
    `kubernetes_ca_cert=@${cluster.caCertificate}`,
    `token_reviewer_jwt=${k('-n', 'default', 'create', 'token', 'vault-token-reviewer')}`,
  ]);
  const { mount, path } = kvParts(access.kvDataPath);
  const values = Object.fromEntries(
    secretKeys.map((key) => [key, randomBytes(12).toString('hex')]),
  );
  vault.must([
    'kv',
    'put',
    `-mount=${mount}`,
    path,
    ...Object.entries(values).map(([key, v]) => `${key}=${v}`),
  ]);
  vault.must(['kv', 'put', `-mount=${mount}`, `${path}-decoy`, 'other=not-yours']);
  vault.must(['policy', 'write', access.role, '-'], policy);
  vault.must([
    'write',
    `auth/kubernetes/role/${access.role}`,
    ...Object.entries(appRoleParameters(access)).map(([p, v]) => `${p}=${v}`),
  ]);

  const login = (jwt: string): { status: number; out: string } =>
    vault.run([
      'write',
      '-field=token',
      'auth/kubernetes/login',
      `role=${access.role}`,
      `jwt=${jwt}`,
    ]);
  const own = login(
    k(
      '-n',
      access.namespace,
      'create',
      'token',
      access.serviceAccount,
      `--audience=${access.audience}`,
    ),
  );
  if (own.status !== 0) return [`the app's service account could not log in: ${own.out}`];

  const read = vault.run(['read', '-format=json', access.kvDataPath], own.out);
  if (read.status !== 0) failures.push(`the app cannot read ${access.kvDataPath}: ${read.out}`);
  else {
    const data = (JSON.parse(read.out) as { data: { data: Record<string, string> } }).data.data;
    for (const key of secretKeys) {
      if (data[key] !== values[key]) failures.push(`${access.kvDataPath} did not return ${key}`);
    }
  }
  const decoy = `${mount}/data/${path}-decoy`;
  const other = vault.run(['read', decoy], own.out);
  if (other.status === 0 || !other.out.includes('permission denied')) {
    failures.push(`the app's role can read another path (${decoy}): its policy is too broad`);
  }
  const noAudience = login(k('-n', access.namespace, 'create', 'token', access.serviceAccount));
  if (noAudience.status === 0)
    failures.push(`a token without audience "${access.audience}" logged in`);
  const stranger = login(
    k('-n', access.namespace, 'create', 'token', 'someone-else', `--audience=${access.audience}`),
  );
  if (stranger.status === 0) failures.push("another service account logged in with the app's role");
  return failures;
}
