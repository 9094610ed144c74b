#!/usr/bin/env bash
# Start-up, plain against optimized, side by side: rounds alternate so that a busy machine slows
# both alike. Each start runs in the unpacked API image root (chroot, uid 10001, pinned to one
# CPU as the pods' limit) and is timed from exec to the first 200 of the readiness probe.
#
#   startup-bench.sh ROOT JAR [ROUNDS]
#
# ROOT: the API image unpacked (its layers extracted in order), as root; JAR: the Boot jar, whose
# launcher layout (the image before AOT and CDS) is extracted to ROOT/plain for the plain runs.
#   plain      java org.springframework.boot.loader.launch.JarLauncher   (launcher layout)
#   optimized  the image's ENTRYPOINT: AOT initializers + CDS archive + Serial GC + C1 only
set -euo pipefail
root=$(realpath "$1"); jar=$2; rounds=${3:-3}
api=18080; mgmt=18081
if [ ! -d "$root/plain/org" ]; then
  tmp=$(mktemp -d)
  java -Djarmode=tools -jar "$jar" extract --layers --launcher --destination "$tmp" >/dev/null
  mkdir -p "$root/plain"
  for l in dependencies spring-boot-loader snapshot-dependencies application; do cp -a "$tmp/$l/." "$root/plain/"; done
  rm -rf "$tmp"
fi
declare -A cmd=(
  [plain]="cd /plain && exec java org.springframework.boot.loader.launch.JarLauncher"
  [optimized]="cd /app && exec java -XX:SharedArchiveFile=app.jsa -XX:+UseSerialGC -Dspring.aot.enabled=true -XX:TieredStopAtLevel=1 -jar spring-api.jar"
)
once() { # variant -> seconds to readiness
  local t0 t1 pid code
  t0=$(date +%s.%N)
  # The inner script's $0 and $1 are expanded by the inner sh, not here.
  # shellcheck disable=SC2016
  env -i PATH=/opt/java/openjdk/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=60 -XX:+ExitOnOutOfMemoryError" \
    taskset -c 0 unshare --mount --pid --fork sh -c \
    'mount -t proc proc "$0/proc" && mount --rbind /dev "$0/dev" && exec chroot --userspec=10001:10001 "$0" /bin/sh -c "$1 --server.port='$api' --management.server.port='$mgmt'"' \
    "$root" "${cmd[$1]}" >"/tmp/startup-bench-$1.log" 2>&1 &
  pid=$!
  while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$mgmt/actuator/health/readiness" || true)
    [ "$code" = 200 ] && break
    kill -0 "$pid" 2>/dev/null || { echo "$1 died; see /tmp/startup-bench-$1.log" >&2; exit 1; }
    sleep 0.05
  done
  t1=$(date +%s.%N)
  # The JVM is unshare's child (PID 1 of its namespace); unshare exits when it does.
  pkill -TERM -P "$pid"; wait "$pid" || true
  echo "$t1 - $t0" | bc
}
declare -A all
for r in $(seq 1 "$rounds"); do
  for v in plain optimized; do
    s=$(once "$v"); all[$v]="${all[$v]:-} $s"
    printf 'round %d %-9s %6.2f s\n' "$r" "$v" "$s"
  done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
p=$(echo "${all[plain]}" | median)
for v in plain optimized; do
  m=$(echo "${all[$v]}" | median)
  printf 'median %-9s %6.2f s  (plain/%s = %.2fx)\n' "$v" "$m" "$v" "$(echo "$p / $m" | bc -l)"
done
