import { HttpSend } from '../../../infra/kube/kube-api';
import { legacySecretSource } from '../../../infra/platform/vault/legacy-init';

// The Secret older versions wrote (base64 data: root-token, keys as a JSON array, key-kind), read
// through a fake Kubernetes API that records each call.

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const OLD_SECRET = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'vault-init', namespace: 'vault' },
  data: { 'root-token': b64('hvs.old'), keys: b64('["a2V5"]'), 'key-kind': b64('unseal') },
};

function fakeApi(answers: Record<string, { status: number; body?: unknown }>) {
  const calls: string[] = [];
  const api: HttpSend = (method, path) => {
    calls.push(`${method} ${path}`);
    const a = answers[`${method} ${path}`] ?? { status: 404 };
    return Promise.resolve({ status: a.status, body: JSON.stringify(a.body ?? {}) });
  };
  return { api, calls };
}

const PATH = '/api/v1/namespaces/vault/secrets/vault-init';

describe('the older init Secret', () => {
  it('reads the root token and keys the older versions wrote', async () => {
    const { api } = fakeApi({ [`GET ${PATH}`]: { status: 200, body: OLD_SECRET } });
    expect(await legacySecretSource(api, 'vault').load()).toEqual({
      rootToken: 'hvs.old',
      material: { keys: ['a2V5'], keyKind: 'unseal' },
    });
  });

  it('is absent when the API answers 404', async () => {
    const { api } = fakeApi({});
    expect(await legacySecretSource(api, 'vault').load()).toBeUndefined();
  });

  it('refuses a Secret of another shape, naming it, without echoing its content', async () => {
    const broken = { ...OLD_SECRET, data: { keys: b64('{"not":"a list"}') } };
    const { api } = fakeApi({ [`GET ${PATH}`]: { status: 200, body: broken } });
    await expect(legacySecretSource(api, 'vault').load()).rejects.toThrow(
      'Secret vault/vault-init is not what older versions wrote (keys "root-token", "keys" as a JSON array of strings, "key-kind"); move it away or fix it, then run again',
    );
  });

  it('names the Secret and the status when the API refuses the read', async () => {
    const { api } = fakeApi({ [`GET ${PATH}`]: { status: 403 } });
    await expect(legacySecretSource(api, 'vault').load()).rejects.toThrow(
      'reading Secret vault/vault-init: HTTP 403',
    );
  });

  it('deletes it, and a Secret already gone is fine', async () => {
    const { api, calls } = fakeApi({ [`DELETE ${PATH}`]: { status: 200 } });
    await legacySecretSource(api, 'vault').remove();
    expect(calls).toEqual([`DELETE ${PATH}`]);
    await legacySecretSource(fakeApi({}).api, 'vault').remove();
  });
});
