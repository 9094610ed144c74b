import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ConfigError } from '../../infra/config/errors';
import { readCertificateConfig } from '../../infra/config/certificates';
import { readGcpConfig } from '../../infra/config/gcp';
import { readStackConfig } from '../../infra/config/stack';

function read(values: Record<string, string>): ReturnType<typeof readStackConfig> {
  return readStackConfig((key) => values[key]);
}

describe('stack configuration', () => {
  it('defaults the target from the environment and the context to minikube', () => {
    expect(read({ environment: 'dev' })).toEqual({
      environment: 'dev',
      target: 'minikube',
      kubeContext: 'minikube',
      minikubeNetwork: '192.168.49.0/24',
      metallbPool: '192.168.49.200-192.168.49.250',
      deployApp: false,
    });
    expect(read({ environment: 'prod' }).target).toBe('gcp');
  });
  it('takes explicit values', () => {
    expect(
      read({
        environment: 'staging',
        target: 'minikube',
        kubeContext: 'kind-test',
        minikubeNetwork: '172.18.0.0/16',
        metallbPool: '172.18.255.0/28',
        deployApp: 'true',
      }),
    ).toEqual({
      environment: 'staging',
      target: 'minikube',
      kubeContext: 'kind-test',
      minikubeNetwork: '172.18.0.0/16',
      metallbPool: '172.18.255.0/28',
      deployApp: true,
    });
  });
  it('requires the environment', () => {
    expect(() => read({})).toThrow(
      'k8s-platform.environment = undefined is invalid: must be one of "dev", "staging", "prod" (pulumi config set environment <name>)',
    );
  });
  it('refuses an unknown target', () => {
    expect(() => read({ environment: 'dev', target: 'aws' })).toThrow(
      new ConfigError([
        { key: 'k8s-platform.target', value: 'aws', allowed: 'one of "minikube", "gcp"' },
      ]),
    );
  });
  it('refuses a context name with spaces', () => {
    expect(() => read({ environment: 'dev', kubeContext: 'my context' })).toThrow(
      'k8s-platform.kubeContext = "my context" is invalid: must be a kubeconfig context name',
    );
  });
  it('refuses a MetalLB pool outside the minikube network', () => {
    expect(() => read({ environment: 'dev', metallbPool: '10.0.0.10-10.0.0.20' })).toThrow(
      new ConfigError([
        {
          key: 'k8s-platform.metallbPool',
          value: '10.0.0.10-10.0.0.20',
          allowed:
            'a range inside minikubeNetwork 192.168.49.0/24, excluding its first and last address',
        },
      ]),
    );
  });
  it('refuses a pool that takes the network broadcast address', () => {
    expect(() =>
      read({ environment: 'dev', metallbPool: '192.168.49.200-192.168.49.255' }),
    ).toThrow(
      'k8s-platform.metallbPool = "192.168.49.200-192.168.49.255" is invalid: must be a range inside minikubeNetwork 192.168.49.0/24, excluding its first and last address',
    );
  });
  it('refuses a malformed pool and a reversed range', () => {
    for (const metallbPool of [
      '192.168.49.250-192.168.49.200',
      '192.168.49.300-192.168.49.301',
      'all',
    ]) {
      expect(() => read({ environment: 'dev', metallbPool })).toThrow(
        `k8s-platform.metallbPool = "${metallbPool}" is invalid: must be an IPv4 range "first-last" such as "192.168.49.200-192.168.49.250", or a CIDR`,
      );
    }
  });
  it('refuses a malformed minikube network and a non-boolean deployApp', () => {
    expect(() =>
      read({ environment: 'dev', minikubeNetwork: '192.168.49.1/24', deployApp: 'yes' }),
    ).toThrow(
      new ConfigError([
        {
          key: 'k8s-platform.minikubeNetwork',
          value: '192.168.49.1/24',
          allowed: 'an IPv4 CIDR such as "10.20.0.0/24" with no host bits set',
        },
        { key: 'k8s-platform.deployApp', value: 'yes', allowed: '"true" or "false"' },
      ]),
    );
  });
});

describe('Pulumi.yaml', () => {
  it('describes every key the program reads, and marks the secret ones', () => {
    const project = parse(readFileSync(join(__dirname, '..', '..', 'Pulumi.yaml'), 'utf8')) as {
      config: Record<string, { secret?: boolean; description?: string }>;
    };
    const read = new Set<string>();
    readStackConfig((key) => {
      read.add(key);
      return key === 'environment' ? 'dev' : undefined;
    });
    readGcpConfig((key) => {
      read.add(key);
      return { gcpProject: 'acme-platform-1', adminCidrs: '10.0.0.0/8' }[key];
    });
    readCertificateConfig('gcp', (key) => {
      read.add(key);
      return { acmeEmail: 'platform@acme-platform.dev' }[key];
    });
    const described = Object.keys(project.config).map((k) => k.replace('k8s-platform:', ''));
    expect(described.sort()).toEqual([...read, 'apiKey', 'databasePassword'].sort());
    expect(
      Object.entries(project.config)
        .filter(([, v]) => v.secret === true)
        .map(([k]) => k),
    ).toEqual(['k8s-platform:apiKey', 'k8s-platform:databasePassword']);
    for (const [key, v] of Object.entries(project.config))
      expect([key, (v.description ?? '').length > 20]).toEqual([key, true]);
  });
});
