import { ENVIRONMENTS } from '../../infra/config/environments';
import { ManifestObject } from '../../infra/apps/render';
import { renderedEnvironments } from '../support/fixtures';
import {
  imageViolations,
  probeViolations,
  resourceViolations,
  securityContextViolations,
} from '../../infra/apps/policies/containers';
import { metadataViolations } from '../../infra/apps/policies/metadata';
import { networkPolicyViolations } from '../../infra/apps/policies/network';
import { looksRandom, secretViolations } from '../../infra/apps/policies/secrets';

const rendered = renderedEnvironments();

function clone(objects: readonly ManifestObject[]): any[] {
  return JSON.parse(JSON.stringify(objects)) as any[];
}

function deploymentOf(objects: any[]): any {
  return objects.find((o) => o.kind === 'Deployment');
}

describe.each(ENVIRONMENTS)('%s output policies', (env) => {
  const objects = rendered[env];

  it('runs every container with the restricted security context', () => {
    expect(securityContextViolations(objects)).toEqual([]);
  });
  it('sets requests and limits on every container', () => {
    expect(resourceViolations(objects)).toEqual([]);
  });
  it('probes every container', () => {
    expect(probeViolations(objects)).toEqual([]);
  });
  it('pins every image', () => {
    expect(imageViolations(objects)).toEqual([]);
  });
  it('covers every workload with ingress and egress NetworkPolicies', () => {
    expect(networkPolicyViolations(objects)).toEqual([]);
  });
  it('uses label and annotation keys and label values the API server accepts', () => {
    expect(metadataViolations(objects)).toEqual([]);
  });
  it('has a default-deny policy for the whole namespace', () => {
    const deny = objects.find((o) => o.metadata.name === 'default-deny-all') as any;
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });
});

describe('secrets', () => {
  it.each(['staging', 'prod'] as const)('%s has no Secret and no secret-looking value', (env) => {
    expect(secretViolations(rendered[env])).toEqual([]);
  });

  it('dev may keep its Secret where its profile delivers secrets by Kubernetes', () => {
    expect(secretViolations(rendered.dev, { secretObjectsAllowed: true })).toEqual([]);
  });

  it('dev has exactly its one Secret, and the check finds its value', () => {
    const violations = secretViolations(rendered.dev);
    expect(violations).toEqual(['Secret/spring-api/spring-api-secrets: Secret object']);
    const withValueElsewhere = clone(rendered.dev);
    deploymentOf(withValueElsewhere).metadata.annotations = {
      note: 'dGVzdC1hcGkta2V5LTAxMjM0NTY3ODlhYmNkZWY',
    };
    expect(secretViolations(withValueElsewhere)).toContain(
      'Deployment/spring-api/spring-api at metadata.annotations.note: high-entropy value',
    );
  });

  it('flags sensitive ConfigMap keys, literal env secrets and private keys', () => {
    const objects = clone(rendered.prod);
    objects.find((o) => o.kind === 'ConfigMap').data['db.password'] = 'hunter2';
    deploymentOf(objects).spec.template.spec.containers[0].env.push({
      name: 'API_TOKEN',
      value: 'x',
    });
    deploymentOf(objects).metadata.annotations = { key: '-----BEGIN RSA PRIVATE KEY-----' };
    expect(secretViolations(objects)).toEqual([
      'ConfigMap/spring-api/spring-api-config: ConfigMap key "db.password" looks secret',
      'Deployment/spring-api/spring-api at metadata.annotations.key: contains a key or token',
      'Deployment/spring-api/spring-api container api: env API_TOKEN has a literal value',
    ]);
  });

  it('tells random tokens from ordinary values', () => {
    expect(looksRandom('Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA')).toBe(true);
    expect(looksRandom('optional:configtree:/etc/spring-api/config/')).toBe(false);
    expect(looksRandom('spring-api-config')).toBe(false);
  });
});

describe('each policy can fail', () => {
  it('security context', () => {
    const objects = clone(rendered.prod);
    const c = deploymentOf(objects).spec.template.spec.containers[0];
    c.securityContext.readOnlyRootFilesystem = false;
    c.securityContext.capabilities = { drop: ['NET_RAW'] };
    expect(securityContextViolations(objects)).toEqual([
      'Deployment/spring-api/spring-api container api: readOnlyRootFilesystem is not true',
      'Deployment/spring-api/spring-api container api: capabilities do not drop ALL',
    ]);
  });
  it('resources', () => {
    const objects = clone(rendered.prod);
    delete deploymentOf(objects).spec.template.spec.containers[0].resources.limits.memory;
    expect(resourceViolations(objects)).toEqual([
      'Deployment/spring-api/spring-api container api: no memory limit',
    ]);
  });
  it('probes', () => {
    const objects = clone(rendered.prod);
    delete deploymentOf(objects).spec.template.spec.containers[0].startupProbe;
    expect(probeViolations(objects)).toEqual([
      'Deployment/spring-api/spring-api container api: no startupProbe',
    ]);
  });
  it('images', () => {
    const objects = clone(rendered.prod);
    deploymentOf(objects).spec.template.spec.containers[0].image = 'ghcr.io/acme/api:latest';
    expect(imageViolations(objects)).toHaveLength(1);
    deploymentOf(objects).spec.template.spec.containers[0].image = 'localhost:5000/acme/api';
    expect(imageViolations(objects)).toEqual([
      'Deployment/spring-api/spring-api container api: image "localhost:5000/acme/api" is not pinned',
    ]);
  });
  it('metadata', () => {
    const objects = clone(rendered.prod);
    const long = 'a'.repeat(45);
    deploymentOf(objects).spec.template.metadata.annotations[
      `vault.hashicorp.com/agent-inject-template-${long}`
    ] = 'x';
    deploymentOf(objects).metadata.labels['app.kubernetes.io/version'] = '1.0 beta';
    expect(metadataViolations(objects)).toEqual([
      'Deployment/spring-api/spring-api metadata label "app.kubernetes.io/version": value "1.0 beta" is not a valid label value',
      `Deployment/spring-api/spring-api pod template annotation "vault.hashicorp.com/agent-inject-template-${long}": name part is not a qualified name of at most 63 characters`,
    ]);
  });
  it('network policies', () => {
    const objects = clone(rendered.prod).filter(
      (o) => !(o.kind === 'NetworkPolicy' && o.metadata.name !== 'spring-api-ingress'),
    );
    expect(networkPolicyViolations(objects)).toEqual([
      'Deployment/spring-api/spring-api: no NetworkPolicy restricts egress',
    ]);
  });
});
