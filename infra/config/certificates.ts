// Stack configuration of the platform's certificates (keys under `k8s-platform:`). On gcp the
// ClusterIssuer apps use (TLS_CLUSTER_ISSUER) is an ACME issuer: it needs the Let's Encrypt
// account's e-mail and which Let's Encrypt server to ask. minikube needs neither: its issuer is
// a CA made inside the cluster, whatever a stack sets here.
import { Checks } from './checks';
import { ClusterTarget } from './environments';

/**
 * The Let's Encrypt servers an issuer may use, by the name the stack config and the
 * platform-issuers chart give them (the chart holds their directory URLs).
 */
export const ACME_SERVERS = ['staging', 'production'] as const;
export type AcmeServer = (typeof ACME_SERVERS)[number];

/**
 * The default of every certificate key that has a fixed one: the one place each lives.
 * Pulumi.yaml documents the same values (tests/config/pulumi-yaml.test.ts holds them together).
 *
 * `production`: its certificates are trusted by browsers and clients, and one Certificate per
 * stack renewed every 60 days stays far below its rate limits. `staging` issues untrusted
 * certificates under much higher limits: use it for a stack that is created and destroyed
 * often, or while the DNS record of a new host is not yet right.
 */
export const CERTIFICATE_DEFAULTS = { acmeServer: 'production' } as const;

/** The issuer behind TLS_CLUSTER_ISSUER on a target. */
export type CertificateConfig =
  | {
      /** minikube: a self-signed CA, made in the cluster, signs every certificate. */
      readonly issuer: 'self-signed-ca';
    }
  | {
      /** gcp: Let's Encrypt, HTTP-01 through the ingress class. */
      readonly issuer: 'acme';
      /** The ACME account's contact address. */
      readonly email: string;
      /** Which Let's Encrypt server. @default CERTIFICATE_DEFAULTS.acmeServer */
      readonly server: AcmeServer;
    };

const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})$/;
/** Domains Let's Encrypt refuses as an account's contact (Boulder's policy). */
const REFUSED_DOMAINS = ['example.com', 'example.net', 'example.org'];
const RESERVED_TLDS = ['test', 'example', 'invalid', 'localhost'];

/** Whether Let's Encrypt would take `email` as an account contact, as far as can be told offline. */
export function acceptableAcmeEmail(email: string): boolean {
  const domain = EMAIL.exec(email)?.[1]?.toLowerCase();
  if (domain === undefined) return false;
  const tld = domain.split('.').pop() ?? '';
  return !REFUSED_DOMAINS.includes(domain) && !RESERVED_TLDS.includes(tld);
}

/**
 * Reads and validates the certificate keys for `target`; throws one ConfigError naming every bad
 * key. On minikube nothing is read.
 */
export function readCertificateConfig(
  target: ClusterTarget,
  get: (key: string) => string | undefined,
): CertificateConfig {
  if (target === 'minikube') return { issuer: 'self-signed-ca' };
  const c = new Checks('k8s-platform');
  const email = get('acmeEmail');
  c.require(
    email !== undefined && acceptableAcmeEmail(email),
    'acmeEmail',
    email,
    'the e-mail address of the Let\'s Encrypt account, such as "platform@your-company.com" (pulumi config set acmeEmail <address>); Let\'s Encrypt refuses example.com, example.net, example.org and the reserved .test, .example, .invalid and .localhost domains',
  );
  const server = get('acmeServer') ?? CERTIFICATE_DEFAULTS.acmeServer;
  c.require(
    (ACME_SERVERS as readonly string[]).includes(server),
    'acmeServer',
    server,
    '"production" (trusted certificates) or "staging" (untrusted test certificates under higher rate limits)',
  );
  c.throwIfAny();
  return { issuer: 'acme', email: email ?? '', server: server as AcmeServer };
}
