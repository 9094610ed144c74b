import { HttpAnswer } from '../../../infra/kube/kube-api';
import { drainNode } from '../../../infra/cluster/gcp/drain';

// A fake API server holding one node's pods: evictions remove pods unless a budget refuses.

interface FakePod {
  name: string;
  namespace: string;
  owner?: string;
  mirror?: boolean;
  phase?: string;
  /** Evictions refused (429) before one succeeds; Infinity: never. */
  refusals?: number;
}

function fakeApi(nodeExists: boolean, pods: FakePod[]) {
  const calls: string[] = [];
  let exists = nodeExists;
  const live = [...pods];
  const api = (method: string, path: string, body?: string): Promise<HttpAnswer> =>
    Promise.resolve(answer(method, path, body));
  const answer = (method: string, path: string, body?: string): HttpAnswer => {
    calls.push(`${method} ${path}${method === 'PATCH' ? ` ${body ?? ''}` : ''}`);
    if (path === '/api/v1/nodes/w-1') {
      if (!exists) return { status: 404, body: '{}' };
      if (method === 'DELETE') exists = false;
      return { status: 200, body: '{}' };
    }
    if (path === `/api/v1/pods?fieldSelector=${encodeURIComponent('spec.nodeName=w-1')}`)
      return {
        status: 200,
        body: JSON.stringify({
          items: live.map((p) => ({
            metadata: {
              name: p.name,
              namespace: p.namespace,
              ownerReferences: p.owner ? [{ kind: p.owner }] : [],
              annotations: p.mirror ? { 'kubernetes.io/config.mirror': 'x' } : {},
            },
            status: { phase: p.phase ?? 'Running' },
          })),
        }),
      };
    const evict = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/eviction$/.exec(path);
    if (evict && method === 'POST') {
      const i = live.findIndex((p) => p.namespace === evict[1] && p.name === evict[2]);
      const pod = live[i];
      if (!pod) return { status: 404, body: '{}' };
      if ((pod.refusals ?? 0) > 0) {
        pod.refusals = (pod.refusals ?? 0) - 1;
        return {
          status: 429,
          body: 'Cannot evict pod as it would violate the pod disruption budget.',
        };
      }
      live.splice(i, 1);
      return { status: 201, body: '{}' };
    }
    return { status: 500, body: `unexpected ${method} ${path}` };
  };
  return { api, calls, live };
}

function clock() {
  let t = 0;
  return {
    now: () => t,
    sleep: (ms: number) => {
      t += ms;
      return Promise.resolve();
    },
  };
}

describe('draining a worker before its VM goes', () => {
  it('cordons, evicts all but DaemonSet, static and finished pods, waits out budgets, removes the node', async () => {
    const f = fakeApi(true, [
      { name: 'vault-1', namespace: 'vault', owner: 'StatefulSet', refusals: 2 },
      { name: 'api-7', namespace: 'spring-api', owner: 'ReplicaSet' },
      { name: 'calico-node-x', namespace: 'calico-system', owner: 'DaemonSet' },
      { name: 'static', namespace: 'kube-system', mirror: true },
      { name: 'job-done', namespace: 'default', owner: 'Job', phase: 'Succeeded' },
    ]);
    const c = clock();
    const summary = await drainNode(f.api, 'w-1', { timeoutMs: 60_000, intervalMs: 5_000, ...c });
    expect(summary).toBe('drained w-1: 2 pod(s) evicted, Node object removed');
    expect(f.calls[1]).toBe('PATCH /api/v1/nodes/w-1 {"spec":{"unschedulable":true}}');
    const evictions = f.calls.filter((l) => l.endsWith('/eviction'));
    expect(evictions).toEqual([
      'POST /api/v1/namespaces/vault/pods/vault-1/eviction',
      'POST /api/v1/namespaces/spring-api/pods/api-7/eviction',
      'POST /api/v1/namespaces/vault/pods/vault-1/eviction',
      'POST /api/v1/namespaces/vault/pods/vault-1/eviction',
    ]);
    expect(f.calls.at(-1)).toBe('DELETE /api/v1/nodes/w-1');
    expect(f.live.map((p) => p.name)).toEqual(['calico-node-x', 'static', 'job-done']);
    expect(c.now()).toBe(15_000);
  });

  it('gives up after its time, naming the pods a budget still holds, and keeps the node', async () => {
    const f = fakeApi(true, [
      { name: 'vault-0', namespace: 'vault', owner: 'StatefulSet', refusals: Infinity },
    ]);
    await expect(
      drainNode(f.api, 'w-1', { timeoutMs: 60_000, intervalMs: 5_000, ...clock() }),
    ).rejects.toThrow(
      'draining w-1: not done within 1 min; still there: vault/vault-0 (evictions refused by a PodDisruptionBudget: vault/vault-0)',
    );
    expect(f.calls).not.toContain('DELETE /api/v1/nodes/w-1');
  });

  it('does nothing for a node that never registered', async () => {
    const f = fakeApi(false, []);
    expect(await drainNode(f.api, 'w-1', { timeoutMs: 1, intervalMs: 1, ...clock() })).toBe(
      'node w-1 is not registered: nothing to drain',
    );
    expect(f.calls).toEqual(['GET /api/v1/nodes/w-1']);
  });
});
