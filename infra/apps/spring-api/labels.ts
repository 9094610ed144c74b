import { ResolvedSpringApi } from './props';

/** Labels that select the API's pods; stable across releases so selectors never change. */
export function selectorLabels(api: ResolvedSpringApi): Record<string, string> {
  return { 'app.kubernetes.io/name': api.name };
}

/** Labels on every object of the API. */
export function commonLabels(api: ResolvedSpringApi): Record<string, string> {
  return {
    ...selectorLabels(api),
    'app.kubernetes.io/part-of': 'k8s-platform',
    'app.kubernetes.io/managed-by': 'cdk8s',
  };
}

/** Labels of the pod template: common labels plus the running version. */
export function podLabels(api: ResolvedSpringApi): Record<string, string> {
  return { ...commonLabels(api), 'app.kubernetes.io/version': api.imageTag };
}
