import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { adminKubeconfig, discoveryHash } from '../../../infra/cluster/gcp/pki';

// The join hash is checked against openssl, computing it the way kubeadm's documentation does,
// for an RSA and an ECDSA CA made here.
describe('the discovery hash', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pki-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function ca(name: string, keyArgs: string[]): string {
    const key = join(dir, `${name}.key`);
    const crt = join(dir, `${name}.crt`);
    execFileSync('openssl', ['genpkey', ...keyArgs, '-out', key]);
    execFileSync('openssl', [
      'req',
      '-x509',
      '-new',
      '-key',
      key,
      '-subj',
      '/CN=kubernetes',
      '-days',
      '1',
      '-out',
      crt,
    ]);
    return crt;
  }

  function opensslHash(crt: string): string {
    const pub = execFileSync('openssl', ['x509', '-pubkey', '-noout', '-in', crt]);
    const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: pub });
    const digest = execFileSync('openssl', ['dgst', '-sha256', '-hex'], { input: der }).toString();
    return `sha256:${digest.trim().split(/\s+/).pop() ?? ''}`;
  }

  it.each([
    ['rsa', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']],
    ['ecdsa', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']],
  ])('equals openssl x509 -pubkey | pkey -outform der | sha256 for a %s CA', (name, args) => {
    const crt = ca(name, args);
    const hash = discoveryHash(readFileSync(crt, 'utf8'));
    expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(hash).toBe(opensslHash(crt));
    // Not the hash of the PEM text, nor of the whole certificate.
    const pemHash = execFileSync('openssl', ['dgst', '-sha256', '-hex', crt]).toString();
    expect(pemHash).not.toContain(hash.slice('sha256:'.length));
  });
});

describe('the admin kubeconfig', () => {
  it('points at the public endpoint with the CA and the client certificate inline', () => {
    const text = adminKubeconfig('k8s-platform', 'https://34.1.2.10:6443', 'CA', 'CERT', 'KEY');
    const k = parse(text) as Record<string, any>;
    expect(k['current-context']).toBe('k8s-platform');
    expect(k.clusters[0].cluster).toEqual({
      server: 'https://34.1.2.10:6443',
      'certificate-authority-data': Buffer.from('CA').toString('base64'),
    });
    expect(k.users[0].user).toEqual({
      'client-certificate-data': Buffer.from('CERT').toString('base64'),
      'client-key-data': Buffer.from('KEY').toString('base64'),
    });
  });
});
