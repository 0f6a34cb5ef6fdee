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
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
PIDS=()
cleanup() { # as proxy-load.sh's: Azurite can take its time over SIGTERM, and nothing started here may outlive the script
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[$i]}" 2>/dev/null || true; done
  sleep 3; for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true
}
trap cleanup EXIT
UP=$(free_port); TP=$(free_port); BP=$(free_port); QP=$(free_port); HP=$(free_port); PP=$(free_port)
dotnet "$ROOT/bench/CanaryService.ProxyBench/bin/Release/net10.0/CanaryService.ProxyBench.dll" upstream --urls http://127.0.0.1:$UP >/dev/null 2>&1 &
PIDS+=($!)
KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
STORAGE="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$KEY;BlobEndpoint=http://127.0.0.1:$BP/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$QP/devstoreaccount1;TableEndpoint=http://127.0.0.1:$TP/devstoreaccount1;"
for neighbour in ${EXTRA:-}; do
  case "$neighbour" in
    azurite) (cd "$ROOT" && exec node node_modules/azurite/dist/src/azurite.js --inMemoryPersistence --silent --loose --skipApiVersionCheck --blobHost 127.0.0.1 --blobPort $BP --queueHost 127.0.0.1 --queuePort $QP --tableHost 127.0.0.1 --tablePort $TP) >/dev/null 2>&1 & ;;
    host) (cd "$ROOT/src/CanaryService.Host/bin/Release/net10.0" && exec env ASPNETCORE_ENVIRONMENT=Production Canary__MasterKey="$(head -c 32 /dev/urandom | base64)" Storage__ConnectionString="$STORAGE" Upstream__BaseUrl=http://127.0.0.1:$UP Evidence__AdminKey=bench-admin-key-0123456789 Logging__LogLevel__Default=Warning dotnet CanaryService.Host.dll --urls http://127.0.0.1:$HP) >"$OUT/host.log" 2>&1 & ;;
    plain) (cd "$ROOT/bench/CanaryService.PlainProxy/bin/Release/net10.0" && exec dotnet CanaryService.PlainProxy.dll --urls http://127.0.0.1:$PP --Upstream:BaseUrl=http://127.0.0.1:$UP) >"$OUT/plain.log" 2>&1 & ;;
    *) echo "EXTRA names azurite, host and plain, not '$neighbour'" >&2; exit 2 ;;
  esac
  PIDS+=($!)
done
sleep 4
printf '%s' '{"model":"gpt-bench","stream":true,"messages":[{"role":"user","content":"How do I find where the time goes in a slow service?"}]}' >"$OUT/body"
run() { hey -m POST -T application/json -H 'Authorization: Bearer sk-bench-load' -D "$OUT/body" "$@" http://127.0.0.1:$UP/v1/chat/completions; }
run -z 20s -c 64 >/dev/null # warm-up
for slice in 1 2; do paced_arrivals "$OUT/paced-$slice.csv" 6s run; done
python3 - "$OUT" <<'PY'
import glob, os, sys
rows = []  # (latency ms, offset s from the hey process's start)
for path in glob.glob(os.path.join(sys.argv[1], "paced-*.csv")):
    for line in open(path):
        fields = line.split(",")
        if len(fields) > 7 and fields[6] == "200":
            rows.append((float(fields[0]) * 1000, float(fields[7])))
every = sorted(latency for latency, _ in rows)
later = sorted(latency for latency, offset in rows if offset >= 1)
share = lambda values, q: values[min(len(values) - 1, int(len(values) * q))]
p99_later = share(later, 0.99)
print(f"{len(every)} requests: p50 {share(every, .5):.1f}  p99 {share(every, .99):.1f}  p99.9 {share(every, .999):.1f} ms;"
      f" without each process's first second: p99 {p99_later:.1f} ms")
# hey's offsets count from its own start; the 16 starts are 35 ms apart, so these are the slice's seconds to within 0.5 s
print("over that p99, at (s):", " ".join(f"{offset:.2f}" for offset in sorted(o for l, o in rows if o >= 1 and l >= p99_later)))
PY
