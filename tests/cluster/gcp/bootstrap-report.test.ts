import {
  describeReport,
  gcloudReports,
  parseReport,
  Run,
  RunResult,
  runProgram,
} from '../../../infra/cluster/gcp/bootstrap-report';

// The nodes' bootstrap reports as the startup scripts write them and gcloud returns them; gcloud
// itself is replaced by a fake runner (its JSON shape is that of get-guest-attributes: a list of
// namespace/key/value items).
const WHERE = { zone: 'europe-west1-b', project: 'acme-platform-1' };
const ok = (stdout: string): RunResult => ({ status: 0, stdout, stderr: '', missing: false });

describe('a bootstrap report', () => {
  it('parses running, done and failed, and keeps anything else as it was', () => {
    expect(parseReport('running:kubeadm-init')).toEqual({ state: 'running', step: 'kubeadm-init' });
    expect(parseReport('done\n')).toEqual({ state: 'done' });
    expect(parseReport('failed:kubeadm-join:1')).toEqual({
      state: 'failed',
      step: 'kubeadm-join',
      code: 1,
    });
    expect(parseReport('failed:apt:install:100')).toEqual({
      state: 'failed',
      step: 'apt:install',
      code: 100,
    });
    expect(parseReport('failed:kubeadm-join')).toEqual({
      state: 'unrecognised',
      raw: 'failed:kubeadm-join',
    });
    expect(parseReport('running:')).toEqual({ state: 'unrecognised', raw: 'running:' });
  });

  it('reads as one phrase per node', () => {
    expect(describeReport('w0', { state: 'running', step: 'containerd' })).toBe('w0 at containerd');
    expect(describeReport('w0', { state: 'done' })).toBe('w0 bootstrapped');
    expect(describeReport('w0', { state: 'failed', step: 'join', code: 2 })).toBe(
      'w0 failed at join (exit 2)',
    );
    expect(describeReport('w0', { state: 'none', detail: 'has not reported yet' })).toBe(
      'w0 has not reported yet',
    );
  });
});

describe('reading reports through gcloud', () => {
  const fake = (result: RunResult) => {
    const calls: (readonly string[])[] = [];
    const run: Run = (file, args) => {
      calls.push([file, ...args]);
      return Promise.resolve(result);
    };
    return { run, calls };
  };

  it('asks for the one attribute of the one VM, without a shell, and parses the answer', async () => {
    const { run, calls } = fake(
      ok(
        JSON.stringify([
          { namespace: 'other', key: 'bootstrap', value: 'done' },
          { namespace: 'k8s-platform', key: 'bootstrap', value: 'running:calico' },
        ]),
      ),
    );
    await expect(gcloudReports(WHERE, run)('k8s-platform-cp-0')).resolves.toEqual({
      state: 'running',
      step: 'calico',
    });
    expect(calls).toEqual([
      [
        'gcloud',
        'compute',
        'instances',
        'get-guest-attributes',
        'k8s-platform-cp-0',
        '--zone',
        'europe-west1-b',
        '--project',
        'acme-platform-1',
        '--query-path=k8s-platform/bootstrap',
        '--format=json',
      ],
    ]);
  });

  it('takes "not found" and an empty list as no report yet, and shows any other error', async () => {
    const read = (r: RunResult) => gcloudReports(WHERE, fake(r).run)('w0');
    const none = { state: 'none', detail: 'has not reported yet' };
    await expect(read(ok('[]'))).resolves.toEqual(none);
    await expect(
      read({
        status: 1,
        stdout: '',
        stderr:
          "ERROR: (gcloud.compute.instances.get-guest-attributes) NOT_FOUND: The resource 'projects/p/zones/z/instances/w0' was not found\n",
        missing: false,
      }),
    ).resolves.toEqual(none);
    await expect(
      read({
        status: 1,
        stdout: '',
        stderr:
          "ERROR: (gcloud.compute.instances.get-guest-attributes) PERMISSION_DENIED: Required 'compute.instances.getGuestAttributes' permission\n",
        missing: false,
      }),
    ).resolves.toEqual({
      state: 'none',
      detail:
        "unread (ERROR: (gcloud.compute.instances.get-guest-attributes) PERMISSION_DENIED: Required 'compute.instances.getGuestAttributes' permission)",
    });
    await expect(read(ok('Listed 0 items.'))).resolves.toEqual({
      state: 'none',
      detail: 'unread (gcloud printed no JSON)',
    });
    await expect(read({ status: null, stdout: '', stderr: '', missing: true })).resolves.toBe(
      'no-gcloud',
    );
  });
});

describe('running a program', () => {
  it('returns its exit status and output, and says when the program does not exist', async () => {
    await expect(runProgram('sh', ['-c', 'echo out; echo err >&2; exit 3'])).resolves.toEqual({
      status: 3,
      stdout: 'out\n',
      stderr: 'err\n',
      missing: false,
    });
    await expect(runProgram('sh', ['-c', 'echo fine'])).resolves.toEqual(ok('fine\n'));
    const absent = await runProgram('/nonexistent/gcloud', ['version']);
    expect(absent.missing).toBe(true);
  });
});
