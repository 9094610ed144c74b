// The platform's database as the API meets it, for verify's jar part and the e2e node: a
// throwaway PostgreSQL (./postgres.ts) bootstrapped the way CloudNativePG bootstraps it.
import { join } from 'node:path';
import { freePort } from './processes';
import { pgBin, PgWorkspace } from './postgres';

/** The owner role and database CloudNativePG's initdb bootstraps for the platform's database. */
export interface PostgresBootstrap {
  readonly database: string;
  readonly owner: string;
  readonly password: string;
}

export interface RunningPostgres {
  readonly port: number;
  /** Stops the server and removes its folder. */
  stop(): void;
}

const quoteLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;
const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

/**
 * A throwaway server bootstrapped as CloudNativePG bootstraps the platform's database (an owner
 * role with its Secret's password, and a database it owns), on 127.0.0.1 at a free port, so that
 * the jar logs in the way the pods do; with `network`, inside that network namespace on
 * `address`:5432, accepting logins from `clients` (the e2e node's pods). The SQL goes through
 * stdin: no password in a process list.
 */
export async function startPostgres(
  boot: PostgresBootstrap,
  network?: { readonly netns: string; readonly address: string; readonly clients: string },
): Promise<RunningPostgres> {
  const ws = new PgWorkspace(pgBin(), network?.netns);
  try {
    const data = join(ws.root, 'data');
    ws.initdb(data);
    if (network)
      ws.write(join(data, 'pg_hba.conf'), `host all all ${network.clients} scram-sha-256\n`, true);
    const port = network ? 5432 : await freePort();
    // In the e2e several pods hold a pool of 10 each: PostgreSQL's (and CloudNativePG's) default.
    const maxConnections = network ? 100 : undefined;
    const server = ws.start('app-db', {
      dataDir: data,
      port,
      listen: network?.address,
      maxConnections,
    });
    await server.up(false, 30);
    server.script(
      `CREATE ROLE ${quoteIdent(boot.owner)} LOGIN PASSWORD ${quoteLiteral(boot.password)};\n` +
        `CREATE DATABASE ${quoteIdent(boot.database)} OWNER ${quoteIdent(boot.owner)};\n`,
    );
    return { port: server.settings.port, stop: () => ws.stop() };
  } catch (error) {
    ws.stop();
    throw error;
  }
}
