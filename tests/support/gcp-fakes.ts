import * as pulumi from '@pulumi/pulumi';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Outputs the tls, random and gcp providers would compute, for the gcp cluster under mocks.
 * The CA is a real certificate made with openssl, so the join hash is computed for real.
 */
export function gcpFakes(): {
  caPem: string;
  fake: (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown> | undefined;
  cleanup: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'gcp-fakes-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'ca.key'),
    '-subj', '/CN=kubernetes', '-days', '1', '-out', join(dir, 'ca.crt'),
  ], { stdio: 'ignore' }); // prettier-ignore
  const CA_PEM = readFileSync(join(dir, 'ca.crt'), 'utf8');
  const fake = (args: pulumi.runtime.MockResourceArgs): Record<string, unknown> | undefined => {
    switch (args.type) {
      case 'tls:index/selfSignedCert:SelfSignedCert':
      case 'tls:index/locallySignedCert:LocallySignedCert':
        return { ...args.inputs, certPem: CA_PEM };
      case 'tls:index/privateKey:PrivateKey':
        return { ...args.inputs, privateKeyPem: `PRIVATE-${args.name}` };
      case 'tls:index/certRequest:CertRequest':
        return { ...args.inputs, certRequestPem: 'CSR' };
      case 'random:index/randomString:RandomString':
        return {
          ...args.inputs,
          result: args.name.endsWith('-id') ? 'abcdef' : '0123456789abcdef',
        };
      case 'random:index/randomBytes:RandomBytes':
        return { ...args.inputs, base64: 'a2V5' };
      case 'gcp:compute/address:Address':
        return {
          ...args.inputs,
          address:
            args.inputs.addressType === 'INTERNAL' ? '10.10.0.2' : `34.1.2.${args.name.length}`,
        };
      case 'gcp:serviceaccount/account:Account':
        return {
          ...args.inputs,
          email: `${String(args.inputs.accountId)}@acme-platform-1.iam.gserviceaccount.com`,
        };
      case 'gcp:projects/iAMCustomRole:IAMCustomRole':
        return {
          ...args.inputs,
          name: `projects/acme-platform-1/roles/${String(args.inputs.roleId)}`,
        };
      case 'gcp:storage/bucket:Bucket':
        // Pulumi's auto-naming: the resource name and a random suffix.
        return { ...args.inputs, name: `${args.name}-0a1b2c3` };
      case 'gcp:compute/disk:Disk':
        return { ...args.inputs, selfLink: `zones/europe-west1-b/disks/${args.name}` };
      case 'gcp:compute/instance:Instance':
        return {
          ...args.inputs,
          selfLink: `zones/europe-west1-b/instances/${args.name}`,
          instanceId: `instance-id-of-${args.name}`,
        };
      default:
        return undefined;
    }
  };
  return { caPem: CA_PEM, fake, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
