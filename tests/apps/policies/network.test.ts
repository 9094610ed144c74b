import {
  databaseEgressViolations,
  networkPolicyViolations,
} from '../../../infra/apps/policies/network';
import { editable, renderedEnvironments } from '../../support/fixtures';

const rendered = renderedEnvironments();
const API = 'Deployment/spring-api/spring-api container api';

function withUrl(url: string): any[] {
  const objects = editable(rendered.prod);
  objects.find((o) => o.kind === 'ConfigMap').data['spring.datasource.url'] = url;
  return objects;
}

describe('database-egress policy', () => {
  it.each(['dev', 'staging', 'prod'] as const)('holds in %s', (env) => {
    expect(databaseEgressViolations(rendered[env])).toEqual([]);
  });

  it('refuses a URL whose host the egress ipBlock does not cover', () => {
    expect(databaseEgressViolations(withUrl('jdbc:postgresql://10.30.2.11:5432/articles'))).toEqual(
      [
        `${API}: spring.datasource.url connects to 10.30.2.11:5432, which no egress NetworkPolicy allows`,
      ],
    );
  });

  it('refuses a URL on another port than the egress rule opens', () => {
    expect(databaseEgressViolations(withUrl('jdbc:postgresql://10.30.2.10:6432/articles'))).toEqual(
      [
        `${API}: spring.datasource.url connects to 10.30.2.10:6432, which no egress NetworkPolicy allows`,
      ],
    );
  });

  it('refuses a host name, which no ipBlock can be shown to cover', () => {
    expect(databaseEgressViolations(withUrl('jdbc:postgresql://db.internal/articles'))).toEqual([
      `${API}: spring.datasource.url connects to db.internal:5432, which no egress NetworkPolicy allows`,
    ]);
  });

  it('refuses a URL it cannot read, without echoing it', () => {
    expect(databaseEgressViolations(withUrl('jdbc:postgresql://10.30.2.10/a?password=x'))).toEqual([
      `${API}: spring.datasource.url is not a jdbc:postgresql://host:port/database URL`,
    ]);
  });

  it('honours an except range inside the allowed block', () => {
    const objects = editable(rendered.prod);
    const egress = objects.find((o) => o.metadata.name === 'spring-api-egress');
    egress.spec.egress[2].to[0].ipBlock = { cidr: '10.30.2.0/24', except: ['10.30.2.10/32'] };
    expect(databaseEgressViolations(objects)).toEqual([
      `${API}: spring.datasource.url connects to 10.30.2.10:5432, which no egress NetworkPolicy allows`,
    ]);
  });
});

describe('network-coverage policy', () => {
  it('ignores policies of another namespace', () => {
    const objects = editable(rendered.prod);
    for (const p of objects.filter((o) => o.kind === 'NetworkPolicy')) p.metadata.namespace = 'x';
    expect(networkPolicyViolations(objects)).toEqual([
      'Deployment/spring-api/spring-api: no NetworkPolicy restricts ingress',
      'Deployment/spring-api/spring-api: no NetworkPolicy restricts egress',
    ]);
  });
});
