// Headlamp, the web UI: read-only by default, reached with `kubectl port-forward` only, and
// logged into with a short-lived token of the `view` service account its chart creates
// (charts/headlamp: values.yaml, templates/viewer.yaml, templates/guard.yaml).
import * as k8s from '@pulumi/kubernetes';
import { wrapperChart } from './charts';
import { AddonArgs } from './metrics-server';

/** Headlamp's namespace and Service (the wrapper sets fullnameOverride: headlamp). */
export const HEADLAMP = { namespace: 'headlamp', service: 'headlamp', port: 80 } as const;
/** The local port the README and the stack output use for the port-forward. */
export const HEADLAMP_LOCAL_PORT = 4466;

/** The login service account, as charts/headlamp/values.yaml names it (`viewer.serviceAccount`). */
export function headlampViewer(): string {
  const values = Object.assign({}, ...wrapperChart('headlamp').values('minikube')) as {
    viewer?: { serviceAccount?: unknown };
  };
  const name = values.viewer?.serviceAccount;
  if (typeof name !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name))
    throw new Error(
      `charts/headlamp/values.yaml: viewer.serviceAccount = ${JSON.stringify(name ?? null)} is invalid: must be a service account name`,
    );
  return name;
}

/** How to log in from a workstation: a one-hour read-only token, then the port-forward. */
export function headlampCommand(context: string): string {
  const kubectl = `kubectl --context ${context} -n ${HEADLAMP.namespace}`;
  return (
    `${kubectl} create token ${headlampViewer()} --duration=1h (the read-only login token), then ` +
    `${kubectl} port-forward svc/${HEADLAMP.service} ${HEADLAMP_LOCAL_PORT}:${HEADLAMP.port} ` +
    `and open http://127.0.0.1:${HEADLAMP_LOCAL_PORT}`
  );
}

/** The Headlamp release; returns it with the login command. */
export function headlamp(a: AddonArgs): { release: k8s.helm.v3.Release; command: string } {
  const release = a.release('headlamp', { atomic: true, timeout: 300 }, a.after(...a.namespaces));
  return { release, command: headlampCommand(a.cluster.context) };
}
