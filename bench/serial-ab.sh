#!/usr/bin/env bash
# One request at a time (hey -c 1, closed loop: no queue, so a request's latency is its own work) against direct, the
# plain proxy, the marking Host, the same Host with marking off (a json_object request) and, with HOST_B, a second
# Host ("other"), in alternating slices (docs/benchmarks.md, stop 23). A quick A/B of a Host build or setting: a few
# minutes, where a paced p99 needs tens of rounds. Prints per target the mean, p50 and p90 over all slices, then the
# mean differences per slice (marking minus off, other minus marking): their median and range over the slices.
# hey's CSV gives times in 0.1 ms steps, so only the means resolve tens of µs; between two runs of the same build the
# "other minus marking" median moved by up to about 30 µs (stop 23).
# Build first: dotnet build -c Release bench/CanaryService.ProxyBench bench/CanaryService.PlainProxy src/CanaryService.Host
# Usage: [MODE=stream|json] [SLICES=6] [SLICE=3s] [WARMUP=20s] [HOST_B=path/to/CanaryService.Host.dll [ENV_B="VAR=value"]]
#        [OUT=/tmp/serial-ab] bench/serial-ab.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"; OUT="${OUT:-/tmp/serial-ab}"; rm -rf "$OUT"; mkdir -p "$OUT"
MODE="${MODE:-stream}"
source "$ROOT/bench/launch.sh" # free_port, start_*, wait_ready, chat_body; stops everything it started on exit
UP=$(free_port); TP=$(free_port); BP=$(free_port); QP=$(free_port); HP=$(free_port); PP=$(free_port); OP=$(free_port)
STORAGE=$(azurite_connection_string $BP $QP $TP)
start_azurite $BP $QP $TP /dev/null
start_upstream $UP /dev/null
start_host "$HOST_DLL" $HP $UP "$STORAGE" "$OUT/host.log"
start_plain $PP $UP "$OUT/plain.log"
TARGETS="direct plain marking off"
if [ -n "${HOST_B:-}" ]; then
  # shellcheck disable=SC2086 # ENV_B is a list of VAR=value words
  start_host "$HOST_B" $OP $UP "$STORAGE" "$OUT/other.log" ${ENV_B:-}
  TARGETS="$TARGETS other"
fi
wait_ready $UP $HP $PP ${HOST_B:+$OP}
chat_body "$MODE" >"$OUT/on.body"
chat_body "$MODE" '"response_format":{"type":"json_object"},' >"$OUT/off.body"
declare -A PORT=([direct]=$UP [plain]=$PP [marking]=$HP [off]=$HP [other]=$OP) BODY=([direct]=on [plain]=on [marking]=on [off]=off [other]=on)
run() { hey_chat "$OUT/${BODY[$1]}.body" "${PORT[$1]}" "${@:2}"; }

for t in $TARGETS; do run "$t" -z "${WARMUP:-20s}" -c 64 >/dev/null; done # tiered JIT done, as in proxy-load.sh
for s in $(seq 1 "${SLICES:-6}"); do
  order=$TARGETS
  if ((s % 2 == 0)); then order=$(echo "$TARGETS" | tr ' ' '\n' | tac | tr '\n' ' '); fi
  for t in $order; do run "$t" -z "${SLICE:-3s}" -c 1 -o csv | tail -n +2 >"$OUT/$t-$s.csv"; done
done

python3 - "$OUT" "${SLICES:-6}" $TARGETS <<'PY'
import statistics, sys
out, slices, targets = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
times = {t: [[float(line.split(",")[0]) * 1000 for line in open(f"{out}/{t}-{s}.csv") if ",200," in line]
             for s in range(1, slices + 1)] for t in targets}
for t in targets:
    xs = sorted(x for slice_ in times[t] for x in slice_)
    pick = lambda q: xs[min(len(xs) - 1, int(q * len(xs)))]
    print(f"{t:8} n {len(xs):6}  mean {statistics.fmean(xs):.3f}  p50 {pick(.5):.1f}  p90 {pick(.9):.1f} ms")
for a, b in [("marking", "off"), ("marking", "plain"), ("other", "marking")]:
    if a in times and b in times:
        d = sorted((statistics.fmean(times[a][s]) - statistics.fmean(times[b][s])) * 1000 for s in range(slices))
        print(f"{a} minus {b}, mean per slice: median {statistics.median(d):+.0f} us (range {d[0]:+.0f} to {d[-1]:+.0f})")
PY
