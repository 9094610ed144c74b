// Where the infra workflow's IAP tunnel goes, read from the stack's own configuration so that CI
// never keeps a second copy of the cluster name, zone or project:
//   pulumi config --json --stack <stack> | ts-node --transpile-only scripts/ci/api-tunnel-target.ts
// prints vm=, zone=, project= and port= lines for $GITHUB_OUTPUT. The whole gcp configuration is
// validated on the way (the same readGcpConfig as `pulumi up`), so a bad stack stops here, and a
// stack that does not come through the tunnel is refused: a GitHub-hosted runner is not in
// adminCidrs, and its `pulumi up` would only time out 30 minutes later.
import { readFileSync } from 'node:fs';
import { controlPlaneVm } from '../../infra/cluster/gcp/api-endpoint';
import { API_TUNNEL_PORT, readGcpConfig } from '../../infra/config/gcp';

const NAMESPACE = 'k8s-platform';

/** One key of `pulumi config --json`: secrets come without their value unless shown. */
interface ConfigEntry {
  readonly value?: unknown;
  readonly secret?: boolean;
}

/** The tunnel's target as `name=value` lines, from the text of `pulumi config --json`. */
export function tunnelTarget(configJson: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(configJson);
  } catch {
    throw new Error('api-tunnel-target: stdin is not JSON; pipe `pulumi config --json` into it');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error('api-tunnel-target: expected the object `pulumi config --json` prints');
  const entries = parsed as Record<string, ConfigEntry>;
  const get = (key: string): string | undefined => {
    const value = entries[`${NAMESPACE}:${key}`]?.value;
    if (typeof value === 'string') return value;
    // A value typed in the stack file (a JSON number or boolean) counts as its text.
    return typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
  };
  const c = readGcpConfig(get);
  if (c.apiServerEndpoint !== 'iap-tunnel')
    throw new Error(
      `api-tunnel-target: ${NAMESPACE}.apiServerEndpoint = "${c.apiServerEndpoint}": a GitHub-hosted runner reaches the API server only through the IAP tunnel; set it with \`pulumi config set apiServerEndpoint iap-tunnel\` (or run this job on a runner inside adminCidrs and drop the tunnel steps)`,
    );
  return [
    `vm=${controlPlaneVm(c)}`,
    `zone=${c.zone}`,
    `project=${c.project}`,
    `port=${API_TUNNEL_PORT}`,
    '',
  ].join('\n');
}

if (require.main === module) {
  try {
    process.stdout.write(tunnelTarget(readFileSync(0, 'utf8')));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
