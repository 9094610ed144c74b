// Throwaway PostgreSQL servers for verify: the machine's own binaries (Debian's postgresql),
// a folder that the server's user owns, servers on 127.0.0.1 stopped by PID. As root, every
// PostgreSQL program runs as the postgres user (the server refuses root).
import { ChildProcess, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { pickPgBin, recoveryLog, serverArgs, ServerSettings } from './db-restore';
import { ProcessGroup } from './processes';

type User = { readonly uid: number; readonly gid: number } | undefined;

function idOf(flag: '-u' | '-g'): number {
  const r = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(
      'PostgreSQL refuses to run as root and there is no postgres user to run it as (apt-get install postgresql creates it)',
    );
  return Number(r.stdout.trim());
}

/** The folder holding initdb, postgres, pg_basebackup and psql: PG_BIN, or Debian's newest. */
export function pgBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const base = '/usr/lib/postgresql';
  const majors = existsSync(base)
    ? readdirSync(base).map((major) => ({
        major,
        hasInitdb: existsSync(join(base, major, 'bin', 'initdb')),
      }))
    : [];
  return pickPgBin(base, majors);
}

/**
 * The servers' folder: a ProcessGroup whose folder (and each scratch folder, and each file
 * written through it) belongs to the user the servers run as. stop() kills what is left and
 * removes the folder; stopServers() first shuts each server down cleanly.
 */
export class PgWorkspace extends ProcessGroup {
  readonly user: User = process.getuid?.() === 0 ? { uid: idOf('-u'), gid: idOf('-g') } : undefined;
  /** The superuser's password, for TCP logins (scram-sha-256); passed only in child environments. */
  readonly password = randomBytes(18).toString('base64url');
  readonly servers: PgServer[] = [];

  /**
   * `netns` runs the servers inside that network namespace (the e2e node's), where they listen on
   * its bridge; clients then reach them through the Unix socket in the workspace's folder.
   */
  constructor(
    readonly bin: string,
    readonly netns?: string,
  ) {
    super();
    this.own(this.dir);
  }

  get root(): string {
    return this.dir;
  }

  own(path: string): void {
    if (this.user) chownSync(path, this.user.uid, this.user.gid);
  }

  override scratch(name: string): string {
    const d = super.scratch(name);
    this.own(d);
    return d;
  }

  /** Writes (or appends to) a file the servers' user owns. */
  write(path: string, text: string, append = false): void {
    if (append) appendFileSync(path, text);
    else writeFileSync(path, text, { mode: 0o600 });
    this.own(path);
  }

  /** The environment of every PostgreSQL program: nothing of verify's own but PATH. */
  env(client: boolean): NodeJS.ProcessEnv {
    const base = { PATH: process.env.PATH, LC_ALL: 'C', HOME: this.dir };
    return client
      ? {
          ...base,
          PGHOST: this.netns ? this.dir : '127.0.0.1',
          PGUSER: 'postgres',
          PGTZ: 'UTC',
          PGPASSWORD: this.password,
        }
      : base;
  }

  /** Runs one PostgreSQL program (or tar) to completion as the servers' user; returns stdout. */
  run(program: string, args: readonly string[], input?: string): string {
    const binary = program.includes('/') ? program : join(this.bin, program);
    const r = spawnSync(binary, args, {
      input,
      cwd: this.dir,
      env: this.env(true),
      encoding: 'utf8',
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
      ...(this.user ?? {}),
    });
    if (r.error) throw new Error(`${basename(binary)}: ${r.error.message}`);
    if (r.status !== 0)
      throw new Error(`${basename(binary)} ${args[0] ?? ''}: exit ${r.status}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** initdb into a new data dir: UTF-8, C locale, trust on the socket, scram-sha-256 over TCP. */
  initdb(dataDir: string): void {
    const pwfile = join(this.dir, 'superuser.pw');
    this.write(pwfile, this.password);
    try {
      this.run('initdb', [
        '-D',
        dataDir,
        '-U',
        'postgres',
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        `--pwfile=${pwfile}`,
        '--no-sync',
        '-E',
        'UTF8',
        '--locale=C',
      ]);
    } finally {
      rmSync(pwfile, { force: true });
    }
  }

  start(name: string, settings: Omit<ServerSettings, 'socketDir'>): PgServer {
    const server = new PgServer(this, name, { ...settings, socketDir: this.dir });
    this.servers.push(server);
    return server;
  }

  logOf(name: string): string {
    const file = join(this.dir, `${name}.log`);
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  /**
   * On Ctrl-C or exit (synchronous): immediate shutdown of each running server, so that it
   * removes its shared memory and ends its own children, then the group's SIGKILL and removal.
   */
  override stop(): void {
    for (const server of this.servers) server.quit();
    super.stop();
  }

  /** Shuts every running server down (fast shutdown, by PID) and waits for each. */
  async stopServers(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.stop()));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One postgres process, launched in the workspace's group. */
export class PgServer {
  private readonly child: ChildProcess;

  constructor(
    private readonly ws: PgWorkspace,
    readonly name: string,
    readonly settings: ServerSettings,
  ) {
    const postgres = join(ws.bin, 'postgres');
    this.child = ws.netns
      ? ws.launch(
          'nsenter',
          [
            `--net=/run/netns/${ws.netns}`,
            ...(ws.user ? [`--setgid=${ws.user.gid}`, `--setuid=${ws.user.uid}`] : []),
            '--',
            postgres,
            ...serverArgs(settings),
          ],
          `${name}.log`,
          ws.env(false),
        )
      : ws.launch(postgres, serverArgs(settings), `${name}.log`, ws.env(false), ws.user);
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  log(): string {
    return this.ws.logOf(this.name);
  }

  /** One statement through psql (ON_ERROR_STOP, unaligned tuples only); its output, trimmed. */
  sql(statement: string): string {
    return this.psql(['-c', statement]).trim();
  }

  /** A script through psql's stdin, stopping at the first error. */
  script(text: string): void {
    this.psql([], text);
  }

  private psql(args: readonly string[], input?: string): string {
    const port = `${this.settings.port}`;
    const common = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-At', '-p', port, '-d', 'postgres'];
    return this.ws.run('psql', [...common, ...args], input);
  }

  /**
   * Waits (at most `seconds`) until the server answers and, with `promoted`, has left recovery.
   * Returns false when the server exited instead.
   */
  async up(promoted: boolean, seconds = 60): Promise<boolean> {
    const deadline = Date.now() + seconds * 1000;
    while (Date.now() < deadline) {
      if (this.exited) return false;
      try {
        const inRecovery = this.sql('SELECT pg_is_in_recovery()');
        if (!promoted || inRecovery === 'f') return true;
      } catch {
        // Not accepting connections yet (or still replaying before consistency).
      }
      await sleep(200);
    }
    const fatal = recoveryLog(this.log()).fatal;
    throw new Error(
      `${this.name}: not ${promoted ? 'promoted' : 'answering'} within ${seconds} s${fatal ? `: ${fatal}` : ''}`,
    );
  }

  /**
   * Immediate shutdown (SIGQUIT to the postmaster's PID), waited for synchronously, at most 5 s:
   * the postmaster removes postmaster.pid last, after its children and its shared memory.
   */
  quit(): void {
    if (this.exited) return;
    this.child.kill('SIGQUIT');
    const pidFile = join(this.settings.dataDir, 'postmaster.pid');
    const tick = new Int32Array(new SharedArrayBuffer(4));
    for (let i = 0; i < 100 && existsSync(pidFile); i++) Atomics.wait(tick, 0, 0, 50);
  }

  /** Fast shutdown (SIGINT to the postmaster's PID), SIGKILL after 30 s. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Makes a fresh, empty data dir (0700, the servers' user) for a restore. */
export function freshDataDir(ws: PgWorkspace, name: string): string {
  const dir = join(ws.root, name);
  if (existsSync(dir)) throw new Error(`restore: ${dir} already exists`);
  mkdirSync(dir, { mode: 0o700 });
  ws.own(dir);
  return dir;
}
