import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { tunnelTarget } from '../../scripts/ci/api-tunnel-target';

// The tunnel's target from `pulumi config --json` output (as the Pulumi CLI prints it: one
// object per key, secrets without a value).
const ROOT = resolve(__dirname, '..', '..');
const stack = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    'k8s-platform:environment': { value: 'staging', secret: false },
    'k8s-platform:gcpProject': { value: 'acme-platform-1', secret: false },
    'k8s-platform:adminCidrs': { value: '203.0.113.7/32', secret: false },
    'k8s-platform:apiKey': { secret: true },
    'gcp:project': { value: 'someone-else', secret: false },
    ...extra,
  });

describe('scripts/ci/api-tunnel-target.ts', () => {
  it("prints the control plane, zone, project and port as the stack's config resolves them", () => {
    expect(
      tunnelTarget(
        stack({
          'k8s-platform:apiServerEndpoint': { value: 'iap-tunnel', secret: false },
          'k8s-platform:clusterName': { value: 'edge', secret: false },
          'k8s-platform:gcpRegion': { value: 'us-central1', secret: false },
        }),
      ),
    ).toBe('vm=edge-cp-0\nzone=us-central1-b\nproject=acme-platform-1\nport=16443\n');
  });

  it('refuses a stack that does not come through the tunnel, naming the key and the fix', () => {
    expect(() => tunnelTarget(stack())).toThrow(
      'api-tunnel-target: k8s-platform.apiServerEndpoint = "public": a GitHub-hosted runner reaches the API server only through the IAP tunnel; set it with `pulumi config set apiServerEndpoint iap-tunnel` (or run this job on a runner inside adminCidrs and drop the tunnel steps)',
    );
  });

  it("stops on the stack's own configuration errors, as pulumi up would", () => {
    expect(() =>
      tunnelTarget(
        stack({
          'k8s-platform:apiServerEndpoint': { value: 'iap-tunnel' },
          'k8s-platform:gcpZone': { value: 'europe-west4-a' },
        }),
      ),
    ).toThrow(
      'k8s-platform.gcpZone = "europe-west4-a" is invalid: must be one of the zones of europe-west1: "europe-west1-b", "europe-west1-c", "europe-west1-d"',
    );
    expect(() => tunnelTarget('error: no stack')).toThrow(
      'api-tunnel-target: stdin is not JSON; pipe `pulumi config --json` into it',
    );
    expect(() => tunnelTarget('[]')).toThrow(
      'api-tunnel-target: expected the object `pulumi config --json` prints',
    );
  });

  it('runs as the workflow runs it: stdin in, GITHUB_OUTPUT lines out, exit 1 on refusal', () => {
    const run = (input: string) =>
      spawnSync(
        process.execPath,
        ['--require', 'ts-node/register/transpile-only', 'scripts/ci/api-tunnel-target.ts'],
        { cwd: ROOT, input, encoding: 'utf8' },
      );
    const ok = run(stack({ 'k8s-platform:apiServerEndpoint': { value: 'iap-tunnel' } }));
    expect([ok.status, ok.stdout]).toEqual([
      0,
      'vm=k8s-platform-cp-0\nzone=europe-west1-b\nproject=acme-platform-1\nport=16443\n',
    ]);
    const refused = run(stack());
    expect(refused.status).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('k8s-platform.apiServerEndpoint = "public"');
  });
});
