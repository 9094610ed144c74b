// The cluster's trust material, made by Pulumi before any VM exists: the CA (kubeadm uses it
// instead of generating one), the workers' bootstrap token, the key that encrypts Secrets at
// rest, and an admin client certificate. Because the CA is known in advance, so is the hash
// workers pin when they join, and the admin kubeconfig needs no SSH to fetch. Every private
// value is a Pulumi secret.
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import * as tls from '@pulumi/tls';
import { createHash, X509Certificate } from 'node:crypto';

/**
 * kubeadm's discovery hash: `sha256:` and the hex SHA-256 of the CA certificate's DER-encoded
 * SubjectPublicKeyInfo (not of the PEM text, not of the whole certificate).
 */
export function discoveryHash(caCertPem: string): string {
  const spki = new X509Certificate(caCertPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

/** A kubeconfig for one cluster and one client certificate. */
export function adminKubeconfig(
  cluster: string,
  server: string,
  caCertPem: string,
  certPem: string,
  keyPem: string,
): string {
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  const user = `${cluster}-admin`;
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `  - name: ${cluster}`,
    '    cluster:',
    `      server: ${server}`,
    `      certificate-authority-data: ${b64(caCertPem)}`,
    'users:',
    `  - name: ${user}`,
    '    user:',
    `      client-certificate-data: ${b64(certPem)}`,
    `      client-key-data: ${b64(keyPem)}`,
    'contexts:',
    `  - name: ${cluster}`,
    '    context:',
    `      cluster: ${cluster}`,
    `      user: ${user}`,
    `current-context: ${cluster}`,
    '',
  ].join('\n');
}

const TEN_YEARS = 24 * 365 * 10;

export class ClusterPki extends pulumi.ComponentResource {
  readonly caCertPem: pulumi.Output<string>;
  /** Secret. */
  readonly caKeyPem: pulumi.Output<string>;
  readonly caCertHash: pulumi.Output<string>;
  /** `[a-z0-9]{6}.[a-z0-9]{16}`, secret. */
  readonly bootstrapToken: pulumi.Output<string>;
  /** 32 random bytes, base64 (secretbox), secret. */
  readonly encryptionKey: pulumi.Output<string>;
  /** Client certificate in group kubeadm:cluster-admins (not system:masters), and its key (secret). */
  readonly adminCertPem: pulumi.Output<string>;
  readonly adminKeyPem: pulumi.Output<string>;

  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super('k8s-platform:cluster:ClusterPki', name, {}, opts);
    const o = { parent: this };
    const caKey = new tls.PrivateKey(`${name}-ca`, { algorithm: 'RSA', rsaBits: 2048 }, o);
    const ca = new tls.SelfSignedCert(
      `${name}-ca`,
      {
        privateKeyPem: caKey.privateKeyPem,
        subject: { commonName: 'kubernetes' },
        isCaCertificate: true,
        setSubjectKeyId: true,
        validityPeriodHours: TEN_YEARS,
        allowedUses: ['cert_signing', 'crl_signing', 'digital_signature', 'key_encipherment'],
      },
      o,
    );
    const part = (id: string, length: number) =>
      new random.RandomString(
        `${name}-token-${id}`,
        { length, upper: false, special: false, lower: true, numeric: true },
        // RandomString keeps its result in plain state unless told: the token is a credential.
        { ...o, additionalSecretOutputs: ['result'] },
      ).result;
    const token = pulumi.secret(pulumi.interpolate`${part('id', 6)}.${part('secret', 16)}`);
    const encryption = new random.RandomBytes(`${name}-encryption`, { length: 32 }, o);

    const adminKey = new tls.PrivateKey(`${name}-admin`, { algorithm: 'RSA', rsaBits: 2048 }, o);
    const csr = new tls.CertRequest(
      `${name}-admin`,
      {
        privateKeyPem: adminKey.privateKeyPem,
        subject: { commonName: 'kubernetes-admin', organization: 'kubeadm:cluster-admins' },
      },
      o,
    );
    const admin = new tls.LocallySignedCert(
      `${name}-admin`,
      {
        certRequestPem: csr.certRequestPem,
        caPrivateKeyPem: caKey.privateKeyPem,
        caCertPem: ca.certPem,
        validityPeriodHours: 24 * 365,
        earlyRenewalHours: 24 * 30,
        allowedUses: ['digital_signature', 'key_encipherment', 'client_auth'],
      },
      o,
    );

    this.caCertPem = ca.certPem;
    this.caKeyPem = pulumi.secret(caKey.privateKeyPem);
    this.caCertHash = ca.certPem.apply(discoveryHash);
    this.bootstrapToken = token;
    this.encryptionKey = pulumi.secret(encryption.base64);
    this.adminCertPem = admin.certPem;
    this.adminKeyPem = pulumi.secret(adminKey.privateKeyPem);
    this.registerOutputs({});
  }
}
