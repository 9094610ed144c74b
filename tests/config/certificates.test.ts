import {
  acceptableAcmeEmail,
  CERTIFICATE_DEFAULTS,
  readCertificateConfig,
} from '../../infra/config/certificates';
import { ConfigError } from '../../infra/config/errors';

const EMAIL_RULE =
  'the e-mail address of the Let\'s Encrypt account, such as "platform@your-company.com" (pulumi config set acmeEmail <address>); Let\'s Encrypt refuses example.com, example.net, example.org and the reserved .test, .example, .invalid and .localhost domains';

/** The message the reader throws for `values` on gcp. */
function refusal(values: Readonly<Record<string, string>>): string {
  try {
    readCertificateConfig('gcp', (key) => values[key]);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('accepted');
}

describe('the certificate keys', () => {
  it('give minikube its self-signed CA and read nothing there, not even bad values', () => {
    const read: string[] = [];
    const config = readCertificateConfig('minikube', (key) => {
      read.push(key);
      return 'not-an-address';
    });
    expect(config).toEqual({ issuer: 'self-signed-ca' });
    expect(read).toEqual([]);
  });

  it('give gcp an ACME issuer on the production server by default', () => {
    expect(CERTIFICATE_DEFAULTS.acmeServer).toBe('production');
    expect(readCertificateConfig('gcp', (k) => ({ acmeEmail: 'ops@acme.io' })[k])).toEqual({
      issuer: 'acme',
      email: 'ops@acme.io',
      server: 'production',
    });
    expect(
      readCertificateConfig('gcp', (k) => ({ acmeEmail: 'ops@acme.io', acmeServer: 'staging' })[k]),
    ).toEqual({ issuer: 'acme', email: 'ops@acme.io', server: 'staging' });
  });

  it('require the e-mail on gcp, naming the key and how to set it', () => {
    expect(refusal({})).toBe(
      `k8s-platform.acmeEmail = undefined is invalid: must be ${EMAIL_RULE}`,
    );
  });

  it('refuse an address Let’s Encrypt would refuse, and an unknown server, in one error', () => {
    expect(refusal({ acmeEmail: 'admin@example.com', acmeServer: 'prod' })).toBe(
      [
        `k8s-platform.acmeEmail = "admin@example.com" is invalid: must be ${EMAIL_RULE}`,
        'k8s-platform.acmeServer = "prod" is invalid: must be "production" (trusted certificates) or "staging" (untrusted test certificates under higher rate limits)',
      ].join('\n'),
    );
  });

  it.each([
    ['ops@acme.io', true],
    ['first.last+certs@mail.acme-corp.co.uk', true],
    ['ops@Example.ORG', false],
    ['ops@api.test', false],
    ['ops@localhost', false],
    ['ops@cluster.localhost', false],
    ['ops@acme', false],
    ['ops acme.io', false],
    ['@acme.io', false],
    ['ops@-acme.io', false],
    ['ops@10.0.0.1', false],
  ])('judges %s acceptable: %s', (email, ok) => {
    expect(acceptableAcmeEmail(email)).toBe(ok);
  });
});
