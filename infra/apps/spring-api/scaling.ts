import { Construct } from 'constructs';
import {
  IntOrString,
  KubeHorizontalPodAutoscalerV2,
  KubePodDisruptionBudget,
} from '../imports/k8s';
import { commonLabels, selectorLabels } from './labels';
import { ResolvedSpringApi } from './props';

/** Fewest replicas the API runs with, whether fixed or autoscaled. */
export function minimumReplicas(api: ResolvedSpringApi): number {
  return api.autoscaling?.minReplicas ?? api.replicas;
}

/**
 * A CPU-driven HorizontalPodAutoscaler when autoscaling is set, and a PodDisruptionBudget
 * whenever two or more replicas run (with one replica a budget would block node drains).
 */
export class ApiScaling extends Construct {
  constructor(scope: Construct, id: string, api: ResolvedSpringApi) {
    super(scope, id);
    const metadata = { name: api.name, namespace: api.namespace, labels: commonLabels(api) };
    if (api.autoscaling) {
      const { minReplicas, maxReplicas, targetCpuUtilization } = api.autoscaling;
      new KubeHorizontalPodAutoscalerV2(this, 'hpa', {
        metadata,
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: api.name },
          minReplicas,
          maxReplicas,
          metrics: [
            {
              type: 'Resource',
              resource: {
                name: 'cpu',
                target: { type: 'Utilization', averageUtilization: targetCpuUtilization },
              },
            },
          ],
          // Scale up at once, scale down only after five quiet minutes (no flapping).
          behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
        },
      });
    }
    if (minimumReplicas(api) >= 2) {
      new KubePodDisruptionBudget(this, 'pdb', {
        metadata,
        spec: {
          maxUnavailable: IntOrString.fromNumber(1),
          selector: { matchLabels: selectorLabels(api) },
        },
      });
    }
  }
}
