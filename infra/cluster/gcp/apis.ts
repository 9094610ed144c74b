// The Google Cloud APIs the stack uses, enabled by the stack itself. A fresh project has none
// of them on, and enabling one takes a minute: every resource that calls an API depends on that
// API's enablement, so a first `pulumi up` never races it.
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';

export const GOOGLE_APIS = {
  compute: 'compute.googleapis.com',
  secretManager: 'secretmanager.googleapis.com',
  kms: 'cloudkms.googleapis.com',
  iam: 'iam.googleapis.com',
  /** Project-level IAM bindings go through the Resource Manager API. */
  resourceManager: 'cloudresourcemanager.googleapis.com',
  /** The etcd snapshot bucket. */
  storage: 'storage.googleapis.com',
  /** IAP TCP forwarding: SSH to the nodes and, in CI, the tunnel to the API server. */
  iap: 'iap.googleapis.com',
} as const;

export type GoogleApi = keyof typeof GOOGLE_APIS;

/** The enablement of each API, for `dependsOn`. */
export type EnabledApis = Readonly<Record<GoogleApi, pulumi.Resource>>;

/** Google Cloud APIs the cluster and the platform layer use. */
export const REQUIRED_APIS: readonly string[] = Object.values(GOOGLE_APIS);

/** The parent and the Google provider every Google resource of the cluster is created with. */
export interface GoogleBase {
  readonly parent: pulumi.Resource;
  readonly provider: pulumi.ProviderResource;
}

/** Enables every API the stack uses (left enabled on destroy: other things may use them). */
export function enableApis(project: string, opts: GoogleBase): EnabledApis {
  const entries = (Object.entries(GOOGLE_APIS) as [GoogleApi, string][]).map(([key, api]) => [
    key,
    new gcp.projects.Service(
      api.split('.')[0] ?? api,
      { service: api, project, disableOnDestroy: false },
      opts,
    ),
  ]);
  return Object.fromEntries(entries) as Record<GoogleApi, pulumi.Resource>;
}

/** Options for a Google resource that calls `which` APIs: it waits for their enablement. */
export function needing(
  base: { parent: pulumi.Resource; provider?: pulumi.ProviderResource },
  apis: EnabledApis | undefined,
  ...which: GoogleApi[]
): pulumi.CustomResourceOptions {
  return { ...base, dependsOn: apis ? which.map((w) => apis[w]) : [] };
}
