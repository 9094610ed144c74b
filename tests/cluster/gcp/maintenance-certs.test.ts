import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CERT_EXPIRY_METRIC,
  CERT_METRICS_FILE,
  CERT_RENEW_BEFORE_DAYS,
  controlPlaneMaintenance,
  MAINTENANCE_PATHS,
} from '../../../infra/cluster/gcp/maintenance';
import {
  calls,
  executable,
  heredocs,
  kubeconfig,
  makeCert,
  notAfterSeconds,
  run,
  samples,
} from '../../support/shell-fakes';
import { useTempDir } from '../../support/temp-dir';

// The certificate script as the fragment installs it, run for real against certificates made
// here with openssl, with fake kubeadm and crictl on PATH that record their calls. The fake
// crictl answers like the kubelet: a static pod runs while its manifest is in the folder.
const installed = heredocs(
  controlPlaneMaintenance({
    cluster: 'k8s-platform',
    project: 'acme-platform-1',
    etcdSnapshotBucket: 'acme-etcd-snapshots',
  }),
).get(MAINTENANCE_PATHS.certificates)!;

const STATIC_PODS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];

const FAKE_CRICTL = `#!/usr/bin/env bash
set -euo pipefail
if [[ "$1" != ps ]]; then echo "crictl $*" >>"$CALLS"; exit 0; fi
name=""
while [[ $# -gt 0 ]]; do
  if [[ "$1" == --name ]]; then name="$2"; shift; fi
  shift
done
name="\${name#^}"
name="\${name%\\$}"
if [[ -n "\${FAKE_STUCK:-}" || -f "$K8S_PLATFORM_MANIFEST_DIR/$name.yaml" ]]; then
  echo "crictl ps $name: running" >>"$CALLS"
  echo "cid-$name"
else
  echo "crictl ps $name: stopped" >>"$CALLS"
fi
`;

// Renews what a real renewal would: apiserver.crt for a year, and admin.conf's embedded one.
const FAKE_KUBEADM = `#!/usr/bin/env bash
set -euo pipefail
echo "kubeadm $*" >>"$CALLS"
[[ "$*" == "certs renew all" ]] || exit 0
new() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \\
    -out "$1" -days 365 -subj "/CN=$2" 2>/dev/null
}
new "$K8S_PLATFORM_PKI_DIR/apiserver.crt" kube-apiserver
new "$FAKE_TMP/admin.crt" kubernetes-admin
data="$(base64 -w0 <"$FAKE_TMP/admin.crt")"
sed -i "s|client-certificate-data: .*|client-certificate-data: $data|" "$K8S_PLATFORM_KUBECONFIG_DIR/admin.conf"
`;

describe('cert-renewal (installed by controlPlaneMaintenance)', () => {
  const temp = useTempDir('cert-renewal');

  /** A kubeadm control plane's certificates, each valid for the given days. */
  function setUp(days: Partial<Record<string, number>> = {}) {
    const d = (name: string, fallback: number) => days[name] ?? fallback;
    const root = temp();
    const env = {
      K8S_PLATFORM_PKI_DIR: join(root, 'pki'),
      K8S_PLATFORM_KUBECONFIG_DIR: join(root, 'kubernetes'),
      K8S_PLATFORM_MANIFEST_DIR: join(root, 'kubernetes', 'manifests'),
      K8S_PLATFORM_MANIFEST_HOLDING_DIR: join(root, 'kubernetes', 'manifests-restarting'),
      K8S_PLATFORM_KUBELET_PKI_DIR: join(root, 'kubelet-pki'),
      K8S_PLATFORM_METRICS_DIR: join(root, 'metrics'),
      K8S_PLATFORM_ADMIN_KUBECONFIG_COPY: join(root, 'root-kube-config'),
      K8S_PLATFORM_RENEW_BEFORE_DAYS: String(CERT_RENEW_BEFORE_DAYS),
      K8S_PLATFORM_POLL_SECONDS: '0',
      K8S_PLATFORM_POLL_ATTEMPTS: '3',
      CALLS: join(root, 'calls'),
      FAKE_TMP: root,
      PATH: `${join(root, 'bin')}:${process.env.PATH}`,
    };
    const pems: Record<string, string> = {};
    const cert = (name: string, file: string, fallback: number) => {
      pems[name] = makeCert(join(env.K8S_PLATFORM_PKI_DIR, file), d(name, fallback), name);
    };
    cert('ca', 'ca.crt', 3650);
    cert('front-proxy-ca', 'front-proxy-ca.crt', 3650);
    cert('apiserver', 'apiserver.crt', 200);
    cert('front-proxy-client', 'front-proxy-client.crt', 200);
    cert('etcd-ca', 'etcd/ca.crt', 3650);
    cert('etcd-server', 'etcd/server.crt', 200);
    cert('etcd-healthcheck-client', 'etcd/healthcheck-client.crt', 200);
    mkdirSync(env.K8S_PLATFORM_MANIFEST_DIR, { recursive: true });
    for (const name of ['admin.conf', 'scheduler.conf']) {
      const pem = makeCert(join(root, `${name}.crt`), d(name, 200), name);
      pems[name] = pem;
      writeFileSync(join(env.K8S_PLATFORM_KUBECONFIG_DIR, name), kubeconfig(pem));
    }
    // The kubelet keeps its certificate and then its key in one file.
    const kubelet = makeCert(join(root, 'kubelet.crt'), d('kubelet-client', 300), 'system:node:cp');
    pems['kubelet-client'] = kubelet;
    mkdirSync(env.K8S_PLATFORM_KUBELET_PKI_DIR, { recursive: true });
    writeFileSync(
      join(env.K8S_PLATFORM_KUBELET_PKI_DIR, 'kubelet-client-current.pem'),
      kubelet + readFileSync(join(root, 'kubelet.crt.key'), 'utf8'),
    );
    for (const pod of STATIC_PODS)
      writeFileSync(join(env.K8S_PLATFORM_MANIFEST_DIR, `${pod}.yaml`), `# ${pod}\n`);
    const script = executable(join(root, 'cert-renewal'), installed);
    executable(join(root, 'bin', 'crictl'), FAKE_CRICTL);
    executable(join(root, 'bin', 'kubeadm'), FAKE_KUBEADM);
    const metricFile = join(env.K8S_PLATFORM_METRICS_DIR, 'kubeadm-certificates.prom');
    return { root, env, pems, script, metricFile };
  }

  it('writes the notAfter of every kubeadm certificate, kubeconfigs and kubelet included', () => {
    const s = setUp();
    const r = run(s.script, s.env);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(CERT_METRICS_FILE).toBe('/var/lib/k8s-platform/metrics/kubeadm-certificates.prom');
    const prom = readFileSync(s.metricFile, 'utf8');
    expect(prom).toContain(`# TYPE ${CERT_EXPIRY_METRIC} gauge\n`);
    const expected = new Map(
      Object.entries(s.pems).map(([name, pem]) => [
        `${CERT_EXPIRY_METRIC}{certificate="${name}"}`,
        notAfterSeconds(pem),
      ]),
    );
    expect(samples(prom)).toEqual(expected);
    // Readable by node-exporter, and the temporary file renamed away.
    expect(statSync(s.metricFile).mode & 0o777).toBe(0o644);
    expect(readdirSync(s.env.K8S_PLATFORM_METRICS_DIR)).toEqual(['kubeadm-certificates.prom']);
    expect(calls(s.env.CALLS)).toEqual([]);
    expect(r.stdout).toContain('no certificate expires within 30 days');
  });

  it('renews all and restarts each static pod when one certificate expires within 30 days', () => {
    const s = setUp({ apiserver: 10 });
    writeFileSync(s.env.K8S_PLATFORM_ADMIN_KUBECONFIG_COPY, 'old admin kubeconfig\n');
    const r = run(s.script, s.env);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('expiring within 30 days: apiserver; renewing all');

    const log = calls(s.env.CALLS);
    expect(log[0]).toBe('kubeadm certs renew all');
    expect(log.filter((l) => l.startsWith('kubeadm'))).toEqual(['kubeadm certs renew all']);
    // One pod at a time, in order: seen stopped once its manifest is away, then running again.
    const transitions = log
      .slice(1)
      .filter((l, i, all) => l !== all[i - 1])
      .map((l) => l.replace('crictl ps ', ''));
    expect(transitions).toEqual(
      STATIC_PODS.flatMap((pod) => [`${pod}: stopped`, `${pod}: running`]),
    );
    for (const pod of STATIC_PODS)
      expect(readFileSync(join(s.env.K8S_PLATFORM_MANIFEST_DIR, `${pod}.yaml`), 'utf8')).toBe(
        `# ${pod}\n`,
      );
    expect(readdirSync(s.env.K8S_PLATFORM_MANIFEST_HOLDING_DIR)).toEqual([]);

    // The metric shows the renewed certificates, and root's kubeconfig is the renewed one.
    const admin = readFileSync(join(s.env.K8S_PLATFORM_KUBECONFIG_DIR, 'admin.conf'), 'utf8');
    expect(readFileSync(s.env.K8S_PLATFORM_ADMIN_KUBECONFIG_COPY, 'utf8')).toBe(admin);
    const values = samples(readFileSync(s.metricFile, 'utf8'));
    const renewed = readFileSync(join(s.env.K8S_PLATFORM_PKI_DIR, 'apiserver.crt'), 'utf8');
    expect(values.get(`${CERT_EXPIRY_METRIC}{certificate="apiserver"}`)).toBe(
      notAfterSeconds(renewed),
    );
    expect(notAfterSeconds(renewed)).toBeGreaterThan(Date.now() / 1000 + 300 * 86400);
  });

  it('renews when only a kubeconfig embedded certificate is due', () => {
    const s = setUp({ 'scheduler.conf': 10 });
    const r = run(s.script, s.env);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('expiring within 30 days: scheduler.conf; renewing all');
    expect(calls(s.env.CALLS)).toContain('kubeadm certs renew all');
  });

  it('does not renew for a certificate 200 days out, nor for a CA or the kubelet (not kubeadm-renewable)', () => {
    for (const days of [{}, { ca: 10, 'etcd-ca': 10, 'kubelet-client': 10 }]) {
      const s = setUp(days);
      const r = run(s.script, s.env);
      expect(r.status).toBe(0);
      expect(calls(s.env.CALLS)).toEqual([]);
      const values = samples(readFileSync(s.metricFile, 'utf8'));
      expect(values.get(`${CERT_EXPIRY_METRIC}{certificate="ca"}`)).toBe(
        notAfterSeconds(s.pems['ca']),
      );
    }
  });

  it('fails naming the pod, and puts its manifest back, when a static pod does not stop', () => {
    const s = setUp({ apiserver: 10 });
    const r = run(s.script, { ...s.env, FAKE_STUCK: '1' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('cert-renewal: etcd still runs with its manifest moved away');
    expect(r.stderr).toContain('cert-renewal: restoring etcd.yaml to');
    for (const pod of STATIC_PODS)
      expect(existsSync(join(s.env.K8S_PLATFORM_MANIFEST_DIR, `${pod}.yaml`))).toBe(true);
  });

  it('restores a manifest left aside by an interrupted run before anything else', () => {
    const s = setUp();
    mkdirSync(s.env.K8S_PLATFORM_MANIFEST_HOLDING_DIR, { recursive: true });
    const aside = join(s.env.K8S_PLATFORM_MANIFEST_DIR, 'kube-apiserver.yaml');
    writeFileSync(join(s.env.K8S_PLATFORM_MANIFEST_HOLDING_DIR, 'kube-apiserver.yaml'), 'x\n');
    writeFileSync(aside, 'replaced\n');
    const r = run(s.script, s.env);
    expect(r.status).toBe(0);
    expect(readFileSync(aside, 'utf8')).toBe('x\n');
  });

  it('fails naming the file when a certificate cannot be read', () => {
    const s = setUp();
    writeFileSync(join(s.env.K8S_PLATFORM_PKI_DIR, 'apiserver.crt'), 'not a certificate\n');
    const r = run(s.script, s.env);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `cert-renewal: cannot read the certificate ${join(s.env.K8S_PLATFORM_PKI_DIR, 'apiserver.crt')} (apiserver)`,
    );
  });
});
