#!/usr/bin/env bash
# Proxy overhead benchmark (docs/benchmarks.md, "The proxy load test").
#
# Starts, on 127.0.0.1 only: Azurite (in memory), the fake upstream (~2 KB answers), the plain YARP proxy and the
# marking Host (Release), then measures the three targets -- the upstream directly, the plain proxy, the marking
# proxy -- for each mode of $MODES (json: a chat completion answered as JSON; stream: a chat completion streamed as SSE
# chunks; responses: a Responses API request, POST /v1/responses, streamed as its typed events), alternating targets
# within each round to spread the noise of a shared machine:
#   * throughput at saturation: `hey -c 64`, $SLICES slices of $SLICE per target, the targets alternating slice by slice
#   * latency at a fixed 480 requests/s, median and p99, two ways:
#       paced: 16 `hey -c 1 -q 30` processes whose tickers are 1/480 s apart in phase, so requests arrive spread out;
#              $PACED_SLICES slices of $PACED_SLICE per target, alternating like the saturation slices;
#       burst: `hey -c 16 -q 30`, whose 16 workers' tickers start together, so the 16 requests of each period arrive at once
#       and each waits behind the others' CPU; $BURST_SLICES slices of $BURST_SLICE per target, alternating like the
#       others
#   * time to the first streamed content with the upstream pacing its first deltas $DELTA_DELAY_MS apart (no load), for
#     the chat stream (when $MODES has stream) and the Responses stream (when it has responses)
#   * the marking Host's resident memory (highest VmRSS sampled during its runs, and VmHWM at the end)
# UNRECORDED=1: a fourth target, "unrecorded", the same marking Host with its traffic features and prompt samples off
#   (Proxy:RecordTraffic and Proxy:SamplePrompts false), measured like the others in every slice, so that
#   bench/throughput-ci.py --base unrecorded and bench/paced-latency.py --base unrecorded say what recording them costs.
# PROFILE=1 (default): dotnet-trace samples the marking Host at saturation; bench/profile-summary.py splits the time by part.
# PROFILE=perf: every .NET process runs with perf maps; afterwards `perf record` (plus $PERF_ARGS, e.g. -g for call graphs) samples the plain proxy and the marking
#   Host at saturation (on-CPU samples only) and bench/perf-summary.py splits each one's CPU by part (installs linux-perf).
#
# Usage: bench/proxy-load.sh   (about 30 minutes; defaults: MODES="json stream responses" ROUNDS=5 SLICES=4 SLICE=2s PACED_SLICES=2 PACED_SLICE=4s BURST_SLICES=2 BURST_SLICE=4s WARMUP=40s DELTA_DELAY_MS=20 FIRST_BYTE_ROUNDS=2 PROFILE=1 OUT=/tmp/proxy-load)
# Every request goes to 127.0.0.1; every run is bounded by $SLICE, $PACED_SLICE or $BURST_SLICE; everything started here is stopped on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROUNDS="${ROUNDS:-5}" # five: on this shared machine a single round moved the ratio by up to 30 points
BURST_SLICES="${BURST_SLICES:-2}" # burst latency: per round, mode and target, BURST_SLICES x BURST_SLICE, alternating too
BURST_SLICE="${BURST_SLICE:-4s}"
SLICES="${SLICES:-4}" # saturation: per round, mode and target, SLICES x SLICE
SLICE="${SLICE:-2s}"
PACED_SLICES="${PACED_SLICES:-2}" # paced latency: per round, mode and target, PACED_SLICES x PACED_SLICE, alternating too
PACED_SLICE="${PACED_SLICE:-4s}"
DELTA_DELAY_MS="${DELTA_DELAY_MS:-20}"
MODES="${MODES:-json stream responses}" # which answers to measure, in this order; fewer modes, a shorter run
for mode in $MODES; do
  case "$mode" in json | stream | responses) ;; *) echo "MODES: unknown mode '$mode' (json, stream, responses)" >&2; exit 2 ;; esac
done
[ -n "${MODES// /}" ] || { echo "MODES: name at least one of json, stream, responses" >&2; exit 2; }
has_mode() { [[ " $MODES " == *" $1 "* ]]; }
TARGETS="direct plain marking"
[ "${UNRECORDED:-0}" = 1 ] && TARGETS+=" unrecorded"
REVERSED=$(tr ' ' '\n' <<<"$TARGETS" | tac | paste -sd ' ')
PROFILE="${PROFILE:-1}"
OUT="${OUT:-/tmp/proxy-load}"
mkdir -p "$OUT"
export PATH="$PATH:$HOME/.dotnet/tools"

if ! command -v hey >/dev/null; then
  apt-get update -qq && apt-get install -y -qq hey >/dev/null
fi

source "$ROOT/bench/launch.sh" # free_port, start_*, wait_ready; stops everything it started on exit

echo "== build (Release)"
for project in bench/CanaryService.ProxyBench bench/CanaryService.PlainProxy src/CanaryService.Host; do
  dotnet build -c Release --nologo -v q "$ROOT/$project" >/dev/null
done

UPSTREAM_PORT=$(free_port); PLAIN_PORT=$(free_port); MARKING_PORT=$(free_port); UNRECORDED_PORT=$(free_port)
BLOB_PORT=$(free_port); QUEUE_PORT=$(free_port); TABLE_PORT=$(free_port)

echo "== azurite (in memory) on $BLOB_PORT/$QUEUE_PORT/$TABLE_PORT"
start_azurite "$BLOB_PORT" "$QUEUE_PORT" "$TABLE_PORT" "$OUT/azurite.log"
AZURITE_PID=${PIDS[-1]}
STORAGE=$(azurite_connection_string "$BLOB_PORT" "$QUEUE_PORT" "$TABLE_PORT")

if [ "$PROFILE" = perf ]; then
  command -v perf >/dev/null || (apt-get update -qq && apt-get install -y -qq linux-perf >/dev/null)
  # Set for every .NET process started below (upstream, both proxies), so they stay alike: perf maps name the JIT's code.
  export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
fi

echo "== upstream :$UPSTREAM_PORT, plain proxy :$PLAIN_PORT, marking Host :$MARKING_PORT"
# GC settings are the apps' defaults (Server GC, as Microsoft.NET.Sdk.Web sets it), as they would run deployed.
start_upstream "$UPSTREAM_PORT" "$OUT/upstream.log"
UPSTREAM_PID=${PIDS[-1]}
start_plain "$PLAIN_PORT" "$UPSTREAM_PORT" "$OUT/plain.log"
PLAIN_PID=${PIDS[-1]}
UNRECORDED_PID=
# The marking Hosts (the second only with UNRECORDED=1), sharing one fresh master key so that they mark alike.
start_marking_hosts() {
  MASTER_KEY=$(head -c 32 /dev/urandom | base64)
  MASTER_KEY=$MASTER_KEY start_host "$HOST_DLL" "$MARKING_PORT" "$UPSTREAM_PORT" "$STORAGE" "$OUT/marking.log"
  MARKING_PID=${PIDS[-1]}
  if [[ " $TARGETS " == *" unrecorded "* ]]; then
    MASTER_KEY=$MASTER_KEY start_host "$HOST_DLL" "$UNRECORDED_PORT" "$UPSTREAM_PORT" "$STORAGE" "$OUT/unrecorded.log" \
      Proxy__RecordTraffic=false Proxy__SamplePrompts=false
    UNRECORDED_PID=${PIDS[-1]}
    wait_ready "$UNRECORDED_PORT"
  fi
  wait_ready "$MARKING_PORT"
}
[[ " $TARGETS " == *" unrecorded "* ]] && echo "== the marking Host with traffic features and prompt samples off :$UNRECORDED_PORT"
start_marking_hosts
wait_ready "$UPSTREAM_PORT" "$PLAIN_PORT"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # user + system time of a process, in clock ticks
TICK_MS=$((1000 / $(getconf CLK_TCK)))

declare -A PORT=([direct]=$UPSTREAM_PORT [plain]=$PLAIN_PORT [marking]=$MARKING_PORT [unrecorded]=$UNRECORDED_PORT)
declare -A MODE_PATH=([json]=/v1/chat/completions [stream]=/v1/chat/completions [responses]=/v1/responses)
chat_body json >"$OUT/json.body"
chat_body stream >"$OUT/stream.body"
responses_body stream >"$OUT/responses.body"

# The marking proxy must really mark, in every mode measured: the answer's text as a client reads it (the JSON's content,
# the chat deltas joined, the Responses deltas joined) differs from the upstream's, and for Responses every event that
# repeats the whole text (output_text.done, content_part.done, output_item.done, completed) carries exactly the marked deltas.
answer_text() { # mode file -> the answer's text on stdout; exit 1, saying why, when the answer is not whole
  python3 - "$1" "$2" <<'PY'
import json, sys
mode, raw = sys.argv[1], open(sys.argv[2], encoding="utf-8").read()
if mode == "json":
    print(json.loads(raw)["choices"][0]["message"]["content"], end="")
    sys.exit()
events = [json.loads(line[6:]) for line in raw.splitlines() if line.startswith("data: ") and line != "data: [DONE]"]
if mode == "stream":
    print("".join(e["choices"][0]["delta"].get("content") or "" for e in events if e.get("choices")), end="")
    sys.exit()
text = "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")
wholes = {
    "response.output_text.done": lambda e: e["text"],
    "response.content_part.done": lambda e: e["part"]["text"],
    "response.output_item.done": lambda e: e["item"]["content"][0]["text"],
    "response.completed": lambda e: e["response"]["output"][0]["content"][0]["text"],
}
seen = {e["type"]: wholes[e["type"]](e) for e in events if e["type"] in wholes}
wrong = [t for t in wholes if seen.get(t) != text]
if wrong or [e["sequence_number"] for e in events] != list(range(len(events))):
    sys.exit(f"responses: {', '.join(wrong) or 'sequence_number'} does not match the deltas")
print(text, end="")
PY
}
# check_marking: 0 when every mode's answer comes back marked; 2 when one comes back unchanged; exits when one is not whole.
check_marking() {
  local mode marked unmarked target
  for mode in $MODES; do
    curl -fsS -X POST -H 'Content-Type: application/json' --data-binary @"$OUT/$mode.body" \
      "http://127.0.0.1:$UPSTREAM_PORT${MODE_PATH[$mode]}" >"$OUT/check-$mode-direct.txt"
    unmarked=$(answer_text "$mode" "$OUT/check-$mode-direct.txt") || { echo "$mode: the upstream's answer did not come back whole" >&2; exit 1; }
    for target in marking ${UNRECORDED_PID:+unrecorded}; do
      curl -fsS -X POST -H 'Authorization: Bearer sk-bench' -H 'Content-Type: application/json' --data-binary @"$OUT/$mode.body" \
        "http://127.0.0.1:${PORT[$target]}${MODE_PATH[$mode]}" >"$OUT/check-$mode-$target.txt"
      marked=$(answer_text "$mode" "$OUT/check-$mode-$target.txt") || { echo "$mode: the $target Host's answer did not come back whole" >&2; exit 1; }
      if [ -z "$marked" ] || [ "$marked" = "$unmarked" ]; then
        echo "$mode: the $target Host did not change the answer" >&2
        return 2
      fi
    done
  done
}
# The load test's answer is dense in lexicon words, so the echo window leaves few of them eligible, and about one key in
# 70 changes none of those. Such a key gets replaced (the Hosts restart); an answer still unchanged after that is a fault.
for attempt in 1 2 3 4; do
  check_marking && break
  [ "$attempt" = 4 ] && { echo "the marking Hosts changed nothing under four master keys" >&2; exit 1; }
  echo "== a new master key (the last one left this answer unchanged)"
  kill "$MARKING_PID" ${UNRECORDED_PID:+"$UNRECORDED_PID"} 2>/dev/null || true
  wait "$MARKING_PID" ${UNRECORDED_PID:+"$UNRECORDED_PID"} 2>/dev/null || true
  start_marking_hosts
done
declare -A PROXY_PID=([direct]=$UPSTREAM_PID [plain]=$PLAIN_PID [marking]=$MARKING_PID [unrecorded]=$UNRECORDED_PID)

hey_run() { # target mode extra-args...
  local target=$1 mode=$2; shift 2
  hey_post "$OUT/$mode.body" "${PORT[$target]}" "${MODE_PATH[$mode]}" "$@"
}

source "$ROOT/bench/paced-arrivals.sh" # paced_arrivals: 480 requests/s with arrivals spread out

latency_summary() { # hey csv-file -> "p50_ms p99_ms non-200-count requests" over every request in it (paced or burst)
  python3 - "$1" <<'PY'
import sys
rows = [l.split(",") for l in open(sys.argv[1]) if l[:1].isdigit()]
times = sorted(float(r[0]) * 1000 for r in rows)
bad = sum(1 for r in rows if r[6] != "200")
pick = lambda q: times[min(len(times) - 1, int(q * len(times)))] if times else float("nan")
print(f"{pick(0.50):.2f} {pick(0.99):.2f} {bad} {len(rows)}")
PY
}

rss_sampler() { # samples the marking Host's VmRSS (kB) every 0.5 s into $OUT/rss.samples
  while kill -0 "$MARKING_PID" 2>/dev/null; do
    awk '/VmRSS/ {print $2}' "/proc/$MARKING_PID/status" >>"$OUT/rss.samples" 2>/dev/null || true
    sleep 0.5
  done
}

# Per target and mode. Under this load the tiered JIT was still compiling 20-35 s in (perf: 8% of the marking Host's CPU
# in the JIT 14-22 s into a load, under 1% after 50 s); a proxy in production runs for days, so measure it compiled.
echo "== warm-up (long enough for tiered JIT to reach its optimised code on a busy machine)"
for target in $TARGETS; do
  for mode in $MODES; do hey_run "$target" "$mode" -z "${WARMUP:-40s}" -c 64 >/dev/null; done
done

: >"$OUT/rss.samples"
rss_sampler &
PIDS+=($!)

failed_requests() { # hey report -> responses other than 200, plus 1 if hey saw connection errors
  awk '/^[ \t]+\[[0-9]+\]/ && $1 != "[200]" {n += $2} /Error distribution/ {e = 1} END {print n + 0 + e}' "$1"
}

# Saturation in short slices: SLICES slices of SLICE each per target, the three targets back to back within a slice and
# in reverse order every other slice, so that a disturbance of this shared machine (single rounds' SSE ratios
# spread from 56% to 95% when the targets ran one after the other) falls on plain and marking alike instead of on whichever ran then.
# Sums the slices' requests, seconds and CPU ticks per target into SAT_* for the round's rows; every slice is kept in
# $OUT/slices.tsv (round, mode, slice, target, requests, seconds, target CPU ticks).
declare -A SAT_REQUESTS SAT_SECONDS SAT_TICKS SAT_UPSTREAM_TICKS SAT_AZURITE_TICKS SAT_BAD
sat_slices() { # round mode
  local round=$1 mode=$2 slice target order file requests seconds before after upstream_before azurite_before
  for target in $TARGETS; do
    SAT_REQUESTS[$target]=0; SAT_SECONDS[$target]=0; SAT_TICKS[$target]=0; SAT_UPSTREAM_TICKS[$target]=0; SAT_AZURITE_TICKS[$target]=0; SAT_BAD[$target]=0
  done
  for slice in $(seq 1 "$SLICES"); do
    order="$TARGETS"; ((slice % 2 == 0)) && order="$REVERSED"
    for target in $order; do
      file="$OUT/sat-$mode-$target-$round-$slice.txt"
      before=$(cpu_ticks "${PROXY_PID[$target]}"); upstream_before=$(cpu_ticks "$UPSTREAM_PID"); azurite_before=$(cpu_ticks "$AZURITE_PID")
      hey_run "$target" "$mode" -z "$SLICE" -c 64 >"$file"
      after=$(cpu_ticks "${PROXY_PID[$target]}")
      SAT_TICKS[$target]=$((SAT_TICKS[$target] + after - before))
      SAT_UPSTREAM_TICKS[$target]=$((SAT_UPSTREAM_TICKS[$target] + $(cpu_ticks "$UPSTREAM_PID") - upstream_before))
      SAT_AZURITE_TICKS[$target]=$((SAT_AZURITE_TICKS[$target] + $(cpu_ticks "$AZURITE_PID") - azurite_before))
      read -r requests seconds < <(awk '/Requests\/sec/ {r = $2} /Total:/ {t = $2} END {printf "%d %s\n", r * t, t}' "$file")
      SAT_REQUESTS[$target]=$((SAT_REQUESTS[$target] + requests))
      SAT_SECONDS[$target]=$(awk -v a="${SAT_SECONDS[$target]}" -v b="$seconds" 'BEGIN {printf "%.4f", a + b}')
      SAT_BAD[$target]=$((SAT_BAD[$target] + $(failed_requests "$file")))
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$mode" "$slice" "$target" "$requests" "$seconds" "$((after - before))" >>"$OUT/slices.tsv"
    done
  done
}

: >"$OUT/results.tsv"
: >"$OUT/slices.tsv"
echo "== measure: $ROUNDS rounds x {${MODES// /,}}: saturation in $SLICES alternating slices of $SLICE per target, paced 480/s in $PACED_SLICES alternating slices of $PACED_SLICE, burst 480/s in $BURST_SLICES alternating slices of $BURST_SLICE"
for round in $(seq 1 "$ROUNDS"); do
  for mode in $MODES; do
    sat_slices "$round" "$mode"
    # Paced, also in alternating slices (each one's requests appended to the target's CSV for the round).
    for target in $TARGETS; do : >"$OUT/paced-$mode-$target-$round.csv"; done
    for slice in $(seq 1 "$PACED_SLICES"); do
      order="$TARGETS"; ((slice % 2 == 0)) && order="$REVERSED"
      for target in $order; do
        paced_arrivals "$OUT/paced-slice.csv" "$PACED_SLICE" hey_run "$target" "$mode"
        cat "$OUT/paced-slice.csv" >>"$OUT/paced-$mode-$target-$round.csv"
      done
    done
    # Burst arrivals, in alternating slices too (each one's requests appended to the target's CSV for the round).
    for target in $TARGETS; do : >"$OUT/burst-$mode-$target-$round.csv"; done
    for slice in $(seq 1 "$BURST_SLICES"); do
      order="$TARGETS"; ((slice % 2 == 0)) && order="$REVERSED"
      for target in $order; do
        hey_run "$target" "$mode" -z "$BURST_SLICE" -c 16 -q 30 -o csv >>"$OUT/burst-$mode-$target-$round.csv"
      done
    done
    for target in $TARGETS; do
      total=${SAT_REQUESTS[$target]}
      rps=$(awk -v n="$total" -v t="${SAT_SECONDS[$target]}" 'BEGIN {printf "%.1f", (t > 0 ? n / t : 0)}')
      # CPU time per request at saturation (µs): the target process (for direct, the upstream), the upstream, and Azurite.
      cpu_us=$(( SAT_TICKS[$target] * TICK_MS * 1000 / (total > 0 ? total : 1) ))
      upstream_us=$(( SAT_UPSTREAM_TICKS[$target] * TICK_MS * 1000 / (total > 0 ? total : 1) ))
      azurite_us=$(( SAT_AZURITE_TICKS[$target] * TICK_MS * 1000 / (total > 0 ? total : 1) ))
      read -r paced_p50 paced_p99 paced_bad _ < <(latency_summary "$OUT/paced-$mode-$target-$round.csv")
      read -r p50 p99 burst_bad burst_requests < <(latency_summary "$OUT/burst-$mode-$target-$round.csv")
      # hey's CSV lists answered requests only: a connection error shows as a rate below 480/s.
      achieved=$(awk -v n="$burst_requests" -v k="$BURST_SLICES" -v d="${BURST_SLICE%s}" 'BEGIN {printf "%.1f", n / (k * d)}')
      bad=$((burst_bad + paced_bad + SAT_BAD[$target]))
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$mode" "$target" "$rps" "$achieved" "$p50" "$p99" "$bad" "$cpu_us" "$upstream_us" "$azurite_us" "$paced_p50" "$paced_p99" | tee -a "$OUT/results.tsv"
      sleep 1
    done
  done
done

echo "== first streamed content, upstream deltas ${DELTA_DELAY_MS} ms apart"
# One line per round and target: "<target> <figures>" for the chat stream, "<target> responses <figures>" for the Responses stream.
: >"$OUT/first-byte.txt"
for round in $(seq 1 "${FIRST_BYTE_ROUNDS:-2}"); do
  if has_mode stream; then
    for target in $TARGETS; do
      echo "$target $(dotnet "$BENCH_DLL" first-byte "http://127.0.0.1:${PORT[$target]}${MODE_PATH[stream]}" 40 "$DELTA_DELAY_MS")" | tee -a "$OUT/first-byte.txt"
    done
  fi
  if has_mode responses; then
    for target in $TARGETS; do
      echo "$target responses $(dotnet "$BENCH_DLL" first-byte "http://127.0.0.1:${PORT[$target]}${MODE_PATH[responses]}" 40 "$DELTA_DELAY_MS" responses)" | tee -a "$OUT/first-byte.txt"
    done
  fi
done

echo "== marking Host memory"
awk 'BEGIN {m = 0} $1 > m {m = $1} END {printf "peak sampled VmRSS: %.1f MB\n", m / 1024}' "$OUT/rss.samples" | tee "$OUT/memory.txt"
awk '/VmHWM|VmRSS/ {printf "%s %.1f MB\n", $1, $2 / 1024}' "/proc/$MARKING_PID/status" | tee -a "$OUT/memory.txt"

if [ "$PROFILE" = 1 ] && command -v dotnet-trace >/dev/null; then
  echo "== profile: dotnet-trace (CPU samples) of the marking Host at saturation"
  for mode in $MODES; do
    hey_run marking "$mode" -z 12s -c 64 >/dev/null &
    load=$!
    sleep 2
    dotnet-trace collect -p "$MARKING_PID" --profile dotnet-sampled-thread-time --duration 00:00:00:08 -o "$OUT/marking-$mode.nettrace" >/dev/null
    wait "$load"
    dotnet-trace report "$OUT/marking-$mode.nettrace" topN -n 60 --inclusive >"$OUT/profile-$mode-inclusive.txt" 2>&1 || true
    dotnet-trace convert "$OUT/marking-$mode.nettrace" --format speedscope -o "$OUT/marking-$mode" >/dev/null 2>&1 || true
    echo "-- $mode"
    python3 "$ROOT/bench/profile-summary.py" "$OUT/marking-$mode.speedscope.json" | tee "$OUT/profile-$mode.md"
  done
fi

if [ "$PROFILE" = perf ]; then
  echo "== profile: perf (on-CPU samples) of the plain proxy and the marking Host at saturation"
  for target in plain marking; do
    pid=$PLAIN_PID; [ "$target" = marking ] && pid=$MARKING_PID
    for mode in $MODES; do
      hey_run "$target" "$mode" -z 16s -c 64 >/dev/null &
      load=$!
      sleep 5
      perf record -F 999 ${PERF_ARGS:-} -p "$pid" -o "$OUT/perf-$target-$mode.data" -- sleep 8 >/dev/null 2>&1
      wait "$load"
      echo "-- $target $mode"
      python3 "$ROOT/bench/perf-summary.py" "$OUT/perf-$target-$mode.data" 25 | tee "$OUT/perf-$target-$mode.md"
    done
  done
fi

echo "== summary (median over rounds): mode target sat_rps burst_p50_ms burst_p99_ms"
python3 - "$OUT/results.tsv" $MODES <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
by = {}
for r in rows:
    by.setdefault((r[1], r[2]), []).append(r)
for mode in sys.argv[2:]:
    med = {}
    for target in [t for t in ("direct", "plain", "marking", "unrecorded") if (mode, t) in by]:
        rs = by[(mode, target)]
        med[target] = [statistics.median(float(r[i]) for r in rs) for i in (3, 5, 6)]
        paced = [statistics.median(float(r[i]) for r in rs) for i in (11, 12)] if all(len(r) > 12 for r in rs) else None
        med[target] += paced or [float("nan")] * 2
        cpu = [statistics.median(float(r[i]) for r in rs) for i in (8, 9, 10)] if all(len(r) > 10 for r in rs) else None
        cpu_text = f"\tcpu/request: target {cpu[0]:.0f} us, upstream {cpu[1]:.0f} us, azurite {cpu[2]:.0f} us" if cpu else ""
        print(f"{mode}\t{target}\t{med[target][0]:.0f}\t{med[target][1]:.2f}\t{med[target][2]:.2f}\terrors={sum(int(r[7]) for r in rs)}{cpu_text}")
    plain_add = [med["plain"][i] - med["direct"][i] for i in (1, 2)]
    marking_add = [med["marking"][i] - med["direct"][i] for i in (1, 2)]
    print(f"{mode}\tmarking/plain throughput {100 * med['marking'][0] / med['plain'][0]:.0f}% (target >= 80%)")
    if "unrecorded" in med:
        print(f"{mode}\tmarking/unrecorded throughput {100 * med['marking'][0] / med['unrecorded'][0]:.0f}%; marking - unrecorded: "
              f"burst p50 {med['marking'][1] - med['unrecorded'][1]:+.2f} ms, paced p50 {med['marking'][3] - med['unrecorded'][3]:+.2f} ms "
              f"(the traffic features and prompt samples)")
    rounds = sorted({r[0] for r in rows}, key=int)
    cell = {(r[0], r[2]): r for r in rows if r[1] == mode}
    print(f"{mode}\tper round, marking/plain throughput: " + ", ".join(
        f"{100 * float(cell[(k, 'marking')][3]) / float(cell[(k, 'plain')][3]):.0f}%" for k in rounds))
    if all(len(cell[(k, t)]) > 12 for k in rounds for t in ("plain", "marking")):
        print(f"{mode}\tper round, paced p50 marking - plain (ms): " + ", ".join(
            f"{float(cell[(k, 'marking')][11]) - float(cell[(k, 'plain')][11]):+.2f}" for k in rounds))
    print(f"{mode}\tburst: added over direct: plain p50 {plain_add[0]:.2f} p99 {plain_add[1]:.2f} ms; marking p50 {marking_add[0]:.2f} p99 {marking_add[1]:.2f} ms "
          f"(target: marking <= plain + 0.5 ms p50, + 2 ms p99)")
    plain_paced = [med["plain"][i] - med["direct"][i] for i in (3, 4)]
    marking_paced = [med["marking"][i] - med["direct"][i] for i in (3, 4)]
    print(f"{mode}\tpaced: added over direct: plain p50 {plain_paced[0]:.2f} p99 {plain_paced[1]:.2f} ms; marking p50 {marking_paced[0]:.2f} p99 {marking_paced[1]:.2f} ms "
          f"(target: marking <= plain + 0.5 ms p50, + 2 ms p99)")
PY
python3 - "$OUT/slices.tsv" $MODES <<'PY'
import statistics, sys
rows = [l.split("\t") for l in open(sys.argv[1]) if l.strip()]
rate = {(r[0], r[1], r[2], r[3]): int(r[4]) / float(r[5]) for r in rows if float(r[5]) > 0}
for mode in sys.argv[2:]:
    ratios = [rate[(k[0], mode, k[2], "marking")] / rate[(k[0], mode, k[2], "plain")]
              for k in sorted(rate) if k[1] == mode and k[3] == "plain" and (k[0], mode, k[2], "marking") in rate]
    total = {t: sum(int(r[4]) for r in rows if r[1] == mode and r[3] == t) / sum(float(r[5]) for r in rows if r[1] == mode and r[3] == t)
             for t in ("plain", "marking")}
    if ratios:
        # quartiles need two pairs at least (a run with SLICES=1 ROUNDS=1 has one)
        quartiles = f" (quartiles {100 * statistics.quantiles(ratios, n=4)[0]:.0f}-{100 * statistics.quantiles(ratios, n=4)[2]:.0f}%)" if len(ratios) > 1 else ""
        print(f"{mode}\tslices: marking/plain throughput over all {len(ratios)} slice pairs {100 * total['marking'] / total['plain']:.0f}%, "
              f"median of the pairs' ratios {100 * statistics.median(ratios):.0f}%{quartiles}")
PY
python3 "$ROOT/bench/paced-latency.py" "$OUT"
# The measure the latency targets are judged by: without each hey process's first second (its start; docs/benchmarks.md).
echo "== the same without each hey process's first second"
python3 "$ROOT/bench/paced-latency.py" --from-second 1 "$OUT"
# Every answered request as counts per round and 0.1 ms bin (about 40 KB), to keep in bench/results beside results.tsv:
# bench/paced-latency.py pools such files of several runs as it does their folders.
python3 "$ROOT/bench/paced-latency.py" --save "$OUT/requests.tsv.gz" "$OUT"
echo "raw results in $OUT"
