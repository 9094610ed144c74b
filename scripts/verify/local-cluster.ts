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

/** The local etcd member as it will run: what a snapshot restore into its data dir must name. */
export interface EtcdMember {
  readonly name: string;
  /** Absent until etcd starts (or seedEtcd fills it). */
  readonly dataDir: string;
  readonly peerUrl: string;
  readonly clientUrl: string;
}

/** How LocalCluster.start sets up etcd and the API server. */
export interface LocalClusterOptions {
  /** The etcd binary. @default 'etcd' (Debian's etcd-server) */
  readonly etcdBinary?: string;
  /** An EncryptionConfiguration (YAML) for --encryption-provider-config. @default none */
  readonly encryptionConfig?: string;
  /** Runs before etcd starts and fills its data dir (a snapshot restore). @default etcd starts empty */
  readonly seedEtcd?: (member: EtcdMember) => void;
  /**
   * The endpoint start() waits for: `/livez` serves a server that can never be ready (one whose
   * encryption key cannot read what etcd holds). @default '/readyz'
   */
  readonly waitFor?: '/readyz' | '/livez';
  /** A group whose stop() also stops this cluster, already while it boots (SIGINT). @default none */
  readonly owner?: ProcessGroup;
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

  private member: EtcdMember | undefined;

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

  /** The etcd member under the API server (for etcdctl). */
  get etcd(): EtcdMember {
    if (!this.member) throw new Error('etcd has not been started');
    return this.member;
  }

  static async start(
    apiserverBinary: string,
    options: LocalClusterOptions = {},
  ): Promise<LocalCluster> {
    const [client, peer, secure] = [await freePort(), await freePort(), await freePort()];
    const cluster = new LocalCluster(apiserverBinary);
    options.owner?.adopt(cluster);
    try {
      await cluster.boot(options, client, peer, secure);
    } catch (error) {
      cluster.stop();
      throw error;
    }
    return cluster;
  }

  private async boot(
    options: LocalClusterOptions,
    client: number,
    peer: number,
    secure: number,
  ): Promise<void> {
    const d = this.dir;
    this.port = secure;
    const etcd = options.etcdBinary ?? 'etcd';
    const member: EtcdMember = {
      name: 'verify',
      dataDir: join(d, 'etcd'),
      peerUrl: `http://127.0.0.1:${peer}`,
      clientUrl: `http://127.0.0.1:${client}`,
    };
    this.member = member;
    options.seedEtcd?.(member);
    const etcdHelp = spawnSync(etcd, ['--help'], { encoding: 'utf8' });
    const noFsync = `${etcdHelp.stdout}${etcdHelp.stderr}`.includes('--unsafe-no-fsync');
    this.launch(
      etcd,
      [
        `--name=${member.name}`,
        `--data-dir=${member.dataDir}`,
        `--listen-client-urls=${member.clientUrl}`,
        `--advertise-client-urls=${member.clientUrl}`,
        `--listen-peer-urls=${member.peerUrl}`,
        `--initial-advertise-peer-urls=${member.peerUrl}`,
        `--initial-cluster=${member.name}=${member.peerUrl}`,
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
    const encryption = join(d, 'encryption.yaml');
    if (options.encryptionConfig !== undefined)
      writeFileSync(encryption, options.encryptionConfig, { mode: 0o600 });
    this.launch(
      this.apiserver,
      [
        `--etcd-servers=${member.clientUrl}`,
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
        ...(options.encryptionConfig === undefined
          ? []
          : [`--encryption-provider-config=${encryption}`]),
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

    const waitFor = options.waitFor ?? '/readyz';
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      this.assertRunning();
      if (this.kubectl(['get', '--raw', waitFor]).stdout === 'ok') return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`kube-apiserver: ${waitFor} not ok within 90 s`);
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
