// The minikube target: an existing cluster, reached through a context of the local kubeconfig.
// The context is checked before any resource is registered, so a stopped or misnamed minikube
// fails with the key, the value and the contexts that do exist.
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { existsSync, readFileSync } from 'node:fs';
import { ConfigError } from '../config/errors';
import { StackConfig } from '../config/stack';
import { defaultKubeconfigPath, kubeconfigContexts } from '../kube/kube-api';
import { Cluster } from './cluster';

export function minikubeCluster(
  stack: StackConfig,
  kubeconfigPath = defaultKubeconfigPath(),
  opts?: pulumi.CustomResourceOptions,
): Cluster {
  const context = stack.kubeContext;
  const start = `start it first (minikube start -p ${context}) or set k8s-platform:kubeContext`;
  if (!existsSync(kubeconfigPath)) {
    throw new ConfigError([
      {
        key: 'k8s-platform.kubeContext',
        value: context,
        allowed: `a context of the kubeconfig, but ${kubeconfigPath} does not exist: ${start}`,
      },
    ]);
  }
  const contexts = kubeconfigContexts(readFileSync(kubeconfigPath, 'utf8'));
  if (!contexts.includes(context)) {
    const found = contexts.length === 0 ? 'none' : contexts.map((c) => `"${c}"`).join(', ');
    throw new ConfigError([
      {
        key: 'k8s-platform.kubeContext',
        value: context,
        allowed: `a context of ${kubeconfigPath} (found: ${found}): ${start}`,
      },
    ]);
  }
  const provider = new k8s.Provider(
    'minikube',
    { kubeconfig: kubeconfigPath, context, enableServerSideApply: true },
    opts,
  );
  return {
    provider,
    kubeconfig: { path: kubeconfigPath },
    context,
    networking: { kind: 'minikube', metallbPool: stack.metallbPool },
    ready: [],
  };
}
