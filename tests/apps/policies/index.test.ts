import { ENVIRONMENTS } from '../../../infra/config/environments';
import { OUTPUT_POLICIES, outputPolicyViolations, PolicyError } from '../../../infra/apps/policies';
import { renderAll } from '../../../infra/apps/render';
import { editable, profiles, renderedEnvironments } from '../../support/fixtures';

const rendered = renderedEnvironments();

function policyMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof PolicyError) return error.message;
    throw error;
  }
  throw new Error('expected a PolicyError');
}

describe('output policies at synth time', () => {
  it('are the ones the tests enforce, each with a name for messages', () => {
    expect(OUTPUT_POLICIES.map((p) => p.name)).toEqual([
      'security-context',
      'resources',
      'probes',
      'pinned-images',
      'secret-values',
      'network-coverage',
      'database-egress',
      'metadata',
      'spring-properties',
      'ingress-hosts',
      'tls-certificates',
    ]);
  });

  it.each(ENVIRONMENTS)('all hold in %s, as renderAll runs them', (env) => {
    const secretObjectsAllowed = env === 'dev';
    expect(outputPolicyViolations(env, rendered[env], { secretObjectsAllowed })).toEqual([]);
  });

  it('name the environment, the policy, the object and the rule', () => {
    const objects = editable(rendered.prod);
    objects.find((o) => o.kind === 'Deployment').spec.template.spec.hostNetwork = true;
    expect(outputPolicyViolations('prod', objects, {})).toEqual([
      {
        environment: 'prod',
        policy: 'security-context',
        message: 'Deployment/spring-api/spring-api: uses host namespaces',
      },
    ]);
  });

  it('refuse a Secret object where the profile delivers secrets by Vault', () => {
    const objects = [...rendered.prod, ...rendered.dev.filter((o) => o.kind === 'Secret')];
    expect(
      outputPolicyViolations('prod', objects, { secretObjectsAllowed: false }).map(
        (v) => v.message,
      ),
    ).toContain('Secret/spring-api/spring-api-secrets: Secret object');
  });

  it('run in renderAll: a profile that passes validation but breaks a policy renders nothing', () => {
    const all = profiles();
    const message = policyMessage(() =>
      renderAll({
        ...all,
        prod: { ...all.prod, environment: { ...all.prod.environment, API_TOKEN: 'x' } },
        staging: {
          ...all.staging,
          settings: { ...all.staging.settings, 'app.greeting': 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA' },
        },
      }),
    );
    expect(message).toBe(
      [
        'staging: secret-values: ConfigMap/spring-api/spring-api-config at data.app.greeting: high-entropy value',
        'prod: secret-values: ConfigMap/spring-api/spring-api-config: ConfigMap key "API_TOKEN" looks secret',
      ].join('\n'),
    );
  });

  it('run after validation: a bad value is a ConfigError, not a policy violation', () => {
    const all = profiles();
    expect(() => renderAll({ prod: { ...all.prod, replicas: 0, autoscaling: undefined } })).toThrow(
      'prod.springApi.replicas = 0 is invalid: must be an integer from 1 to 50',
    );
  });
});
