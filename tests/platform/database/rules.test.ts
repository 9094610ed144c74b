import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHARTS_DIR } from '../../../infra/platform/charts';

// The database's alerts (charts/spring-api-database/rules) with promtool: they parse, their unit
// tests pass, and the tests notice a threshold moved.

const RULES = join(CHARTS_DIR, 'spring-api-database', 'rules');

function promtool(args: string[], cwd: string) {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  if (r.error)
    throw new Error('promtool is not installed: apt-get install prometheus (.ci/run does)');
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('the database alerts', () => {
  let scratch = '';
  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'database-rules-'));
    cpSync(RULES, scratch, { recursive: true });
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  it('are valid rules: 6 on the database, 2 on its backups', () => {
    const r = promtool(['check', 'rules', 'database.rules.yaml', 'backups.rules.yaml'], RULES);
    expect(r.status).toBe(0);
    expect(r.out.match(/SUCCESS: \d+ rules found/g)).toEqual([
      'SUCCESS: 6 rules found',
      'SUCCESS: 2 rules found',
    ]);
  });

  it('pass their unit tests', () => {
    const r = promtool(['test', 'rules', 'database.test.yaml', 'backups.test.yaml'], RULES);
    expect([r.status, r.out]).toEqual([0, expect.stringContaining('SUCCESS')]);
  });

  /** Moves one threshold in the copy; its unit tests must then fail. */
  function mutated(file: string, from: string, to: string, tests: string): number | null {
    const path = join(scratch, file);
    const text = readFileSync(path, 'utf8');
    expect(text).toContain(from);
    writeFileSync(path, text.replace(from, to));
    return promtool(['test', 'rules', tests], scratch).status;
  }

  it.each([
    [
      'database.rules.yaml',
      'cnpg_pg_replication_lag{cnpg_cluster!=""} > 30',
      'cnpg_pg_replication_lag{cnpg_cluster!=""} > 300',
      'database.test.yaml',
    ],
    [
      'database.rules.yaml',
      'kubelet_volume_stats_capacity_bytes{namespace="databases"} < 0.10',
      'kubelet_volume_stats_capacity_bytes{namespace="databases"} < 0.01',
      'database.test.yaml',
    ],
    [
      'database.rules.yaml',
      'count by (namespace, cnpg_cluster) (cnpg_pg_replication_in_recovery == 0)',
      'count by (namespace, cnpg_cluster) (cnpg_pg_replication_in_recovery >= 0)',
      'database.test.yaml',
    ],
    ['backups.rules.yaml', '> 26 * 3600', '> 48 * 3600', 'backups.test.yaml'],
    [
      'backups.rules.yaml',
      '> cnpg_pg_stat_archiver_last_archived_time',
      '> cnpg_pg_stat_archiver_last_archived_time + 3600',
      'backups.test.yaml',
    ],
  ])('notice a moved threshold in %s: %s', (file, from, to, tests) => {
    expect(mutated(file, from, to, tests)).not.toBe(0);
  });
});
