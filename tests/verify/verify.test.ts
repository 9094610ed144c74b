import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { staleImports } from '../../scripts/cdk8s-import/import';
import { DECODED_NOT_DRY_RUN, PARTS, podFromTemplate } from '../../scripts/verify/verify';
import { renderedEnvironments } from '../support/fixtures';
import { validateStrict } from '../support/schema';

// The parts of `npm run verify` that need no server; the server-side checks run in verify itself.
describe('podFromTemplate', () => {
  const deployment = renderedEnvironments().prod.find((o) => o.kind === 'Deployment') as any;
  const pod = podFromTemplate(deployment);

  it('is the Pod the Deployment would create, so Pod Security can enforce on it', () => {
    expect(pod.kind).toBe('Pod');
    expect(pod.metadata.name).toBe('spring-api-template-check');
    expect(pod.metadata.namespace).toBe('spring-api');
    expect(pod.spec).toBe(deployment.spec.template.spec);
    expect(pod.metadata.annotations['vault.hashicorp.com/role']).toBe('spring-api');
  });

  it('is a valid Pod for the 1.32 schema', () => {
    expect(validateStrict([pod])).toEqual([{ status: 'ok' }]);
  });

  it('decodes the custom resources (no CRD on the API server) rather than dry-running them', () => {
    expect(DECODED_NOT_DRY_RUN).toEqual(['ServiceMonitor', 'Certificate']);
  });
});

describe('PARTS', () => {
  it('includes the regeneration of the generated Kubernetes types (npm test cannot build kube-apiserver)', () => {
    expect(PARTS).toContain('imports');
  });

  it('includes the etcd restore, runnable alone with --only=etcd-restore', () => {
    expect(PARTS).toContain('etcd-restore');
  });

  it('includes the point-in-time restore of PostgreSQL, runnable alone with --only=db-restore', () => {
    expect(PARTS).toContain('db-restore');
  });
});

describe('the imports part', () => {
  it('names every generated file that differs from what is committed, or is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'imports-'));
    try {
      writeFileSync(join(dir, 'k8s.ts'), 'same');
      expect(staleImports({ 'k8s.ts': 'same', 'monitoring.coreos.com.ts': 'x' }, dir)).toEqual([
        'monitoring.coreos.com.ts',
      ]);
      expect(staleImports({ 'k8s.ts': 'changed', 'monitoring.coreos.com.ts': 'x' }, dir)).toEqual([
        'k8s.ts',
        'monitoring.coreos.com.ts',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
