import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  credentialsFromFile,
  defaultKubeconfigPath,
  kubeconfigContexts,
  proxyPath,
  resolveKubeconfig,
  viaProxy,
} from '../../infra/kube/kube-api';

// `npm run verify` talks to a real kube-apiserver with these; here the kubeconfig forms.
const KUBECONFIG = `
apiVersion: v1
kind: Config
clusters:
  - name: gcp
    cluster:
      server: https://34.1.2.3:6443/
      certificate-authority-data: ${Buffer.from('CA').toString('base64')}
  - name: mk
    cluster:
      server: https://192.168.49.2:8443
      certificate-authority: ca.crt
users:
  - name: admin
    user:
      client-certificate-data: ${Buffer.from('CERT').toString('base64')}
      client-key-data: ${Buffer.from('KEY').toString('base64')}
  - name: mk
    user:
      client-certificate: profiles/client.crt
      client-key: /abs/client.key
  - name: gke
    user:
      exec: { command: gke-gcloud-auth-plugin }
contexts:
  - { name: gcp, context: { cluster: gcp, user: admin } }
  - { name: minikube, context: { cluster: mk, user: mk } }
  - { name: gke, context: { cluster: gcp, user: gke } }
`;

describe('kubeconfig resolution', () => {
  it('lists the contexts', () => {
    expect(kubeconfigContexts(KUBECONFIG)).toEqual(['gcp', 'minikube', 'gke']);
    expect(kubeconfigContexts('')).toEqual([]);
  });

  it('decodes inline certificates and trims the server URL', () => {
    const c = resolveKubeconfig(KUBECONFIG, 'gcp');
    expect(c.server).toBe('https://34.1.2.3:6443');
    expect([c.ca?.toString(), c.cert?.toString(), c.key?.toString(), c.insecure]).toEqual([
      'CA',
      'CERT',
      'KEY',
      false,
    ]);
  });

  it('reads certificate files relative to the kubeconfig', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
    try {
      writeFileSync(join(dir, 'config'), KUBECONFIG.replace('/abs/client.key', 'client.key'));
      writeFileSync(join(dir, 'ca.crt'), 'FILE-CA');
      writeFileSync(join(dir, 'client.key'), 'FILE-KEY');
      mkdirSync(join(dir, 'profiles'));
      writeFileSync(join(dir, 'profiles', 'client.crt'), 'FILE-CERT');
      const c = credentialsFromFile(join(dir, 'config'), 'minikube');
      expect([c.ca?.toString(), c.cert?.toString(), c.key?.toString()]).toEqual([
        'FILE-CA',
        'FILE-CERT',
        'FILE-KEY',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names a missing context and the ones that exist', () => {
    expect(() => resolveKubeconfig(KUBECONFIG, 'kind')).toThrow(
      'kubeconfig context "kind" not found; the kubeconfig has "gcp", "minikube", "gke"',
    );
  });

  it('refuses exec plugins instead of half-supporting them', () => {
    expect(() => resolveKubeconfig(KUBECONFIG, 'gke')).toThrow(
      'kubeconfig context "gke": exec plugins and auth providers are not supported here; use a client certificate or a token',
    );
  });

  it('follows $KUBECONFIG like kubectl', () => {
    expect(defaultKubeconfigPath({ KUBECONFIG: ':/a/config:/b/config' })).toBe('/a/config');
    expect(defaultKubeconfigPath({ HOME: '/home/me' })).toMatch(/\.kube\/config$/);
  });
});

describe('the API server proxy', () => {
  it('reaches a pod or a service port by path', async () => {
    expect(proxyPath({ namespace: 'vault', kind: 'pods', name: 'vault-0', port: 8200 })).toBe(
      '/api/v1/namespaces/vault/pods/http:vault-0:8200/proxy',
    );
    const seen: string[] = [];
    const send = viaProxy(
      (method, path) => {
        seen.push(`${method} ${path}`);
        return Promise.resolve({ status: 200, body: '{}' });
      },
      { namespace: 'vault', kind: 'services', name: 'vault', port: 8200 },
    );
    await send('GET', '/v1/sys/health');
    expect(seen).toEqual([
      'GET /api/v1/namespaces/vault/services/http:vault:8200/proxy/v1/sys/health',
    ]);
  });
});
