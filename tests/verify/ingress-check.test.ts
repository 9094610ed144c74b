import { join, resolve } from 'node:path';
import { dechunk, nginxConfig, pathSpellings } from '../../scripts/verify/ingress-check';

const root = resolve(__dirname, '..', '..');
const spellings = join(root, 'apps/spring-api/src/test/resources/path-spellings.txt');

describe('the ingress path check', () => {
  it('fills in the spellings the app tests use, with the id encoded where asked', () => {
    const all = pathSpellings(spellings, 8080, 42);
    expect(all).toHaveLength(80);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toEqual(
      expect.arrayContaining([
        '/api/articles',
        '/%61pi/articles',
        '/api;x=1/articles',
        '/api/articles/42',
        '/api/articles/%342',
        '/api/articles/%25342',
        'http://127.0.0.1:8080/api/articles/42',
      ]),
    );
    expect(all.some((s) => s.includes('{'))).toBe(false);
  });

  it('configures nginx the way ingress-nginx proxies a Prefix "/" path', () => {
    const conf = nginxConfig('/tmp/x', 9000, 9001);
    expect(conf).toContain('upstream upstream_balancer { server 127.0.0.1:9001; }');
    expect(conf).toContain('listen 127.0.0.1:9000;');
    expect(conf).toMatch(/location \/ \{[^}]*proxy_pass http:\/\/upstream_balancer;/);
    // A URI part after the upstream would make nginx rewrite the path it forwards.
    expect(conf).not.toMatch(/proxy_pass http:\/\/upstream_balancer\//);
    expect(conf).toContain('master_process off;');
  });

  it('reads chunked bodies', () => {
    expect(dechunk('5\r\nhello\r\nb\r\n, chunked!!\r\n0\r\n\r\n')).toBe('hello, chunked!!');
    expect(dechunk('0\r\n\r\n')).toBe('');
  });
});
