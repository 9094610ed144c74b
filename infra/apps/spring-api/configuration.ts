import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import { EnvVar, KubeConfigMap, KubeSecret, Volume, VolumeMount } from '../imports/k8s';
import { commonLabels } from './labels';
import { CONFIG_DIR, managedSettings, managedVariables } from './managed';
import { ResolvedSpringApi } from './props';
import { environmentName } from './spring-names';
import { SECRETS_DIR } from './vault';

function sorted(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

/** What the Deployment needs from the configuration objects. */
export interface ConfigurationWiring {
  readonly env: EnvVar[];
  readonly volumes: Volume[];
  readonly mounts: VolumeMount[];
  /** Hash of the ConfigMap's data: a change rolls the pods, which read config at start-up. */
  readonly checksum: string;
}

/**
 * One ConfigMap read two ways (its UPPER_CASE keys as environment variables, its property keys
 * as files of a config tree) and, when secrets are delivered by Kubernetes, one Secret read both
 * ways too. With Vault, secret files come from the agent instead and no Secret exists.
 */
export class ApiConfiguration extends Construct {
  public readonly wiring: ConfigurationWiring;

  constructor(scope: Construct, id: string, api: ResolvedSpringApi) {
    super(scope, id);
    const metadata = { namespace: api.namespace, labels: commonLabels(api) };
    const configName = `${api.name}-config`;
    const properties = sorted({ ...managedSettings(api), ...api.settings });
    const variables = sorted({ ...api.environment, ...managedVariables(api) });
    const data = { ...properties, ...variables };
    new KubeConfigMap(this, 'config', { metadata: { ...metadata, name: configName }, data });

    const env: EnvVar[] = Object.keys(variables).map((name) => ({
      name,
      valueFrom: { configMapKeyRef: { name: configName, key: name } },
    }));
    const volumes: Volume[] = [
      {
        name: 'config',
        configMap: {
          name: configName,
          items: Object.keys(properties).map((key) => ({ key, path: key })),
          defaultMode: 0o444,
        },
      },
    ];
    const mounts: VolumeMount[] = [{ name: 'config', mountPath: CONFIG_DIR, readOnly: true }];

    const delivery = api.secretDelivery;
    if (delivery.kind === 'kubernetes') {
      const secretName = `${api.name}-secrets`;
      const values = api.secretProperties.map((p) => [p, delivery.values[p] ?? ''] as const);
      new KubeSecret(this, 'secret', {
        metadata: { ...metadata, name: secretName },
        type: 'Opaque',
        data: Object.fromEntries(
          values.map(([p, v]) => [p, Buffer.from(v, 'utf8').toString('base64')]),
        ),
      });
      for (const property of api.secretProperties) {
        env.push({
          name: environmentName(property),
          valueFrom: { secretKeyRef: { name: secretName, key: property } },
        });
      }
      volumes.push({ name: 'secrets', secret: { secretName, defaultMode: 0o440 } });
      mounts.push({ name: 'secrets', mountPath: SECRETS_DIR, readOnly: true });
    }

    const checksum = createHash('sha256').update(JSON.stringify(data)).digest('hex');
    this.wiring = { env, volumes, mounts, checksum };
  }
}
