#!/usr/bin/env bash
# An IAP TCP tunnel from 127.0.0.1:<port> to the control plane's API server (6443), kept open for
# a job whose runner is not in adminCidrs (GitHub-hosted runners). Google's IAP range reaches the
# VM through the firewall; the caller needs iap.tunnelInstances.accessViaIAP on it.
#
#   api-tunnel.sh start <vm> <zone> <project> <port>   start the loop in the background
#   api-tunnel.sh stop                                 stop it (and gcloud), print its log
#   api-tunnel.sh loop <vm> <zone> <project> <port>    the loop itself, in the foreground
#
# gcloud exits when the VM does not exist yet (the first `pulumi up` creates it) or does not
# answer on 6443 yet (kubeadm init is running), so the loop starts it again after a pause for as
# long as it runs. When the VM is already there, `start` waits (bounded) until the API server
# answers through the tunnel: the Kubernetes provider gives up on a cluster for the whole run if
# its first contact fails. The pid and log live in $API_TUNNEL_DIR (default $RUNNER_TEMP).
set -euo pipefail

dir="${API_TUNNEL_DIR:-${RUNNER_TEMP:-/tmp}}"
pid_file="$dir/api-tunnel.pid"
log_file="$dir/api-tunnel.log"
pause="${API_TUNNEL_RETRY_SECONDS:-5}"
ready_seconds="${API_TUNNEL_READY_SECONDS:-180}"

usage() {
  echo "usage: api-tunnel.sh start|loop <vm> <zone> <project> <port> | stop" >&2
  exit 2
}

loop() {
  local vm=$1 zone=$2 project=$3 port=$4 child='' attempt=0 status
  # On TERM, stop whichever child runs (gcloud or the pause) before leaving.
  trap 'if [[ -n "$child" ]]; then kill "$child" 2>/dev/null || true; wait "$child" 2>/dev/null || true; fi; exit 0' TERM INT
  for (( ; ; )); do
    attempt=$((attempt + 1))
    echo "api-tunnel: attempt $attempt: $vm:6443 -> 127.0.0.1:$port"
    gcloud compute start-iap-tunnel "$vm" 6443 --local-host-port="127.0.0.1:$port" \
      --zone "$zone" --project "$project" &
    child=$!
    status=0
    wait "$child" || status=$?
    echo "api-tunnel: gcloud exited with $status; starting it again in ${pause}s"
    sleep "$pause" &
    child=$!
    wait "$child" || true
    child=''
  done
}

# Any HTTP answer (401 included) means the API server was reached through the tunnel.
answers() {
  local code
  code=$(curl -sk -o /dev/null -m 5 -w '%{http_code}' "https://127.0.0.1:$1/livez" || true)
  [[ -n "$code" && "$code" != 000 ]]
}

start() {
  local vm=$1 zone=$2 project=$3 port=$4 waited=0
  if [[ -f "$pid_file" ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    echo "api-tunnel: already running (pid $(cat "$pid_file"))" >&2
    exit 1
  fi
  mkdir -p "$dir"
  nohup bash "$0" loop "$vm" "$zone" "$project" "$port" </dev/null >"$log_file" 2>&1 &
  echo $! >"$pid_file"
  echo "api-tunnel: started (pid $!), log in $log_file"
  if ! gcloud compute instances describe "$vm" --zone "$zone" --project "$project" \
    --format='value(status)' >/dev/null 2>&1; then
    echo "api-tunnel: $vm does not exist yet; the tunnel opens once pulumi up has created it"
    return 0
  fi
  until answers "$port"; do
    if ((waited >= ready_seconds)); then
      echo "::warning::api-tunnel: the API server did not answer through the tunnel within ${ready_seconds}s; pulumi up may find the cluster unreachable"
      tail -n 20 "$log_file" || true
      return 0
    fi
    sleep 1
    waited=$((waited + 1))
  done
  echo "api-tunnel: the API server answers on 127.0.0.1:$port (after ${waited}s)"
}

stop() {
  local pid waited=0
  if [[ ! -f "$pid_file" ]]; then
    echo "api-tunnel: not running"
    return 0
  fi
  pid=$(cat "$pid_file")
  kill "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && ((waited < 50)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pid_file"
  echo "api-tunnel: stopped; its log:"
  cat "$log_file" 2>/dev/null || true
}

case "${1:-}" in
  start | loop)
    [[ $# -eq 5 ]] || usage
    [[ "$5" =~ ^[0-9]+$ ]] || { echo "api-tunnel: port \"$5\" is not a number" >&2; exit 2; }
    "$1" "$2" "$3" "$4" "$5"
    ;;
  stop) stop ;;
  *) usage ;;
esac
