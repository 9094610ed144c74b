import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ENVIRONMENTS } from '../../infra/config/environments';
import { CERTIFICATE_DEFAULTS, readCertificateConfig } from '../../infra/config/certificates';
import { ConfigError } from '../../infra/config/errors';
import { GCP_DEFAULTS, readGcpConfig } from '../../infra/config/gcp';
import { zonesOf } from '../../infra/config/gcp-facts';
import { readStackConfig, STACK_DEFAULTS } from '../../infra/config/stack';

// Pulumi.yaml documents every key's default for people (and Pulumi); the code keeps each default
// once, in STACK_DEFAULTS and GCP_DEFAULTS. These tests hold the two together, so that a default
// changed in one place only fails here.

interface Declared {
  readonly type: string;
  readonly default?: string | number | boolean;
  readonly secret?: boolean;
  readonly description?: string;
}

const PREFIX = 'k8s-platform:';

function declared(text: string): Record<string, Declared> {
  const project = parse(text) as { config: Record<string, Declared> };
  return Object.fromEntries(
    Object.entries(project.config).map(([k, v]) => [k.slice(PREFIX.length), v]),
  );
}

/** The keys the config layer needs besides the one under test, so both readers succeed. */
const REQUIRED = {
  environment: 'prod',
  gcpProject: 'acme-platform-1',
  adminCidrs: '203.0.113.7/32',
  acmeEmail: 'platform@acme-platform.dev',
};

/** What the program makes of a stack that sets `values` (both readers, as the gcp target runs). */
function readAll(values: Readonly<Record<string, string>>) {
  const get = (key: string) => values[key];
  const stack = readStackConfig(get);
  return {
    stack,
    gcp: readGcpConfig(get),
    certificates: readCertificateConfig(stack.target, get),
  };
}

function without(values: Readonly<Record<string, string>>, key: string): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([k]) => k !== key));
}

/** The message the readers throw for `values`, or undefined when they accept them. */
function refusal(values: Readonly<Record<string, string>>): string | undefined {
  try {
    readAll(values);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return undefined;
}

/** The default a description documents in words ("Defaults to ..."), when it does. */
function documentedInWords(description: string): string | undefined {
  return /\bDefaults to (.+?)\.(?:\s|$)/.exec(description)?.[1];
}

/**
 * Where a default documented in words shows up in what the program reads: only keys whose default
 * depends on another key have one, and each needs a way to see it here.
 */
const DERIVED: Readonly<Record<string, (r: ReturnType<typeof readAll>) => string>> = {
  target: (r) => r.stack.target,
  gcpZone: (r) => r.gcp.zone,
};

/**
 * Every disagreement between Pulumi.yaml (`text`) and the code's defaults, one line each. A key
 * either has a `default:` (the code must fall back to exactly it), or documents a default that
 * depends on other keys in words, or is required, or is a secret generated when unset.
 */
function defaultProblems(text: string): string[] {
  const keys = declared(text);
  const problems: string[] = [];
  const code: Readonly<Record<string, unknown>> = {
    ...STACK_DEFAULTS,
    ...GCP_DEFAULTS,
    ...CERTIFICATE_DEFAULTS,
  };
  for (const [key, d] of Object.entries(keys)) {
    const description = d.description ?? '';
    const inWords = documentedInWords(description);
    if (d.default !== undefined) {
      if (inWords !== undefined)
        problems.push(`${key}: a default: (${String(d.default)}) and "Defaults to ${inWords}"`);
      if (code[key] !== d.default)
        problems.push(
          `${key}: Pulumi.yaml's default ${JSON.stringify(d.default)}, the code's ${JSON.stringify(code[key])}`,
        );
      // The readers themselves, not only the table: unset must read as set to the default.
      const base = without(REQUIRED, key);
      const unset = readAll(base);
      const set = readAll({ ...base, [key]: String(d.default) });
      if (JSON.stringify(unset) !== JSON.stringify(set))
        problems.push(`${key}: unset does not read as ${String(d.default)}`);
    } else if (key in code) {
      problems.push(`${key}: the code has a default (${String(code[key])}), Pulumi.yaml none`);
    } else if (inWords !== undefined) {
      problems.push(...derivedProblems(key, inWords));
    } else if (/\bRequired\b/.test(description)) {
      const message = refusal(without(REQUIRED, key)) ?? '';
      if (!message.includes(`k8s-platform.${key} `))
        problems.push(`${key}: documented as required, yet a stack without it is accepted`);
    } else if (!(d.secret === true && /Generated when unset/.test(description))) {
      problems.push(`${key}: documents no default, is not required and not a generated secret`);
    }
  }
  return problems;
}

/** A default in words: "<value> for <env> and <env>, ..." or a template of other keys. */
function derivedProblems(key: string, inWords: string): string[] {
  const read = DERIVED[key];
  if (!read) return [`${key}: "Defaults to ${inWords}", which this test cannot check`];
  const problems: string[] = [];
  const perEnvironment = inWords.split(', ').map((c) => /^(\S+) for (.+)$/.exec(c));
  if (perEnvironment.every((m) => m !== null)) {
    const documented = new Map<string, string>();
    for (const m of perEnvironment)
      for (const env of (m?.[2] ?? '').split(/, | and /)) documented.set(env, m?.[1] ?? '');
    for (const env of ENVIRONMENTS) {
      const got = read(readAll({ ...without(REQUIRED, key), environment: env }));
      if (got !== documented.get(env))
        problems.push(`${key}: ${env} reads ${got}, Pulumi.yaml says ${documented.get(env)}`);
    }
    return problems;
  }
  // A template such as "<gcpRegion>-b": tried with the default and with another value.
  const placeholders = [...inWords.matchAll(/<(\w+)>/g)].map((m) => m[1] ?? '');
  if (placeholders.length === 0) return [`${key}: "Defaults to ${inWords}" names no key`];
  for (const region of [undefined, 'us-central1', 'europe-west4']) {
    const values = { ...without(REQUIRED, key), ...(region ? { gcpRegion: region } : {}) };
    const r = readAll(values);
    const expected = inWords.replace(/<(\w+)>/g, (_, k: string) =>
      k === 'gcpRegion' ? r.gcp.region : `<${k}>`,
    );
    if (read(r) !== expected)
      problems.push(`${key}: reads ${read(r)}, Pulumi.yaml says ${expected}`);
  }
  return problems;
}

const PULUMI_YAML = readFileSync(join(__dirname, '..', '..', 'Pulumi.yaml'), 'utf8');

describe("Pulumi.yaml's documented defaults", () => {
  it('are the code defaults, key by key', () => {
    expect(defaultProblems(PULUMI_YAML)).toEqual([]);
  });

  it('cover every key: a default, one in words, required, or a generated secret', () => {
    const keys = declared(PULUMI_YAML);
    const kinds = Object.fromEntries(
      Object.entries(keys).map(([k, d]) => [
        k,
        d.default !== undefined
          ? 'default'
          : documentedInWords(d.description ?? '')
            ? 'in words'
            : d.secret
              ? 'generated'
              : 'required',
      ]),
    );
    expect(Object.values(kinds).filter((k) => k === 'default')).toHaveLength(
      Object.keys({ ...STACK_DEFAULTS, ...GCP_DEFAULTS, ...CERTIFICATE_DEFAULTS }).length,
    );
    expect(Object.entries(kinds).filter(([, k]) => k !== 'default')).toEqual([
      ['environment', 'required'],
      ['target', 'in words'],
      ['apiKey', 'generated'],
      ['databasePassword', 'generated'],
      ['gcpProject', 'required'],
      ['gcpZone', 'in words'],
      ['adminCidrs', 'required'],
      ['acmeEmail', 'required'],
    ]);
  });

  it('fail when a default changes in Pulumi.yaml only', () => {
    const changed = PULUMI_YAML.replace(
      /(k8s-platform:workerCount:\n(?:\s{4}.*\n)*?\s{4}default: )3\n/,
      '$15\n',
    );
    expect(changed).not.toBe(PULUMI_YAML);
    expect(defaultProblems(changed)).toEqual([
      "workerCount: Pulumi.yaml's default 5, the code's 3",
      'workerCount: unset does not read as 5',
    ]);
  });

  it('fail when a default documented in words changes', () => {
    const zone = PULUMI_YAML.replace('Defaults to <gcpRegion>-b.', 'Defaults to <gcpRegion>-c.');
    expect(defaultProblems(zone)).toEqual([
      'gcpZone: reads europe-west1-b, Pulumi.yaml says europe-west1-c',
      'gcpZone: reads us-central1-b, Pulumi.yaml says us-central1-c',
      'gcpZone: reads europe-west4-b, Pulumi.yaml says europe-west4-c',
    ]);
    const target = PULUMI_YAML.replace(
      'Defaults to minikube for dev, gcp for staging and prod.',
      'Defaults to minikube for dev and staging, gcp for prod.',
    );
    expect(defaultProblems(target)).toEqual([
      'target: staging reads gcp, Pulumi.yaml says minikube',
    ]);
  });

  it('fail when a default is dropped from Pulumi.yaml or a required key is not', () => {
    const dropped = PULUMI_YAML.replace('    default: e2-standard-2\n', '');
    expect(defaultProblems(dropped)).toEqual([
      'controlPlaneMachineType: the code has a default (e2-standard-2), Pulumi.yaml none',
    ]);
    const notRequired = PULUMI_YAML.replace(
      'Google Cloud project ID (gcp target). Required there.',
      'Google Cloud project ID (gcp target).',
    );
    expect(defaultProblems(notRequired)).toEqual([
      'gcpProject: documents no default, is not required and not a generated secret',
    ]);
  });
});

/**
 * The README's table of gcp keys against Pulumi.yaml: each row names keys and their defaults in
 * the same order ("`a`, `b`" | "`1`, `2`"), or "(required)". Keys the table leaves out are fine.
 */
function readmeProblems(readme: string, text: string): string[] {
  const keys = declared(text);
  const problems: string[] = [];
  const rows = readme.split('\n').filter((l) => /^\| `\w+`/.test(l));
  for (const row of rows) {
    const [names = '', values = ''] = row
      .split('|')
      .slice(1, 3)
      .map((c) => c.trim());
    const ticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');
    const documented = values === '(required)' ? [] : ticked(values);
    ticked(names).forEach((key, i) => {
      const d = keys[key];
      if (!d) return problems.push(`README: ${key} is not a key of Pulumi.yaml`);
      if (values === '(required)') {
        if (!/\bRequired\b/.test(d.description ?? ''))
          problems.push(`README: ${key} required, Pulumi.yaml does not say so`);
      } else if (d.default !== undefined && documented[i] !== String(d.default)) {
        problems.push(
          `README: ${key} defaults to ${documented[i]}, Pulumi.yaml ${String(d.default)}`,
        );
      }
      return undefined;
    });
  }
  return problems;
}

const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

describe("the README's table of gcp keys", () => {
  it('gives the defaults Pulumi.yaml declares', () => {
    expect(README).toContain('| `workerCount`');
    expect(readmeProblems(README, PULUMI_YAML)).toEqual([]);
  });

  it('fails when one of them changes', () => {
    const changed = README.replace(/(\| `workerCount` +\| )`3`/, '$1`5`');
    expect(changed).not.toBe(README);
    expect(readmeProblems(changed, PULUMI_YAML)).toEqual([
      'README: workerCount defaults to 5, Pulumi.yaml 3',
    ]);
    const pair = README.replace('`50`, `pd-ssd`', '`50`, `pd-balanced`');
    expect(readmeProblems(pair, PULUMI_YAML)).toEqual([
      'README: controlPlaneDiskType defaults to pd-balanced, Pulumi.yaml pd-ssd',
    ]);
  });
});

// zonesOf is what the zone template relies on: each region tried has a "-b" zone.
test.each(['europe-west1', 'us-central1', 'europe-west4'])('%s has a b zone', (region) => {
  expect(zonesOf(region)).toContain(`${region}-b`);
});
