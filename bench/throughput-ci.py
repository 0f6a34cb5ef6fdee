#!/usr/bin/env python3
"""The marking proxy's throughput as a share of the plain proxy's, with a confidence interval, from proxy-load.sh's slices.

Usage: bench/throughput-ci.py [--base TARGET] run1-slices.tsv [run2-slices.tsv ...]

For each file, and for all files together (runs of the same code), per mode: the pooled ratio (marking's requests per
second over plain's, every slice summed, as proxy-load.sh prints it) and a 95% bootstrap interval for it. The bootstrap
resamples whole rounds, not slices: the slices of one round share the machine's state of those minutes, so they are not
independent draws, and resampling them one by one would give an interval too narrow.

--base TARGET divides by TARGET's rate instead of plain's: `--base unrecorded` over a run with UNRECORDED=1 gives the
marking Host's throughput with its traffic features and prompt samples on, as a share of the same Host's with them off.
"""
import collections
import random
import sys

RESAMPLES = 10_000
MODES = ("json", "stream", "responses")  # proxy-load.sh's modes; a mode a run left out is skipped
BASE = "plain"  # the target marking is compared with (--base)


def load(path):
    """Per (round, mode): summed requests and seconds per target."""
    rounds = collections.defaultdict(lambda: collections.defaultdict(lambda: [0, 0.0]))
    for line in open(path):
        fields = line.rstrip("\n").split("\t")
        if len(fields) < 6 or fields[3] not in (BASE, "marking"):
            continue
        cell = rounds[(path, fields[0], fields[1])][fields[3]]
        cell[0] += int(fields[4])
        cell[1] += float(fields[5])
    return rounds


def pooled(cells):
    rate = {t: sum(c[t][0] for c in cells) / sum(c[t][1] for c in cells) for t in (BASE, "marking")}
    return rate["marking"] / rate[BASE]


def interval(cells, rng):
    estimates = sorted(pooled([rng.choice(cells) for _ in cells]) for _ in range(RESAMPLES))
    return estimates[int(0.025 * RESAMPLES)], estimates[int(0.975 * RESAMPLES) - 1]


def report(label, rounds, rng):
    for mode in MODES:
        cells = [c for (_, _, m), c in sorted(rounds.items()) if m == mode]
        if not cells:
            continue
        low, high = interval(cells, rng)
        print(f"{label}\t{mode}\t{len(cells)} rounds\tpooled {100 * pooled(cells):.1f}%\t95% interval {100 * low:.1f}-{100 * high:.1f}%")


def main() -> None:
    global BASE
    paths = sys.argv[1:]
    if paths[:1] == ["--base"] and len(paths) >= 2:
        BASE, paths = paths[1], paths[2:]
    if not paths:
        sys.exit(__doc__)
    rng = random.Random(20261202)  # fixed, so the same files always print the same interval
    every = {}
    for path in paths:
        rounds = load(path)
        every.update(rounds)
        report(path, rounds, rng)  # as given: proxy-load.sh names every run's file slices.tsv
    if len(paths) > 1:
        report("all together", every, rng)


if __name__ == "__main__":
    main()
