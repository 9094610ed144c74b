import { spawnSync } from 'node:child_process';
import {
  METADATA_BLOCK_SCRIPT,
  metadataBlockFragment,
  metadataBlockRules,
} from '../../../infra/cluster/gcp/metadata-block';

// The pods' metadata block as text. `npm run verify -- --only=node-network` runs the rendered
// rule script in network namespaces and shows what it blocks and what it leaves open.

function shellcheck(script: string): string {
  const r = spawnSync('shellcheck', ['--shell=bash', '--severity=style', '-'], {
    input: script,
    encoding: 'utf8',
  });
  if (r.error) throw r.error;
  return r.stdout;
}

/** The iptables-restore input inside the rule script. */
const restoreInput = (rules: string) => /<<'EOF'\n([\s\S]*?)\nEOF/.exec(rules)?.[1] ?? '';

describe('metadataBlockRules', () => {
  const rules = metadataBlockRules();

  it('drops what pods send to the metadata server, except DNS, in mangle (which Calico leaves alone)', () => {
    expect(restoreInput(rules).split('\n')).toEqual([
      '*mangle',
      ':K8SP-POD-METADATA - [0:0]',
      '-A K8SP-POD-METADATA -p udp -m udp --dport 53 -j RETURN',
      '-A K8SP-POD-METADATA -p tcp -m tcp --dport 53 -j RETURN',
      '-A K8SP-POD-METADATA -j DROP',
      'COMMIT',
    ]);
  });

  it('jumps there first in mangle FORWARD, only for packets from cali* to 169.254.169.254', () => {
    expect(rules).toContain(
      "jump='-A FORWARD -d 169.254.169.254/32 -i cali+ -j K8SP-POD-METADATA'",
    );
    expect(rules).toContain(
      "ipt -I FORWARD 1 -d 169.254.169.254/32 -i 'cali+' -j K8SP-POD-METADATA",
    );
    expect(rules).toContain('ipt() { iptables -w 10 -t mangle "$@"; }');
    expect(rules).not.toMatch(/-t (filter|raw|nat)\b/);
  });

  it('follows another CNI interface prefix', () => {
    expect(metadataBlockRules({ workloadInterfacePrefix: 'lxc' })).toContain(
      "-A FORWARD -d 169.254.169.254/32 -i lxc+ -j K8SP-POD-METADATA'",
    );
  });

  it('is shellcheck clean and stops on the first error', () => {
    expect(rules.split('\n')[2]).toBe('set -euo pipefail');
    expect(shellcheck(rules)).toBe('');
  });
});

describe('metadataBlockFragment', () => {
  const fragment = metadataBlockFragment();

  it('installs the very rule script, runs it before the kubelet on every boot and now', () => {
    expect(fragment).toContain(
      `cat >${METADATA_BLOCK_SCRIPT} <<'METADATA_BLOCK_EOF'\n${metadataBlockRules().trim()}\nMETADATA_BLOCK_EOF\n`,
    );
    expect(fragment).toContain('retry 7 apt_get install iptables');
    const unit = /k8s-platform-metadata-block\.service <<'EOF'\n([\s\S]*?)\nEOF/.exec(fragment);
    expect(unit?.[1].split('\n')).toEqual([
      '[Unit]',
      'Description=Block pods from the metadata server',
      'Before=kubelet.service',
      'After=network-pre.target',
      '[Service]',
      'Type=oneshot',
      'RemainAfterExit=yes',
      `ExecStart=${METADATA_BLOCK_SCRIPT}`,
      '[Install]',
      'WantedBy=multi-user.target',
      // No rule, no kubelet: the node fails closed.
      'RequiredBy=kubelet.service',
    ]);
    expect(fragment.trim().split('\n').slice(-2)).toEqual([
      'systemctl daemon-reload',
      'systemctl enable --now k8s-platform-metadata-block.service k8s-platform-metadata-block-recheck.timer',
    ]);
  });

  it('re-applies the rule on a timer through a separate oneshot (a started RemainAfterExit unit would not re-run)', () => {
    expect(fragment).toContain('OnUnitActiveSec=60\n');
    expect(metadataBlockFragment({ recheckSeconds: 300 })).toContain('OnUnitActiveSec=300\n');
    const recheck = /-recheck\.service <<'EOF'\n([\s\S]*?)\nEOF/.exec(fragment)?.[1] ?? '';
    expect(recheck).toContain(`ExecStart=${METADATA_BLOCK_SCRIPT}`);
    expect(recheck).not.toContain('RemainAfterExit');
  });

  it('is shellcheck clean inside a strict root script', () => {
    expect(shellcheck(`#!/usr/bin/env bash\nset -euo pipefail\n${fragment}`)).toBe('');
  });

  it('matches its snapshot', () => {
    expect(fragment).toMatchSnapshot();
  });
});

describe('options', () => {
  it.each([
    [
      { workloadInterfacePrefix: 'cali+' },
      'metadataBlock: workloadInterfacePrefix "cali+" is not allowed: 1 to 14 characters, a lowercase letter then lowercase letters or digits (e.g. cali)',
    ],
    [
      { workloadInterfacePrefix: '' },
      'metadataBlock: workloadInterfacePrefix "" is not allowed: 1 to 14 characters, a lowercase letter then lowercase letters or digits (e.g. cali)',
    ],
    [
      { recheckSeconds: 5 },
      'metadataBlock: recheckSeconds 5 is not allowed: a whole number from 10 to 3600',
    ],
    [
      { recheckSeconds: 60.5 },
      'metadataBlock: recheckSeconds 60.5 is not allowed: a whole number from 10 to 3600',
    ],
  ])('refuses %j', (options, message) => {
    expect(() => metadataBlockFragment(options)).toThrow(message);
    expect(() => metadataBlockRules(options)).toThrow(message);
  });
});
