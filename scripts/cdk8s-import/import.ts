// `npm run import:k8s`: regenerates infra/apps/imports/ with `cdk8s import`, offline, from
// pinned inputs only: the Kubernetes types from the /openapi/v2 document of the kube-apiserver
// tools/kube-apiserver pins (built into .tools/bin by scripts/install-verify-tools.sh), the
// ServiceMonitor type from the CRD file in the Prometheus Operator module tools/crdcheck pins, and
// the Certificate type from the cert-manager module at the version charts/cert-manager installs.
// `--check` writes nothing and fails when the committed files differ from what it generates.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { wrapperChart } from '../../infra/platform/charts';
import { cdk8sSchema, fetchSwagger, Swagger } from './schema';

const root = resolve(__dirname, '..', '..');
export const IMPORTS_DIR = join(root, 'infra', 'apps', 'imports');

/** The kube-apiserver scripts/install-verify-tools.sh builds at the pinned version. */
export const APISERVER = join(root, '.tools', 'bin', 'kube-apiserver');

/** The generated files, by name in IMPORTS_DIR. */
export const GENERATED = ['k8s.ts', 'monitoring.coreos.com.ts', 'cert-manager.io.ts'] as const;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The version a go.mod requires of a module, e.g. "v1.32.13". */
export function goModVersion(goMod: string, module: string): string {
  const escaped = module.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, 'm').exec(goMod);
  if (!match) throw new Error(`go.mod: no requirement of ${module}`);
  return match[1];
}

/** The versions every input is pinned to, read from where they are pinned. */
export function pins() {
  const read = (path: string) => readFileSync(join(root, path), 'utf8');
  const pkg = JSON.parse(read('package.json')) as { devDependencies: Record<string, string> };
  const cli = JSON.parse(read('node_modules/cdk8s-cli/package.json')) as { version: string };
  if (cli.version !== pkg.devDependencies['cdk8s-cli']) {
    throw new Error(
      `cdk8s-cli: node_modules has ${cli.version}, package.json pins ` +
        `${pkg.devDependencies['cdk8s-cli']}; run npm ci`,
    );
  }
  return {
    kubernetes: goModVersion(read('tools/kube-apiserver/go.mod'), 'k8s.io/kubernetes').slice(1),
    prometheusOperator: goModVersion(
      read('tools/crdcheck/go.mod'),
      'github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring',
    ),
    certManager: chartDependency('cert-manager'),
    cdk8sCli: cli.version,
  };
}

/** The exact version charts/<chart> pins its upstream chart of the same name to. */
function chartDependency(chart: string): string {
  const pin = wrapperChart(chart).dependencies.find((d) => d.name === chart);
  if (!pin) throw new Error(`charts/${chart}/Chart.yaml: no dependency named ${chart}`);
  return pin.version;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): string {
  const result = spawnSync(command, args, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}${result.stdout}`);
  }
  return result.stdout;
}

/** A CRD file in a pinned Go module, and the file `cdk8s import` writes from it. */
export interface CrdSource {
  readonly file: (typeof GENERATED)[number];
  readonly module: string;
  readonly version: string;
  /** The CRD file inside the module. */
  readonly path: string;
}

/**
 * The custom kinds the manifests use: the ServiceMonitor at the version tools/crdcheck pins, the
 * Certificate at the version charts/cert-manager installs (the cluster's CRD is that one).
 */
export function crdSources(): readonly CrdSource[] {
  const pinned = pins();
  return [
    {
      file: 'monitoring.coreos.com.ts',
      module: 'github.com/prometheus-operator/prometheus-operator',
      version: pinned.prometheusOperator,
      path: 'example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml',
    },
    {
      file: 'cert-manager.io.ts',
      module: 'github.com/cert-manager/cert-manager',
      version: pinned.certManager,
      path: 'deploy/crds/cert-manager.io_certificates.yaml',
    },
  ];
}

function crdSource(file: string): CrdSource {
  const found = crdSources().find((c) => c.file === file);
  if (!found) throw new Error(`no CRD import writes ${file}`);
  return found;
}

/** The CRD file of a source, from the Go module cache (or proxy). */
export function crdFile(source: CrdSource): string {
  const module = `${source.module}@${source.version}`;
  const { Dir } = JSON.parse(run('go', ['mod', 'download', '-json', module])) as { Dir: string };
  return join(Dir, source.path);
}

const HEADER_END = '// generated by cdk8s\n';

/**
 * The generated file with a header naming its inputs and the sha256 of the code under it, so a
 * hand edit shows even where the inputs cannot be fetched again (see verifyHeader).
 */
export function withHeader(source: readonly string[], generated: string): string {
  if (!generated.startsWith(HEADER_END)) {
    throw new Error(`cdk8s import: output does not start with ${JSON.stringify(HEADER_END)}`);
  }
  return [
    '// GENERATED FILE: do not edit. `npm run import:k8s` (scripts/cdk8s-import/import.ts) writes it',
    '// with `cdk8s import`; tests fail when it differs from what that produces. As generated code',
    '// it is exempt from the 300-line limit on source files.',
    ...source.map((line) => `// ${line}`),
    `// Content sha256: ${sha256(generated)}`,
    generated,
  ].join('\n');
}

/** Problems with a committed file's header: a hand edit below it, or an input not as pinned. */
export function verifyHeader(file: string, expected: readonly string[]): string[] {
  const match = /^\/\/ Content sha256: ([0-9a-f]{64})\n/m.exec(file);
  if (!match) return ['no "Content sha256" line'];
  const problems: string[] = [];
  const body = file.slice(match.index + match[0].length);
  if (sha256(body) !== match[1])
    problems.push('the code differs from what was generated (edited by hand?)');
  const head = file.slice(0, match.index);
  for (const line of expected) {
    if (!head.includes(line)) problems.push(`the header does not name ${JSON.stringify(line)}`);
  }
  return problems;
}

/** Runs the cdk8s CLI's import command, offline, into `outdir`. */
function cdk8sImport(spec: string, outdir: string, env: NodeJS.ProcessEnv = {}): void {
  run(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      join(__dirname, 'offline-schema.ts'),
      join(root, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s'),
      'import',
      spec,
      '--no-save',
      '--no-check-upgrade',
      '--language=typescript',
      `--output=${outdir}`,
    ],
    env,
  );
}

function inScratch<T>(work: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'cdk8s-import-'));
  try {
    return work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** k8s.ts: `cdk8s import k8s@<pinned>` from the pinned kube-apiserver's own OpenAPI document. */
export async function generateK8s(apiserverBinary: string): Promise<string> {
  const pinned = pins();
  const served = run(apiserverBinary, ['--version']).trim();
  if (served !== `Kubernetes v${pinned.kubernetes}`) {
    throw new Error(
      `${apiserverBinary}: reports "${served}", tools/kube-apiserver pins v${pinned.kubernetes}; ` +
        'run scripts/install-verify-tools.sh',
    );
  }
  const swagger = await fetchSwagger(apiserverBinary);
  const schema = JSON.stringify(cdk8sSchema(JSON.parse(swagger) as Swagger), null, 2);
  return inScratch((dir) => {
    writeFileSync(join(dir, 'schema.json'), schema);
    cdk8sImport(`k8s@${pinned.kubernetes}`, dir, {
      CDK8S_K8S_SCHEMA: join(dir, 'schema.json'),
      CDK8S_K8S_VERSION: pinned.kubernetes,
    });
    return withHeader(
      [
        ...k8sSourceLines(),
        `/openapi/v2 sha256 ${sha256(swagger)}, shaped like cdk8s' kubernetes-schemas`,
        '(scripts/cdk8s-import/schema.ts).',
      ],
      readFileSync(join(dir, 'k8s.ts'), 'utf8'),
    );
  });
}

/** The header lines of k8s.ts that name pinned inputs (checked without regenerating). */
export function k8sSourceLines(): string[] {
  const pinned = pins();
  return [`Source: kube-apiserver v${pinned.kubernetes}; generator: cdk8s-cli ${pinned.cdk8sCli};`];
}

/** The header lines of a CRD import that name its pinned inputs. */
export function crdSourceLines(file = 'monitoring.coreos.com.ts'): string[] {
  const source = crdSource(file);
  return [
    `Source: ${source.module} ${source.version};`,
    `generator: cdk8s-cli ${pins().cdk8sCli};`,
  ];
}

/** A CRD import (monitoring.coreos.com.ts by default): `cdk8s import` of the pinned CRD file. */
export function generateCrds(file = 'monitoring.coreos.com.ts'): string {
  const source = crdSource(file);
  const crd = crdFile(source);
  return inScratch((dir) => {
    cdk8sImport(crd, dir);
    return withHeader(
      [...crdSourceLines(file), source.path, `(sha256 ${sha256(readFileSync(crd, 'utf8'))}).`],
      readFileSync(join(dir, file), 'utf8'),
    );
  });
}

/** Every generated file, by name in IMPORTS_DIR. */
export async function generate(apiserverBinary: string): Promise<Record<string, string>> {
  const crds = crdSources().map((c): [string, string] => [c.file, generateCrds(c.file)]);
  return { 'k8s.ts': await generateK8s(apiserverBinary), ...Object.fromEntries(crds) };
}

/** Names of the generated files that differ from what is committed (missing counts as differing). */
export function staleImports(generated: Readonly<Record<string, string>>, dir = IMPORTS_DIR) {
  return GENERATED.filter((name) => {
    let committed: string | undefined;
    try {
      committed = readFileSync(join(dir, name), 'utf8');
    } catch {
      committed = undefined;
    }
    return committed !== generated[name];
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const check = argv.includes('--check');
  const files = await generate(APISERVER);
  const stale = staleImports(files);
  if (check) {
    if (stale.length === 0) return 0;
    console.error(`import:k8s: out of date: ${stale.join(', ')}; run npm run import:k8s`);
    return 1;
  }
  for (const name of GENERATED) writeFileSync(join(IMPORTS_DIR, name), files[name]);
  console.log(`import:k8s: wrote ${GENERATED.join(', ')} (${stale.length} changed)`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
