import * as pulumi from '@pulumi/pulumi';
import { spawnSync } from 'node:child_process';
import { GcpCluster, HEALTH_CHECK_RANGES, REQUIRED_APIS } from '../../../infra/cluster/gcp';
import { METADATA_BLOCK_SCRIPT } from '../../../infra/cluster/gcp/metadata-block';
import { discoveryHash } from '../../../infra/cluster/gcp/pki';
import { readGcpConfig } from '../../../infra/config/gcp';
import { INGRESS_HEALTH_CHECK_NODE_PORT } from '../../../infra/config/platform';
import {
  dependencyRecorder,
  outsideTree,
  recordResources,
  Registered,
  registeredOutputs,
  settled,
  unregisteredOutputs,
  valueOf,
} from '../../support/pulumi-mocks';
import { gcpFakes } from '../../support/gcp-fakes';

// The gcp cluster under Pulumi mocks: no cloud. The CA the mocks hand back is a real
// certificate (made with openssl), so the workers' join hash is computed for real.

const { caPem: CA_PEM, fake, cleanup } = gcpFakes();
afterAll(cleanup);

const registered: Registered[] = recordResources('k8s-platform', 'prod', fake);
const outputs = registeredOutputs();

const CONFIG = readGcpConfig(
  (key) => ({ gcpProject: 'acme-platform-1', adminCidrs: '203.0.113.7/32,198.51.100.0/24' })[key],
);

type R = Registered & { inputs: Record<string, any> };

let built: GcpCluster;
let recorder: ReturnType<typeof dependencyRecorder>;
/** Registered resources of a type, by name (registration order follows output resolution). */
const ofType = (type: string): R[] =>
  registered.filter((r) => r.type === type).sort((a, b) => a.name.localeCompare(b.name));
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
  it('is one component: every resource it registers is its child, its outputs registered', () => {
    expect(registered.length).toBeGreaterThan(40);
    expect(outsideTree(registered, recorder)).toEqual([]);
    expect(unregisteredOutputs(built, outputs)).toEqual([]);
  });

  it('creates one control plane and three workers of the reference shape', () => {
    const vms = ofType('gcp:compute/instance:Instance');
    expect(
      vms.map((v) => [
        v.name,
        v.inputs.machineType,
        v.inputs.tags,
        v.inputs.canIpForward,
      ]),
    ).toEqual([
      ['k8s-platform-cp-0', 'e2-standard-2', ['k8s-platform-node', 'k8s-platform-control-plane'], false],
      ...[0, 1, 2].map((i) => [
        `k8s-platform-worker-${i}`, 'e2-standard-4', ['k8s-platform-node', 'k8s-platform-worker'], true,
      ]),
    ]); // prettier-ignore
    // The control plane boots from a disk of its own (etcd outlives the VM); workers' disks
    // come and go with them.
    expect(named('k8s-platform-cp-0-boot', 'Disk').inputs).toMatchObject({
      size: 50,
      type: 'pd-ssd',
      image: 'debian-cloud/debian-12',
    });
    expect(vms[0]?.inputs.bootDisk).toEqual({
      source: 'zones/europe-west1-b/disks/k8s-platform-cp-0-boot',
      autoDelete: false,
    });
    for (const w of vms.slice(1))
      expect(w.inputs.bootDisk.initializeParams).toEqual({
        size: 40,
        type: 'pd-balanced',
        image: 'debian-cloud/debian-12',
      });
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
    expect(cp?.inputs.metadata['startup-script']).toContain(
      'certSANs: [34.1.2.22, 10.10.0.2, 127.0.0.1]',
    );
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
    // The ingress Service keeps client addresses (externalTrafficPolicy: Local): the check
    // asks its health check node port, which the platform sets and the firewall admits.
    expect(named('k8s-platform-ingress', 'HttpHealthCheck').inputs).toMatchObject({
      port: INGRESS_HEALTH_CHECK_NODE_PORT,
      requestPath: '/healthz',
    });
    expect(named('k8s-platform-lb-health-checks', 'Firewall').inputs.allows).toEqual([
      { protocol: 'tcp', ports: [String(INGRESS_HEALTH_CHECK_NODE_PORT)] },
    ]);
    expect(
      ofType('gcp:compute/forwardingRule:ForwardingRule').map((f) => [
        f.inputs.portRange,
        f.inputs.ipAddress,
      ]),
    ).toEqual([
      ['443', '34.1.2.20'],
      ['80', '34.1.2.20'],
    ]);
  });

  it('grants the nodes least privilege: logs and metrics (disks: the platform’s PD CSI grants); each its own secrets', () => {
    const roles = ofType('gcp:projects/iAMMember:IAMMember').map((m) => [
      m.inputs.member.split('@')[0],
      m.inputs.role,
    ]);
    expect(roles).toEqual([
      ['serviceAccount:k8s-platform-cp', 'roles/logging.logWriter'],
      ['serviceAccount:k8s-platform-cp', 'roles/monitoring.metricWriter'],
      ['serviceAccount:k8s-platform-worker', 'roles/logging.logWriter'],
      ['serviceAccount:k8s-platform-worker', 'roles/monitoring.metricWriter'],
    ]);
    const readers = ofType('gcp:secretmanager/secretIamMember:SecretIamMember')
      .filter((m) => m.inputs.role === 'roles/secretmanager.secretAccessor')
      .map((m) => `${m.inputs.secretId} ${m.inputs.member.split('@')[0]}`)
      .sort();
    expect(readers).toEqual([
      'k8s-platform-bootstrap-token-id serviceAccount:k8s-platform-cp',
      'k8s-platform-bootstrap-token-id serviceAccount:k8s-platform-worker',
      'k8s-platform-ca-key-id serviceAccount:k8s-platform-cp',
      'k8s-platform-encryption-key-id serviceAccount:k8s-platform-cp',
    ]);
    // The control plane rotates the bootstrap token: it adds versions and disables old ones.
    expect(
      ofType('gcp:secretmanager/secretIamMember:SecretIamMember')
        .filter((m) => m.inputs.role !== 'roles/secretmanager.secretAccessor')
        .map((m) => [m.inputs.secretId, m.inputs.member.split('@')[0], m.inputs.role]),
    ).toEqual([
      ['k8s-platform-bootstrap-token-id', 'serviceAccount:k8s-platform-cp', 'roles/secretmanager.secretVersionAdder'],
      ['k8s-platform-bootstrap-token-id', 'serviceAccount:k8s-platform-cp', 'roles/secretmanager.secretVersionManager'],
    ]); // prettier-ignore
  });

  it('keeps every secret out of plain state and out of the startup scripts', async () => {
    for (const v of ofType('gcp:secretmanager/secretVersion:SecretVersion')) {
      const props = recorder.props.get(v.name) as { secretData: pulumi.Output<string> };
      expect([v.name, await pulumi.isSecret(props.secretData)]).toEqual([v.name, true]);
    }
    expect(await pulumi.isSecret(built.kubeconfig)).toBe(true);
    for (const v of ofType('gcp:compute/instance:Instance')) {
      const script = v.inputs.metadata['startup-script'] as string;
      expect(script).not.toContain('PRIVATE-');
      expect(script).not.toContain('abcdef.0123456789abcdef');
      expect(script).not.toContain('a2V5');
    }
  });

  it('bootstraps without SSH: startup scripts only, project SSH keys blocked, OS Login', () => {
    for (const v of ofType('gcp:compute/instance:Instance')) {
      const { 'startup-script': script, ...rest } = v.inputs.metadata as Record<string, string>;
      expect(rest).toEqual({
        'enable-oslogin': 'TRUE',
        'block-project-ssh-keys': 'TRUE',
        'enable-guest-attributes': 'TRUE',
      });
      expect(script).toMatch(/^#!\/usr\/bin\/env bash/);
      // metadataStartupScript forces a new VM on any change; instance metadata updates in place.
      expect(v.inputs.metadataStartupScript).toBeUndefined();
    }
    expect(registered.some((r) => r.type.startsWith('command:remote'))).toBe(false);
  });

  it('blocks pods from the metadata server on every node before kubeadm runs', () => {
    for (const v of ofType('gcp:compute/instance:Instance')) {
      const script = v.inputs.metadata['startup-script'] as string;
      const block = script.indexOf(`cat >${METADATA_BLOCK_SCRIPT} <<`);
      const kubeadm = script.search(/^\s*kubeadm (init|join) --config/m);
      expect([v.name, block > 0, kubeadm > block]).toEqual([v.name, true, true]);
    }
  });

  it('installs the control plane’s upkeep timers after kubeadm init, snapshotting to the stack’s bucket', () => {
    const cp = named('k8s-platform-cp-0', 'Instance').inputs.metadata['startup-script'] as string;
    const init = cp.search(/^\s*kubeadm init --config/m);
    const timers = cp.indexOf('systemctl enable --now k8s-platform-cert-renewal.timer');
    expect([init > 0, timers > init]).toEqual([true, true]);
    expect(cp).toContain('k8s-platform-etcd-0a1b2c3');
    for (const w of ofType('gcp:compute/instance:Instance').slice(1))
      expect(w.inputs.metadata['startup-script']).not.toContain('k8s-platform-cert-renewal');
  });

  it('renders whole startup scripts (every fragment in) that shellcheck passes, well under the metadata limit', () => {
    for (const v of ofType('gcp:compute/instance:Instance')) {
      const script = v.inputs.metadata['startup-script'] as string;
      const check = spawnSync('shellcheck', ['-'], { input: script, encoding: 'utf8' });
      expect([v.name, check.status, check.stdout]).toEqual([v.name, 0, '']);
      // Compute Engine takes up to 256 KB per metadata value.
      expect(Buffer.byteLength(script)).toBeLessThan(64 * 1024);
    }
  });

  it('lets workers join with the hash of the CA Pulumi made', () => {
    const worker = named('k8s-platform-worker-0', 'Instance');
    const script = worker.inputs.metadata['startup-script'] as string;
    expect(script).toContain(`caCertHashes: ["${discoveryHash(CA_PEM)}"]`);
    expect(script).toContain('apiServerEndpoint: 10.10.0.2:6443');
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
      'k8s-platform-worker-0-drain',
      'k8s-platform-worker-1-drain',
      'k8s-platform-worker-2-drain',
    ]);
    const nodes = named('k8s-platform-wait-nodes', 'Command').inputs;
    expect(nodes.create).toMatch(/infra\/cluster\/gcp\/wait-ready\.ts nodes$/);
    // The waits show (and stop at) each node's bootstrap report.
    expect(nodes.environment.value).toMatchObject({
      EXPECT_NODES: '4',
      GUEST_ATTRIBUTE_VMS:
        'k8s-platform-cp-0,k8s-platform-worker-0,k8s-platform-worker-1,k8s-platform-worker-2',
      GCP_ZONE: 'europe-west1-b',
      GCP_PROJECT: 'acme-platform-1',
    });
    expect(named('k8s-platform-wait-api', 'Command').inputs.environment.value).toMatchObject({
      GUEST_ATTRIBUTE_VMS: 'k8s-platform-cp-0',
    });
    // Moving between the public address and the IAP tunnel changes the server, not the cluster.
    expect(named('k8s-platform-k8s', 'providers:kubernetes').inputs.clusterIdentifier).toBe(
      'acme-platform-1/europe-west1-b/k8s-platform',
    );
    const calico = named('calico', 'Release').inputs;
    expect(calico.chart).toBe('charts/calico');
    // The pool as charts/calico writes it (Helm replaces lists whole), with the stack's CIDR.
    expect(calico.values['tigera-operator'].installation.calicoNetwork.ipPools).toEqual([
      {
        name: 'default-ipv4-ippool',
        cidr: '192.168.0.0/16',
        blockSize: 26,
        encapsulation: 'VXLAN',
        natOutgoing: 'Enabled',
        nodeSelector: 'all()',
      },
    ]);
  });

  it('enables the APIs it uses and hands the platform what it needs', async () => {
    expect(ofType('gcp:projects/service:Service').map((s) => s.inputs.service)).toEqual(
      [...REQUIRED_APIS].sort(),
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

  it('tells the kubelet CSR approver the node names and subnet, matching every VM it made', () => {
    const networking = built.cluster.networking;
    if (networking.kind !== 'gcp') throw new Error('not gcp');
    expect(networking.kubeletServing).toEqual({
      nodeNameRegex: '^k8s-platform-(cp-0|worker-(0|[1-9][0-9]*))$',
      nodeSubnet: '10.10.0.0/24',
    });
    const names = ofType('gcp:compute/instance:Instance').map((v) => String(v.inputs.name));
    const pattern = new RegExp(networking.kubeletServing.nodeNameRegex);
    expect(names.filter((n) => !pattern.test(n))).toEqual([]);
    expect(names).toHaveLength(4);
  });
});

/** The options a child was registered with (all of them are custom resources here). */
const customOpts = (name: string): pulumi.CustomResourceOptions | undefined =>
  recorder.opts.get(name);

/** The key Pulumi marks a serialized secret with. */
const SECRET_SIG = '4dabf18193072939515e22adb298388d';

/** The API each kind of Google resource calls, by type token prefix. */
const API_OF: readonly [RegExp, string][] = [
  [/^gcp:compute\//, 'compute'],
  [/^gcp:serviceaccount\//, 'iam'],
  [/^gcp:projects\/iAMCustomRole:/, 'iam'],
  [/^gcp:projects\/iAMMember:/, 'cloudresourcemanager'],
  [/^gcp:secretmanager\//, 'secretmanager'],
  [/^gcp:storage\//, 'storage'],
  [/^gcp:kms\//, 'cloudkms'],
];

describe('the gcp cluster on a fresh project and on day 2', () => {
  it('creates every Google resource only after the API it calls is enabled', () => {
    const google = registered.filter(
      (r) => r.type.startsWith('gcp:') && !/^gcp:(projects\/service:|index)/.test(r.type),
    );
    expect(google.length).toBeGreaterThan(40);
    for (const r of google) {
      const api = API_OF.find(([pattern]) => pattern.test(r.type))?.[1] ?? `no API for ${r.type}`;
      const deps = recorder.typedDependsOn.get(`${r.type} ${r.name}`) ?? [];
      expect([r.type, r.name, deps.includes(api)]).toEqual([r.type, r.name, true]);
    }
    // Project IAM bindings name their role, which must exist (custom roles: the IAM API).
    expect(
      recorder.typedDependsOn.get(
        'gcp:projects/iAMMember:IAMMember k8s-platform-cp-logging.logWriter',
      ),
    ).toEqual(['cloudresourcemanager', 'iam']);
  });

  it('keeps the control plane and its disk through changes of image or startup script', () => {
    const cp = customOpts('k8s-platform-cp-0');
    expect(cp?.protect).toBe(true);
    expect(cp?.ignoreChanges).toEqual(['metadata["startup-script"]', 'bootDisk']);
    expect(cp?.deleteBeforeReplace).toBe(true);
    const disk = customOpts('k8s-platform-cp-0-boot');
    expect([disk?.protect, disk?.ignoreChanges]).toEqual([true, ['image']]);
  });

  it('drains a worker before its VM is deleted or replaced', () => {
    for (const i of [0, 1, 2]) {
      const worker = customOpts(`k8s-platform-worker-${i}`);
      expect(worker?.deleteBeforeReplace).toBe(true);
      expect(worker?.protect).toBeUndefined();
      const drain = named(`k8s-platform-worker-${i}-drain`, 'Command');
      expect(drain.inputs.create).toBe('true');
      expect(drain.inputs.delete).toMatch(/infra\/cluster\/gcp\/drain\.ts$/);
      // The environment holds the kubeconfig: the whole map is a secret.
      expect(drain.inputs.environment[SECRET_SIG]).toBeDefined();
      expect(drain.inputs.environment.value.NODE_NAME).toBe(`k8s-platform-worker-${i}`);
      // A new VM has a new instance id: the drain command is replaced, and its delete step
      // (the drain) runs before the old VM goes.
      expect(drain.inputs.triggers).toEqual([`instance-id-of-k8s-platform-worker-${i}`]);
      expect(recorder.dependsOn.get(`k8s-platform-worker-${i}-drain`)).toEqual([
        `k8s-platform-worker-${i}`,
      ]);
      expect(customOpts(`k8s-platform-worker-${i}-drain`)?.deleteBeforeReplace).toBe(true);
    }
  });

  it('keeps etcd snapshots in a private, versioned bucket only the control plane can use', async () => {
    const bucket = named('k8s-platform-etcd', 'Bucket').inputs;
    expect(bucket).toMatchObject({
      location: 'europe-west1',
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      versioning: { enabled: true },
      forceDestroy: false,
    });
    expect(bucket.lifecycleRules).toEqual([
      { action: { type: 'Delete' }, condition: { age: 30 } },
      {
        action: { type: 'Delete' },
        condition: { daysSinceNoncurrentTime: 7, withState: 'ARCHIVED' },
      },
    ]);
    expect(customOpts('k8s-platform-etcd')?.protect).toBe(true);
    expect(
      ofType('gcp:storage/bucketIAMMember:BucketIAMMember').map((m) => [
        m.inputs.role,
        m.inputs.member,
      ]),
    ).toEqual([
      [
        'roles/storage.objectCreator',
        'serviceAccount:k8s-platform-cp@acme-platform-1.iam.gserviceaccount.com',
      ],
      [
        'roles/storage.objectViewer',
        'serviceAccount:k8s-platform-cp@acme-platform-1.iam.gserviceaccount.com',
      ],
    ]);
    expect(await valueOf(built.etcdSnapshotBucket)).toBe('k8s-platform-etcd-0a1b2c3');
  });

  it('keeps the bootstrap token secret in state', async () => {
    // Both halves of the token are random strings, whose result is plain state by default.
    for (const part of ['id', 'secret'])
      expect(customOpts(`k8s-platform-token-${part}`)?.additionalSecretOutputs).toEqual(['result']);
    // The control plane rotates it and disables old versions; Pulumi must not re-enable them.
    expect(customOpts('k8s-platform-bootstrap-token')?.ignoreChanges).toEqual(['enabled']);
    expect(customOpts('k8s-platform-ca-key')?.ignoreChanges).toBeUndefined();
    const props = recorder.props.get('k8s-platform-bootstrap-token') as {
      secretData: pulumi.Output<string>;
    };
    expect(await pulumi.isSecret(props.secretData)).toBe(true);
  });
});
