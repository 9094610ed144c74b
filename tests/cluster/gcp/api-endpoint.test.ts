import {
  apiServerFirewalls,
  apiServerUrl,
  clusterIdentifier,
  controlPlaneVm,
  tunnelCommand,
} from '../../../infra/cluster/gcp/api-endpoint';
import { readGcpConfig } from '../../../infra/config/gcp';

const config = (apiServerEndpoint?: string) =>
  readGcpConfig(
    (key) =>
      ({
        gcpProject: 'acme-platform-1',
        adminCidrs: '203.0.113.7/32',
        clusterName: 'edge',
        gcpZone: 'europe-west1-c',
        apiServerEndpoint,
      })[key],
  );

describe('the way to the API server', () => {
  it('is the public address by default: 6443 from adminCidrs only', () => {
    const c = config();
    expect(apiServerUrl(c, '34.1.2.3')).toBe('https://34.1.2.3:6443');
    expect(apiServerFirewalls(c)).toEqual([
      { suffix: 'api-from-admins', sourceRanges: ['203.0.113.7/32'] },
    ]);
  });

  it('is the tunnel with iap-tunnel: 127.0.0.1:16443, and IAP admitted to 6443', () => {
    const c = config('iap-tunnel');
    expect(apiServerUrl(c, '34.1.2.3')).toBe('https://127.0.0.1:16443');
    expect(apiServerFirewalls(c)).toEqual([
      { suffix: 'api-from-admins', sourceRanges: ['203.0.113.7/32'] },
      { suffix: 'api-from-iap', sourceRanges: ['35.235.240.0/20'] },
    ]);
  });

  it('names the tunnel target, the command a person runs, and a stable cluster identity', () => {
    const c = config('iap-tunnel');
    expect(controlPlaneVm(c)).toBe('edge-cp-0');
    expect(tunnelCommand(c)).toBe(
      'gcloud compute start-iap-tunnel edge-cp-0 6443 --local-host-port=127.0.0.1:16443 --zone europe-west1-c --project acme-platform-1',
    );
    // The same whichever way the API server is reached, so switching never replaces the provider.
    expect(clusterIdentifier(c)).toBe('acme-platform-1/europe-west1-c/edge');
    expect(clusterIdentifier(config('public'))).toBe(clusterIdentifier(c));
  });
});
