import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startPostgres } from '../../scripts/verify/app-database';
import { pgBin } from '../../scripts/verify/postgres';

// verify's stand-in for the platform's database, against Debian's real PostgreSQL: the owner
// logs in over TCP with the Secret's password and owns the database; a wrong password does not.
describe('startPostgres', () => {
  it('bootstraps the owner and its database, as CloudNativePG initdb does, on loopback', async () => {
    const pg = await startPostgres({
      database: 'articles',
      owner: 'spring_api',
      password: "it's-s3cret",
    });
    const query = (password: string) =>
      spawnSync(
        join(pgBin(), 'psql'),
        ['-h', '127.0.0.1', '-p', String(pg.port), '-U', 'spring_api', '-d', 'articles', '-tAc',
          'SELECT current_user, (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database())'],
        { encoding: 'utf8', env: { ...process.env, PGPASSWORD: password } },
      ); // prettier-ignore
    try {
      expect(query("it's-s3cret").stdout.trim()).toBe('spring_api|spring_api');
      expect(query('wrong').status).not.toBe(0);
    } finally {
      pg.stop();
    }
  }, 60_000);
});
