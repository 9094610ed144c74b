import { judge, requirementProblem } from '../../scripts/verify/node-network-check';

// The parts of the node-network check that need no root: what it asks for when it cannot run,
// and how probe outcomes become failures. The namespaces themselves run in `npm run verify`.

describe('requirementProblem', () => {
  const all = () => true;

  it('runs as root with ip and iptables', () => {
    expect(requirementProblem(0, all)).toBeUndefined();
  });

  it('names the Debian packages to install when tools are missing', () => {
    expect(requirementProblem(0, (t) => t !== 'ip')).toBe(
      'iproute2 missing: apt-get install -y iproute2',
    );
    expect(requirementProblem(0, (t) => t === 'ip')).toBe(
      'iptables missing: apt-get install -y iptables',
    );
    expect(requirementProblem(0, (t) => t !== 'iptables-restore')).toBe(
      'iptables missing: apt-get install -y iptables',
    );
    expect(requirementProblem(1000, () => false)).toBe(
      'iproute2 and iptables missing: apt-get install -y iproute2 iptables',
    );
  });

  it('fails (does not skip) without root', () => {
    expect(requirementProblem(1000, all)).toBe(
      'network namespaces need root (uid 1000); CI runs as root: sudo npm run verify -- --only=node-network',
    );
  });
});

describe('judge', () => {
  it('passes a block only on a timeout (a dropped SYN), an answer only from the named server', () => {
    expect(
      judge([
        { what: 'a', want: 'blocked', got: 'timeout' },
        { what: 'b', want: 'answered', server: 'metadata-dns', got: 'answered metadata-dns' },
      ]),
    ).toEqual([]);
  });

  it('reports answers where a block was wanted, and the wrong or no server', () => {
    expect(
      judge([
        { what: 'a', want: 'blocked', got: 'answered metadata-http' },
        { what: 'b', want: 'blocked', got: 'ECONNREFUSED' },
        { what: 'c', want: 'answered', server: 'other-http', got: 'answered metadata-http' },
        { what: 'd', want: 'answered', server: 'other-http', got: 'timeout' },
      ]),
    ).toEqual([
      'a: wanted blocked, got answered metadata-http',
      'b: wanted blocked, got ECONNREFUSED',
      'c: wanted answered by other-http, got answered metadata-http',
      'd: wanted answered by other-http, got timeout',
    ]);
  });
});
