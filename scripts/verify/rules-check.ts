// What `npm run verify` checks of the platform's alerting rules with promtool: the API's, the
// control plane upkeep's (kube-prometheus-stack), the certificates' (cert-manager) and the
// database's (spring-api-database), each with its unit tests (a self-test shows those of the
// first three fail against a broken threshold; the database's do so in its jest test); and that
// the API dashboard's queries parse as PromQL.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CHARTS_DIR } from '../../infra/platform/charts';
import { platformQueries } from './platform-check';

const MONITORING = join(CHARTS_DIR, 'kube-prometheus-stack');
const CERT_MANAGER_RULES = join(CHARTS_DIR, 'cert-manager', 'rules');
const RULE_FILES: readonly [string, string][] = [
  ...['spring-api', 'kubeadm'].map((name): [string, string] => [
    join(MONITORING, 'rules', `${name}.rules.yaml`),
    join(MONITORING, 'rules', `${name}.test.yaml`),
  ]),
  [
    join(CERT_MANAGER_RULES, 'cert-manager.rules.yaml'),
    join(CERT_MANAGER_RULES, 'cert-manager.test.yaml'),
  ],
  ...['database', 'backups'].map((name): [string, string] => [
    join(CHARTS_DIR, 'spring-api-database', 'rules', `${name}.rules.yaml`),
    join(CHARTS_DIR, 'spring-api-database', 'rules', `${name}.test.yaml`),
  ]),
];

function run(binary: string, args: readonly string[]) {
  const r = spawnSync(binary, args, { encoding: 'utf8' });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}`.trim() };
}

/** promtool over the rules, their unit tests (shown able to fail), and the dashboard queries. */
export function checkRules(promtool: string): { failures: string[]; rules: number } {
  const failures: string[] = [];
  let rules = 0;
  for (const [file, tests] of RULE_FILES) {
    const check = run(promtool, ['check', 'rules', file]);
    if (check.status !== 0) failures.push(`promtool check rules ${file}: ${check.out}`);
    rules += Number(/SUCCESS: (\d+) rules found/.exec(check.out)?.[1] ?? 0);
    const tested = run(promtool, ['test', 'rules', tests]);
    if (tested.status !== 0) failures.push(`promtool test rules ${tests}: ${tested.out}`);
  }

  const scratch = mkdtempSync(join(tmpdir(), 'verify-rules-'));
  try {
    // Self-tests: each rules file with its threshold moved must fail its own unit tests: the
    // API's error rate ten times too high, certificate alerts waiting until 2 days before expiry.
    const moved: readonly [string, string, string, string][] = [
      [join(MONITORING, 'rules'), 'spring-api', 'ratio_rate5m > 0.05', 'ratio_rate5m > 0.5'],
      [join(MONITORING, 'rules'), 'kubeadm', '< 21 * 86400', '< 2 * 86400'],
      [CERT_MANAGER_RULES, 'cert-manager', '< 21 * 86400', '< 2 * 86400'],
    ];
    for (const [dir, name, from, to] of moved) {
      const copy = join(scratch, name);
      cpSync(dir, copy, { recursive: true });
      const file = join(copy, `${name}.rules.yaml`);
      const text = readFileSync(file, 'utf8');
      if (!text.includes(from))
        failures.push(`self-test: the threshold "${from}" is no longer in ${name}.rules.yaml`);
      writeFileSync(file, text.replace(from, to));
      if (run(promtool, ['test', 'rules', join(copy, `${name}.test.yaml`)]).status === 0)
        failures.push(`self-test: the ${name} rule unit tests passed against a broken threshold`);
    }

    // The dashboard's queries, as recording rules, must parse as PromQL.
    const { dashboard } = platformQueries();
    const asRules = join(scratch, 'dashboard.rules.yaml');
    writeFileSync(
      asRules,
      stringify({
        groups: [
          {
            name: 'dashboard',
            rules: dashboard.map((expr, i) => ({ record: `dashboard:panel_${i + 1}`, expr })),
          },
        ],
      }),
    );
    const parsed = run(promtool, ['check', 'rules', asRules]);
    if (parsed.status !== 0) failures.push(`dashboard queries: ${parsed.out}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return { failures, rules };
}
