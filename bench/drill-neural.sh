#!/usr/bin/env bash
# The drill on real text with a neural student: each student (one per marked share, and the control) is a small
# decoder-only transformer (bench/CanaryService.NeuralStudent, TorchSharp on the CPU) trained for MINUTES on the same
# mixed training set the retrieval + n-gram students get in bench/drill-real-text.sh, then served as an
# OpenAI-compatible competitor and probed as the service probes (its defaults: replay + topics + open prompts).
# The students train side by side, one torch thread each.
#
# Usage: bench/drill-neural.sh
#   CORPUS=../shared/data/model-outputs TEACHER=Meta-Llama-3.1-405B-Instruct-Turbo SEED=1 PROMPTS=160 SHARES=100,25,5
#   BUDGET=30 RUNS=3 MINUTES=30 STUDENT_ARGS="--dim 128 --layers 2 --context 256" OUT=/tmp/drill-neural
# Then: python3 bench/drill-real-text.py OUT   (verdicts and p-values per share and probe budget)
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS="${CORPUS:-../shared/data/model-outputs}"
TEACHER="${TEACHER:-Meta-Llama-3.1-405B-Instruct-Turbo}"
SEED="${SEED:-1}"
PROMPTS="${PROMPTS:-160}"
SHARES="${SHARES:-100,25,5}"
BUDGET="${BUDGET:-30}"
RUNS="${RUNS:-3}"
MINUTES="${MINUTES:-30}"
STUDENT_ARGS="${STUDENT_ARGS:-}"
MIX="${MIX-$CORPUS}"
OUT="${OUT:-/tmp/drill-neural}"

[ -d "$CORPUS" ] || { echo "no folder $CORPUS (set CORPUS)" >&2; exit 2; }
# Absolute paths: `dotnet run` may run the drill in its project's folder.
CORPUS="$(cd "$CORPUS" && pwd)"
[ -z "$MIX" ] || MIX="$(cd "$MIX" && pwd)"
teacher_file="$CORPUS/$TEACHER.jsonl.gz"
[ -f "$teacher_file" ] || { echo "no recorded answers at $teacher_file (set CORPUS and TEACHER)" >&2; exit 2; }
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
dotnet build -c Release tools/CanaryService.Drill -v q -nologo
dotnet build -c Release bench/CanaryService.NeuralStudent -v q -nologo
student_out="$(pwd)/bench/CanaryService.NeuralStudent/bin/Release/net10.0"
# TorchSharp's native wrapper wants libstdc++ from GCC 13.2; on an older one (Debian 12) it runs with a shim.
preload="$(bench/CanaryService.NeuralStudent/compat/apply.sh "$student_out")"
student="env ${preload:+LD_PRELOAD=$preload} nice -n 10 dotnet $student_out/CanaryService.NeuralStudent.dll"
student="$student --training {training} --port {port} --minutes $MINUTES --seed $SEED --threads 1 $STUDENT_ARGS"

mix=()
[ -n "$MIX" ] && mix=(--mix "$MIX")
echo "$(date -u +%T) drill with neural students, seed $SEED, shares $SHARES, $MINUTES min of training each" >&2
dotnet run -c Release --no-build --project tools/CanaryService.Drill -- \
  --corpus "$teacher_file" "${mix[@]}" --prompts "$PROMPTS" --shares "$SHARES" --phrase-rate 0.2 \
  --harvest-accounts 0 --seed "$SEED" --probe-budget "$BUDGET" --probe-runs "$RUNS" --replay-share 0.3 --topic-share 0.5 \
  --student-server "$student" --student-wait "$(awk -v m="$MINUTES" 'BEGIN { print int(m) + 20 }')" \
  --report "" --json "$OUT/replay-s$SEED.json" 2>&1 | tee "$OUT/replay-s$SEED.log" \
  || echo "  (the drill fell short; its verdicts are still in $OUT/replay-s$SEED.json)" >&2
echo "$(date -u +%T) done" >&2
