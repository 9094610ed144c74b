import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMENT_MARKER, manifestDiffMarkdown } from '../../scripts/gitops/diff-manifests';
import { useTempDir } from '../support/temp-dir';

function dist(root: string, name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('manifestDiffMarkdown', () => {
  const temp = useTempDir('diff');
  const base = { 'staging/a.yaml': 'replicas: 2\nimage: x:1\n', 'prod/a.yaml': 'replicas: 3\n' };

  it('says "no change" per environment when outputs are equal', () => {
    const md = manifestDiffMarkdown(dist(temp(), 'base', base), dist(temp(), 'head', base));
    expect(md).toBe(
      `${COMMENT_MARKER}\n### Rendered manifests\n\n**staging**: no change.\n\n**prod**: no change.\n`,
    );
  });

  it('shows a unified diff with base/ and head/ paths and counts changed lines', () => {
    const head = { ...base, 'staging/a.yaml': 'replicas: 2\nimage: x:2\n' };
    const md = manifestDiffMarkdown(dist(temp(), 'base', base), dist(temp(), 'head', head));
    expect(md).toContain('<summary><b>staging</b>: 2 changed line(s)</summary>');
    expect(md).toContain('--- base/a.yaml\n+++ head/a.yaml');
    expect(md).toContain('-image: x:1\n+image: x:2');
    expect(md).toContain('**prod**: no change.');
    expect(md).not.toContain(temp());
  });

  it('never mentions dev, whose Secret is generated per machine', () => {
    const withDev = { ...base, 'dev/a.yaml': 'secret: one\n' };
    const md = manifestDiffMarkdown(
      dist(temp(), 'base', withDev),
      dist(temp(), 'head', { ...withDev, 'dev/a.yaml': 'secret: two\n' }),
    );
    expect(md).not.toContain('dev');
  });

  it('caps each diff so the comment stays under GitHub’s limit', () => {
    const big = Array.from({ length: 2000 }, (_, i) => `line ${i}`).join('\n');
    const md = manifestDiffMarkdown(
      dist(temp(), 'base', base),
      dist(temp(), 'head', { ...base, 'prod/a.yaml': big }),
      1000,
    );
    expect(md).toContain('... (truncated)');
    expect(md.length).toBeLessThan(2000);
  });

  it('reports a new environment and refuses a missing head', () => {
    const onlyProd = { 'prod/a.yaml': 'x: 1\n' };
    expect(
      manifestDiffMarkdown(dist(temp(), 'base', onlyProd), dist(temp(), 'head', base)),
    ).toContain('**staging**: new environment (no base output).');
    expect(() =>
      manifestDiffMarkdown(dist(temp(), 'b2', base), dist(temp(), 'h2', onlyProd)),
    ).toThrow('staging is missing: synthesize the head first');
  });
});
