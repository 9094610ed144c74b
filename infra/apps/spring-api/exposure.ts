import { Construct } from 'constructs';
import { IntOrString, KubeIngress, KubeService } from '../imports/k8s';
import { INGRESS_CLASS } from '../../config/platform';
import { ServiceMonitor } from '../imports/monitoring.coreos.com';
import { commonLabels, selectorLabels } from './labels';
import { ResolvedSpringApi } from './props';

/** Where Micrometer's Prometheus registry is served on the management port. */
export const METRICS_PATH = '/actuator/prometheus';

/**
 * The ClusterIP Service (API and management ports), the Ingress in front of the API port,
 * and the ServiceMonitor through which Prometheus scrapes the management port. The Ingress
 * carries no controller-specific annotations, so another controller can replace ingress-nginx.
 */
export class ApiExposure extends Construct {
  constructor(scope: Construct, id: string, api: ResolvedSpringApi) {
    super(scope, id);
    const metadata = { name: api.name, namespace: api.namespace, labels: commonLabels(api) };
    new KubeService(this, 'service', {
      metadata,
      spec: {
        type: 'ClusterIP',
        selector: selectorLabels(api),
        ports: [
          { name: 'http', port: 80, targetPort: IntOrString.fromString('http'), protocol: 'TCP' },
          {
            name: 'management',
            port: api.managementPort,
            targetPort: IntOrString.fromString('management'),
            protocol: 'TCP',
          },
        ],
      },
    });

    if (api.ingress) {
      const { host, tlsSecretName } = api.ingress;
      new KubeIngress(this, 'ingress', {
        metadata,
        spec: {
          ingressClassName: INGRESS_CLASS,
          tls: tlsSecretName ? [{ hosts: [host], secretName: tlsSecretName }] : undefined,
          rules: [
            {
              host,
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: api.name, port: { name: 'http' } } },
                  },
                ],
              },
            },
          ],
        },
      });
    }

    new ServiceMonitor(this, 'service-monitor', {
      metadata,
      spec: {
        selector: { matchLabels: selectorLabels(api) },
        endpoints: [
          { port: 'management', path: METRICS_PATH, interval: '30s', scrapeTimeout: '10s' },
        ],
      },
    });
  }
}
