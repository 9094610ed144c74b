// The URL cdk8s-cli downloads a Kubernetes version's schema from, apart from offline-schema.ts
// (which patches Node's http and https as soon as it is loaded).

/** Where cdk8s-cli fetches the schema of Kubernetes `<version>` (cdk8s-cli's lib/import/k8s). */
export function schemaUrl(version: string): string {
  return `https://raw.githubusercontent.com/cdk8s-team/cdk8s/master/kubernetes-schemas/v${version}/_definitions.json`;
}
