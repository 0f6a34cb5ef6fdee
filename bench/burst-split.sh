#!/usr/bin/env bash
# Where the burst-arrival latency goes (docs/benchmarks.md, "Runs AD and AE"): hey -c 16 -q 30 (16 requests at once every
# 33 ms, 480/s) against four targets in alternating slices -- the upstream directly, the plain proxy, the marking Host,
# and the same Host with marking off (the request asks for response_format json_object, which the proxy never marks:
# body read, request parse and account hash still run) -- then per target: p50, p90, p99 and mean latency over every
# request, and the target's CPU per request (for direct, the upstream's).
# Build first: dotnet build -c Release bench/CanaryService.ProxyBench bench/CanaryService.PlainProxy src/CanaryService.Host
# Usage: [MODE=json|stream] [ARRIVALS=burst|paced] [SLICES=6] [SLICE=4s] [WARMUP=40s] [SYSCALLS=1]
#        [HOST_B=path/to/CanaryService.Host.dll] [OUT=/tmp/burst-split] bench/burst-split.sh
# ARRIVALS=paced sends the same 480 requests/s with arrivals spread out instead (bench/paced-arrivals.sh, as
# proxy-load.sh's paced runs), for the p99: more slices (e.g. SLICES=12) give its tail more requests. SATURATE=2s runs
# each target at hey -c 64 for that long just before each of its slices (not counted), as in proxy-load.sh's rounds,
# where the fixed-rate runs follow the saturation runs.
# HOST_B adds a fifth target, "other": another build of the Host (e.g. a worktree of an older commit built in Release),
# marking as the first one does, on the same upstream and Azurite, so two builds meet the same bursts. ENV_B: extra
# environment for it (e.g. ENV_B="DOTNET_GCgen0size=0x400000" with HOST_B the same build, to try a runtime setting).
# SYSCALLS=1 also counts, with perf, the plain proxy's and the marking Host's socket system calls and context switches
# per request, under the burst load and at saturation (hey -c 64).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"; OUT="${OUT:-/tmp/burst-split}"; rm -rf "$OUT"; mkdir -p "$OUT"
ARRIVALS="${ARRIVALS:-burst}"; source "$ROOT/bench/paced-arrivals.sh"
case "$ARRIVALS" in burst | paced) ;; *) echo "ARRIVALS must be burst or paced, not '$ARRIVALS'" >&2; exit 2 ;; esac
source "$ROOT/bench/launch.sh" # free_port, start_*, wait_ready; stops everything it started on exit
UP=$(free_port); TP=$(free_port); BP=$(free_port); QP=$(free_port); HP=$(free_port); PP=$(free_port)
start_azurite $BP $QP $TP /dev/null
STORAGE=$(azurite_connection_string $BP $QP $TP)
start_upstream $UP /dev/null
UPID=${PIDS[-1]}
start_host "$HOST_DLL" $HP $UP "$STORAGE" "$OUT/host.log"
HPID=${PIDS[-1]}
start_plain $PP $UP "$OUT/plain.log"
PPID_=${PIDS[-1]}
TARGETS="direct plain marking off"; PORTS="$HP $PP"; BPORT=""; BPID=""
if [ -n "${HOST_B:-}" ]; then
  BPORT=$(free_port); start_host "$HOST_B" $BPORT $UP "$STORAGE" "$OUT/host-b.log" ${ENV_B:-}
  BPID=${PIDS[-1]}; TARGETS="$TARGETS other"; PORTS="$PORTS $BPORT"
fi
wait_ready $UP $PORTS

chat_body "${MODE:-json}" >"$OUT/on.body"
chat_body "${MODE:-json}" '"response_format":{"type":"json_object"},' >"$OUT/off.body"
declare -A PORT=([direct]=$UP [plain]=$PP [marking]=$HP [off]=$HP [other]=$BPORT) BODY=([direct]=on [plain]=on [marking]=on [off]=off [other]=on)
declare -A PID=([direct]=$UPID [plain]=$PPID_ [marking]=$HPID [off]=$HPID [other]=$BPID)
run() { hey_chat "$OUT/${BODY[$1]}.body" "${PORT[$1]}" "${@:2}"; }
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; } # user + system, in clock ticks

# The tiered JIT must be done: with a 20 s warm-up it still took a tenth of the marking Host's CPU in the bursts after.
for t in $TARGETS; do run $t -z "${WARMUP:-40s}" -c 64 >/dev/null; done
: >"$OUT/ticks"
for s in $(seq 1 "${SLICES:-6}"); do
  order=$TARGETS; ((s % 2 == 0)) && order=$(printf '%s\n' $TARGETS | tac)
  for t in $order; do
    if [ -n "${SATURATE:-}" ]; then run $t -z "$SATURATE" -c 64 >/dev/null; fi
    before=$(cpu "${PID[$t]}")
    if [ "$ARRIVALS" = paced ]; then
      paced_arrivals "$OUT/slice.csv" "${SLICE:-4s}" run $t && cat "$OUT/slice.csv" >>"$OUT/paced-${MODE:-json}-$t-1.csv"
    else
      run $t -z "${SLICE:-4s}" -c 16 -q 30 -o csv >>"$OUT/burst-${MODE:-json}-$t-1.csv" # named as paced-latency.py reads them
    fi
    echo "$t $(($(cpu "${PID[$t]}") - before))" >>"$OUT/ticks"
  done
done

if [ -n "${SYSCALLS:-}" ]; then
  for t in plain marking; do for load in "-c 16 -q 30" "-c 64"; do
    perf stat -e syscalls:sys_enter_recvfrom,syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg,context-switches -x, -o "$OUT/perf.txt" -p "${PID[$t]}" -- sleep 4 &
    stat=$!; run $t -z 4s $load >"$OUT/hey.txt"; wait $stat || true
    n=$(awk '/Requests\/sec/ {r = $2} /Total:/ {d = $2} END {printf "%d", r * d}' "$OUT/hey.txt")
    echo "$t [$load] per request: $(awk -F, -v n="$n" '$1 !~ /^#/ && $3 != "" {printf "%s %.2f  ", $3, $1 / n}' "$OUT/perf.txt" | sed 's/syscalls:sys_enter_//g')"
  done; done
fi

python3 - "$ROOT" "$OUT" "${MODE:-json}" "$(getconf CLK_TCK)" "$ARRIVALS" $TARGETS <<'PY'
import importlib.util, os, sys
root, folder, mode, hz, arrivals, targets = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6:]
# The CSV reading and the percentile are paced-latency.py's, so both scripts count requests alike.
spec = importlib.util.spec_from_file_location("paced_latency", os.path.join(root, "bench", "paced-latency.py"))
latency = importlib.util.module_from_spec(spec)
spec.loader.exec_module(latency)
ticks = {}
for line in open(os.path.join(folder, "ticks")):
    target, n = line.split()
    ticks[target] = ticks.get(target, 0) + int(n)
for target in targets:
    times = latency.latencies(folder, arrivals, mode, target)
    pick = lambda q: latency.percentile(times, q)
    print(f"{target:8} n {len(times)}  p50 {pick(0.5):.2f}  p90 {pick(0.9):.2f}  p99 {pick(0.99):.2f}  mean {sum(times) / len(times):.3f} ms"
          f"  cpu {ticks[target] * 1e6 / hz / len(times):.0f} us/request")
PY
