#!/usr/bin/env bash
# Load test of the real jar on 127.0.0.1, shaped like one pod of the manifests: the JVM is
# pinned to one core (the container's CPU limit) with the heap its memory limit gives it
# (MEMORY_LIMIT_MIB x HEAP_PERCENT, as MaxRAMPercentage does in a container), and hey runs on
# the other core. Reports start-to-ready time, then
# throughput, p50/p99 latency, CPU and RSS at fixed request rates and at saturation.
# Bounded: about three minutes, loopback only. Needs Java 17, Maven, Go (to install hey).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "$here/../.." && pwd)"
hey="$root/.tools/bin/hey"
jar="$here/target/spring-api.jar"
rates="${RATES:-50 100 200 400}"
# The pod's memory limit and the heap share of it (JAVA_TOOL_OPTIONS' MaxRAMPercentage).
memory_limit_mib="${MEMORY_LIMIT_MIB:-640}"
heap_percent="${HEAP_PERCENT:-60}"
heap_mib=$((memory_limit_mib * heap_percent / 100))
step_seconds="${STEP_SECONDS:-20}"
port=18080
mport=18081
key="load-test-key"

if [[ ! -x "$hey" ]]; then
  echo "load-test: installing hey v0.1.4 into $root/.tools/bin" >&2
  GOBIN="$root/.tools/bin" go install github.com/rakyll/hey@v0.1.4
fi
if [[ ! -f "$jar" ]]; then
  (cd "$here" && mvn -B -q package -DskipTests)
fi
[[ "$(nproc)" -ge 2 ]] || { echo "load-test: needs 2 cores (one for the app, one for hey)" >&2; exit 1; }

log="$(mktemp)"
started=$(date +%s%N)
taskset -c 0 java -XX:ActiveProcessorCount=1 -Xmx${heap_mib}m -XX:+ExitOnOutOfMemoryError \
  -jar "$jar" --server.address=127.0.0.1 --server.port=$port \
  --management.server.address=127.0.0.1 --management.server.port=$mport \
  --app.api-key=$key --logging.level.root=WARN >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -f "$log"' EXIT

for _ in $(seq 1 1200); do
  curl -sf "http://127.0.0.1:$mport/actuator/health/readiness" >/dev/null && break
  kill -0 $pid 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
ready_ms=$(( ($(date +%s%N) - started) / 1000000 ))

for i in $(seq 1 50); do
  curl -sf -o /dev/null -XPOST "http://127.0.0.1:$port/api/articles" -H "X-API-Key: $key" \
    -H 'Content-Type: application/json' \
    -d "{\"title\":\"Article $i\",\"body\":\"$(printf 'x%.0s' $(seq 1 400))\",\"author\":\"load\"}"
done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
rss_mib() { awk '/VmRSS/ {printf "%d", $2/1024}' "/proc/$pid/status"; }
hz=$(getconf CLK_TCK)
url="http://127.0.0.1:$port/api/articles?size=20"

# One step: prints rate, achieved rps, p50 ms, p99 ms, non-2xx, CPU cores used, RSS MiB.
step() {
  local label=$1 workers=$2 qps=$3 seconds=$4
  local t0 out
  t0=$(cpu_ticks)
  if [[ "$qps" == "0" ]]; then
    out=$(taskset -c 1 "$hey" -z "${seconds}s" -c "$workers" "$url")
  else
    out=$(taskset -c 1 "$hey" -z "${seconds}s" -c "$workers" -q "$qps" "$url")
  fi
  local cores rps p50 p99 ok total
  cores=$(awk -v a="$t0" -v b="$(cpu_ticks)" -v hz="$hz" -v s="$seconds" 'BEGIN {printf "%.2f", (b-a)/hz/s}')
  rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
  p50=$(awk '/ 50% in/ {printf "%.1f", $3*1000}' <<<"$out")
  p99=$(awk '/ 99% in/ {printf "%.1f", $3*1000}' <<<"$out")
  ok=$(awk '/\[200\]/ {print $2}' <<<"$out")
  total=$(awk '/Status code distribution/,0 {if ($1 ~ /^\[/) s += $2} END {print s+0}' <<<"$out")
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$rps" "$p50" "$p99" "$((total - ${ok:-0}))" "$cores" "$(rss_mib)"
}

echo "start to ready: ${ready_ms} ms (JVM pinned to 1 core, heap ${heap_mib} MiB of a ${memory_limit_mib} MiB limit)"
echo "warm-up: ${step_seconds}s at 100 req/s" >&2
step warm-up 10 10 "$step_seconds" >/dev/null
echo "| rate (req/s) | achieved (req/s) | p50 (ms) | p99 (ms) | non-200 | CPU (cores) | RSS (MiB) |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for rate in $rates; do
  step "$rate" 10 $((rate / 10)) "$step_seconds"
done
step "saturation (32 workers)" 32 0 "$step_seconds"
awk '/VmHWM/ {printf "peak RSS: %d MiB\n", $2/1024}' "/proc/$pid/status"
