# Sourced by proxy-load.sh. A fixed rate of 480 requests/s with arrivals spread out: 16 single-worker
# hey processes at 30 requests/s each (hey -q paces each worker with its own ticker; one hey's workers start theirs
# together, so their requests come in bursts). Start i is put at i x (1/30 + 1/480) s, so the tickers' phases fall
# 1/480 s apart over the 33 ms period (about 0.5 s to start them all; timed with bash's $EPOCHREALTIME, so the only
# process started per wait is the sleep).
# paced_arrivals <csv-file> <duration> <command that runs hey with its target's method, headers, body and URL...>:
# the command gets "-z <duration> -c 1 -q 30 -o csv" appended; the 16 CSVs end up in <csv-file>.
paced_arrivals() {
  local csv=$1 duration=$2 pids=() i start wait_us
  shift 2
  start=${EPOCHREALTIME/./}
  for i in $(seq 0 15); do
    wait_us=$((start + i * 35417 - ${EPOCHREALTIME/./}))
    if ((wait_us > 0)); then sleep "$(printf '0.%06d' "$wait_us")"; fi
    "$@" -z "$duration" -c 1 -q 30 -o csv >"$csv.$i" &
    pids+=($!)
  done
  wait "${pids[@]}"
  cat "$csv".* >"$csv" && rm -f "$csv".*
}
