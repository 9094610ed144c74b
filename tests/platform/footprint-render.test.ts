import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  modelDrift,
  renderedWorkloads,
  renderWrapper,
} from '../../infra/platform/footprint-render';
import { at, mergedValues, Values } from '../../infra/platform/footprint-values';
import { CHARTS_DIR } from '../../infra/platform/charts';

const HELM = resolve(__dirname, '..', '..', '.tools', 'bin', 'helm');

const pod = (containers: Values[], initContainers: Values[] = []) => ({
  spec: { template: { spec: { containers, initContainers } } },
});
const res = (cpu: string, memory: string, limit: string) => ({
  requests: { cpu, memory },
  limits: { memory: limit },
});

describe('reading workloads out of rendered manifests', () => {
  it('takes containers and init containers, and leaves Helm test pods and hooks of kind Pod out', () => {
    const docs: Values[] = [
      {
        kind: 'Deployment',
        metadata: { name: 'a' },
        ...pod([{ name: 'main', resources: res('10m', '16Mi', '32Mi') }], [{ name: 'setup' }]),
      },
      {
        kind: 'Job',
        metadata: { name: 'smoke', annotations: { 'helm.sh/hook': 'test' } },
        ...pod([{ name: 'test' }]),
      },
      { kind: 'Pod', metadata: { name: 'b' }, spec: { containers: [{ name: 'x' }] } },
      { kind: 'ConfigMap', metadata: { name: 'c' } },
    ];
    expect(renderedWorkloads(docs)).toEqual([
      {
        object: 'Deployment a',
        containers: [
          { name: 'main', init: false, resources: res('10m', '16Mi', '32Mi') },
          { name: 'setup', init: true, resources: undefined },
        ],
      },
    ]);
  });

  it("adds the operator's pods: the reloader from its flags, none where a flag is 0", () => {
    const operator = {
      kind: 'Deployment',
      metadata: { name: 'op' },
      ...pod([
        {
          name: 'op',
          args: [
            '--config-reloader-cpu-request=10m',
            '--config-reloader-cpu-limit=0',
            '--config-reloader-memory-request=50Mi',
            '--config-reloader-memory-limit=50Mi',
          ],
        },
      ]),
    };
    const prometheus = {
      kind: 'Prometheus',
      metadata: { name: 'p' },
      spec: { resources: res('200m', '768Mi', '1536Mi') },
    };
    const reloader = { requests: { cpu: '10m', memory: '50Mi' }, limits: { memory: '50Mi' } };
    expect(renderedWorkloads([operator, prometheus])[1]).toEqual({
      object: 'Prometheus p',
      containers: [
        { name: 'prometheus', init: false, resources: res('200m', '768Mi', '1536Mi') },
        { name: 'config-reloader', init: false, resources: reloader },
        { name: 'init-config-reloader', init: true, resources: reloader },
      ],
    });
  });

  it("adds Calico's components from the Installation", () => {
    const installation = {
      kind: 'Installation',
      metadata: { name: 'default' },
      spec: { typhaDeployment: pod([{ name: 'calico-typha', resources: {} }]) },
    };
    const found = renderedWorkloads([installation]);
    expect(found.map((w) => w.object)).toEqual([
      'Installation default: calicoNodeDaemonSet',
      'Installation default: typhaDeployment',
      'Installation default: calicoKubeControllersDeployment',
      'Installation default: csiNodeDriverDaemonSet',
    ]);
    expect(found[1]?.containers).toEqual([{ name: 'calico-typha', init: false, resources: {} }]);
  });
});

describe('holding the model to the rendered charts', () => {
  const values = mergedValues('vault', 'gcp', CHARTS_DIR);
  const rendered = () => [
    {
      object: 'StatefulSet vault',
      containers: [{ name: 'vault', init: false, resources: at(values, 'vault.server.resources') }],
    },
    {
      object: 'Deployment vault-agent-injector',
      containers: [
        {
          name: 'sidecar-injector',
          init: false,
          resources: at(values, 'vault.injector.resources'),
        },
      ],
    },
  ];

  it('finds nothing when the rendered pods are the modelled ones', () => {
    expect(modelDrift('vault', 'gcp', rendered(), values)).toEqual([]);
  });

  it('names a container, a workload or resources the model does not account for', () => {
    const [sts] = rendered();
    expect(
      modelDrift(
        'vault',
        'gcp',
        [
          {
            object: 'StatefulSet vault',
            containers: [
              ...(sts?.containers ?? []),
              { name: 'audit-tail', init: false, resources: undefined },
            ],
          },
          {
            object: 'Deployment vault-agent-injector',
            containers: [{ name: 'sidecar-injector', init: false, resources: {} }],
          },
          { object: 'Deployment vault-csi-provider', containers: [] },
        ],
        values,
      ),
    ).toEqual([
      'charts/vault (gcp): StatefulSet vault has container audit-tail, not in the model',
      'charts/vault (gcp): Deployment vault-agent-injector, container sidecar-injector renders resources {}, not those of values vault.injector.resources',
      'charts/vault (gcp): renders Deployment vault-csi-provider, which the footprint model does not count',
    ]);
    expect(modelDrift('vault', 'gcp', rendered().slice(1), values)).toEqual([
      'charts/vault (gcp): the model counts StatefulSet vault, which the chart does not render',
    ]);
  });
});

describe('values a wrapper sets to null', () => {
  it("count as absent, as Helm drops them (the approver removes the chart's CPU limit)", () => {
    const values = mergedValues('kubelet-csr-approver', 'gcp', CHARTS_DIR);
    expect(at(values, 'kubelet-csr-approver.resources.limits')).toEqual({
      cpu: null,
      memory: '128Mi',
    });
    const rendered = (limits: Values) => [
      {
        object: 'Deployment kubelet-csr-approver',
        containers: [
          {
            name: 'kubelet-csr-approver',
            init: false,
            resources: { requests: { cpu: '20m', memory: '64Mi' }, limits },
          },
        ],
      },
    ];
    expect(
      modelDrift('kubelet-csr-approver', 'gcp', rendered({ memory: '128Mi' }), values),
    ).toEqual([]);
    expect(
      modelDrift('kubelet-csr-approver', 'gcp', rendered({ cpu: '500m', memory: '128Mi' }), values),
    ).toHaveLength(1);
  });
});

describe('rendering a wrapper chart with its dependency at hand', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'footprint-render-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('renders through the pinned helm with the wrapper values of the target', () => {
    // A stand-in for the vault chart: one StatefulSet from the values the wrapper sets.
    const chart = join(dir, 'vault');
    mkdirSync(join(chart, 'templates'), { recursive: true });
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: vault\nversion: 0.34.1\n');
    writeFileSync(
      join(chart, 'templates', 'server.yaml'),
      [
        'apiVersion: apps/v1',
        'kind: StatefulSet',
        'metadata: { name: vault }',
        'spec:',
        '  replicas: {{ if (.Values.server.ha).enabled }}{{ .Values.server.ha.replicas }}{{ else }}1{{ end }}',
        '  template:',
        '    spec:',
        '      containers:',
        '        - name: vault',
        '          resources: {{ toJson .Values.server.resources }}',
        '',
      ].join('\n'),
    );
    const gcp = renderWrapper(HELM, 'vault', 'gcp', dir).filter((d) => d.kind === 'StatefulSet');
    const minikube = renderWrapper(HELM, 'vault', 'minikube', dir);
    expect(gcp.map((d) => (d.spec as { replicas: number }).replicas)).toEqual([3]);
    expect(minikube.find((d) => d.kind === 'StatefulSet')?.spec).toMatchObject({ replicas: 1 });
    const values = mergedValues('vault', 'gcp', CHARTS_DIR);
    expect(modelDrift('vault', 'gcp', renderedWorkloads(gcp), values)).toEqual([
      'charts/vault (gcp): the model counts Deployment vault-agent-injector, which the chart does not render',
    ]);
  });
});
