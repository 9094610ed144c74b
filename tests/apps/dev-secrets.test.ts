import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDevSecrets } from '../../infra/apps/dev-secrets';
import { useTempDir } from '../support/temp-dir';

describe('loadDevSecrets', () => {
  const temp = useTempDir('dev-secrets');

  it('generates a random value per property, stores it owner-only and reuses it', () => {
    const file = join(temp(), '.secrets', 'dev.json');
    const first = loadDevSecrets(file, ['app.api-key']);
    expect(first['app.api-key']).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadDevSecrets(file, ['app.api-key'])).toEqual(first);
    const other = loadDevSecrets(join(temp(), 'other.json'), ['app.api-key']);
    expect(other['app.api-key']).not.toBe(first['app.api-key']);
  });

  it('adds missing properties and keeps existing ones', () => {
    const file = join(temp(), 'dev.json');
    writeFileSync(file, JSON.stringify({ 'app.api-key': 'kept' }));
    const values = loadDevSecrets(file, ['app.api-key', 'spring.datasource.password']);
    expect(values['app.api-key']).toBe('kept');
    expect(values['spring.datasource.password']).toHaveLength(32);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(values);
  });

  it('refuses a malformed file with a way out', () => {
    const file = join(temp(), 'dev.json');
    writeFileSync(file, '["not", "an", "object"]');
    expect(() => loadDevSecrets(file, ['app.api-key'])).toThrow(
      `${file} must hold a JSON object of string values; delete it to generate new dev secrets`,
    );
  });
});
