#!/usr/bin/env bash
# Where a paced request's CPU goes (docs/benchmarks.md, stop 22): the paced SSE arrivals of proxy-load.sh (480 requests/s
# spread out, bench/paced-arrivals.sh) against the plain proxy, the marking Host, and the same Host with marking off (a
# json_object request, which it never marks), each sampled with `perf record` while its slice runs. Prints, per target
# and slice, the CPU per request split by part (bench/perf-summary.py's parts), in µs. Under paced arrivals every request
# starts on cold caches, and most of each proxy's kernel time is its idle thread-pool workers spinning and yielding.
# Build first: dotnet build -c Release bench/CanaryService.ProxyBench bench/CanaryService.PlainProxy src/CanaryService.Host
# Usage: [MODE=stream|json] [SLICES=2] [SLICE=10s] [WARMUP=40s] [OUT=/tmp/paced-profile] bench/paced-profile.sh
# Needs perf (Debian: linux-perf).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"; OUT="${OUT:-/tmp/paced-profile}"; rm -rf "$OUT"; mkdir -p "$OUT"
MODE="${MODE:-stream}"; SLICE="${SLICE:-10s}"
command -v perf >/dev/null || (apt-get update -qq && apt-get install -y -qq linux-perf >/dev/null)
source "$ROOT/bench/paced-arrivals.sh"
export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 # for every .NET process below, so they stay alike
source "$ROOT/bench/launch.sh" # free_port, start_*, wait_ready; stops everything it started on exit
UP=$(free_port); TP=$(free_port); BP=$(free_port); QP=$(free_port); HP=$(free_port); PP=$(free_port)
start_azurite $BP $QP $TP /dev/null
start_upstream $UP /dev/null
start_host "$HOST_DLL" $HP $UP "$(azurite_connection_string $BP $QP $TP)" "$OUT/host.log"
HPID=${PIDS[-1]}
start_plain $PP $UP "$OUT/plain.log"
PPID_=${PIDS[-1]}
wait_ready $UP $HP $PP

chat_body "$MODE" >"$OUT/on.body"
chat_body "$MODE" '"response_format":{"type":"json_object"},' >"$OUT/off.body"
declare -A PORT=([plain]=$PP [marking]=$HP [off]=$HP) BODY=([plain]=on [marking]=on [off]=off) PID=([plain]=$PPID_ [marking]=$HPID [off]=$HPID)
run() { hey_chat "$OUT/${BODY[$1]}.body" "${PORT[$1]}" "${@:2}"; }

for t in plain marking off; do run $t -z "${WARMUP:-40s}" -c 64 >/dev/null; done # tiered JIT done, as in proxy-load.sh
seconds=${SLICE%s}
for s in $(seq 1 "${SLICES:-2}"); do
  for t in plain marking off; do
    # perf runs a little longer than the slice so that hey's start and end are inside it.
    perf record -F 999 -p "${PID[$t]}" -o "$OUT/perf-$t-$s.data" -- sleep $((seconds + 1)) >/dev/null 2>&1 &
    recorder=$!
    sleep 0.5
    paced_arrivals "$OUT/paced-$t-$s.csv" "$SLICE" run $t
    wait $recorder
  done
done

for s in $(seq 1 "${SLICES:-2}"); do
  for t in plain marking off; do
    requests=$(grep -c ',200,' "$OUT/paced-$t-$s.csv")
    samples=$(perf report -i "$OUT/perf-$t-$s.data" --stdio --no-children -n --sort pid 2>/dev/null | awk '/^ +[0-9.]+%/ {n += $2} END {print n + 0}')
    # perf samples at 999 Hz: a sample is about 1 ms of CPU.
    echo "== $t, slice $s: $requests requests, $samples samples, $((samples * 1001 / requests)) us of CPU per request"
    python3 "$ROOT/bench/perf-summary.py" "$OUT/perf-$t-$s.data" 0 | awk -F'|' -v samples="$samples" -v requests="$requests" \
      '$3 ~ /%/ { share = $3; gsub(/[% ]/, "", share); printf "  %-52s %7.1f us\n", $2, share / 100 * samples * 1001 / requests }'
  done
done | tee "$OUT/summary.txt"
