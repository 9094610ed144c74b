import { App, Chart } from 'cdk8s';
import { stringify } from 'yaml';
import { ConfigError, ConfigIssue } from '../config/errors';
import { EnvironmentName } from '../config/environments';
import { outputPolicyViolations, PolicyError } from './policies';
import { SpringApi } from './spring-api/spring-api';
import { ResolvedSpringApi, SpringApiProps } from './spring-api/props';

/** A Kubernetes object as synthesized (plain JSON). */
export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string } & Record<
    string,
    unknown
  >;
  readonly [field: string]: unknown;
}

/** One environment, rendered in memory. */
export interface RenderedEnvironment {
  readonly environment: EnvironmentName;
  readonly objects: readonly ManifestObject[];
  /** The objects as one multi-document YAML file. */
  readonly yaml: string;
  /** The profile with defaults applied. */
  readonly resolved: ResolvedSpringApi;
}

/** The chart id, which also names the manifest file: `<id>.k8s.yaml`. */
export const CHART_ID = 'spring-api';

/** Builds the cdk8s app of one environment in memory and returns its objects. */
export function renderEnvironment(
  environment: EnvironmentName,
  props: SpringApiProps,
): RenderedEnvironment {
  const app = new App();
  const chart = new Chart(app, CHART_ID, { disableResourceNameHashes: true });
  const api = new SpringApi(chart, 'api', props, `${environment}.springApi`);
  const objects = chart.toJson() as ManifestObject[];
  return { environment, objects, yaml: toYaml(objects), resolved: api.resolved };
}

/** Multi-document YAML with stable formatting: no folded lines, no anchors. */
export function toYaml(objects: readonly ManifestObject[]): string {
  return objects
    .map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false }))
    .join('---\n');
}

/**
 * Renders every environment, or none: the issues of all environments are gathered into one
 * ConfigError, so a user sees every bad value at once and nothing is written. Then every
 * output policy runs over every object, and any violation, in any environment, is one
 * PolicyError: callers write or apply nothing unless all environments pass.
 */
export function renderAll(
  profiles: Readonly<Partial<Record<EnvironmentName, SpringApiProps>>>,
): RenderedEnvironment[] {
  const rendered: RenderedEnvironment[] = [];
  const issues: ConfigIssue[] = [];
  for (const [environment, props] of Object.entries(profiles) as [
    EnvironmentName,
    SpringApiProps,
  ][]) {
    try {
      rendered.push(renderEnvironment(environment, props));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues.push(...error.issues);
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const violations = rendered.flatMap((env) =>
    outputPolicyViolations(env.environment, env.objects, {
      // A Kubernetes Secret is how this profile delivers secrets: expected, not a leak.
      secretObjectsAllowed: env.resolved.secretDelivery.kind === 'kubernetes',
    }),
  );
  if (violations.length > 0) throw new PolicyError(violations);
  return rendered;
}
