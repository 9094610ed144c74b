import { existsSync } from 'node:fs';
import {
  CONFIG_FILE,
  contractProblems,
  readReport,
  schemathesisArgs,
  SELF_TEST_CODES,
  SELF_TEST_PATHS,
  wrongDocument,
} from '../../scripts/verify/api-check';

// verify runs schemathesis against the real jar; here, how a run is asked for and judged.
const report = (overrides: Record<string, unknown> = {}): string =>
  JSON.stringify({
    schemathesis_version: '4.32.5',
    complete: true,
    exit_code: 0,
    operations: { total: 6, selected: 6, tested: 6, errored: 0, skipped: 0 },
    test_cases: { generated: 615, with_failures: 0, unique_failures: 0 },
    failures: [],
    errors: [],
    warnings: { missing_auth: [], unused_openapi_auth: [] },
    ...overrides,
  });

describe('schemathesisArgs', () => {
  const args = schemathesisArgs('http://127.0.0.1:1/v3/api-docs', '/tmp/r.json', 'k3y');

  it('runs every check, bounded and repeatable, with the key on every request', () => {
    const option = (name: string): string | undefined => args[args.indexOf(name) + 1];
    expect(args.slice(0, 4)).toEqual([
      '--config-file',
      CONFIG_FILE,
      'run',
      'http://127.0.0.1:1/v3/api-docs',
    ]);
    expect(existsSync(CONFIG_FILE)).toBe(true);
    expect(option('--checks')).toBe('all');
    expect(option('--max-examples')).toBe('50');
    expect(option('--seed')).toBe('1');
    expect(option('--workers')).toBe('1');
    expect(option('--header')).toBe('X-API-Key: k3y');
    expect(option('--report-json-path')).toBe('/tmp/r.json');
    expect(args).toContain('--continue-on-failure');
  });

  it('takes a smaller bound and extra options for the self-test', () => {
    const self = schemathesisArgs('wrong.json', 'r.json', 'k', {
      maxExamples: 10,
      extra: ['--url', 'http://127.0.0.1:1'],
    });
    expect(self[self.indexOf('--max-examples') + 1]).toBe('10');
    expect(self.slice(-2)).toEqual(['--url', 'http://127.0.0.1:1']);
  });
});

describe('judging a run', () => {
  it('passes a complete run over every operation with no failure, error or warning', () => {
    const run = readReport(report());
    expect(run).toMatchObject({ version: '4.32.5', generated: 615, operations: 6, tested: 6 });
    expect(contractProblems(run)).toEqual([]);
  });

  it('fails on each failure kind, naming its code, count and operations', () => {
    const run = readReport(
      report({
        failures: [
          {
            code: 'ST101',
            title: 'Server error',
            count: 1,
            operations: ['GET /api/articles'],
          },
        ],
      }),
    );
    expect(contractProblems(run)).toEqual(['ST101 Server error: 1 (GET /api/articles)']);
  });

  it('fails on errors, warnings, untested operations and an incomplete run', () => {
    const run = readReport(
      report({
        complete: false,
        operations: { total: 6, tested: 5 },
        errors: [{ title: 'Schema error', count: 2 }],
        warnings: { missing_auth: ['POST /api/articles'], unused_openapi_auth: [] },
      }),
    );
    expect(contractProblems(run)).toEqual([
      'the run did not complete',
      '5 of 6 operations tested',
      'error: Schema error (2)',
      'warning: missing_auth: ["POST /api/articles"]',
    ]);
  });

  it('fails a run that generated nothing', () => {
    expect(contractProblems(readReport(report({ test_cases: { generated: 0 } })))).toEqual([
      'no test case was generated',
    ]);
  });
});

describe('the self-test document', () => {
  const document = {
    paths: {
      '/api/articles/{id}': {
        get: { responses: { '200': {}, '400': {}, '404': {}, '406': {} } },
      },
    },
    components: {
      schemas: {
        ArticlePage: {
          properties: {
            items: { type: 'array', items: { $ref: '#/components/schemas/ArticleResponse' } },
          },
        },
      },
    },
  };

  it('drops the 404 of GET /api/articles/{id} and says a page is never empty, leaving the original alone', () => {
    const wrong = wrongDocument(document);
    expect(Object.keys(wrong.paths['/api/articles/{id}'].get.responses)).toEqual([
      '200',
      '400',
      '406',
    ]);
    expect(wrong.components.schemas.ArticlePage.properties.items).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/ArticleResponse' },
      minItems: 1,
    });
    expect(document.paths['/api/articles/{id}'].get.responses).toHaveProperty('404');
    expect(document.components.schemas.ArticlePage.properties.items).not.toHaveProperty('minItems');
  });

  it('runs the two operations it misstates, and not the report that left for the management port', () => {
    const paths = new RegExp(SELF_TEST_PATHS);
    expect(['/api/articles', '/api/articles/{id}'].filter((p) => paths.test(p))).toHaveLength(2);
    expect(paths.test('/api/config-sources')).toBe(false);
    expect(paths.test('/api/articles/{id}/x')).toBe(false);
  });

  it('expects an undocumented status and a response that violates its schema', () => {
    expect(SELF_TEST_CODES).toEqual(['ST103', 'ST108']);
  });
});
