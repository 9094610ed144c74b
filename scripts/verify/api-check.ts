// The API's contract, checked by a tool that knows OpenAPI: schemathesis runs every one of its
// checks against the jar's own document (/v3/api-docs), on loopback, against a fresh in-memory
// database, bounded in examples and time. Any failure, error or warning fails verify; a self-test
// first proves that a document which misstates the API is caught.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startJar } from './jar-check';
import { ProcessGroup } from './processes';

/* eslint-disable @typescript-eslint/no-unsafe-member-access */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Test cases per operation and phase, and the seed that makes a run repeatable. */
export const MAX_EXAMPLES = 50;
export const SEED = 1;
/** A run is ended (and fails) past this; a full run takes about a minute on 2 busy cores. */
const RUN_TIMEOUT_MS = 600_000;

/** One failure kind as schemathesis reports it: code (ST101...), title, count, operations. */
export interface CheckFailure {
  readonly code: string;
  readonly title: string;
  readonly count: number;
  readonly operations: readonly string[];
}

/** What a run found, read from schemathesis's JSON report. */
export interface ContractRun {
  readonly version: string;
  readonly complete: boolean;
  readonly operations: number;
  readonly tested: number;
  readonly generated: number;
  readonly failures: readonly CheckFailure[];
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

/** Settings without a command-line option (no crash cache). */
export const CONFIG_FILE = join(__dirname, '..', '..', 'tools', 'schemathesis.toml');

/** The command line of a run: every check, bounded, the key on every request. */
export function schemathesisArgs(
  schema: string,
  report: string,
  apiKey: string,
  options: { maxExamples?: number; extra?: readonly string[] } = {},
): string[] {
  return [
    '--config-file',
    CONFIG_FILE,
    'run',
    schema,
    '--checks',
    'all',
    '--max-examples',
    String(options.maxExamples ?? MAX_EXAMPLES),
    '--seed',
    String(SEED),
    '--workers',
    '1',
    '--continue-on-failure',
    '--generation-database',
    'none',
    '--request-timeout',
    '10',
    '--report',
    'json',
    '--report-json-path',
    report,
    '--no-color',
    // On every request, not only the operations that declare the key: writes on any path need
    // it, so without it an undeclared method would draw 401 where the check expects 405.
    '--header',
    `X-API-Key: ${apiKey}`,
    ...(options.extra ?? []),
  ];
}

/** Reads schemathesis's JSON report (--report json). */
export function readReport(text: string): ContractRun {
  const report = JSON.parse(text) as Json;
  const warnings = Object.entries((report.warnings ?? {}) as Record<string, unknown[]>)
    .filter(([, found]) => Array.isArray(found) && found.length > 0)
    .map(([kind, found]) => `${kind}: ${JSON.stringify(found)}`);
  return {
    version: String(report.schemathesis_version),
    complete: report.complete === true,
    operations: Number(report.operations?.total ?? 0),
    tested: Number(report.operations?.tested ?? 0),
    generated: Number(report.test_cases?.generated ?? 0),
    failures: ((report.failures ?? []) as Json[]).map((f) => ({
      code: String(f.code),
      title: String(f.title),
      count: Number(f.count),
      operations: (f.operations ?? []) as string[],
    })),
    errors: ((report.errors ?? []) as Json[]).map((e) => `${String(e.title)} (${Number(e.count)})`),
    warnings,
  };
}

/** Why a run does not pass; empty when it does. */
export function contractProblems(run: ContractRun): string[] {
  const problems: string[] = [];
  if (!run.complete) problems.push('the run did not complete');
  if (run.operations === 0 || run.tested < run.operations)
    problems.push(`${run.tested} of ${run.operations} operations tested`);
  if (run.generated === 0) problems.push('no test case was generated');
  for (const f of run.failures)
    problems.push(`${f.code} ${f.title}: ${f.count} (${f.operations.join(', ')})`);
  for (const e of run.errors) problems.push(`error: ${e}`);
  for (const w of run.warnings) problems.push(`warning: ${w}`);
  return problems;
}

/**
 * The self-test's document: the API's own, misstating two things a client relies on. GET
 * /api/articles/{id} no longer lists its 404, and a page of articles is said never to be empty
 * (`items` with `minItems: 1`), while a page past the last one, or any page of an empty
 * catalogue, answers `[]`. The second used to be Origin.source losing its null; that schema left
 * the API with the configuration report, and no field of the API's responses is nullable.
 */
export function wrongDocument(document: Json): Json {
  const wrong = JSON.parse(JSON.stringify(document)) as Json;
  delete wrong.paths['/api/articles/{id}'].get.responses['404'];
  wrong.components.schemas.ArticlePage.properties.items.minItems = 1;
  return wrong;
}
/** The operations the self-test runs (GET only): the two that wrongDocument() misstates. */
export const SELF_TEST_PATHS = '^/api/articles(/\\{id\\})?$';
/** The failure codes the self-test must draw: undocumented status, response violates schema. */
export const SELF_TEST_CODES = ['ST103', 'ST108'];

interface Outcome {
  readonly run?: ContractRun;
  readonly output: string;
  readonly problem?: string;
}

function runSchemathesis(binary: string, args: string[], report: string): Outcome {
  const run = spawnSync(binary, args, {
    // Anything it writes beside its report stays in the scratch folder.
    cwd: dirname(report),
    encoding: 'utf8',
    timeout: RUN_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' },
  });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  if (run.error || run.signal)
    return { output, problem: `schemathesis did not finish within ${RUN_TIMEOUT_MS / 1000} s` };
  if (!existsSync(report))
    return {
      output,
      problem: `schemathesis wrote no report (exit ${run.status}): ${output.slice(-2000)}`,
    };
  return { run: readReport(readFileSync(report, 'utf8')), output };
}

/** Schemathesis's own account of the failures, for the log of a failed run. */
function failureSection(output: string): string {
  const start = output.indexOf('FAILURES');
  const end = output.indexOf('SUMMARY');
  const section = start >= 0 ? output.slice(start, end > start ? end : undefined) : output;
  const lines = section.split('\n');
  return lines.length > 150 ? [...lines.slice(0, 150), '... (truncated)'].join('\n') : section;
}

/** Settings that could point the jar at another database or key; the run wants its defaults. */
function cleanEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(SPRING|APP|SERVER|MANAGEMENT)_/.test(name)),
  );
}

export interface ApiCheck {
  readonly run?: ContractRun;
  readonly selfTest?: ContractRun;
  readonly failures: string[];
}

/**
 * Starts the packaged jar with a random API key and its embedded in-memory database, runs
 * schemathesis with every check against its document, then against wrongDocument() limited to
 * the two operations concerned, which must draw SELF_TEST_CODES.
 */
export async function checkApiContract(
  processes: ProcessGroup,
  jar: string,
  schemathesis: string,
): Promise<ApiCheck> {
  const key = randomBytes(24).toString('hex');
  const { port } = await startJar(
    processes,
    jar,
    { ...cleanEnvironment(), APP_APIKEY: key },
    '/actuator/health/readiness',
    'spring-api-contract.log',
  );
  const base = `http://127.0.0.1:${port}`;
  const dir = processes.scratch('schemathesis');
  const failures: string[] = [];

  const report = join(dir, 'report.json');
  const full = runSchemathesis(
    schemathesis,
    schemathesisArgs(`${base}/v3/api-docs`, report, key),
    report,
  );
  if (full.problem) failures.push(full.problem);
  else if (full.run) {
    const problems = contractProblems(full.run);
    failures.push(...problems);
    if (problems.length > 0) console.error(failureSection(full.output));
  }

  const document = (await (await fetch(`${base}/v3/api-docs`)).json()) as Json;
  const wrongFile = join(dir, 'wrong-api-docs.json');
  writeFileSync(wrongFile, JSON.stringify(wrongDocument(document)));
  const selfReport = join(dir, 'self-test.json');
  const self = runSchemathesis(
    schemathesis,
    schemathesisArgs(wrongFile, selfReport, key, {
      maxExamples: 10,
      extra: [
        '--url',
        base,
        '--include-path-regex',
        SELF_TEST_PATHS,
        '--include-method',
        'GET',
        '--phases',
        'coverage,fuzzing',
      ],
    }),
    selfReport,
  );
  const drawn = new Set(self.run?.failures.map((f) => f.code) ?? []);
  const missed = SELF_TEST_CODES.filter((code) => !drawn.has(code));
  if (self.problem) failures.push(`self-test: ${self.problem}`);
  else if (missed.length > 0)
    failures.push(
      `self-test: the wrong document did not draw ${missed.join(', ')} (drew ${[...drawn].join(', ') || 'nothing'})`,
    );
  return { run: full.run, selfTest: self.run, failures };
}
