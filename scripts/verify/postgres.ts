// A throwaway PostgreSQL for verify, bootstrapped the way CloudNativePG's initdb bootstraps the
// platform's database: an owner role with the password of its Secret, and a database it owns.
// Debian's server binaries, a data folder of its own, 127.0.0.1 on a free port, password
// authentication over TCP. The server is a helper of the given group (stopped with it); the
// returned stop() also removes its folder. As root it runs as the postgres user (PostgreSQL
// refuses root), through setpriv, which execs: the group's SIGKILL reaches the server itself.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, ProcessGroup } from './processes';

export interface PostgresBootstrap {
  readonly database: string;
  readonly owner: string;
  readonly password: string;
}

export interface RunningPostgres {
  readonly port: number;
  /** Stops the server and removes its data folder. */
  stop(): void;
}

/** The newest server binaries Debian's postgresql package installed. */
export function postgresBin(root = '/usr/lib/postgresql'): string {
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0)
    throw new Error(
      `PostgreSQL server binaries not found under ${root}: apt-get install postgresql (.ci/run does)`,
    );
  return join(root, versions[0] ?? '', 'bin');
}

const quoteLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;
const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

export async function startPostgres(
  processes: ProcessGroup,
  boot: PostgresBootstrap,
): Promise<RunningPostgres> {
  const bin = postgresBin();
  const asRoot = process.getuid?.() === 0;
  const as = (command: string[]) =>
    asRoot
      ? ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', '--', ...command]
      : command;
  // SQL goes through stdin, so that no password shows in the process list or in a message.
  const run = (command: string[], input?: string) => {
    const [binary, ...args] = as(command);
    const r = spawnSync(binary ?? '', args, { encoding: 'utf8', input });
    if (r.status !== 0) throw new Error(`${command[0] ?? ''} failed: ${r.stdout}${r.stderr}`);
  };
  const dir = mkdtempSync(join(tmpdir(), 'verify-postgres-'));
  const stopAll = () => rmSync(dir, { recursive: true, force: true });
  try {
    const pwfile = join(dir, 'superuser.pw');
    writeFileSync(pwfile, randomBytes(24).toString('hex'), { mode: 0o600 });
    if (asRoot) spawnSync('chown', ['-R', 'postgres:postgres', dir]);
    const data = join(dir, 'data');
    run([
      join(bin, 'initdb'), '-D', data, '-U', 'postgres', '--auth-local=trust',
      '--auth-host=scram-sha-256', `--pwfile=${pwfile}`, '--no-sync', '-E', 'UTF8', '--locale=C',
    ]); // prettier-ignore
    const port = await freePort();
    const [binary, ...args] = as([
      join(bin, 'postgres'), '-D', data, '-p', String(port), '-k', dir,
      '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'full_page_writes=off',
    ]); // prettier-ignore
    const server = processes.launch(binary ?? '', args, 'postgres.log');
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ready = spawnSync(join(bin, 'pg_isready'), ['-h', dir, '-p', String(port)]);
      if (ready.status === 0) break;
      if (server.exitCode !== null || Date.now() > deadline)
        throw new Error('the local PostgreSQL did not start within 30 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    const psql = [join(bin, 'psql'), '-h', dir, '-p', String(port), '-U', 'postgres', '-q'];
    run(
      [...psql, '-v', 'ON_ERROR_STOP=1', '-d', 'postgres'],
      `CREATE ROLE ${quoteIdent(boot.owner)} LOGIN PASSWORD ${quoteLiteral(boot.password)};\n` +
        `CREATE DATABASE ${quoteIdent(boot.database)} OWNER ${quoteIdent(boot.owner)};\n`,
    );
    // Answering on TCP, where the jar connects.
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(resolve));
      socket.once('error', reject);
    });
    return {
      port,
      stop: () => {
        if (server.exitCode === null) server.kill('SIGKILL');
        stopAll();
      },
    };
  } catch (error) {
    stopAll();
    throw error;
  }
}
