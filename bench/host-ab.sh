#!/usr/bin/env bash
# A/B of two builds (or two settings) of the marking Host on one fake upstream and one Azurite: CPU per request of
# each Host and of the upstream at saturation (hey -c 64), alternating A and B within each round; medians at the end.
# Build the upstream first: dotnet build -c Release bench/CanaryService.ProxyBench. Each Host runs from its output folder.
# Usage: A=path/to/CanaryService.Host.dll B=path/to/other/CanaryService.Host.dll [ENV_A="X=1"] [ENV_B="DOTNET_gcServer=0"] \
#        [ROUNDS=4] [DUR=6s] [WARM=10s] [FIELDS_A=...] [FIELDS_B='"response_format":{"type":"json_object"},'] bench/host-ab.sh
# FIELDS_A/FIELDS_B: extra request fields for that side (the json_object example turns marking off for B: the same
# Host then measures its request path without the engine and the rewriters).
# e.g. a worktree of an older commit: git worktree add /tmp/before <commit>; dotnet build -c Release /tmp/before/src/CanaryService.Host
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"; OUT="${OUT:-/tmp/host-ab}"; mkdir -p "$OUT"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
PIDS=(); cleanup() { for p in "${PIDS[@]}"; do kill $p 2>/dev/null || true; done; sleep 1; for p in "${PIDS[@]}"; do kill -9 $p 2>/dev/null || true; done; }; trap cleanup EXIT
UP=$(free_port); TP=$(free_port); BP=$(free_port); QP=$(free_port)
(cd $ROOT && exec node node_modules/azurite/dist/src/azurite.js --inMemoryPersistence --silent --loose --skipApiVersionCheck --blobHost 127.0.0.1 --blobPort $BP --queueHost 127.0.0.1 --queuePort $QP --tableHost 127.0.0.1 --tablePort $TP) >/dev/null 2>&1 &
PIDS+=($!)
KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
STORAGE="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$KEY;BlobEndpoint=http://127.0.0.1:$BP/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$QP/devstoreaccount1;TableEndpoint=http://127.0.0.1:$TP/devstoreaccount1;"
dotnet $ROOT/bench/CanaryService.ProxyBench/bin/Release/net10.0/CanaryService.ProxyBench.dll upstream --urls http://127.0.0.1:$UP >/dev/null 2>&1 &
UPID=$!; PIDS+=($UPID)
MK="$(head -c 32 /dev/urandom | base64)"
declare -A PORT PID
for v in A B; do
  PORT[$v]=$(free_port)
  dll=$(realpath "${!v}")
  (cd "$(dirname $dll)" && vv=ENV_$v; exec env ${!vv:-} ${EXTRA_ENV:-} ASPNETCORE_ENVIRONMENT=Production Canary__MasterKey="$MK" Storage__ConnectionString="$STORAGE" Upstream__BaseUrl=http://127.0.0.1:$UP Evidence__AdminKey=bench-admin-key-0123456789 Logging__LogLevel__Default=Warning dotnet $dll --urls http://127.0.0.1:${PORT[$v]}) >$OUT/host-$v.log 2>&1 &
  PID[$v]=$!; PIDS+=(${PID[$v]})
done
for v in A B; do for _ in $(seq 1 120); do curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"messages":[]}' http://127.0.0.1:${PORT[$v]}/v1/chat/completions 2>/dev/null && break; sleep 0.5; done; done
for v in A B; do
  f=FIELDS_$v
  printf '%s' '{"model":"gpt-bench",'"${!f:-}"'"messages":[{"role":"user","content":"How do I find where the time goes in a slow service?"}]}' >$OUT/json-$v.body
  printf '%s' '{"model":"gpt-bench","stream":true,'"${!f:-}"'"messages":[{"role":"user","content":"How do I find where the time goes in a slow service?"}]}' >$OUT/stream-$v.body
done
cpu() { awk '{print $14 + $15}' /proc/$1/stat; }
run() { hey -m POST -T application/json -H 'Authorization: Bearer sk-bench-load' -D $OUT/$2-$1.body -z $3 -c 64 http://127.0.0.1:${PORT[$1]}/v1/chat/completions; }
for v in A B; do for m in json stream; do run $v $m ${WARM:-10s} >/dev/null; done; done
: > $OUT/rows.tsv
for r in $(seq 1 ${ROUNDS:-4}); do for m in json stream; do for v in A B; do
  hb=$(cpu ${PID[$v]}); ub=$(cpu $UPID)
  run $v $m ${DUR:-6s} > $OUT/h.txt
  ha=$(cpu ${PID[$v]}); ua=$(cpu $UPID)
  tot=$(awk '/Requests\/sec/ {r=$2} /Total:/ {t=$2} END {printf "%d", r*t}' $OUT/h.txt)
  rps=$(awk '/Requests\/sec/ {printf "%d", $2}' $OUT/h.txt)
  # A Host that failed requests would look cheap: non-200 answers (and hey's connection errors) are counted per row.
  bad=$(awk '/^[ \t]+\[[0-9]+\]/ && $1 != "[200]" {n += $2} /Error distribution/ {e = 1} END {print n + 0 + e}' $OUT/h.txt)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' $r $m $v $rps $(( (ha-hb)*10000/tot )) $(( (ua-ub)*10000/tot )) $bad | tee -a $OUT/rows.tsv
done; done; done
python3 - $OUT/rows.tsv <<'PY'
import sys, statistics as st
rows=[l.split() for l in open(sys.argv[1])]
for m in ("json","stream"):
    for v in ("A","B"):
        rs=[r for r in rows if r[1]==m and r[2]==v]
        print(m, v, "rps median", st.median(int(r[3]) for r in rs), "host us/req median", st.median(int(r[4]) for r in rs), "host/upstream cpu median %.2f" % st.median(int(r[4])/max(1,int(r[5])) for r in rs), "non-200", sum(int(r[6]) for r in rs))
PY
