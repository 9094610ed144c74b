// The bootstrap token's lifetime. The token Pulumi puts in Secret Manager is the first one
// `kubeadm init` creates, with a finite ttl; from then on the control plane makes a fresh token
// every `rotateEveryHours` (a systemd timer), adds it to Secret Manager as the secret's newest
// version, and disables every version older than the one before it. Workers read `latest`, so a
// worker recreated by pulumi up at any time finds a token that is valid for at least
// ttlHours - rotateEveryHours more hours. The token travels from kubeadm to gcloud on a pipe fed
// by the shell's own printf: never on a command line, in a file or in the journal.
//
// The control plane down for longer than ttlHours: every token in the cluster has expired (the
// token cleaner deletes them) and Secret Manager's latest is stale, so a worker created in that
// window cannot join; its join keeps retrying (JOIN_ATTEMPTS times) and then reports failure. Nodes
// already joined are unaffected (they authenticate with their own certificates). When the control
// plane boots again, the timer is Persistent, so the missed rotation runs at once (retried until
// the API server answers) and the next join succeeds.
import { NodeParams, secretNames } from './node-params';
import { RETRY_FUNCTION } from './script-prelude';

/** Hours a bootstrap token lives, and the rotation period (less than the ttl, so one is valid). */
export const BOOTSTRAP_TOKEN = { ttlHours: 24, rotateEveryHours: 12 } as const;

/** Where the control plane installs the rotation. */
export const TOKEN_ROTATION = {
  script: '/usr/local/sbin/k8s-platform-rotate-bootstrap-token',
  unit: 'k8s-platform-bootstrap-token',
} as const;

/** The rotation script: a fresh token into Secret Manager, old versions disabled. */
export function tokenRotationScript(p: Pick<NodeParams, 'cluster' | 'project'>): string {
  const secret = secretNames(p.cluster).bootstrapToken;
  return `#!/usr/bin/env bash
# k8s-platform: a fresh kubeadm bootstrap token (ttl ${BOOTSTRAP_TOKEN.ttlHours}h) as the newest version of the
# Secret Manager secret ${secret}; versions older than the previous one are disabled.
# Rendered by infra/cluster/gcp/token-rotation.ts. Never add \`set -x\`: it holds a token.
set -euo pipefail
secret='${secret}'
project='${p.project}'
kubeconfig=/etc/kubernetes/admin.conf

${RETRY_FUNCTION}

token="$(retry 5 kubeadm token create --ttl ${BOOTSTRAP_TOKEN.ttlHours}h --kubeconfig "$kubeconfig" \\
  --description 'k8s-platform worker join, rotated every ${BOOTSTRAP_TOKEN.rotateEveryHours}h')"
if [[ ! "$token" =~ ^[a-z0-9]{6}\\.[a-z0-9]{16}$ ]]; then
  echo "k8s-platform-rotate-bootstrap-token: kubeadm printed no bootstrap token" >&2
  exit 1
fi

# printf is a shell builtin: the token is in no process's arguments.
add_version() {
  printf '%s' "$token" | gcloud secrets versions add "$secret" --project="$project" --data-file=-
}
retry 5 add_version
unset token

# Newest first; keep the newest two enabled (a worker may have read the previous one just now).
versions="$(retry 5 gcloud secrets versions list "$secret" --project="$project" \\
  --filter='state:ENABLED' --sort-by='~createTime' --format='value(name.basename())')"
mapfile -t enabled <<<"$versions"
for version in "\${enabled[@]:2}"; do
  [[ -n "$version" ]] || continue
  retry 5 gcloud secrets versions disable "$version" --secret="$secret" --project="$project" --quiet
done
echo "k8s-platform-rotate-bootstrap-token: new version added, \$(( \${#enabled[@]} > 2 ? \${#enabled[@]} - 2 : 0 )) older disabled"
`;
}

/** The oneshot service and its timer. */
export function tokenRotationUnits(): { service: string; timer: string } {
  return {
    service: `[Unit]
Description=Rotate the kubeadm bootstrap token in Secret Manager (k8s-platform)
Wants=network-online.target
After=network-online.target kubelet.service
# At boot the API server may take minutes: failed runs restart, within bounds.
StartLimitIntervalSec=3h
StartLimitBurst=20
[Service]
Type=oneshot
ExecStart=${TOKEN_ROTATION.script}
Restart=on-failure
RestartSec=120`,
    timer: `[Unit]
Description=Rotate the kubeadm bootstrap token every ${BOOTSTRAP_TOKEN.rotateEveryHours} hours (k8s-platform)
[Timer]
OnCalendar=*-*-* 00/${BOOTSTRAP_TOKEN.rotateEveryHours}:00:00
RandomizedDelaySec=15min
# A run missed while the machine was off happens at boot.
Persistent=true
[Install]
WantedBy=timers.target`,
  };
}

/** The control-plane step that installs the rotation (after \`kubeadm init\`). */
export function tokenRotationInstall(p: Pick<NodeParams, 'cluster' | 'project'>): string {
  const units = tokenRotationUnits();
  return `step bootstrap-token-rotation
install -d -m 0755 /usr/local/sbin
(umask 077 && cat >${TOKEN_ROTATION.script} <<'ROTATE_EOF'
${tokenRotationScript(p).trim()}
ROTATE_EOF
)
chmod 0700 ${TOKEN_ROTATION.script}
cat >/etc/systemd/system/${TOKEN_ROTATION.unit}.service <<'EOF'
${units.service}
EOF
cat >/etc/systemd/system/${TOKEN_ROTATION.unit}.timer <<'EOF'
${units.timer}
EOF
systemctl daemon-reload
systemctl enable --now ${TOKEN_ROTATION.unit}.timer
`;
}
