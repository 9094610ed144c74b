import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

// No source file over 300 lines outside tests: a file that long holds more than one concern.
// Generated files (a `// GENERATED FILE:` header, written by `npm run import:k8s`) are exempt.

const root = resolve(__dirname, '..', '..');
const LIMIT = 300;
const SOURCE = /\.(ts|js|mjs|sh|java)$/;
const TESTS = /^tests\/|\/src\/test\//;

/** Source files over the limit, with their line counts. */
export function oversized(files: readonly string[], read: (f: string) => string): string[] {
  return files
    .filter((f) => SOURCE.test(f) && !TESTS.test(f))
    .map((f) => ({ f, text: read(f) }))
    .filter(({ text }) => !text.startsWith('// GENERATED FILE:'))
    .map(({ f, text }) => ({ f, lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0) }))
    .filter(({ lines }) => lines > LIMIT)
    .map(({ f, lines }) => `${f}: ${lines} lines`);
}

describe('source files', () => {
  it(`stay within ${LIMIT} lines outside tests (generated files exempt)`, () => {
    const files = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter((f) => f.length > 0);
    expect(files.length).toBeGreaterThan(100);
    expect(oversized(files, (f) => readFileSync(join(root, f), 'utf8'))).toEqual([]);
  });

  it('include no symlink (a worktree links node_modules and .tools; they must never be committed)', () => {
    const links = execFileSync('git', ['ls-files', '-s'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.startsWith('120000 '));
    expect(links).toEqual([]);
  });

  it('counts lines, exempts generated files and tests, and names the offender', () => {
    const long = `${'x\n'.repeat(LIMIT + 1)}`;
    const files: Record<string, string> = {
      'infra/a.ts': long,
      'infra/b.ts': 'x\n'.repeat(LIMIT),
      'infra/apps/imports/k8s.ts': `// GENERATED FILE: cdk8s import\n${long}`,
      'tests/a.test.ts': long,
      'apps/spring-api/src/test/java/A.java': long,
      'README.md': long,
    };
    expect(oversized(Object.keys(files), (f) => files[f] ?? '')).toEqual([
      `infra/a.ts: ${LIMIT + 1} lines`,
    ]);
  });
});
