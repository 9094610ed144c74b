// What each node's startup script says about itself while the readiness waits poll the API
// server. The scripts set the GCE guest attribute k8s-platform/bootstrap to `running:<step>`,
// `done` or `failed:<step>:<code>`; anyone with compute.instances.getGuestAttributes reads it
// without SSH. A failed node ends the wait at once, pointing at its serial console, instead of
// leaving it to time out 30 minutes later.
import { execFile } from 'node:child_process';
import { BOOTSTRAP_STATUS } from './script-prelude';

/** The guest attribute the startup scripts write (script-prelude.ts), as namespace/key. */
export const BOOTSTRAP_ATTRIBUTE = `${BOOTSTRAP_STATUS.namespace}/${BOOTSTRAP_STATUS.key}`;

export type BootstrapReport =
  | { readonly state: 'none'; readonly detail: string }
  | { readonly state: 'running'; readonly step: string }
  | { readonly state: 'done' }
  | { readonly state: 'failed'; readonly step: string; readonly code: number }
  | { readonly state: 'unrecognised'; readonly raw: string };

/** Reads one VM's report; resolves to 'no-gcloud' when there is no gcloud to ask. */
export type ReportReader = (vm: string) => Promise<BootstrapReport | 'no-gcloud'>;

/** Parses the attribute's value as the startup scripts write it. */
export function parseReport(value: string): BootstrapReport {
  const v = value.trim();
  if (v === 'done') return { state: 'done' };
  const running = /^running:(.+)$/.exec(v);
  if (running?.[1]) return { state: 'running', step: running[1] };
  const failed = /^failed:(.+):(\d+)$/.exec(v);
  if (failed?.[1] && failed[2])
    return { state: 'failed', step: failed[1], code: Number(failed[2]) };
  return { state: 'unrecognised', raw: v };
}

/** One node's report as a progress line shows it. */
export function describeReport(vm: string, r: BootstrapReport): string {
  switch (r.state) {
    case 'none':
      return `${vm} ${r.detail}`;
    case 'running':
      return `${vm} at ${r.step}`;
    case 'done':
      return `${vm} bootstrapped`;
    case 'failed':
      return `${vm} failed at ${r.step} (exit ${r.code})`;
    case 'unrecognised':
      return `${vm} reports ${JSON.stringify(r.raw)}`;
  }
}

/** The error that ends a wait when a node's bootstrap failed. */
export function failureMessage(
  vm: string,
  r: { step: string; code: number },
  where: { zone: string; project: string },
): string {
  return `${vm}: bootstrap failed at ${r.step} (exit ${r.code}); see the serial console: gcloud compute instances get-serial-port-output ${vm} --zone ${where.zone} --project ${where.project}`;
}

/** What running a program gave back; `missing` when it could not be started at all. */
export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly missing: boolean;
}

export type Run = (file: string, args: readonly string[]) => Promise<RunResult>;

/** Runs a program without a shell, bounded in time. */
export const runProgram: Run = (file, args) =>
  new Promise((done) => {
    execFile(file, [...args], { timeout: 60_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      done({
        status: error ? (typeof code === 'number' ? code : 1) : 0,
        stdout,
        stderr,
        missing: code === 'ENOENT',
      });
    });
  });

/** The value of our attribute in get-guest-attributes' JSON (a list of namespace/key/value). */
function valueIn(json: string): string | undefined {
  const items: unknown = JSON.parse(json);
  if (!Array.isArray(items)) return undefined;
  const item = (items as { namespace?: string; key?: string; value?: unknown }[]).find(
    (i) => i.namespace === BOOTSTRAP_STATUS.namespace && i.key === BOOTSTRAP_STATUS.key,
  );
  return typeof item?.value === 'string' ? item.value : undefined;
}

/**
 * A reader that asks gcloud for the attribute. A node that has not written it yet (or whose
 * guest attributes are not reachable) reads as 'none', with gcloud's reason shortened; the wait
 * goes on either way.
 */
export function gcloudReports(
  where: { zone: string; project: string },
  run: Run = runProgram,
): ReportReader {
  return async (vm) => {
    const r = await run('gcloud', [
      'compute',
      'instances',
      'get-guest-attributes',
      vm,
      '--zone',
      where.zone,
      '--project',
      where.project,
      `--query-path=${BOOTSTRAP_ATTRIBUTE}`,
      '--format=json',
    ]);
    if (r.missing) return 'no-gcloud';
    if (r.status !== 0) {
      const reason = r.stderr.trim().split('\n').pop() ?? '';
      return /not.?found/i.test(reason)
        ? { state: 'none', detail: 'has not reported yet' }
        : {
            state: 'none',
            detail: `unread (${reason.slice(0, 160) || `gcloud exit ${r.status}`})`,
          };
    }
    try {
      const value = valueIn(r.stdout);
      return value === undefined
        ? { state: 'none', detail: 'has not reported yet' }
        : parseReport(value);
    } catch {
      return { state: 'none', detail: 'unread (gcloud printed no JSON)' };
    }
  };
}
