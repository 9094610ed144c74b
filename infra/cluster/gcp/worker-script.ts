// A worker's startup script: node preparation, a bounded wait for the API server, and
// `kubeadm join` with the latest bootstrap token, retried.
import { kubeadmJoinConfig } from './kubeadm-config';
import { secretNames, WorkerParams } from './node-params';
import { nodeFinish, nodePrep, renderSteps, ScriptOptions } from './node-prep';

/** Join attempts; each reads the token afresh, so a rotation in between is picked up. */
export const JOIN_ATTEMPTS = 6;

/** A worker's startup script. */
export function workerScript(p: WorkerParams, o: ScriptOptions = {}): string {
  const s = secretNames(p.cluster);
  return `${nodePrep(p, o)}
${renderSteps(o.beforeKubeadm)}step wait-for-api
# Workers boot alongside the control plane: wait (at most 30 minutes) until it answers.
api_up=false
for _ in $(seq 1 180); do
  if curl -ksf --max-time 5 -o /dev/null "https://${p.endpoint}/livez"; then
    api_up=true
    break
  fi
  sleep 10
done
if [[ "$api_up" != true ]]; then
  echo "k8s-platform-bootstrap: the API server at ${p.endpoint} did not answer within 30 minutes" >&2
  exit 1
fi

step kubeadm-join
# One attempt: the latest token, a private config, \`kubeadm join\`; a failed attempt is reset so
# the next one starts clean. errexit is off inside a retried function: every step returns.
join_once() {
  local bootstrap_token code=0
  bootstrap_token="$(fetch_secret ${s.bootstrapToken})" || return
  (umask 077 && cat >/etc/kubernetes/kubeadm-join.yaml <<EOF
${kubeadmJoinConfig(p).trim()}
EOF
  ) || return
  unset bootstrap_token
  kubeadm join --config /etc/kubernetes/kubeadm-join.yaml || code=$?
  rm -f /etc/kubernetes/kubeadm-join.yaml
  if ((code != 0)); then kubeadm reset --force || true; fi
  return "$code"
}
# kubelet.conf exists once a join succeeded: a later run does not join twice.
if [[ ! -f /etc/kubernetes/kubelet.conf ]]; then
  retry ${JOIN_ATTEMPTS} join_once
fi

${nodeFinish(o)}`;
}
