import {
  databaseEgressViolations,
  networkPolicyViolations,
} from '../../../infra/apps/policies/network';
import { renderEnvironment } from '../../../infra/apps/render';
import { editable, profiles, renderedEnvironments } from '../../support/fixtures';

const rendered = renderedEnvironments();
const API = 'Deployment/spring-api/spring-api container api';

/** prod as rendered with an external database at one address instead of the platform's. */
const external = renderEnvironment('prod', {
  ...profiles().prod,
  database: {
    url: 'jdbc:postgresql://10.30.2.10:5432/articles',
    username: 'spring_api',
    cidr: '10.30.2.10/32',
  },
}).objects;

function withUrl(url: string, objects: readonly unknown[] = rendered.prod): any[] {
  const copy = editable(objects as never);
  copy.find((o) => o.kind === 'ConfigMap').data['spring.datasource.url'] = url;
  return copy;
}

/** The egress rule to the database (after DNS and, with Vault, Vault's). */
const databaseRule = (objects: any[]) =>
  objects.find((o) => o.metadata.name === 'spring-api-egress').spec.egress[2];

describe('database-egress policy, the platform database', () => {
  it.each(['dev', 'staging', 'prod'] as const)('holds in %s', (env) => {
    expect(databaseEgressViolations(rendered[env])).toEqual([]);
  });

  it("lets the API reach the database's pods by namespace and labels, on 5432", () => {
    expect(databaseRule(editable(rendered.prod))).toEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'databases' } },
          podSelector: { matchLabels: { 'cnpg.io/cluster': 'spring-api-db' } },
        },
      ],
      ports: [{ protocol: 'TCP', port: 5432 }],
    });
  });

  it('accepts the fully qualified Service name', () => {
    const url = 'jdbc:postgresql://spring-api-db-rw.databases.svc.cluster.local:5432/articles';
    expect(databaseEgressViolations(withUrl(url))).toEqual([]);
  });

  it('refuses a Service that is not a database the platform provides', () => {
    const url = 'jdbc:postgresql://spring-api-db-rw.other.svc:5432/articles';
    expect(databaseEgressViolations(withUrl(url))).toEqual([
      `${API}: spring.datasource.url connects to spring-api-db-rw.other.svc, a Service that is not a database the platform provides (spring-api-db-rw.databases.svc)`,
    ]);
  });

  it("refuses another port than the database's", () => {
    const url = 'jdbc:postgresql://spring-api-db-rw.databases.svc:6432/articles';
    expect(databaseEgressViolations(withUrl(url))).toEqual([
      `${API}: spring.datasource.url connects to spring-api-db-rw.databases.svc:6432, which no egress NetworkPolicy allows`,
    ]);
  });

  it('refuses an egress rule whose selectors miss the database pods', () => {
    const otherNamespace = editable(rendered.prod);
    databaseRule(otherNamespace).to[0].namespaceSelector.matchLabels[
      'kubernetes.io/metadata.name'
    ] = 'databases-old';
    const otherPods = editable(rendered.prod);
    databaseRule(otherPods).to[0].podSelector.matchLabels['cnpg.io/instanceRole'] = 'primary';
    const message = `${API}: spring.datasource.url connects to spring-api-db-rw.databases.svc:5432, which no egress NetworkPolicy allows`;
    expect(databaseEgressViolations(otherNamespace)).toEqual([message]);
    expect(databaseEgressViolations(otherPods)).toEqual([message]);
  });

  it('refuses an address, which a rule by selectors cannot be shown to cover', () => {
    expect(databaseEgressViolations(withUrl('jdbc:postgresql://10.30.2.10:5432/articles'))).toEqual(
      [
        `${API}: spring.datasource.url connects to 10.30.2.10:5432, which no egress NetworkPolicy allows`,
      ],
    );
  });
});

describe('database-egress policy, an external database', () => {
  it('holds for the external form', () => {
    expect(databaseRule(editable(external)).to).toEqual([{ ipBlock: { cidr: '10.30.2.10/32' } }]);
    expect(databaseEgressViolations(external)).toEqual([]);
  });

  it('refuses a URL whose host the egress ipBlock does not cover', () => {
    const url = 'jdbc:postgresql://10.30.2.11:5432/articles';
    expect(databaseEgressViolations(withUrl(url, external))).toEqual([
      `${API}: spring.datasource.url connects to 10.30.2.11:5432, which no egress NetworkPolicy allows`,
    ]);
  });

  it('refuses a URL on another port than the egress rule opens', () => {
    const url = 'jdbc:postgresql://10.30.2.10:6432/articles';
    expect(databaseEgressViolations(withUrl(url, external))).toEqual([
      `${API}: spring.datasource.url connects to 10.30.2.10:6432, which no egress NetworkPolicy allows`,
    ]);
  });

  it('refuses a host name, which no ipBlock can be shown to cover', () => {
    const url = 'jdbc:postgresql://db.internal/articles';
    expect(databaseEgressViolations(withUrl(url, external))).toEqual([
      `${API}: spring.datasource.url connects to db.internal:5432, which no egress NetworkPolicy allows`,
    ]);
  });

  it('refuses a URL it cannot read, without echoing it', () => {
    const url = 'jdbc:postgresql://10.30.2.10/a?password=x';
    expect(databaseEgressViolations(withUrl(url, external))).toEqual([
      `${API}: spring.datasource.url is not a jdbc:postgresql://host:port/database URL`,
    ]);
  });

  it('honours an except range inside the allowed block', () => {
    const objects = editable(external);
    databaseRule(objects).to[0].ipBlock = { cidr: '10.30.2.0/24', except: ['10.30.2.10/32'] };
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
