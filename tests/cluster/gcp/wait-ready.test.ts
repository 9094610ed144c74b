import { HttpAnswer } from '../../../infra/kube/kube-api';
import { waitForApi, waitForNodes } from '../../../infra/cluster/gcp/wait-ready';

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
