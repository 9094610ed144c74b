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
    // Self-test: a rules file whose error-rate threshold is ten times too high must fail them.
    cpSync(join(MONITORING, 'rules'), scratch, { recursive: true });
    const mutated = join(scratch, 'spring-api.rules.yaml');
    const text = readFileSync(mutated, 'utf8');
    if (!text.includes('ratio_rate5m > 0.05'))
      failures.push('self-test: the error-rate threshold "> 0.05" is no longer in the rules');
    writeFileSync(mutated, text.replace('ratio_rate5m > 0.05', 'ratio_rate5m > 0.5'));
    if (run(promtool, ['test', 'rules', join(scratch, 'spring-api.test.yaml')]).status === 0)
      failures.push('self-test: the rule unit tests passed against a broken threshold');
    // And a certificate alert that waits until 2 days before expiry must fail its tests.
    const kubeadm = join(scratch, 'kubeadm.rules.yaml');
    const kubeadmText = readFileSync(kubeadm, 'utf8');
    if (!kubeadmText.includes('< 21 * 86400'))
      failures.push(
        'self-test: the certificate threshold "< 21 * 86400" is no longer in the rules',
      );
    writeFileSync(kubeadm, kubeadmText.replace('< 21 * 86400', '< 2 * 86400'));
    if (run(promtool, ['test', 'rules', join(scratch, 'kubeadm.test.yaml')]).status === 0)
      failures.push('self-test: the kubeadm rule unit tests passed against a broken threshold');
    // The same for the Ingress certificates' expiry alert (cert-manager's metrics).
    const certs = join(scratch, 'cert-manager');
    cpSync(CERT_MANAGER_RULES, certs, { recursive: true });
    const certRules = join(certs, 'cert-manager.rules.yaml');
    const certText = readFileSync(certRules, 'utf8');
    if (!certText.includes('< 21 * 86400'))
      failures.push(
        'self-test: cert-manager\'s "< 21 * 86400" threshold is no longer in its rules',
      );
    writeFileSync(certRules, certText.replace('< 21 * 86400', '< 2 * 86400'));
    if (run(promtool, ['test', 'rules', join(certs, 'cert-manager.test.yaml')]).status === 0)
      failures.push(
        'self-test: the cert-manager rule unit tests passed against a broken threshold',
      );

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
