// verify's db-restore part: a point-in-time restore of a real PostgreSQL. A server archiving its
// WAL receives three batches of rows: a base backup (pg_basebackup, tar) is taken after the
// first, the recovery target time is read from the server's clock after the second, the third
// must not survive. The server stops; a fresh data dir is unpacked from the backup, replays the
// archive up to the target and promotes: it must hold exactly batches 1 and 2 and take writes.
// Self-tests first: without the archive the restore must refuse to finish, and to a time before
// batch 2 the row check must report batch 2 missing.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  batchRows,
  COPY_ROWS,
  copyText,
  CREATE_TABLE,
  insertSql,
  RecoveryLog,
  recoveryConf,
  recoveryLog,
  restoreCommand,
  Row,
  rowProblems,
  RowsSummary,
  selfTestProblems,
  summarizeRows,
  TABLE,
  timestampMicros,
} from './db-restore';
import { freshDataDir, pgBin, PgServer, PgWorkspace } from './postgres';
import { freePort, ProcessGroup } from './processes';

/** Rows per batch. */
export const BATCH_ROWS = 500;

/** What the part found. */
export interface DbRestoreReport {
  /** `postgres --version`. */
  readonly version: string;
  readonly passed: number;
  readonly failures: readonly string[];
  /** WAL segments and other files (backup labels) in the archive when the source stopped. */
  readonly archived: { readonly segments: number; readonly other: number };
  /** WAL files the real restore fetched from the archive, each once, in order. */
  readonly fetched: readonly string[];
  /** Rows read back after the real restore. */
  readonly rows: number;
  /** The restore alone: unpack, replay, promote, rows read back. */
  readonly restoreSeconds: number;
  readonly seconds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the archiver has shipped `segment` (at most 30 s). */
async function archived(source: PgServer, archive: string, segment: string): Promise<string[]> {
  for (let i = 0; i < 150; i++) {
    if (existsSync(join(archive, segment))) return [];
    const failed = source.sql('SELECT failed_count FROM pg_stat_archiver');
    if (failed !== '0') {
      const said = /archive command failed.*$/m.exec(source.log())?.[0] ?? 'see its log';
      return [`archive_command failed ${failed} times: ${said}`];
    }
    await sleep(200);
  }
  return [`${segment} not archived within 30 s`];
}

interface Restored {
  /** Whether the server came up promoted (false: it exited). */
  readonly started: boolean;
  readonly log: RecoveryLog;
  readonly server: PgServer;
  readonly rows?: RowsSummary;
}

/** Unpacks the base backup into a fresh data dir, replays to `targetTime`, waits for promotion. */
async function restore(
  ws: PgWorkspace,
  backup: string,
  stage: string,
  archive: string,
  targetTime: string,
): Promise<Restored> {
  const dataDir = freshDataDir(ws, stage);
  ws.run('/bin/tar', ['-xf', join(backup, 'base.tar'), '-C', dataDir]);
  ws.run('/bin/tar', ['-xf', join(backup, 'pg_wal.tar'), '-C', join(dataDir, 'pg_wal')]);
  const conf = recoveryConf({ restoreCommand: restoreCommand(archive), targetTime });
  ws.write(join(dataDir, 'postgresql.auto.conf'), conf, true);
  ws.write(join(dataDir, 'recovery.signal'), '');
  const server = ws.start(stage, { dataDir, port: await freePort() });
  const started = await server.up(true);
  const rows = started ? summarizeRows(server.sql(COPY_ROWS)) : undefined;
  return { started, log: recoveryLog(server.log()), server, ...(rows ? { rows } : {}) };
}

/** What is wrong with the real restore's recovery, judged from its log and the target. */
function recoveryProblems(log: RecoveryLog, lastSegment: string, targetTime: string): string[] {
  const problems: string[] = [];
  if (log.target === undefined || timestampMicros(log.target) !== timestampMicros(targetTime))
    problems.push(`the server recovered to ${log.target ?? 'no target'}, not ${targetTime}`);
  if (!log.restored.includes(lastSegment))
    problems.push(
      `recovery did not fetch ${lastSegment} (batches 2 and 3) from the archive; fetched: ${log.restored.join(', ') || 'nothing'}`,
    );
  if (!log.stop) problems.push('the log has no "recovery stopping before commit" line');
  else if (timestampMicros(log.stop.time) <= timestampMicros(targetTime))
    problems.push(`recovery stopped at ${log.stop.time}, not after the target ${targetTime}`);
  if ((log.timeline ?? 1) < 2)
    problems.push('no new timeline selected: the server did not promote');
  return problems;
}

/** What is wrong with a write to the promoted server: it must be taken and read back. */
function writeProblems(server: PgServer, rowsBefore: number): string[] {
  try {
    server.sql(`INSERT INTO ${TABLE} VALUES (${BATCH_ROWS * 3 + 1}, 4, 'ab')`);
    const count = server.sql(`SELECT count(*) FROM ${TABLE}`);
    return count === `${rowsBefore + 1}`
      ? []
      : [`after a write, ${count} rows; ${rowsBefore + 1} expected`];
  } catch (error) {
    return [
      `a write after the restore failed: ${error instanceof Error ? error.message : String(error)}`,
    ];
  }
}

/** Runs the whole part; `owner` adopts the servers' group, so SIGINT and exit stop them too. */
export async function checkDbRestore(owner: ProcessGroup): Promise<DbRestoreReport> {
  const started = Date.now();
  const ws = owner.adopt(new PgWorkspace(pgBin()));
  const failures: string[] = [];
  let passed = 0;
  const check = (problems: readonly string[]) => {
    failures.push(...problems);
    if (problems.length === 0) passed++;
  };
  try {
    const version = ws.run('postgres', ['--version']).trim();
    const archive = ws.scratch('archive');
    const backup = ws.scratch('backup');

    // 1. The source: archiving on, three batches around a base backup and the target time.
    const sourceData = join(ws.root, 'source');
    ws.initdb(sourceData);
    const source = ws.start('source', { dataDir: sourceData, port: await freePort(), archive });
    if (!(await source.up(false)))
      throw new Error(`source: postgres exited: ${recoveryLog(source.log()).fatal ?? ''}`);
    const payload = () => randomBytes(16).toString('hex');
    const [b1, b2, b3] = [1, 2, 3].map((b) =>
      batchRows(b, (b - 1) * BATCH_ROWS + 1, BATCH_ROWS, payload),
    ) as [Row[], Row[], Row[]];
    source.sql(CREATE_TABLE);
    source.script(insertSql(b1));
    ws.run('pg_basebackup', [
      '-p',
      `${source.settings.port}`,
      '-D',
      backup,
      '-Ft',
      '-X',
      'stream',
      '-c',
      'fast',
      '--no-sync',
      '-l',
      'verify db-restore',
    ]);
    const early = source.sql('SELECT clock_timestamp()');
    source.script(insertSql(b2));
    // The target is read from the server's own clock after batch 2 committed, so batch 2's
    // commit is before it and batch 3's after it.
    const target = source.sql('SELECT clock_timestamp()');
    source.script(insertSql(b3));
    const written = summarizeRows(source.sql(COPY_ROWS));
    check(rowProblems(summarizeRows(copyText([...b1, ...b2, ...b3])), written));
    const last = source.sql('SELECT pg_walfile_name(pg_switch_wal())');
    check(await archived(source, archive, last));
    await source.stop();
    const files = readdirSync(archive);
    const segments = files.filter((f) => /^[0-9A-F]{24}$/.test(f)).length;

    // 2. Self-tests: the same comparison must fail.
    const empty = ws.scratch('empty-archive');
    const noArchive = await restore(ws, backup, 'no-archive', empty, target);
    await noArchive.server.stop();
    const toEarly = await restore(ws, backup, 'early-target', archive, early);
    await toEarly.server.stop();
    const expected = summarizeRows(copyText([...b1, ...b2]));
    const earlyProblems = toEarly.rows
      ? rowProblems(expected, toEarly.rows)
      : [`did not come up: ${toEarly.log.fatal ?? 'no FATAL line'}`];
    failures.push(
      ...selfTestProblems(earlyProblems, { ...noArchive.log, started: noArchive.started }),
    );

    // 3. The restore: exactly batches 1 and 2, recovered from the archive, promoted, writable.
    const restoreStarted = Date.now();
    const real = await restore(ws, backup, 'restored', archive, target);
    if (!real.started || !real.rows)
      throw new Error(`the restored server did not come up: ${real.log.fatal ?? 'no FATAL line'}`);
    const restoreSeconds = (Date.now() - restoreStarted) / 1000;
    check(rowProblems(expected, real.rows));
    check(recoveryProblems(real.log, last, target));
    check(writeProblems(real.server, real.rows.total));
    await real.server.stop();

    return {
      version,
      passed,
      failures,
      archived: { segments, other: files.length - segments },
      fetched: [...new Set(real.log.restored)],
      rows: real.rows.total,
      restoreSeconds,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await ws.stopServers();
    await ws.stopAndWait();
  }
}

/** verify's one-line account of the part. */
export function describeDbRestore(r: DbRestoreReport): string {
  return (
    `verify: db-restore: ${r.version}: a server archiving its WAL (${r.archived.segments} segments and ${r.archived.other} backup history file(s) shipped) ` +
    `took a pg_basebackup between batches of ${BATCH_ROWS} rows; a fresh data dir from the backup replayed ${r.fetched.join(', ')} ` +
    `from the archive to a time after batch 2 and promoted: ${r.rows} rows, batches 1 and 2 exactly (counts, sha256), batch 3 absent, writable ` +
    `(restore ${r.restoreSeconds.toFixed(1)} s); self-tests: no archive stops short of the target, an earlier target loses batch 2; ` +
    `${r.passed} checks passed in ${r.seconds.toFixed(1)} s (${r.failures.length === 0 ? 'ok' : 'FAILED'})`
  );
}
