import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, ProcessGroup } from './processes';

export { freePort } from './processes';

/** Result of one kubectl call. */
export interface Kubectl {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * etcd and a real kube-apiserver on 127.0.0.1, in a throwaway folder. No controllers and no
 * kubelet: enough for admission (Pod Security) and server-side validation. Always stopped by
 * stop(), which callers run on exit and on SIGINT/SIGTERM; other helpers launched on it (the
 * jar, OpenBao) stop with it.
 */
export class LocalCluster extends ProcessGroup {
  private readonly kubeconfig = join(this.dir, 'kubeconfig');

  private port = 0;

  private constructor(private readonly apiserver: string) {
    super();
  }

  /** The API server's URL on loopback. */
  get server(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** The kubeconfig (context `verify`, admin token) kubectl uses here. */
  get kubeconfigPath(): string {
    return this.kubeconfig;
  }

  /** The API server's self-signed serving certificate, which is its own CA. */
  get caCertificate(): string {
    return join(this.dir, 'certs', 'apiserver.crt');
  }

  static async start(apiserverBinary: string, etcdBinary = 'etcd'): Promise<LocalCluster> {
    const [client, peer, secure] = [await freePort(), await freePort(), await freePort()];
    const cluster = new LocalCluster(apiserverBinary);
    try {
      await cluster.boot(etcdBinary, client, peer, secure);
    } catch (error) {
      cluster.stop();
      throw error;
    }
    return cluster;
  }

  private async boot(etcd: string, client: number, peer: number, secure: number): Promise<void> {
    const d = this.dir;
    this.port = secure;
    const etcdHelp = spawnSync(etcd, ['--help'], { encoding: 'utf8' });
    const noFsync = `${etcdHelp.stdout}${etcdHelp.stderr}`.includes('--unsafe-no-fsync');
    this.launch(
      etcd,
      [
        '--name=verify',
        `--data-dir=${join(d, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${client}`,
        `--advertise-client-urls=http://127.0.0.1:${client}`,
        `--listen-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-cluster=verify=http://127.0.0.1:${peer}`,
        ...(noFsync ? ['--unsafe-no-fsync'] : []),
      ],
      'etcd.log',
    );

    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(d, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), {
      mode: 0o600,
    });
    writeFileSync(join(d, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    const token = randomBytes(24).toString('hex');
    writeFileSync(join(d, 'tokens.csv'), `${token},verify-admin,verify-admin,system:masters\n`, {
      mode: 0o600,
    });
    this.launch(
      this.apiserver,
      [
        `--etcd-servers=http://127.0.0.1:${client}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${secure}`,
        `--cert-dir=${join(d, 'certs')}`,
        '--service-account-issuer=https://kubernetes.default.svc',
        `--service-account-key-file=${join(d, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(d, 'sa.key')}`,
        `--token-auth-file=${join(d, 'tokens.csv')}`,
        '--authorization-mode=RBAC',
        '--disable-admission-plugins=ServiceAccount',
        '--service-cluster-ip-range=10.0.0.0/24',
      ],
      'kube-apiserver.log',
    );

    writeFileSync(
      this.kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: verify, cluster: {server: "https://127.0.0.1:' +
          secure +
          '", insecure-skip-tls-verify: true}}]',
        `users: [{name: verify, user: {token: "${token}"}}]`,
        'contexts: [{name: verify, context: {cluster: verify, user: verify}}]',
        'current-context: verify',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );

    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      this.assertRunning();
      if (this.kubectl(['get', '--raw', '/readyz']).stdout === 'ok') return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error('kube-apiserver was not ready within 90 s');
  }

  /** kubectl against this server, optionally with objects as JSON on stdin. */
  kubectl(args: readonly string[], input?: unknown): Kubectl {
    const run = spawnSync('kubectl', ['--kubeconfig', this.kubeconfig, ...args], {
      input: input === undefined ? undefined : JSON.stringify(input),
      encoding: 'utf8',
    });
    return { status: run.status ?? -1, stdout: run.stdout.trim(), stderr: run.stderr.trim() };
  }
}
