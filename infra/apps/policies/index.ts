import { EnvironmentName } from '../../config/environments';
import { ManifestObject } from '../render';
import {
  imageViolations,
  probeViolations,
  resourceViolations,
  securityContextViolations,
} from './containers';
import { certificateViolations } from './certificates';
import { ingressHostViolations } from './ingress';
import { metadataViolations } from './metadata';
import { databaseEgressViolations, networkPolicyViolations } from './network';
import { secretViolations, SecretPolicyOptions } from './secrets';
import { springPropertyViolations } from './spring-properties';

// The output policies: checks over the rendered objects of an environment, which every path
// that renders them runs before anything is written or applied (renderAll: `npm run synth`,
// `cdk8s synth`, the Pulumi program, the GitOps publishing that runs synth), and which the
// tests run too. Props validation gives friendlier messages earlier; these hold whatever the
// construct renders.

/** What an environment's profile allows that the objects alone cannot tell. */
export type PolicyContext = SecretPolicyOptions;

/** One policy: a name for messages, and a check returning one line per violation. */
export interface OutputPolicy {
  readonly name: string;
  readonly check: (objects: readonly ManifestObject[], context: PolicyContext) => string[];
}

export const OUTPUT_POLICIES: readonly OutputPolicy[] = [
  { name: 'security-context', check: securityContextViolations },
  { name: 'resources', check: resourceViolations },
  { name: 'probes', check: probeViolations },
  { name: 'pinned-images', check: imageViolations },
  { name: 'secret-values', check: secretViolations },
  { name: 'network-coverage', check: networkPolicyViolations },
  { name: 'database-egress', check: (objects) => databaseEgressViolations(objects) },
  { name: 'metadata', check: metadataViolations },
  { name: 'spring-properties', check: springPropertyViolations },
  { name: 'ingress-hosts', check: ingressHostViolations },
  { name: 'tls-certificates', check: certificateViolations },
];

/** A broken policy: which environment, which policy, and the object and rule in its message. */
export interface PolicyViolation {
  readonly environment: EnvironmentName;
  readonly policy: string;
  readonly message: string;
}

export function formatViolation(v: PolicyViolation): string {
  return `${v.environment}: ${v.policy}: ${v.message}`;
}

/**
 * Thrown instead of writing or applying objects that break an output policy. Like ConfigError,
 * it lists every violation at once, one per line.
 */
export class PolicyError extends Error {
  constructor(public readonly violations: readonly PolicyViolation[]) {
    super(violations.map(formatViolation).join('\n'));
    this.name = 'PolicyError';
  }
}

/** Every violation of every output policy in one environment's objects. */
export function outputPolicyViolations(
  environment: EnvironmentName,
  objects: readonly ManifestObject[],
  context: PolicyContext,
): PolicyViolation[] {
  return OUTPUT_POLICIES.flatMap((policy) =>
    policy
      .check(objects, context)
      .map((message) => ({ environment, policy: policy.name, message })),
  );
}
