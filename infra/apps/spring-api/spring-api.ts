import { Construct } from 'constructs';
import { ApiCertificate } from './certificate';
import { ApiConfiguration } from './configuration';
import { ApiExposure } from './exposure';
import { ApiNamespace } from './namespace';
import { ApiNetworkPolicies } from './network-policies';
import { ResolvedSpringApi, SpringApiProps } from './props';
import { ApiQuota } from './quota';
import { resolveSpringApi } from './resolve';
import { ApiScaling } from './scaling';
import { ApiWorkload } from './workload';

/**
 * Everything the Spring Boot API needs in its own namespace: guard rails (Pod Security,
 * quota, limits, default-deny network), configuration and secrets, the workload, its
 * exposure (with the Ingress's certificate) and scaling. Props are validated before any object is created.
 *
 * The objects are the Kubernetes 1.32 classes `cdk8s import` generated (../imports), not
 * cdk8s-plus constructs: cdk8s-plus' Deployment adds a `cdk8s.io/metadata.addr` label to its
 * selector (immutable, so a running Deployment could not be updated) and defaults of its own
 * (pull policy Always, HPA behaviour, Secrets as stringData), and its HPA can only target its
 * own workloads.
 */
export class SpringApi extends Construct {
  /** The props with defaults applied, for callers that need the resolved values. */
  public readonly resolved: ResolvedSpringApi;

  constructor(scope: Construct, id: string, props: SpringApiProps, keyPrefix?: string) {
    super(scope, id);
    const api = resolveSpringApi(props, keyPrefix);
    this.resolved = api;

    new ApiNamespace(this, 'namespace', api);
    new ApiQuota(this, 'quota', api);
    new ApiNetworkPolicies(this, 'network', api);
    const configuration = new ApiConfiguration(this, 'configuration', api);
    new ApiWorkload(this, 'workload', api, configuration.wiring);
    new ApiExposure(this, 'exposure', api);
    new ApiCertificate(this, 'certificate', api);
    new ApiScaling(this, 'scaling', api);
  }
}
