import { ApiObject, GroupVersionKind } from 'cdk8s';
import { Construct } from 'constructs';
import { LabelSelector, ObjectMeta } from 'cdk8s-plus-28/lib/imports/k8s';

// A typed subset of the Prometheus Operator's ServiceMonitor (monitoring.coreos.com/v1): the
// fields this repo sets. Adding a field here is the only way to emit it, so a misspelt field
// fails to compile instead of being ignored by the operator.

/** One endpoint of the selected Services to scrape. */
export interface ServiceMonitorEndpoint {
  /** Name of the Service port. */
  readonly port: string;
  /** HTTP path of the metrics. @default "/metrics" */
  readonly path?: string;
  /** Scrape interval, e.g. "30s". @default Prometheus' global interval */
  readonly interval?: string;
  /** Scrape timeout, shorter than the interval. */
  readonly scrapeTimeout?: string;
  /** @default "http" */
  readonly scheme?: 'http' | 'https';
}

export interface ServiceMonitorSpec {
  /** Labels of the Services to scrape. */
  readonly selector: LabelSelector;
  /** Namespaces to look for those Services in. @default the ServiceMonitor's own */
  readonly namespaceSelector?: { readonly matchNames: readonly string[] };
  readonly endpoints: readonly ServiceMonitorEndpoint[];
  /** Service label whose value becomes the `job` label. */
  readonly jobLabel?: string;
}

export interface ServiceMonitorProps {
  readonly metadata: ObjectMeta;
  readonly spec: ServiceMonitorSpec;
}

export class ServiceMonitor extends ApiObject {
  public static readonly GVK: GroupVersionKind = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
  };

  constructor(scope: Construct, id: string, props: ServiceMonitorProps) {
    super(scope, id, { ...ServiceMonitor.GVK, metadata: props.metadata, spec: props.spec });
  }
}
