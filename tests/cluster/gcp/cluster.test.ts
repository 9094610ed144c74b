import * as pulumi from '@pulumi/pulumi';
import { GcpCluster, HEALTH_CHECK_RANGES, REQUIRED_APIS } from '../../../infra/cluster/gcp';
import { discoveryHash } from '../../../infra/cluster/gcp/pki';
import { readGcpConfig } from '../../../infra/config/gcp';
import {
  dependencyRecorder,
  recordResources,
  Registered,
  settled,
  valueOf,
} from '../../support/pulumi-mocks';
import { gcpFakes } from '../../support/gcp-fakes';

// The gcp cluster under Pulumi mocks: no cloud. The CA the mocks hand back is a real
// certificate (made with openssl), so the workers' join hash is computed for real.

const { caPem: CA_PEM, fake, cleanup } = gcpFakes();
afterAll(cleanup);

const registered: Registered[] = recordResources('k8s-platform', 'prod', fake);

const CONFIG = readGcpConfig(
  (key) => ({ gcpProject: 'acme-platform-1', adminCidrs: '203.0.113.7/32,198.51.100.0/24' })[key],
);

type R = Registered & { inputs: Record<string, any> };

let built: GcpCluster;
let recorder: ReturnType<typeof dependencyRecorder>;
const ofType = (type: string): R[] => registered.filter((r) => r.type === type);
const named = (name: string, type = ''): R => {
  const r = registered.find((x) => x.name === name && x.type.includes(type));
  if (!r) throw new Error(`no ${type} ${name}`);
  return r;
};

beforeAll(async () => {
  recorder = dependencyRecorder();
  built = new GcpCluster('cluster', CONFIG, { transformations: [recorder.transformation] });
  await valueOf(built.kubeconfig);
  await valueOf(built.sshCommands);
  await settled();
});

describe('the gcp cluster', () => {
  it('creates one control plane and three workers of the reference shape', () => {
    const vms = ofType('gcp:compute/instance:Instance');
    expect(
      vms.map((v) => [
        v.name,
        v.inputs.machineType,
        v.inputs.bootDisk.initializeParams.size,
        v.inputs.bootDisk.initializeParams.type,
        v.inputs.bootDisk.initializeParams.image,
        v.inputs.tags,
        v.inputs.canIpForward,
      ]),
    ).toEqual([
      ['k8s-platform-cp-0', 'e2-standard-2', 50, 'pd-ssd', 'debian-cloud/debian-12', ['k8s-platform-node', 'k8s-platform-control-plane'], false],
      ...[0, 1, 2].map((i) => [
        `k8s-platform-worker-${i}`, 'e2-standard-4', 40, 'pd-balanced', 'debian-cloud/debian-12',
        ['k8s-platform-node', 'k8s-platform-worker'], true,
      ]),
    ]); // prettier-ignore
    for (const v of vms) {
      expect(v.inputs.shieldedInstanceConfig).toEqual({
        enableSecureBoot: true,
        enableVtpm: true,
        enableIntegrityMonitoring: true,
      });
      expect(v.inputs.serviceAccount.email).toMatch(/^k8s-platform-(cp|worker)@/);
    }
  });

  it('gives only the control plane a public address (a static one, in its certificate)', () => {
    const [cp, ...workers] = ofType('gcp:compute/instance:Instance');
    expect(cp?.inputs.networkInterfaces[0]).toMatchObject({
      networkIp: '10.10.0.2',
      accessConfigs: [{ natIp: '34.1.2.22' }],
    });
    for (const w of workers) expect(w.inputs.networkInterfaces[0].accessConfigs).toBeUndefined();
    expect(cp?.inputs.metadataStartupScript).toContain('certSANs: [34.1.2.22, 10.10.0.2]');
  });

  it('never opens the API server to the internet; SSH only from IAP', () => {
    const rules = Object.fromEntries(
      ofType('gcp:compute/firewall:Firewall').map((f) => [
        f.name,
        { allows: f.inputs.allows, from: f.inputs.sourceRanges, to: f.inputs.targetTags },
      ]),
    );
    expect(rules['k8s-platform-api-from-admins']).toEqual({
      allows: [{ protocol: 'tcp', ports: ['6443'] }],
      from: ['203.0.113.7/32', '198.51.100.0/24'],
      to: ['k8s-platform-control-plane'],
    });
    expect(rules['k8s-platform-ssh-from-iap']?.from).toEqual(['35.235.240.0/20']);
    expect(rules['k8s-platform-internal']).toEqual({
      allows: [
        { protocol: 'tcp' },
        { protocol: 'udp' },
        { protocol: 'icmp' },
        { protocol: 'ipip' },
      ],
      from: ['10.10.0.0/24', '192.168.0.0/16'],
      to: ['k8s-platform-node'],
    });
    expect(rules['k8s-platform-http-to-workers']).toEqual({
      allows: [{ protocol: 'tcp', ports: ['80', '443'] }],
      from: ['0.0.0.0/0'],
      to: ['k8s-platform-worker'],
    });
    expect(rules['k8s-platform-lb-health-checks']?.from).toEqual(HEALTH_CHECK_RANGES);
    for (const [name, rule] of Object.entries(rules)) {
      const ports = (rule.allows as { ports?: string[] }[]).flatMap((a) => a.ports ?? ['all']);
      if ((rule.from as string[]).includes('0.0.0.0/0'))
        expect([name, ports]).toEqual(['k8s-platform-http-to-workers', ['80', '443']]);
    }
  });

  it('routes the MetalLB range to every worker and balances the ingress address over them', () => {
    const routes = ofType('gcp:compute/route:Route');
    expect(routes.map((r) => [r.inputs.destRange, r.inputs.nextHopInstance])).toEqual(
      [0, 1, 2].map((i) => [
        '10.20.0.0/24',
        `zones/europe-west1-b/instances/k8s-platform-worker-${i}`,
      ]),
    );
    const pool = named('k8s-platform-ingress', 'TargetPool');
    expect(pool.inputs.instances).toHaveLength(3);
    expect(named('k8s-platform-ingress', 'HttpHealthCheck').inputs).toMatchObject({
      port: 10256,
      requestPath: '/healthz',
    });
    expect(
      ofType('gcp:compute/forwardingRule:ForwardingRule').map((f) => [
        f.inputs.portRange,
        f.inputs.ipAddress,
      ]),
    ).toEqual([
      ['80', '34.1.2.20'],
      ['443', '34.1.2.20'],
    ]);
  });

  it('grants the nodes least privilege: logs and metrics; disks for the workers; each its own secrets', () => {
    const roles = ofType('gcp:projects/iAMMember:IAMMember').map((m) => [
      m.inputs.member.split('@')[0],
      m.inputs.role,
    ]);
    expect(roles).toEqual([
      ['serviceAccount:k8s-platform-cp', 'roles/logging.logWriter'],
      ['serviceAccount:k8s-platform-cp', 'roles/monitoring.metricWriter'],
      ['serviceAccount:k8s-platform-worker', 'roles/logging.logWriter'],
      ['serviceAccount:k8s-platform-worker', 'roles/monitoring.metricWriter'],
      ['serviceAccount:k8s-platform-worker', 'roles/compute.storageAdmin'],
      ['serviceAccount:k8s-platform-worker', 'projects/acme-platform-1/roles/k8s_platform_pd_csi'],
    ]);
    const readers = ofType('gcp:secretmanager/secretIamMember:SecretIamMember').map((m) => [
      m.inputs.secretId,
      m.inputs.member.split('@')[0],
    ]);
    expect(readers).toEqual([
      ['k8s-platform-ca-key-id', 'serviceAccount:k8s-platform-cp'],
      ['k8s-platform-encryption-key-id', 'serviceAccount:k8s-platform-cp'],
      ['k8s-platform-bootstrap-token-id', 'serviceAccount:k8s-platform-cp'],
      ['k8s-platform-bootstrap-token-id', 'serviceAccount:k8s-platform-worker'],
    ]);
  });

  it('keeps every secret out of plain state and out of the startup scripts', async () => {
    for (const v of ofType('gcp:secretmanager/secretVersion:SecretVersion')) {
      const props = recorder.props.get(v.name) as { secretData: pulumi.Output<string> };
      expect([v.name, await pulumi.isSecret(props.secretData)]).toEqual([v.name, true]);
    }
    expect(await pulumi.isSecret(built.kubeconfig)).toBe(true);
    for (const v of ofType('gcp:compute/instance:Instance')) {
      const script = v.inputs.metadataStartupScript as string;
      expect(script).not.toContain('PRIVATE-');
      expect(script).not.toContain('abcdef.0123456789abcdef');
      expect(script).not.toContain('a2V5');
    }
  });

  it('bootstraps without SSH: startup scripts only, project SSH keys blocked, OS Login', () => {
    for (const v of ofType('gcp:compute/instance:Instance')) {
      expect(v.inputs.metadata).toEqual({
        'enable-oslogin': 'TRUE',
        'block-project-ssh-keys': 'TRUE',
      });
      expect(v.inputs.metadataStartupScript).toMatch(/^#!\/usr\/bin\/env bash/);
    }
    expect(registered.some((r) => r.type.startsWith('command:remote'))).toBe(false);
  });

  it('lets workers join with the hash of the CA Pulumi made', () => {
    const worker = named('k8s-platform-worker-0', 'Instance');
    expect(worker.inputs.metadataStartupScript).toContain(
      `caCertHashes: ["${discoveryHash(CA_PEM)}"]`,
    );
    expect(worker.inputs.metadataStartupScript).toContain('apiServerEndpoint: 10.10.0.2:6443');
  });

  it('waits for the API server, installs Calico, then waits for every node', () => {
    const deps = recorder.dependsOn;
    expect(deps.get('k8s-platform-wait-api')).toEqual(['k8s-platform-cp-0']);
    expect(deps.get('calico')).toEqual(['k8s-platform-wait-api']);
    expect(deps.get('k8s-platform-wait-nodes')).toEqual([
      'calico',
      'k8s-platform-worker-0',
      'k8s-platform-worker-1',
      'k8s-platform-worker-2',
    ]);
    const nodes = named('k8s-platform-wait-nodes', 'Command').inputs;
    expect(nodes.create).toMatch(/infra\/cluster\/gcp\/wait-ready\.ts nodes$/);
    const calico = named('calico', 'Release').inputs;
    expect(calico.chart).toBe('charts/calico');
    expect(calico.values['tigera-operator'].installation.calicoNetwork.ipPools[0]).toMatchObject({
      cidr: '192.168.0.0/16',
      encapsulation: 'VXLAN',
    });
  });

  it('enables the APIs it uses and hands the platform what it needs', async () => {
    expect(ofType('gcp:projects/service:Service').map((s) => s.inputs.service)).toEqual(
      REQUIRED_APIS,
    );
    expect(built.cluster.networking).toMatchObject({
      kind: 'gcp',
      metallbPoolRange: '10.20.0.0/24',
    });
    expect(await valueOf(built.ingressAddress)).toBe('34.1.2.20');
    expect(await valueOf(built.sshCommands)).toContain(
      'gcloud compute ssh k8s-platform-worker-2 --zone europe-west1-b --project acme-platform-1 --tunnel-through-iap',
    );
    expect(built.cluster.ready.length).toBe(1);
    // The workers' shape, which the platform's footprint is judged against.
    expect(built.cluster.workers).toEqual({ count: 3, machineType: 'e2-standard-4' });
  });
});
