// The control plane's startup script: node preparation, the Pulumi-made CA, encryption at rest,
// the audit policy, `kubeadm init`, kube-proxy's requests, and the bootstrap token's rotation.
import { KUBE_SYSTEM_PODS } from '../system-pods';
import { AUDIT_POLICY } from './audit-policy';
import { encryptionConfig, kubeadmInitConfig } from './kubeadm-config';
import { ControlPlaneParams, secretNames } from './node-params';
import { nodeFinish, nodePrep, renderSteps, ScriptOptions } from './node-prep';
import { FETCH_ATTEMPTS } from './script-prelude';
import { tokenRotationInstall } from './token-rotation';

/** Present once `kubeadm init` has succeeded on this disk. */
export const INIT_DONE = '/var/lib/k8s-platform/kubeadm-init-done';

/** kube-proxy's container resources, as the strategic merge patch the script applies. */
/** Where the control plane keeps kube-proxy's requests patch (re-applied after upgrades). */
export const KUBE_PROXY_PATCH_FILE = '/etc/k8s-platform/kube-proxy-patch.json';

export function kubeProxyPatch(): string {
  const { cpu, memory, memoryLimit } = KUBE_SYSTEM_PODS.kubeProxy;
  return JSON.stringify({
    spec: {
      template: {
        spec: {
          containers: [
            {
              name: 'kube-proxy',
              resources: { requests: { cpu, memory }, limits: { memory: memoryLimit } },
            },
          ],
        },
      },
    },
  });
}

/** The control plane's startup script. */
export function controlPlaneScript(p: ControlPlaneParams, o: ScriptOptions = {}): string {
  const s = secretNames(p.cluster);
  return `${nodePrep(p, o)}
${renderSteps(o.beforeKubeadm)}init_done=${INIT_DONE}
if [[ ! -f "$init_done" ]]; then
step kubeadm-reset
# An earlier boot that failed inside kubeadm init left a half-made control plane: clear it first
# (before the CA is written, since reset empties /etc/kubernetes/pki).
if [[ -f /etc/kubernetes/manifests/kube-apiserver.yaml ]]; then
  kubeadm reset --force
fi

step cluster-ca
# The cluster CA made by Pulumi: kubeadm uses an existing ca.crt/ca.key instead of its own, so
# the workers' discovery hash and the admin kubeconfig are known before this VM exists.
install -d -m 0700 /etc/kubernetes/pki
cat >/etc/kubernetes/pki/ca.crt <<'EOF'
${p.caCertPem.trim()}
EOF
(umask 077 && fetch_secret ${s.caKey} >/etc/kubernetes/pki/ca.key)

step encryption-at-rest
install -d -m 0700 /etc/kubernetes/encryption
encryption_key="$(fetch_secret ${s.encryptionKey})"
(umask 077 && cat >/etc/kubernetes/encryption/config.yaml <<EOF
${encryptionConfig().trim()}
EOF
)
unset encryption_key

step audit-policy
install -d -m 0700 /etc/kubernetes/audit /var/log/kubernetes/audit
cat >/etc/kubernetes/audit/policy.yaml <<'EOF'
${AUDIT_POLICY.trim()}
EOF

step kubeadm-init
bootstrap_token="$(fetch_secret ${s.bootstrapToken})"
(umask 077 && cat >/etc/kubernetes/kubeadm.yaml <<EOF
${kubeadmInitConfig(p).trim()}
EOF
)
unset bootstrap_token
# --skip-token-print: the join command with the token would land in the log and the console.
init_code=0
kubeadm init --config /etc/kubernetes/kubeadm.yaml --skip-token-print || init_code=$?
rm -f /etc/kubernetes/kubeadm.yaml
if ((init_code != 0)); then exit "$init_code"; fi
install -d -m 0755 "$(dirname "$init_done")"
touch "$init_done"
fi

step kube-proxy-requests
# kubeadm's kube-proxy DaemonSet requests nothing; these are the figures the footprint counts.
# The patch stays on the node: kubeadm upgrade apply rewrites the DaemonSet, and
# scripts/cluster/upgrade-node.sh applies it again from here.
install -d -m 0755 "$(dirname ${KUBE_PROXY_PATCH_FILE})"
cat >${KUBE_PROXY_PATCH_FILE} <<'EOF'
${kubeProxyPatch()}
EOF
patch_kube_proxy() {
  kubectl --kubeconfig /etc/kubernetes/admin.conf -n kube-system patch daemonset kube-proxy \\
    --type strategic --patch-file ${KUBE_PROXY_PATCH_FILE}
}
retry ${FETCH_ATTEMPTS} patch_kube_proxy

${tokenRotationInstall(p)}
${nodeFinish(o)}`;
}
