import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { BootstrapReport } from '../../../infra/cluster/gcp/bootstrap-report';
import { HttpAnswer } from '../../../infra/kube/kube-api';
import { readWaitSettings, waitForApi, waitForNodes } from '../../../infra/cluster/gcp/wait-ready';

// The bounded waits, with a fake API server and a fake clock (no real sleeping).
function clock() {
  let t = 0;
  return { now: () => t, sleep: (ms: number) => ((t += ms), Promise.resolve()) };
}

const node = (name: string, ready: boolean) => ({
  metadata: { name },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

describe('the readiness waits', () => {
  it('return once /readyz answers 200, after connection errors and 503s', async () => {
    const answers: (HttpAnswer | Error)[] = [
      new Error('connect ECONNREFUSED'),
      { status: 503, body: '' },
      { status: 200, body: 'ok' },
    ];
    const log: string[] = [];
    const state = await waitForApi(
      () => {
        const a = answers.shift() ?? { status: 200, body: 'ok' };
        return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
      },
      { timeoutMs: 60_000, intervalMs: 10_000, ...clock(), log: (l) => log.push(l) },
    );
    expect(state).toBe('/readyz 200');
    expect(log).toEqual([
      'waiting for the API server to be ready: connect ECONNREFUSED',
      'waiting for the API server to be ready: /readyz 503',
    ]);
  });

  it('count only Ready nodes, and give up at the deadline with the last state', async () => {
    const nodes = [node('cp', true), node('w0', true), node('w1', false)];
    const api = () => Promise.resolve({ status: 200, body: JSON.stringify({ items: nodes }) });
    await expect(
      waitForNodes(api, 4, { timeoutMs: 30 * 60_000, intervalMs: 10_000, ...clock() }),
    ).rejects.toThrow('4 Ready nodes not within 30 min (last: 2/4 Ready of 3 registered)');
    nodes.push(node('w2', true));
    nodes[2] = node('w1', true);
    await expect(waitForNodes(api, 4, { timeoutMs: 1, intervalMs: 1, ...clock() })).resolves.toBe(
      '4/4 Ready of 4 registered',
    );
  });
});

describe("the nodes' bootstrap reports", () => {
  const WHERE = { zone: 'europe-west1-b', project: 'acme-platform-1' };
  const VMS = ['k8s-platform-cp-0', 'k8s-platform-worker-0', 'k8s-platform-worker-1'];
  const notReady = () => Promise.resolve({ status: 503, body: '' });
  /** A reader that plays one list of reports per poll, the last one from then on. */
  const reader = (rounds: (BootstrapReport | 'no-gcloud')[][]) => {
    const asked: string[] = [];
    let round = 0;
    const read = (vm: string) => {
      asked.push(vm);
      const now = rounds[Math.min(round, rounds.length - 1)] ?? [];
      if (asked.length % VMS.length === 0) round++;
      return Promise.resolve(now[VMS.indexOf(vm)] ?? { state: 'none', detail: '?' });
    };
    return { read, asked };
  };

  it("shows each node's step in the progress lines and in the timeout", async () => {
    const { read } = reader([
      [
        { state: 'running', step: 'kubeadm-init' },
        { state: 'none', detail: 'has not reported yet' },
        { state: 'running', step: 'containerd' },
      ],
      [
        { state: 'done' },
        { state: 'running', step: 'kubeadm-join' },
        { state: 'unrecognised', raw: 'half' },
      ],
    ]);
    const log: string[] = [];
    await expect(
      waitForApi(notReady, {
        timeoutMs: 10_000,
        intervalMs: 10_000,
        ...clock(),
        log: (l) => log.push(l),
        reports: { vms: VMS, ...WHERE, read },
      }),
    ).rejects.toThrow(
      'the API server to be ready not within 0 min (last: /readyz 503; k8s-platform-cp-0 bootstrapped, k8s-platform-worker-0 at kubeadm-join, k8s-platform-worker-1 reports "half")',
    );
    expect(log).toEqual([
      'waiting for the API server to be ready: /readyz 503; k8s-platform-cp-0 at kubeadm-init, k8s-platform-worker-0 has not reported yet, k8s-platform-worker-1 at containerd',
    ]);
  });

  it('fails fast when a node reports a failed step, pointing at its serial console', async () => {
    const { read } = reader([
      [
        { state: 'running', step: 'kubeadm-init' },
        { state: 'none', detail: 'x' },
      ],
      [{ state: 'done' }, { state: 'failed', step: 'kubeadm-join', code: 1 }],
    ]);
    const c = clock();
    const nodes = () =>
      Promise.resolve({ status: 200, body: JSON.stringify({ items: [node('cp', true)] }) });
    await expect(
      waitForNodes(nodes, 4, {
        timeoutMs: 30 * 60_000,
        intervalMs: 10_000,
        ...c,
        reports: { vms: VMS, ...WHERE, read },
      }),
    ).rejects.toThrow(
      'k8s-platform-worker-0: bootstrap failed at kubeadm-join (exit 1); see the serial console: gcloud compute instances get-serial-port-output k8s-platform-worker-0 --zone europe-west1-b --project acme-platform-1',
    );
    // The second poll, not the 30-minute deadline.
    expect(c.now()).toBe(10_000);
  });

  it('says once that gcloud is missing, then polls the API server alone', async () => {
    const { read, asked } = reader([['no-gcloud', 'no-gcloud', 'no-gcloud']]);
    const answers = [503, 503, 503, 200];
    const log: string[] = [];
    await expect(
      waitForApi(() => Promise.resolve({ status: answers.shift() ?? 200, body: '' }), {
        timeoutMs: 60 * 60_000,
        intervalMs: 10_000,
        ...clock(),
        log: (l) => log.push(l),
        reports: { vms: VMS, ...WHERE, read },
      }),
    ).resolves.toBe('/readyz 200');
    expect(log).toEqual([
      "gcloud not found: the nodes' bootstrap steps are not shown; waiting on the API server only",
      'waiting for the API server to be ready: /readyz 503',
      'waiting for the API server to be ready: /readyz 503',
      'waiting for the API server to be ready: /readyz 503',
    ]);
    expect(asked).toHaveLength(VMS.length);
  });

  it('does not read reports once the API server is ready', async () => {
    const { read, asked } = reader([[{ state: 'failed', step: 'x', code: 2 }]]);
    await expect(
      waitForApi(() => Promise.resolve({ status: 200, body: 'ok' }), {
        timeoutMs: 1,
        intervalMs: 1,
        ...clock(),
        reports: { vms: VMS, ...WHERE, read },
      }),
    ).resolves.toBe('/readyz 200');
    expect(asked).toEqual([]);
  });

  it('takes a reader that throws as a node not read, and goes on', async () => {
    const log: string[] = [];
    await expect(
      waitForApi(notReady, {
        timeoutMs: 0,
        intervalMs: 1,
        ...clock(),
        log: (l) => log.push(l),
        reports: {
          vms: ['k8s-platform-cp-0'],
          ...WHERE,
          read: () => Promise.reject(new Error('spawn EACCES')),
        },
      }),
    ).rejects.toThrow('(last: /readyz 503; k8s-platform-cp-0 unread (spawn EACCES))');
  });
});

describe('the command line', () => {
  it('fails closed on a missing or malformed EXPECT_NODES (a wait for 0 nodes passes at once)', () => {
    const msg = (v: string) =>
      `EXPECT_NODES = ${v} is invalid: must be the number of nodes to wait for (the control plane and every worker), an integer from 1 to 100`;
    expect(() => readWaitSettings('nodes', {})).toThrow(msg('undefined'));
    expect(() => readWaitSettings('nodes', { EXPECT_NODES: 'four' })).toThrow(msg('"four"'));
    expect(() => readWaitSettings('nodes', { EXPECT_NODES: '0' })).toThrow(msg('"0"'));
    expect(() => readWaitSettings('nodes', { EXPECT_NODES: '3.5' })).toThrow(msg('"3.5"'));
    expect(readWaitSettings('nodes', { EXPECT_NODES: '4' })).toEqual({
      mode: 'nodes',
      expected: 4,
      minutes: 30,
      reports: undefined,
    });
    // The api wait needs no node count.
    expect(readWaitSettings('api', {}).mode).toBe('api');
  });

  it('refuses a wrong mode and a malformed WAIT_MINUTES (NaN would never time out)', () => {
    expect(() => readWaitSettings('node', {})).toThrow(
      'usage: wait-ready.ts api | nodes (got "node")',
    );
    expect(() => readWaitSettings(undefined, {})).toThrow(
      'usage: wait-ready.ts api | nodes (got "")',
    );
    expect(() => readWaitSettings('api', { WAIT_MINUTES: 'soon' })).toThrow(
      'WAIT_MINUTES = "soon" is invalid: must be an integer from 1 to 180 (minutes); 30 when unset',
    );
    expect(readWaitSettings('api', { WAIT_MINUTES: '45' }).minutes).toBe(45);
  });

  it('reads the VMs to ask about, and requires their zone and project', () => {
    expect(
      readWaitSettings('api', {
        GUEST_ATTRIBUTE_VMS: 'k8s-platform-cp-0, k8s-platform-worker-0',
        GCP_ZONE: 'europe-west1-b',
        GCP_PROJECT: 'acme-platform-1',
      }).reports,
    ).toEqual({
      vms: ['k8s-platform-cp-0', 'k8s-platform-worker-0'],
      zone: 'europe-west1-b',
      project: 'acme-platform-1',
    });
    expect(() => readWaitSettings('api', { GUEST_ATTRIBUTE_VMS: 'cp-0;rm -rf' })).toThrow(
      [
        'GUEST_ATTRIBUTE_VMS = "cp-0;rm -rf" is invalid: must be comma-separated VM names (lowercase letters, digits and "-", starting with a letter)',
        'GCP_ZONE = undefined is invalid: must be the zone of the VMs in GUEST_ATTRIBUTE_VMS',
        'GCP_PROJECT = undefined is invalid: must be the project ID of the VMs in GUEST_ATTRIBUTE_VMS',
      ].join('\n'),
    );
  });

  it('exits 1 with the message when run without EXPECT_NODES', () => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
    const run = spawnSync(
      process.execPath,
      ['--require', 'ts-node/register/transpile-only', 'infra/cluster/gcp/wait-ready.ts', 'nodes'],
      { cwd: resolve(__dirname, '..', '..', '..'), env, encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe(
      'wait-ready: EXPECT_NODES = undefined is invalid: must be the number of nodes to wait for (the control plane and every worker), an integer from 1 to 100',
    );
  });
});
