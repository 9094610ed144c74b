// The first lines of every node script: strict mode, a private log, progress and failure
// reporting, and the retry and apt helpers the steps use. A first boot is busy (the image's own
// apt timers hold the dpkg lock) and flaky (the network and the metadata server may not answer at
// once), so every download and Secret Manager read is retried, and a failure is reported where
// the readiness wait and an operator look, instead of in a log on a disk nobody reads.

/**
 * Where a node reports its bootstrap: the guest attribute `<namespace>/<key>` (instance guest
 * attributes must be enabled in the instance metadata). Values: `running:<step>` while it works,
 * `done` when the node is bootstrapped, `failed:<step>:<exit code>` when it stopped.
 */
export const BOOTSTRAP_STATUS = {
  namespace: 'k8s-platform',
  key: 'bootstrap',
  url: 'http://metadata.google.internal/computeMetadata/v1/instance/guest-attributes/k8s-platform/bootstrap',
} as const;

/** The bootstrap's own log on the node (mode 0600). */
export const BOOTSTRAP_LOG = '/var/log/k8s-platform-bootstrap.log';

/** Attempts for a download or a Secret Manager read (2 + 4 + ... + 60 s: about 2 minutes of backoff). */
export const FETCH_ATTEMPTS = 7;

/** Seconds apt waits for the dpkg lock before it gives up. */
export const APT_LOCK_TIMEOUT_S = 600;

/**
 * A bash `retry` function (bounded attempts, growing sleeps), shared by the node scripts and the
 * scripts they install.
 */
export const RETRY_FUNCTION = `# retry <attempts> <command...>: reruns a failing command up to <attempts> times in all, sleeping
# 2, 4, 8 ... seconds (at most 60) in between, and returns the last exit code. errexit does not
# apply inside a retried function, so those chain their commands with && or return explicitly.
retry() {
  local attempts="$1" n=1 delay=2 code
  shift
  until "$@"; do
    code=$?
    if ((n >= attempts)); then
      echo "retry: $1 failed $n times (exit $code), giving up" >&2
      return "$code"
    fi
    echo "retry: $1 failed (exit $code, attempt $n of $attempts), again in \${delay}s" >&2
    sleep "$delay"
    n=$((n + 1))
    delay=$((delay * 2 > 60 ? 60 : delay * 2))
  done
}`;

export interface PreludeOptions {
  /** The log file. @default BOOTSTRAP_LOG */
  readonly logFile?: string;
  /** The serial console a failure is written to, when writable. @default '/dev/ttyS0' */
  readonly serialConsole?: string;
}

/** Strict mode, the log, `report`/`step`, the failure trap, `retry` and `apt_get`. */
export function scriptPrelude(o: PreludeOptions = {}): string {
  const log = o.logFile ?? BOOTSTRAP_LOG;
  const tty = o.serialConsole ?? '/dev/ttyS0';
  return `#!/usr/bin/env bash
# k8s-platform node bootstrap, rendered by infra/cluster/gcp. Runs as the GCE startup script at
# every boot; the marker file makes later boots a no-op. Never add \`set -x\`: the script reads
# tokens and keys, and its output reaches the serial console.
set -euo pipefail

# The log holds no secret, but it is the node's own record: private before its first line.
log=${log}
(umask 077 && touch "$log")
chmod 0600 "$log"
exec > >(tee -a "$log") 2>&1

# Progress for the readiness wait, in the guest attribute ${BOOTSTRAP_STATUS.namespace}/${BOOTSTRAP_STATUS.key}. Best effort:
# a metadata server that does not answer never fails the bootstrap itself.
report() {
  curl -fsS --max-time 5 -X PUT -H 'Metadata-Flavor: Google' --data "$1" \\
    '${BOOTSTRAP_STATUS.url}' >/dev/null 2>&1 || true
}
step_name=start
step() {
  step_name="$1"
  echo "k8s-platform-bootstrap: $1"
  report "running:$1"
}

# A failed bootstrap says so once, on the serial console and in the journal, and in the guest
# attribute; the exit code is the failing command's.
on_exit() {
  local code=$?
  trap - EXIT
  if ((code != 0)); then
    local line="k8s-platform-bootstrap: FAILED at \${step_name} (exit \${code})"
    echo "$line" >>"$log"
    if [[ -w ${tty} ]]; then echo "$line" >${tty} || true; fi
    logger -t k8s-platform-bootstrap -- "$line" || true
    report "failed:\${step_name}:\${code}"
  fi
  exit "$code"
}
trap on_exit EXIT
# Killed (the startup-script runner's timeout, a shutdown): still report, as 128 + signal.
trap 'exit 143' TERM
trap 'exit 130' INT

${RETRY_FUNCTION}

# apt waits for the dpkg lock (the image's apt timers run at first boot) instead of failing.
apt_get() {
  apt-get -o DPkg::Lock::Timeout=${APT_LOCK_TIMEOUT_S} -y -q "$@"
}
`;
}
