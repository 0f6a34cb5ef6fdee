#!/usr/bin/env python3
"""The latency the marking proxy adds over the plain proxy's at 480 requests/s, with a confidence interval over rounds,
from proxy-load.sh's per-round rows.

Usage: bench/latency-ci.py run1.tsv [run2.tsv ...]   (the results.tsv of each run, kept as bench/results/proxy-load-*.tsv)

Per round and mode, the target's quantity is marking's added latency over direct minus plain's, which is marking's
percentile minus plain's (direct cancels). For each file, and for all files together (runs of the same code), per mode
and quantity (paced p50 and p99, burst p50 and p99): the median over the rounds, a 95% bootstrap interval for that
median (rounds resampled), and how many rounds met the target. One run's six rounds give a wide interval; the runs of
one code together say whether a target is met reliably or only in a good run.
"""
import random
import statistics
import sys

RESAMPLES = 10_000
MODES = ("json", "stream", "responses")  # proxy-load.sh's modes; a mode a run left out is skipped
# (name, column of the row, target in ms): columns are round, mode, target, saturation req/s, burst req/s, burst p50,
# burst p99, non-200, CPU us of the target, of the upstream, of Azurite, paced p50, paced p99.
QUANTITIES = [("paced p50", 11, 0.5), ("paced p99", 12, 2.0), ("burst p50", 5, 0.5), ("burst p99", 6, 2.0)]


def load(path):
    """Per (path, round, mode): the row of each target."""
    rounds = {}
    for line in open(path):
        fields = line.rstrip("\n").split("\t")
        if len(fields) < 13 or fields[2] not in ("plain", "marking"):
            continue
        rounds.setdefault((path, fields[0], fields[1]), {})[fields[2]] = fields
    return {key: rows for key, rows in rounds.items() if len(rows) == 2}


def gaps(rounds, mode, column):
    return [float(rows["marking"][column]) - float(rows["plain"][column]) for (_, _, m), rows in sorted(rounds.items()) if m == mode]


def interval(values, rng):
    medians = sorted(statistics.median(rng.choice(values) for _ in values) for _ in range(RESAMPLES))
    return medians[int(0.025 * RESAMPLES)], medians[int(0.975 * RESAMPLES) - 1]


def report(label, rounds, rng):
    for mode in MODES:
        for name, column, target in QUANTITIES:
            values = gaps(rounds, mode, column)
            if not values:
                continue
            low, high = interval(values, rng)
            met = sum(1 for v in values if v <= target)
            print(f"{label}\t{mode}\t{name}\t{len(values)} rounds\tmedian {statistics.median(values):+.2f} ms\t"
                  f"95% interval {low:+.2f} to {high:+.2f}\ttarget <= +{target:g}\tmet in {met} of {len(values)} rounds")


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    rng = random.Random(20261203)  # fixed, so a rerun prints the same intervals
    everything = {}
    for path in sys.argv[1:]:
        rounds = load(path)
        everything.update(rounds)
        report(path.rsplit("/", 1)[-1], rounds, rng)
    if len(sys.argv) > 2:
        report("all runs", everything, rng)


if __name__ == "__main__":
    main()
