#!/usr/bin/env bash
# The drill on real text: what a verdict costs in probe requests, per marked share, per kind of probe prompt.
#
# A real model's recorded answers are the teacher; the distiller harvests PROMPTS of them through the marking proxy
# (service defaults: Canary:PhraseRate 0.2); each student is a memorising retrieval + n-gram model that learns all of
# the harvest plus other models' answers to other prompts (the mix), so that ours are 100, 25, 5 or 1 % of its
# training set; the control learns the same set with the teacher's unmarked answers. Probe runs of BUDGET requests
# follow one another (RUNS of them) and the verdicts are read after each. Three kinds of probing:
#   open    open prompts only                     (Probe:ReplayPromptShare 0,   Probe:TopicPromptShare 0)
#   topics  canary topics and open prompts        (Probe:ReplayPromptShare 0,   Probe:TopicPromptShare 0.5)
#   replay  the service's default, with replay    (Probe:ReplayPromptShare 0.3, Probe:TopicPromptShare 0.5)
#
# Usage: bench/drill-real-text.sh   (about 5 minutes per drill on 2 cores; 9 drills with the defaults)
#   CORPUS=../shared/data/model-outputs TEACHER=Meta-Llama-3.1-405B-Instruct-Turbo SEEDS="1 2 3" KINDS="open topics replay"
#   PROMPTS=160 SHARES=100,25,5,1 BUDGET=30 RUNS=20 OUT=/tmp/drill-real-text
# Then: python3 bench/drill-real-text.py OUT   (the table of docs/detection.md, "On real text")
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS="${CORPUS:-../shared/data/model-outputs}"
TEACHER="${TEACHER:-Meta-Llama-3.1-405B-Instruct-Turbo}"
SEEDS="${SEEDS:-1 2 3}"
KINDS="${KINDS:-open topics replay}"
PROMPTS="${PROMPTS:-160}"
SHARES="${SHARES:-100,25,5,1}"
BUDGET="${BUDGET:-30}"
RUNS="${RUNS:-20}"
OUT="${OUT:-/tmp/drill-real-text}"

teacher_file="$CORPUS/$TEACHER.jsonl.gz"
[ -f "$teacher_file" ] || { echo "no recorded answers at $teacher_file (set CORPUS and TEACHER)" >&2; exit 2; }
mkdir -p "$OUT"
dotnet build -c Release tools/CanaryService.Drill -v q -nologo

for kind in $KINDS; do
  case "$kind" in
    open) shares=(--replay-share 0 --topic-share 0) ;;
    topics) shares=(--replay-share 0 --topic-share 0.5) ;;
    replay) shares=(--replay-share 0.3 --topic-share 0.5) ;;
    *) echo "unknown kind $kind (open, topics, replay)" >&2; exit 2 ;;
  esac
  for seed in $SEEDS; do
    echo "$(date -u +%T) $kind, seed $seed" >&2
    dotnet run -c Release --no-build --project tools/CanaryService.Drill -- \
      --corpus "$teacher_file" --mix "$CORPUS" --prompts "$PROMPTS" --shares "$SHARES" --phrase-rate 0.2 \
      --harvest-accounts 0 --seed "$seed" --probe-budget "$BUDGET" --probe-runs "$RUNS" "${shares[@]}" \
      --report "" --json "$OUT/$kind-s$seed.json" > "$OUT/$kind-s$seed.log" 2>&1 \
      || echo "  (the drill fell short; its verdicts are still in $OUT/$kind-s$seed.json)" >&2
  done
done
python3 bench/drill-real-text.py "$OUT"
