#!/usr/bin/env bash
# Are the paced runs' stalls the machine's own, or do the idle processes beside the target cause them? (docs/benchmarks.md,
# stop 21.) Paced SSE arrivals (bench/paced-arrivals.sh, 480 requests/s, two 6-second slices) straight at the fake upstream,
# with only the neighbours named in EXTRA running idle beside it: azurite, host (the marking Host, wired to both) and plain
# (the plain proxy). Prints p50, p99 and p99.9 over every request, the p99 without each hey process's first second, and
# when (seconds from the slice's start, roughly) the requests over that p99 came, so a stall, or a period, shows.
# Build first: dotnet build -c Release bench/CanaryService.ProxyBench bench/CanaryService.PlainProxy src/CanaryService.Host
# Usage: [EXTRA="azurite host plain"] [OUT=/tmp/idle-neighbours] bench/idle-neighbours.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"; OUT="${OUT:-/tmp/idle-neighbours}"; rm -rf "$OUT"; mkdir -p "$OUT"
source "$ROOT/bench/paced-arrivals.sh"
source "$ROOT/bench/launch.sh" # free_port, start_*; stops everything it started on exit
UP=$(free_port); TP=$(free_port); BP=$(free_port); QP=$(free_port); HP=$(free_port); PP=$(free_port)
start_upstream $UP /dev/null
for neighbour in ${EXTRA:-}; do
  case "$neighbour" in
    azurite) start_azurite $BP $QP $TP /dev/null ;;
    host) start_host "$HOST_DLL" $HP $UP "$(azurite_connection_string $BP $QP $TP)" "$OUT/host.log" ;;
    plain) start_plain $PP $UP "$OUT/plain.log" ;;
    *) echo "EXTRA names azurite, host and plain, not '$neighbour'" >&2; exit 2 ;;
  esac
done
sleep 4
chat_body stream >"$OUT/body"
run() { hey_chat "$OUT/body" "$UP" "$@"; }
run -z 20s -c 64 >/dev/null # warm-up
for slice in 1 2; do paced_arrivals "$OUT/paced-$slice.csv" 6s run; done
python3 - "$ROOT" "$OUT" <<'PY'
import glob, importlib.util, os, sys
# The CSV reading and the percentile are paced-latency.py's, so every bench script counts requests alike.
spec = importlib.util.spec_from_file_location("paced_latency", os.path.join(sys.argv[1], "bench", "paced-latency.py"))
latency = importlib.util.module_from_spec(spec)
spec.loader.exec_module(latency)
rows = [row for path in glob.glob(os.path.join(sys.argv[2], "paced-*.csv")) for row in latency.answered(path)]  # (ms, offset s)
every = sorted(ms for ms, _ in rows)
later = sorted(ms for ms, offset in rows if offset >= 1)
share = latency.percentile
p99_later = share(later, 0.99)
print(f"{len(every)} requests: p50 {share(every, .5):.1f}  p99 {share(every, .99):.1f}  p99.9 {share(every, .999):.1f} ms;"
      f" without each process's first second: p99 {p99_later:.1f} ms")
# hey's offsets count from its own start; the 16 starts are 35 ms apart, so these are the slice's seconds to within 0.5 s
print("over that p99, at (s):", " ".join(f"{offset:.2f}" for offset in sorted(o for l, o in rows if o >= 1 and l >= p99_later)))
PY
