// The Kubernetes schema `cdk8s import k8s` reads, made from the pinned kube-apiserver's own
// OpenAPI v2 document instead of downloaded from GitHub.
import { spawnSync } from 'node:child_process';
import { LocalCluster } from '../verify/local-cluster';

interface JsonSchema {
  readonly [key: string]: unknown;
}

/** A swagger (OpenAPI v2) document as kube-apiserver serves it at /openapi/v2. */
export interface Swagger {
  readonly info?: { readonly version?: string };
  readonly definitions: Readonly<Record<string, JsonSchema>>;
}

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

/**
 * A schema without its `enum` keywords, at any depth. Only keywords go: a property that is
 * itself named "enum" (JSONSchemaProps has one) stays.
 */
function withoutEnums(schema: JsonSchema): JsonSchema {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'enum') continue;
    if (key === 'properties' && value && typeof value === 'object') {
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([p, s]) => [p, withoutEnums(s)]),
      );
    } else if ((key === 'items' || key === 'additionalProperties') && isSchema(value)) {
      out[key] = withoutEnums(value);
    } else if (['allOf', 'anyOf', 'oneOf'].includes(key) && Array.isArray(value)) {
      out[key] = value.map((s: JsonSchema) => withoutEnums(s));
    } else {
      out[key] = value;
    }
  }
  return out;
}

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The swagger's definitions in the shape of cdk8s' published kubernetes-schemas (made there by
 * openapi2jsonschema --kubernetes from the swagger.json in the Kubernetes repository):
 * - IntOrString and Quantity, served as plain strings, accept a number too; these two rewrites
 *   give the generated code its `IntOrString.fromNumber` and `Quantity.fromNumber`;
 * - the `enum` lists a live server adds to string fields (Service type, protocols, pull policy,
 *   ...) are dropped, as cdk8s' published schemas have none (the 1.28 types generated from them,
 *   bundled in cdk8s-plus-28, have no such enum): kept, they would turn each such
 *   field into a generated TypeScript enum, and every literal like 'TCP' into
 *   `IoK8SApiCoreV1ServicePortProtocol.TCP`. The allowed values stay in each field's comment; a
 *   wrong one is caught by verify's server-side dry run against the real API server (neither
 *   tsc nor the strict JSON schemas of the tests, which carry no enums either, would see it).
 */
export function cdk8sSchema(swagger: Swagger): { definitions: Record<string, JsonSchema> } {
  for (const name of [INT_OR_STRING, QUANTITY]) {
    if (!(name in swagger.definitions)) throw new Error(`swagger: definition ${name} is missing`);
  }
  const definitions: Record<string, JsonSchema> = Object.fromEntries(
    Object.entries(swagger.definitions).map(([name, schema]) => [name, withoutEnums(schema)]),
  );
  const { description: intDescription } = swagger.definitions[INT_OR_STRING];
  definitions[INT_OR_STRING] = {
    description: intDescription,
    oneOf: [{ type: 'string' }, { type: 'integer' }],
  };
  const { description: quantityDescription } = swagger.definitions[QUANTITY];
  definitions[QUANTITY] = {
    description: quantityDescription,
    oneOf: [{ type: 'string' }, { type: 'number' }],
  };
  return { definitions };
}

/** Starts etcd and the given kube-apiserver on loopback and returns its /openapi/v2 document. */
export async function fetchSwagger(apiserverBinary: string): Promise<string> {
  const cluster = await LocalCluster.start(apiserverBinary);
  try {
    // LocalCluster.kubectl keeps Node's 1 MiB output limit; the document is about 2 MiB.
    const run = spawnSync(
      'kubectl',
      ['--kubeconfig', cluster.kubeconfigPath, 'get', '--raw', '/openapi/v2'],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    if (run.status !== 0) throw new Error(`kubectl get --raw /openapi/v2: ${run.stderr}`);
    return run.stdout;
  } finally {
    await cluster.stopAndWait();
  }
}
