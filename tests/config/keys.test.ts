import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../infra/config/errors';
import {
  closest,
  declaredKeys,
  editDistance,
  refuseUnknownKeys,
  unknownKeyIssues,
} from '../../infra/config/keys';

const PULUMI_YAML = readFileSync(join(__dirname, '..', '..', 'Pulumi.yaml'), 'utf8');
const KNOWN = declaredKeys(PULUMI_YAML, 'k8s-platform');

/** The message refuseUnknownKeys throws for a stack's whole configuration. */
function refusal(all: Record<string, string>): string {
  try {
    refuseUnknownKeys(all, 'k8s-platform', PULUMI_YAML);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('no error');
}

describe('the known keys', () => {
  it('are the ones Pulumi.yaml declares, without the namespace', () => {
    expect(KNOWN).toEqual(expect.arrayContaining(['environment', 'workerCount', 'apiKey']));
    expect(KNOWN.every((k) => !k.includes(':'))).toBe(true);
  });

  it('count a key declared without a namespace as the project one, and skip other namespaces', () => {
    const yaml = 'name: p\nconfig:\n  p:a: {type: string}\n  b: 1\n  gcp:project: x\n';
    expect(declaredKeys(yaml, 'p')).toEqual(['a', 'b']);
    expect(declaredKeys('name: p\n', 'p')).toEqual([]);
  });
});

describe('unknown keys', () => {
  it('refuses a misspelt key with the closest known one', () => {
    expect(refusal({ 'k8s-platform:environment': 'prod', 'k8s-platform:workersCount': '3' })).toBe(
      'k8s-platform.workersCount is invalid: must be a key that Pulumi.yaml declares: did you mean "workerCount"?',
    );
  });

  it('names every unknown key at once, in order', () => {
    expect(
      refusal({
        'k8s-platform:gcpZon': 'europe-west1-c',
        'k8s-platform:adminCidr': '203.0.113.7/32',
        'k8s-platform:enviroment': 'prod',
      }),
    ).toBe(
      [
        'k8s-platform.adminCidr is invalid: must be a key that Pulumi.yaml declares: did you mean "adminCidrs"?',
        'k8s-platform.enviroment is invalid: must be a key that Pulumi.yaml declares: did you mean "environment"?',
        'k8s-platform.gcpZon is invalid: must be a key that Pulumi.yaml declares: did you mean "gcpZone"?',
      ].join('\n'),
    );
  });

  it('never shows the value: a misspelt secret key is still a secret', () => {
    expect(refusal({ 'k8s-platform:apiKye': 's3cr3t-value' })).toBe(
      'k8s-platform.apiKye is invalid: must be a key that Pulumi.yaml declares: did you mean "apiKey"?',
    );
  });

  it('leaves the keys of other namespaces to their providers', () => {
    expect(
      unknownKeyIssues(
        {
          'gcp:project': 'acme',
          'kubernetes:context': 'minikube',
          'k8s-platform-old:workerCount': '3',
          'k8s-platform:workerCount': '3',
        },
        'k8s-platform',
        KNOWN,
      ),
    ).toEqual([]);
  });

  it('accepts every declared key', () => {
    const all = Object.fromEntries(KNOWN.map((k) => [`k8s-platform:${k}`, 'x']));
    expect(unknownKeyIssues(all, 'k8s-platform', KNOWN)).toEqual([]);
  });
});

describe('closeness', () => {
  it('counts inserts, deletes, substitutions and swapped neighbours as one edit each', () => {
    expect(editDistance('workersCount', 'workerCount')).toBe(1);
    expect(editDistance('wokrerCount', 'workerCount')).toBe(1);
    expect(editDistance('gcpZone', 'gcpZona')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });

  it('picks the nearest candidate, the first of equals', () => {
    expect(closest('wokrerCount', KNOWN)).toBe('workerCount');
    expect(closest('workerDisk', ['workerDiskGb', 'workerDiskType'])).toBe('workerDiskGb');
    expect(closest('controlPlaneMachine', KNOWN)).toBe('controlPlaneMachineType');
  });
});
