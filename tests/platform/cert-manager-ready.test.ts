import { HttpAnswer, HttpSend } from '../../infra/kube/kube-api';
import {
  PROBE,
  PROBE_PATH,
  readReadySettings,
  waitForCertManager,
} from '../../infra/platform/cert-manager-ready';

/** A fake API server answering from a script, recording requests, on a fake clock. */
function fake(answers: readonly (HttpAnswer | Error)[]) {
  const requests: string[] = [];
  let t = 0;
  let i = 0;
  const send: HttpSend = (method, path, body) => {
    requests.push(`${method} ${path} ${body ?? ''}`);
    const a = answers[Math.min(i++, answers.length - 1)];
    return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
  };
  const log: string[] = [];
  const options = {
    timeoutMs: 60_000,
    intervalMs: 5_000,
    now: () => t,
    sleep: (ms: number) => {
      t += ms;
      return Promise.resolve();
    },
    log: (line: string) => log.push(line),
  };
  return { send, requests, log, options };
}

const status = (code: number, message: string): HttpAnswer => ({
  status: code,
  body: JSON.stringify({ kind: 'Status', message }),
});
const X509 =
  'Internal error occurred: failed calling webhook "webhook.cert-manager.io": tls: failed to verify certificate: x509: certificate signed by unknown authority';

describe("waiting for cert-manager's webhook", () => {
  it('retries while the CRD is missing and the webhook unreachable, until a dry run is admitted', async () => {
    const f = fake([
      status(404, 'the server could not find the requested resource'),
      new Error('connect ECONNREFUSED'),
      status(500, X509),
      { status: 201, body: '{}' },
    ]);
    await expect(waitForCertManager(f.send, f.options)).resolves.toBe(
      "cert-manager's webhook admitted a dry-run ClusterIssuer (attempt 4)",
    );
    expect(f.log).toEqual([
      "waiting for cert-manager's webhook: HTTP 404: the server could not find the requested resource",
      "waiting for cert-manager's webhook: connect ECONNREFUSED",
      `waiting for cert-manager's webhook: HTTP 500: ${X509}`,
    ]);
  });

  it('sends a server-side dry run of a ClusterIssuer, strictly validated, so nothing is stored', async () => {
    const f = fake([{ status: 201, body: '{}' }]);
    await waitForCertManager(f.send, f.options);
    expect(PROBE_PATH).toBe(
      '/apis/cert-manager.io/v1/clusterissuers?dryRun=All&fieldValidation=Strict',
    );
    expect(f.requests).toEqual([`POST ${PROBE_PATH} ${JSON.stringify(PROBE)}`]);
  });

  it('stops at once on a refusal that waiting cannot change', async () => {
    const f = fake([status(403, 'clusterissuers.cert-manager.io is forbidden')]);
    await expect(waitForCertManager(f.send, f.options)).rejects.toThrow(
      'the API server refused a dry-run ClusterIssuer: HTTP 403: clusterissuers.cert-manager.io is forbidden',
    );
    expect(f.requests).toHaveLength(1);
  });

  it('gives up at the deadline, naming the last answer', async () => {
    const f = fake([status(500, X509)]);
    await expect(waitForCertManager(f.send, f.options)).rejects.toThrow(
      `cert-manager's webhook did not admit a dry-run ClusterIssuer within 1 min (last: HTTP 500: ${X509})`,
    );
    // Every 5 s for a minute: the first try and twelve more.
    expect(f.requests).toHaveLength(13);
  });
});

describe('the wait’s settings', () => {
  it('read the context and the bound, 10 minutes by default', () => {
    expect(readReadySettings({ KUBE_CONTEXT: 'minikube' }).minutes).toBe(10);
    expect(readReadySettings({ KUBE_CONTEXT: 'minikube', WAIT_MINUTES: '3' }).minutes).toBe(3);
  });

  it('refuse a missing context and a bound out of range, naming both', () => {
    expect(() => readReadySettings({ WAIT_MINUTES: '0' })).toThrow(
      [
        'KUBE_CONTEXT = undefined is invalid: must be the kubeconfig context to use',
        'WAIT_MINUTES = "0" is invalid: must be an integer from 1 to 60 (minutes); 10 when unset',
      ].join('\n'),
    );
  });

  it('take the kubeconfig from KUBECONFIG_CONTENT when given', () => {
    const content = [
      'apiVersion: v1',
      'clusters: [{name: c, cluster: {server: "https://10.0.0.1:6443", insecure-skip-tls-verify: true}}]',
      'users: [{name: u, user: {token: "t0k"}}]',
      'contexts: [{name: k8s-platform, context: {cluster: c, user: u}}]',
    ].join('\n');
    const s = readReadySettings({ KUBE_CONTEXT: 'k8s-platform', KUBECONFIG_CONTENT: content });
    expect(s.credentials()).toMatchObject({ server: 'https://10.0.0.1:6443', token: 't0k' });
  });
});
