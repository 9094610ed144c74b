// The pods' metadata block (infra/cluster/gcp/metadata-block.ts), run for real in throwaway
// network namespaces: a "node" whose iptables run the very script the module renders, a "pod"
// behind a veth whose node end is named cali*, and a "metadata" namespace serving on
// 169.254.169.254:80 and :53 (and on a second, ordinary address). The node carries the verdicts
// Calico v3.31.3 puts in front (raw and mangle PREROUTING, filter FORWARD accepting what policy
// allows, felix/rules/static.go), so the rule is shown to hold behind Calico's ACCEPTs.
// iptables runs only through `ip netns exec`; the machine's own tables are never touched.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { METADATA_ADDRESS, METADATA_CHAIN } from '../../infra/cluster/gcp/metadata-block';
import { Lab, OTHER, Outcome, PATH, SERVICE_IP } from './netns-lab';

/** Why this part cannot run here, with the command that fixes it; undefined when it can. */
export function requirementProblem(
  uid: number | undefined,
  has: (tool: string) => boolean = (tool) =>
    PATH.split(delimiter).some((d) => d !== '' && existsSync(join(d, tool))),
): string | undefined {
  const missing = [
    ...(has('ip') ? [] : ['iproute2']),
    ...(has('iptables') && has('iptables-restore') ? [] : ['iptables']),
  ];
  if (missing.length > 0)
    return `${missing.join(' and ')} missing: apt-get install -y ${missing.join(' ')}`;
  if (uid !== 0)
    return `network namespaces need root (uid ${uid ?? 'unknown'}); CI runs as root: sudo npm run verify -- --only=node-network`;
  return undefined;
}

/** What each probe must show, and what it showed. */
export interface Expectation {
  readonly what: string;
  readonly want: 'answered' | 'blocked';
  readonly got: Outcome;
  /** The server name that must answer (for `answered`). */
  readonly server?: string;
}

/** The failures among expectations: `blocked` means no answer before the timeout. */
export function judge(expectations: readonly Expectation[]): string[] {
  return expectations.flatMap((e) => {
    const ok =
      e.want === 'blocked' ? e.got === 'timeout' : e.got === `answered ${e.server ?? ''}`.trim();
    return ok
      ? []
      : [`${e.what}: wanted ${e.want}${e.server ? ` by ${e.server}` : ''}, got ${e.got}`];
  });
}

export interface NodeNetworkReport {
  readonly failures: string[];
  readonly seconds: number;
}

/** Builds the lab, proves the rule script, tears it all down (also on SIGINT/SIGTERM). */
export async function checkNodeNetwork(rules: string): Promise<NodeNetworkReport> {
  const started = Date.now();
  const problem = requirementProblem(process.getuid?.());
  if (problem) return { failures: [problem], seconds: 0 };
  const lab = new Lab();
  const teardown = () => lab.teardown();
  const onSignal = (signal: NodeJS.Signals) => {
    lab.teardown();
    if (process.listenerCount(signal) === 0) process.exit(130);
  };
  process.on('exit', teardown);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const failures: string[] = [];
  try {
    lab.build();
    await lab.serve();
    const metadataHttp: [string, number] = [METADATA_ADDRESS, 80];
    // Self-test: without the rule the pod reaches the metadata server, so "blocked" can fail.
    const [before] = await lab.probe(lab.pod, [metadataHttp]);
    failures.push(
      ...judge([
        {
          what: 'self-test: pod to metadata:80 without the rule',
          want: 'answered',
          server: 'metadata-http',
          got: before ?? '',
        },
      ]).map((f) => `${f} (the check could not tell a block from a broken lab)`),
    );
    lab.script(rules);
    lab.script(rules); // the timer re-runs it: idempotent
    const jumps = lab
      .iptables('-t', 'mangle', '-S', 'FORWARD')
      .split('\n')
      .filter((l) => l.includes(METADATA_CHAIN));
    if (jumps.length !== 1)
      failures.push(
        `after two runs, mangle FORWARD has ${jumps.length} jumps to ${METADATA_CHAIN}: ${jumps.join('; ')}`,
      );
    const [podHttp, podDns, podOther, podService] = await lab.probe(lab.pod, [
      metadataHttp,
      [METADATA_ADDRESS, 53],
      [OTHER, 80],
      [SERVICE_IP, 80],
    ]);
    const [nodeHttp] = await lab.probe(lab.node, [metadataHttp]);
    failures.push(
      ...judge([
        { what: 'pod to metadata:80', want: 'blocked', got: podHttp ?? '' },
        {
          what: 'pod to metadata:53 (the VPC resolver)',
          want: 'answered',
          server: 'metadata-dns',
          got: podDns ?? '',
        },
        {
          what: `pod to ${OTHER}:80 through the node`,
          want: 'answered',
          server: 'other-http',
          got: podOther ?? '',
        },
        {
          what: `pod to a Service ${SERVICE_IP}:80 DNATed to metadata:80`,
          want: 'blocked',
          got: podService ?? '',
        },
        {
          what: 'node (host network) to metadata:80',
          want: 'answered',
          server: 'metadata-http',
          got: nodeHttp ?? '',
        },
      ]),
    );
    // Self-test: an ACCEPT placed above the jump defeats it; the periodic re-run restores it.
    lab.iptables('-t', 'mangle', '-I', 'FORWARD', '1', '-j', 'ACCEPT');
    const [overtaken] = await lab.probe(lab.pod, [metadataHttp]);
    lab.script(rules);
    const [restored] = await lab.probe(lab.pod, [metadataHttp]);
    failures.push(
      ...judge([
        {
          what: 'self-test: pod to metadata:80 with an ACCEPT above the jump',
          want: 'answered',
          server: 'metadata-http',
          got: overtaken ?? '',
        },
        { what: 'pod to metadata:80 after the re-run', want: 'blocked', got: restored ?? '' },
      ]),
    );
  } catch (error) {
    failures.push(`${error instanceof Error ? error.message : String(error)}`);
  } finally {
    lab.teardown();
    process.removeListener('exit', teardown);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  return { failures, seconds: (Date.now() - started) / 1000 };
}
