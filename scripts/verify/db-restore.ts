// The pure half of verify's db-restore part: which PostgreSQL to run, the server's and the
// restore's settings as text, the rows the test writes, and how the restored rows and the
// server's own log are judged.
import { createHash } from 'node:crypto';

/** The table the part writes; `batch` says which write put a row there. */
export const TABLE = 'ledger';
export const CREATE_TABLE = `CREATE TABLE ${TABLE} (id integer PRIMARY KEY, batch integer NOT NULL, payload text NOT NULL)`;
/** The restored rows in COPY's text format, one `id\tbatch\tpayload` line each, by id. */
export const COPY_ROWS = `COPY (SELECT id, batch, payload FROM ${TABLE} ORDER BY id) TO STDOUT`;

/**
 * The bin folder of the newest PostgreSQL major among `/usr/lib/postgresql/<major>/bin`
 * (Debian's layout), given the majors found and whether each has initdb.
 */
export function pickPgBin(
  base: string,
  majors: readonly { readonly major: string; readonly hasInitdb: boolean }[],
): string {
  const usable = majors
    .filter((m) => m.hasInitdb && /^\d+$/.test(m.major))
    .map((m) => Number(m.major))
    .sort((a, b) => b - a);
  if (usable.length === 0)
    throw new Error(
      `PostgreSQL: no ${base}/<major>/bin/initdb (found: ${majors.map((m) => m.major).join(', ') || 'nothing'}); ` +
        'apt-get install postgresql, or set PG_BIN to the folder holding initdb, postgres, pg_basebackup and psql',
    );
  return `${base}/${usable[0]}/bin`;
}

/** A folder put into a shell command run by PostgreSQL: absolute, and nothing to escape. */
function commandPath(key: string, dir: string): string {
  if (!dir.startsWith('/') || /['%\\\n]/.test(dir))
    throw new Error(
      `${key}: ${JSON.stringify(dir)} must be an absolute path without quotes, percent signs, backslashes or newlines`,
    );
  return dir;
}

/**
 * Ships each finished WAL file (segments, timeline histories, backup labels) under its own name
 * into the archive folder and refuses to overwrite one already there, as PostgreSQL's docs ask
 * of any archive_command and as barman-cloud-wal-archive does for CloudNativePG (one object per
 * WAL file, never replaced). A non-zero exit makes the server retry the same file.
 */
export function archiveCommand(archive: string): string {
  const dir = commandPath('archive_command', archive);
  return `test ! -f '${dir}/%f' && cp '%p' '${dir}/%f.part' && mv '${dir}/%f.part' '${dir}/%f'`;
}

/** Fetches one WAL file back from the archive; fails (as it must) for a file it does not hold. */
export function restoreCommand(archive: string): string {
  const dir = commandPath('restore_command', archive);
  return `cp '${dir}/%f' '%p'`;
}

/** Where and how a throwaway server listens and writes. */
export interface ServerSettings {
  readonly dataDir: string;
  readonly port: number;
  /** Folder for the Unix socket (the default /var/run/postgresql may not be writable). */
  readonly socketDir: string;
  /** When set, WAL archiving on into this folder. */
  readonly archive?: string;
  /** The address to listen on. @default '127.0.0.1' */
  readonly listen?: string;
  /** @default 20 (a throwaway server); the e2e's serves several pods' pools, as CloudNativePG's 100 */
  readonly maxConnections?: number;
}

/** The `postgres` command line: loopback only, small, English messages, archiving when asked. */
export function serverArgs(s: ServerSettings): string[] {
  const settings: [string, string][] = [
    ['listen_addresses', s.listen ?? '127.0.0.1'],
    ['port', String(s.port)],
    ['unix_socket_directories', s.socketDir],
    ['shared_buffers', '16MB'],
    ['max_connections', String(s.maxConnections ?? 20)],
    ['lc_messages', 'C'],
    ['log_timezone', 'UTC'],
    ['timezone', 'UTC'],
    // A throwaway server: durability against a machine crash is not what is tested.
    ['fsync', 'off'],
  ];
  if (s.archive !== undefined)
    settings.push(
      ['wal_level', 'replica'],
      ['archive_mode', 'on'],
      ['archive_command', archiveCommand(s.archive)],
    );
  return ['-D', s.dataDir, ...settings.flatMap(([k, v]) => ['-c', `${k}=${v}`])];
}

/** A value in postgresql.conf syntax: single-quoted, quotes doubled. */
export function confValue(value: string): string {
  if (value.includes('\n')) throw new Error(`postgresql.conf value has a newline: ${value}`);
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** How a restored server replays the archive and where it stops. */
export interface RecoverySettings {
  readonly restoreCommand: string;
  /** recovery_target_time, with its UTC offset (as `clock_timestamp()::text` prints it). */
  readonly targetTime: string;
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?([+-])(\d{2})(?::(\d{2}))?$/;

/** Microseconds since the epoch of a timestamp as PostgreSQL prints it (`2026-12-01 10:11:12.5+00`). */
export function timestampMicros(text: string): number {
  const m = TIMESTAMP.exec(text);
  if (!m) throw new Error(`not a PostgreSQL timestamp with a UTC offset: ${JSON.stringify(text)}`);
  const n = (i: number) => Number(m[i] ?? 0);
  const seconds = Date.UTC(n(1), n(2) - 1, n(3), n(4), n(5), n(6)) / 1000;
  const offset = (m[8] === '-' ? -1 : 1) * (n(9) * 3600 + n(10) * 60);
  return (seconds - offset) * 1_000_000 + Number((m[7] ?? '').padEnd(6, '0'));
}

/**
 * The lines appended to the restored data dir's postgresql.auto.conf (recovery.signal beside it
 * turns them on): replay from the archive, stop at the target time and promote, as
 * CloudNativePG's `bootstrap.recovery.recoveryTarget.targetTime` does.
 */
export function recoveryConf(r: RecoverySettings): string {
  if (!TIMESTAMP.test(r.targetTime))
    throw new Error(
      `recovery_target_time: ${JSON.stringify(r.targetTime)} is not a timestamp with a UTC offset (YYYY-MM-DD HH:MM:SS[.ffffff]+HH)`,
    );
  return [
    '# verify db-restore: point-in-time recovery',
    `restore_command = ${confValue(r.restoreCommand)}`,
    `recovery_target_time = ${confValue(r.targetTime)}`,
    `recovery_target_action = 'promote'`,
    '',
  ].join('\n');
}

/** One row the part writes. */
export interface Row {
  readonly id: number;
  readonly batch: number;
  readonly payload: string;
}

/** `count` rows of one batch, ids following `firstId`, payloads from `payload(id)`. */
export function batchRows(
  batch: number,
  firstId: number,
  count: number,
  payload: (id: number) => string,
): Row[] {
  return Array.from({ length: count }, (_, i) => {
    const id = firstId + i;
    const p = payload(id);
    if (!/^[0-9a-f]+$/.test(p)) throw new Error(`row ${id}: payload must be lowercase hex`);
    return { id, batch, payload: p };
  });
}

/** One transaction inserting the rows. */
export function insertSql(rows: readonly Row[]): string {
  const values = rows.map((r) => `(${r.id}, ${r.batch}, '${r.payload}')`).join(',\n');
  return `BEGIN;\nINSERT INTO ${TABLE} (id, batch, payload) VALUES\n${values};\nCOMMIT;\n`;
}

/** What rows are compared by: how many of each batch, and a digest of the whole content. */
export interface RowsSummary {
  readonly total: number;
  /** Batch number to row count. */
  readonly batches: Readonly<Record<number, number>>;
  /** sha256 of the rows in COPY's text format, ordered by id. */
  readonly sha256: string;
}

/** The rows as COPY prints them (the expected side of the comparison). */
export function copyText(rows: readonly Row[]): string {
  return [...rows]
    .sort((a, b) => a.id - b.id)
    .map((r) => `${r.id}\t${r.batch}\t${r.payload}\n`)
    .join('');
}

/** Summarizes COPY's text output; throws on a line that is not `id\tbatch\tpayload`. */
export function summarizeRows(copy: string): RowsSummary {
  const batches: Record<number, number> = {};
  const lines = copy.split('\n').filter((l) => l !== '');
  for (const line of lines) {
    const found = /^(\d+)\t(\d+)\t[0-9a-f]+$/.exec(line);
    if (!found) throw new Error(`restored rows: unexpected line ${JSON.stringify(line)}`);
    const batch = Number(found[2]);
    batches[batch] = (batches[batch] ?? 0) + 1;
  }
  return {
    total: lines.length,
    batches,
    // Over the lines, so a missing final newline (psql's output trimmed) changes nothing.
    sha256: createHash('sha256')
      .update(lines.map((l) => `${l}\n`).join(''))
      .digest('hex'),
  };
}

/** How the restored rows differ from the expected ones: counts per batch, then the digest. */
export function rowProblems(expected: RowsSummary, restored: RowsSummary): string[] {
  const problems: string[] = [];
  const batches = [...new Set([...Object.keys(expected.batches), ...Object.keys(restored.batches)])]
    .map(Number)
    .sort((a, b) => a - b);
  for (const b of batches) {
    const want = expected.batches[b] ?? 0;
    const got = restored.batches[b] ?? 0;
    if (got !== want)
      problems.push(
        want === 0
          ? `batch ${b}: ${got} rows after the restore; none expected (written after the target)`
          : `batch ${b}: ${got} rows after the restore, ${want} written before the target`,
      );
  }
  if (restored.sha256 !== expected.sha256)
    problems.push(
      `content: sha256 ${restored.sha256.slice(0, 12)}… after the restore (${restored.total} rows), ${expected.sha256.slice(0, 12)}… expected (${expected.total} rows)`,
    );
  return problems;
}

/** What a server's log says about its recovery. */
export interface RecoveryLog {
  /** WAL files fetched by restore_command, in order. */
  readonly restored: readonly string[];
  /** The target the server read (`starting point-in-time recovery to T`). */
  readonly target?: string;
  /** Where replay stopped (`recovery stopping before commit of transaction N, time T`). */
  readonly stop?: { readonly xid: number; readonly time: string };
  /** The timeline the server promoted to. */
  readonly timeline?: number;
  /** The first FATAL or PANIC message. */
  readonly fatal?: string;
}

export function recoveryLog(log: string): RecoveryLog {
  const restored = [...log.matchAll(/LOG: {2}restored log file "([0-9A-F.a-z]+)" from archive/g)]
    .map((m) => m[1])
    .filter((f): f is string => f !== undefined);
  const target = /starting point-in-time recovery to (.+)$/m.exec(log);
  const stop = /recovery stopping before commit of transaction (\d+), time (.+)$/m.exec(log);
  const timeline = /selected new timeline ID: (\d+)/.exec(log);
  const fatal = /(?:FATAL|PANIC): {2}(.+)$/m.exec(log);
  return {
    restored,
    ...(target?.[1] ? { target: target[1] } : {}),
    ...(stop?.[1] && stop[2] ? { stop: { xid: Number(stop[1]), time: stop[2] } } : {}),
    ...(timeline?.[1] ? { timeline: Number(timeline[1]) } : {}),
    ...(fatal?.[1] ? { fatal: fatal[1] } : {}),
  };
}

/** The message PostgreSQL 13+ ends a recovery with when the archive runs out before the target. */
export const TARGET_NOT_REACHED = 'recovery ended before configured recovery target was reached';

/**
 * The self-tests' verdicts. `early`: a restore to a time before batch 2 must fail the row check
 * for batch 2 and the content, nothing else. `noArchive`: a restore whose restore_command finds
 * nothing must not come up, for lack of the WAL that reaches the target.
 */
export function selfTestProblems(
  early: readonly string[],
  noArchive: RecoveryLog & { readonly started: boolean },
): string[] {
  const problems: string[] = [];
  const wanted = [
    /^batch 2: 0 rows after the restore, \d+ written before the target$/,
    /^content: /,
  ];
  if (early.length !== wanted.length || !wanted.every((w) => early.some((p) => w.test(p))))
    problems.push(
      `self-test (a target before batch 2): expected exactly the missing batch 2 and a content mismatch; got: ${early.join('; ') || 'no failure'}`,
    );
  if (noArchive.started || noArchive.fatal !== TARGET_NOT_REACHED)
    problems.push(
      `self-test (no archive): expected the server to stop with "${TARGET_NOT_REACHED}"; ` +
        (noArchive.started ? 'it came up' : `it logged: ${noArchive.fatal ?? 'no FATAL line'}`),
    );
  return problems;
}
