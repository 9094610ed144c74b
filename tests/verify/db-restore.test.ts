import {
  archiveCommand,
  batchRows,
  confValue,
  copyText,
  insertSql,
  pickPgBin,
  recoveryConf,
  recoveryLog,
  restoreCommand,
  rowProblems,
  selfTestProblems,
  serverArgs,
  summarizeRows,
  TARGET_NOT_REACHED,
  timestampMicros,
} from '../../scripts/verify/db-restore';

// verify's db-restore part runs these against real PostgreSQL servers; here, what they build,
// accept and refuse.
describe('pickPgBin', () => {
  const base = '/usr/lib/postgresql';

  it("takes the newest major that has initdb (Debian's layout)", () => {
    const majors = [
      { major: '9', hasInitdb: true },
      { major: '15', hasInitdb: true },
      { major: '17', hasInitdb: false },
      { major: 'common', hasInitdb: true },
    ];
    expect(pickPgBin(base, majors)).toBe('/usr/lib/postgresql/15/bin');
  });

  it('says what to install when there is none', () => {
    expect(() => pickPgBin(base, [{ major: '16', hasInitdb: false }])).toThrow(
      'PostgreSQL: no /usr/lib/postgresql/<major>/bin/initdb (found: 16); apt-get install postgresql, or set PG_BIN to the folder holding initdb, postgres, pg_basebackup and psql',
    );
    expect(() => pickPgBin(base, [])).toThrow('(found: nothing)');
  });
});

describe('archiveCommand and restoreCommand', () => {
  it('ship each WAL file under its own name, never overwriting, and fetch it back', () => {
    expect(archiveCommand('/tmp/a')).toBe(
      "test ! -f '/tmp/a/%f' && cp '%p' '/tmp/a/%f.part' && mv '/tmp/a/%f.part' '/tmp/a/%f'",
    );
    expect(restoreCommand('/tmp/a')).toBe("cp '/tmp/a/%f' '%p'");
  });

  it('refuse a folder the shell or PostgreSQL would read differently', () => {
    expect(() => archiveCommand("/tmp/it's")).toThrow(
      'archive_command: "/tmp/it\'s" must be an absolute path without quotes, percent signs, backslashes or newlines',
    );
    expect(() => restoreCommand('/tmp/100%')).toThrow('restore_command: "/tmp/100%" must be');
    expect(() => restoreCommand('archive')).toThrow('restore_command: "archive" must be');
  });
});

describe('serverArgs', () => {
  const settings = { dataDir: '/d', port: 5433, socketDir: '/s' };
  const setting = (args: string[], key: string) =>
    args.find((a) => a.startsWith(`${key}=`))?.slice(key.length + 1);

  it('listens on 127.0.0.1 only, on the given port and socket folder', () => {
    const args = serverArgs(settings);
    expect(args.slice(0, 2)).toEqual(['-D', '/d']);
    expect(setting(args, 'listen_addresses')).toBe('127.0.0.1');
    expect(setting(args, 'port')).toBe('5433');
    expect(setting(args, 'unix_socket_directories')).toBe('/s');
    expect(setting(args, 'lc_messages')).toBe('C');
    expect(setting(args, 'archive_mode')).toBeUndefined();
  });

  it('archives at wal_level replica when given an archive folder', () => {
    const args = serverArgs({ ...settings, archive: '/a' });
    expect(setting(args, 'wal_level')).toBe('replica');
    expect(setting(args, 'archive_mode')).toBe('on');
    expect(setting(args, 'archive_command')).toBe(archiveCommand('/a'));
    // Each setting is its own -c argument: no shell ever splits them.
    expect(args.filter((a) => a === '-c')).toHaveLength((args.length - 2) / 2);
  });
});

describe('recoveryConf', () => {
  it('replays with restore_command to the target time and promotes', () => {
    expect(
      recoveryConf({
        restoreCommand: restoreCommand('/a'),
        targetTime: '2026-12-01 02:19:56.687654+00',
      }),
    ).toBe(
      [
        '# verify db-restore: point-in-time recovery',
        "restore_command = 'cp ''/a/%f'' ''%p'''",
        "recovery_target_time = '2026-12-01 02:19:56.687654+00'",
        "recovery_target_action = 'promote'",
        '',
      ].join('\n'),
    );
  });

  it('refuses a target without a UTC offset (the server would read it in its own zone)', () => {
    expect(() =>
      recoveryConf({ restoreCommand: 'true', targetTime: '2026-12-01 02:19:56' }),
    ).toThrow(
      'recovery_target_time: "2026-12-01 02:19:56" is not a timestamp with a UTC offset (YYYY-MM-DD HH:MM:SS[.ffffff]+HH)',
    );
  });

  it('quotes values as postgresql.conf reads them', () => {
    expect(confValue("it's a\\b")).toBe("'it''s a\\\\b'");
    expect(() => confValue('a\nb')).toThrow('postgresql.conf value has a newline');
  });
});

describe('timestampMicros', () => {
  it('reads fractions to the microsecond and honours the offset', () => {
    const t = timestampMicros('2026-12-01 02:19:56.687654+00');
    expect(t).toBe(Date.UTC(2026, 11, 1, 2, 19, 56) * 1000 + 687654);
    expect(
      timestampMicros('2026-12-01 02:19:56.5+00') - timestampMicros('2026-12-01 02:19:56.05+00'),
    ).toBe(450000);
    expect(timestampMicros('2026-12-01 03:49:56.687654+01:30')).toBe(t);
    expect(timestampMicros('2026-12-01 02:19:56+00')).toBe(Date.UTC(2026, 11, 1, 2, 19, 56) * 1000);
  });

  it('refuses text without an offset', () => {
    expect(() => timestampMicros('2026-12-01 02:19:56')).toThrow(
      'not a PostgreSQL timestamp with a UTC offset: "2026-12-01 02:19:56"',
    );
  });
});

describe('rows', () => {
  const hex = (id: number) => id.toString(16).padStart(8, '0');
  const b1 = batchRows(1, 1, 3, hex);
  const b2 = batchRows(2, 4, 2, hex);
  const b3 = batchRows(3, 6, 2, hex);

  it('numbers each batch after the one before', () => {
    expect(b2).toEqual([
      { id: 4, batch: 2, payload: '00000004' },
      { id: 5, batch: 2, payload: '00000005' },
    ]);
    expect(() => batchRows(1, 1, 1, () => "x'); DROP TABLE ledger; --")).toThrow(
      'row 1: payload must be lowercase hex',
    );
  });

  it('inserts a batch in one transaction', () => {
    expect(insertSql(b2)).toBe(
      "BEGIN;\nINSERT INTO ledger (id, batch, payload) VALUES\n(4, 2, '00000004'),\n(5, 2, '00000005');\nCOMMIT;\n",
    );
  });

  it("summarizes COPY's text output, with or without the final newline", () => {
    const copy = copyText([...b2, ...b1]);
    expect(copy.split('\n')[0]).toBe('1\t1\t00000001');
    const summary = summarizeRows(copy);
    expect(summary.total).toBe(5);
    expect(summary.batches).toEqual({ 1: 3, 2: 2 });
    expect(summarizeRows(copy.trimEnd())).toEqual(summary);
    expect(() => summarizeRows('1\t1\tnot hex\n')).toThrow(
      'restored rows: unexpected line "1\\t1\\tnot hex"',
    );
  });

  const expected = summarizeRows(copyText([...b1, ...b2]));

  it('passes exactly the rows written before the target', () => {
    expect(rowProblems(expected, summarizeRows(copyText([...b2, ...b1])))).toEqual([]);
  });

  it('names a missing batch, a batch written after the target, and changed content', () => {
    const [a, b] = [expected.sha256.slice(0, 12), summarizeRows(copyText(b1)).sha256.slice(0, 12)];
    expect(rowProblems(expected, summarizeRows(copyText(b1)))).toEqual([
      'batch 2: 0 rows after the restore, 2 written before the target',
      `content: sha256 ${b}… after the restore (3 rows), ${a}… expected (5 rows)`,
    ]);
    const withB3 = rowProblems(expected, summarizeRows(copyText([...b1, ...b2, ...b3])));
    expect(withB3[0]).toBe(
      'batch 3: 2 rows after the restore; none expected (written after the target)',
    );
    const changed = copyText([...b1, ...b2]).replace('00000005', '0000000f');
    expect(rowProblems(expected, summarizeRows(changed))).toEqual([
      expect.stringMatching(
        /^content: sha256 \S+ after the restore \(5 rows\), \S+ expected \(5 rows\)$/,
      ),
    ]);
  });
});

// Lines of a real PostgreSQL 15.18 restore's log, as verify captured them.
const restoredLog = `2026-12-01 02:19:58.909 UTC [6045] LOG:  database system was interrupted; last known up at 2026-12-01 02:19:56 UTC
cp: cannot stat '/tmp/verify-kgmqFh/archive/00000002.history': No such file or directory
2026-12-01 02:19:58.911 UTC [6045] LOG:  starting point-in-time recovery to 2026-12-01 02:19:56.687654+00
2026-12-01 02:19:58.919 UTC [6045] LOG:  restored log file "000000010000000000000002" from archive
2026-12-01 02:19:58.922 UTC [6045] LOG:  redo starts at 0/2000028
2026-12-01 02:19:58.930 UTC [6045] LOG:  restored log file "000000010000000000000003" from archive
2026-12-01 02:19:58.931 UTC [6045] LOG:  consistent recovery state reached at 0/2000100
2026-12-01 02:19:58.934 UTC [6045] LOG:  recovery stopping before commit of transaction 728, time 2026-12-01 02:19:56.717851+00
2026-12-01 02:19:58.945 UTC [6045] LOG:  selected new timeline ID: 2
2026-12-01 02:19:58.960 UTC [6041] LOG:  database system is ready to accept connections
`;
const noArchiveLog = `2026-12-01 02:19:57.455 UTC [5991] LOG:  starting point-in-time recovery to 2026-12-01 02:19:56.687654+00
cp: cannot stat '/tmp/verify-kgmqFh/empty-archive/000000010000000000000003': No such file or directory
2026-12-01 02:19:57.463 UTC [5991] FATAL:  recovery ended before configured recovery target was reached
2026-12-01 02:19:57.466 UTC [5987] LOG:  startup process (PID 5991) exited with exit code 1
`;

describe('recoveryLog', () => {
  it("reads the target, the files fetched, the stop and the new timeline from the server's log", () => {
    expect(recoveryLog(restoredLog)).toEqual({
      restored: ['000000010000000000000002', '000000010000000000000003'],
      target: '2026-12-01 02:19:56.687654+00',
      stop: { xid: 728, time: '2026-12-01 02:19:56.717851+00' },
      timeline: 2,
    });
  });

  it('reads the reason a recovery gave up', () => {
    expect(recoveryLog(noArchiveLog)).toEqual({
      restored: [],
      target: '2026-12-01 02:19:56.687654+00',
      fatal: TARGET_NOT_REACHED,
    });
  });
});

describe('selfTestProblems', () => {
  const early = [
    'batch 2: 0 rows after the restore, 500 written before the target',
    'content: sha256 aaa… after the restore (500 rows), bbb… expected (1000 rows)',
  ];
  const noArchive = { ...recoveryLog(noArchiveLog), started: false };

  it('passes when each self-test failed for its own cause only', () => {
    expect(selfTestProblems(early, noArchive)).toEqual([]);
  });

  it('fails when the earlier target went unnoticed or failed for another cause', () => {
    expect(selfTestProblems([], noArchive)).toEqual([
      'self-test (a target before batch 2): expected exactly the missing batch 2 and a content mismatch; got: no failure',
    ]);
    expect(
      selfTestProblems([...early, 'batch 3: 1 rows after the restore'], noArchive),
    ).toHaveLength(1);
    expect(selfTestProblems(early.slice(1), noArchive)).toHaveLength(1);
  });

  it('fails when a restore without the archive came up, or died for another reason', () => {
    expect(selfTestProblems(early, { ...noArchive, started: true })).toEqual([
      `self-test (no archive): expected the server to stop with "${TARGET_NOT_REACHED}"; it came up`,
    ]);
    expect(
      selfTestProblems(early, {
        restored: [],
        fatal: 'could not locate required checkpoint record',
        started: false,
      }),
    ).toEqual([
      `self-test (no archive): expected the server to stop with "${TARGET_NOT_REACHED}"; it logged: could not locate required checkpoint record`,
    ]);
  });
});
