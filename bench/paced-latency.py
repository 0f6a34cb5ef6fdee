#!/usr/bin/env python3
"""Latency at the fixed 480 requests/s over every request of a proxy-load.sh run, per target and mode: paced arrivals,
and burst arrivals where the run kept them as CSV too.

Usage: bench/paced-latency.py [--tail] [--from-second S] OUT [OUT ...]   (the folders proxy-load.sh wrote: their
{paced,burst}-<mode>-<target>-<round>.csv files; or files written by --save)
       bench/paced-latency.py --save FILE.tsv.gz OUT   (keeps a run's requests in bench/results: see below)
       bench/paced-latency.py --base unrecorded --from-second 1 OUT ...   (the pooled gaps against another target: see below)

proxy-load.sh's summary takes each round's p50 and p99 and prints the median over the rounds. A round's p99 is its
38th-slowest request of about 3,840, so one stall of the shared machine during one target's slice can decide it. This
pools the rounds instead: the percentiles of all of a target's answered (200) requests in the run, about 23,000, the
run's p99 in the plain sense. Prints, per mode, the latency each proxy adds over direct and the target's quantity,
marking's added latency minus plain's (target: at most +0.5 ms at the median and +2 ms at p99). hey writes times to
0.1 ms.

--from-second S leaves out each hey process's requests of its first S seconds (hey's "offset" column). In the paced runs the
first half second is the load generator's own start: the 16 processes start one by one and each dials its connection,
so the rate is not yet 480/s, and in one measured run 73-87% of the requests over a target's p99 came from it (docs/benchmarks.md,
"How the targets are judged").

With several folders (runs of the same code), it then pools every request of all of them and gives the
pooled gap a 95% bootstrap interval in which whole rounds are resampled (a round's requests stay together, because a
stall of the machine slows many requests of one round at once). That is the interval of the plain p99 of all the
requests, where bench/latency-ci.py gives the interval of the median of the rounds' own p99s.

--tail also prints p90 to p99.9 of each target over every request given, and marking's over plain's (the
marking Host's tail is a fixed fraction longer than the plain proxy's, docs/benchmarks.md "Why the hot path looks as it does").

--base TARGET compares marking with TARGET instead of plain in the pooled gaps: with UNRECORDED=1, proxy-load.sh also
measures the marking Host with the traffic features and prompt samples off ("unrecorded"), so `--base unrecorded` gives
what recording them adds to the request path.

--save FILE.tsv.gz OUT writes a run's answered requests as counts per kind, mode, target, round, 0.1 ms bin, and whether
the request came in its hey process's first second (about 40 KB a run, where the CSVs are 15 MB), so the run can be
kept in bench/results and pooled later. Such a file stands in for its folder anywhere above, with --from-second 0 or 1.
"""
import functools
import glob
import gzip
import os
import random
import sys

RESAMPLES = 2_000
MODES = ("json", "stream", "responses")  # proxy-load.sh's modes; a mode a run left out is skipped
BIN_MS = 0.1  # hey's resolution
TARGETS = ("direct", "plain", "marking", "unrecorded")  # every target proxy-load.sh may measure
BASE = "plain"  # what the pooled gaps compare marking with (--base)


def answered(path):
    """(latency in ms, seconds since its hey process started) of every answered (200) request in a hey CSV."""
    with open(path) as rows:
        for row in rows:
            fields = row.split(",")
            if len(fields) > 7 and fields[6] == "200":  # hey's header: "status-code"
                yield float(fields[0]) * 1000, float(fields[7])


def latencies(folder, kind, mode, target, from_second=0.0):
    return sorted(ms for path in sorted(glob.glob(os.path.join(folder, f"{kind}-{mode}-{target}-*.csv")))
                  for ms, offset in answered(path) if offset >= from_second)


def percentile(values, share):
    return values[min(len(values) - 1, int(len(values) * share))]


def report(source, kind, mode, from_second):
    runs = {t: merged(round_histograms([source], kind, mode, t, from_second).values()) for t in ("direct", "plain", "marking")}
    if not all(runs.values()):
        return
    added = {t: [histogram_percentile(runs[t], q) - histogram_percentile(runs["direct"], q) for q in (0.50, 0.99)] for t in ("plain", "marking")}
    print(f"{mode}\t{kind}, all rounds pooled ({sum(runs['marking'].values())} requests per target): added over direct, "
          f"plain p50 {added['plain'][0]:.2f} p99 {added['plain'][1]:.2f} ms; marking p50 {added['marking'][0]:.2f} p99 {added['marking'][1]:.2f} ms; "
          f"marking - plain: p50 {added['marking'][0] - added['plain'][0]:+.2f} ms (target <= +0.5), p99 {added['marking'][1] - added['plain'][1]:+.2f} ms (target <= +2)")


@functools.lru_cache(maxsize=None)
def saved_rows(path):
    """The rows of a file written by --save: (kind, mode, target, round, late, slot, count)."""
    with gzip.open(path, "rt") as lines:
        next(lines)  # header
        return [(k, m, t, r, late == "1", round(float(ms) / BIN_MS), int(n))
                for k, m, t, r, late, ms, n in (line.rstrip("\n").split("\t") for line in lines)]


@functools.lru_cache(maxsize=None)
def csv_rounds(folder, kind, mode, target, split=1.0):
    """Per round of a proxy-load.sh folder: {(0.1 ms bin, came at or after `split` seconds): count}; read once."""
    rounds = {}
    for path in sorted(glob.glob(os.path.join(folder, f"{kind}-{mode}-{target}-*.csv"))):
        counts = rounds.setdefault(path.rsplit("-", 1)[-1].removesuffix(".csv"), {})
        for ms, offset in answered(path):
            key = (round(ms / BIN_MS), offset >= split)
            counts[key] = counts.get(key, 0) + 1
    return rounds


def round_histograms(sources, kind, mode, target, from_second):
    """Per (source, round): the count of the target's requests in each 0.1 ms bin. A source is a folder of hey CSVs or
    a file written by --save (which keeps only whether a request came in its hey process's first second)."""
    histograms = {}
    for source in sources:
        if os.path.isfile(source):
            if from_second not in (0.0, 1.0):
                sys.exit(f"{source} keeps only whether a request came in the first second: --from-second must be 0 or 1")
            rows = saved_rows(source)
        else:
            rows = [(kind, mode, target, round_name, late, slot, count)
                    for round_name, counts in csv_rounds(source, kind, mode, target, from_second or 1.0).items()
                    for (slot, late), count in counts.items()]
        for k, m, t, round_name, late, slot, count in rows:
            if (k, m, t) == (kind, mode, target) and (late or from_second == 0.0):
                histogram = histograms.setdefault((source, round_name), {})
                histogram[slot] = histogram.get(slot, 0) + count
    return histograms


def merged(histograms):
    """One histogram of all the given ones (a round given twice counts twice, as a bootstrap resample needs)."""
    total = {}
    for histogram in histograms:
        for slot, count in histogram.items():
            total[slot] = total.get(slot, 0) + count
    return total


def save(folder, path):
    """Writes the run's answered requests as counts per (kind, mode, target, round, first second or not, 0.1 ms bin)."""
    with gzip.open(path, "wt") as out:
        out.write("kind\tmode\ttarget\tround\tlate\tms\tcount\n")
        for kind in ("paced", "burst"):
            for mode in MODES:
                for target in TARGETS:
                    rounds = csv_rounds(folder, kind, mode, target)
                    for round_name in sorted(rounds, key=lambda r: int(r) if r.isdigit() else r):
                        for (slot, late), count in sorted(rounds[round_name].items()):
                            out.write(f"{kind}\t{mode}\t{target}\t{round_name}\t{int(late)}\t{slot * BIN_MS:.1f}\t{count}\n")


def histogram_percentile(histogram, share):
    """The same percentile as percentile() above, the value at index int(n * share) of the sorted requests."""
    index = int(sum(histogram.values()) * share)
    seen = 0
    for slot in sorted(histogram):
        seen += histogram[slot]
        if seen > index:
            return slot * BIN_MS
    raise ValueError("empty histogram")


def pooled_gap(histograms, rounds, share):
    """Marking's percentile minus BASE's over the requests of the given rounds (direct cancels in the difference)."""
    totals = {target: merged(histograms[target][key] for key in rounds) for target in (BASE, "marking")}
    return histogram_percentile(totals["marking"], share) - histogram_percentile(totals[BASE], share)


def report_pooled(folders, kind, mode, from_second, rng):
    histograms = {t: round_histograms(folders, kind, mode, t, from_second) for t in (BASE, "marking")}
    rounds = sorted(set(histograms[BASE]) & set(histograms["marking"]))
    if not rounds:
        return
    for share, target in ((0.50, 0.5), (0.99, 2.0)):
        gap = pooled_gap(histograms, rounds, share)
        resampled = sorted(pooled_gap(histograms, [rng.choice(rounds) for _ in rounds], share) for _ in range(RESAMPLES))
        low, high = resampled[int(0.025 * RESAMPLES)], resampled[int(0.975 * RESAMPLES) - 1]
        print(f"{mode}\t{kind}, {len(rounds)} rounds of {len(folders)} runs pooled: marking - {BASE} at p{round(share * 100)} "
              f"{gap:+.2f} ms, 95% interval {low:+.2f} to {high:+.2f} (rounds resampled; target <= +{target:g})")


def report_tail(sources, kind, mode, from_second):
    """The tail of each target's latency over every request of the given runs, and marking's over plain's."""
    shares = (0.90, 0.95, 0.98, 0.99, 0.995, 0.999)
    tails = {}
    for target in ("direct", "plain", "marking"):
        histogram = merged(round_histograms(sources, kind, mode, target, from_second).values())
        if not histogram:
            return
        tails[target] = [histogram_percentile(histogram, share) for share in shares]
        print(f"{mode}\t{kind} tail, {target}:\t" + "  ".join(f"p{share * 100:g} {value:.1f}" for share, value in zip(shares, tails[target])) + " ms")
    print(f"{mode}\t{kind} tail, marking / plain:\t" + "  ".join(
        f"p{share * 100:g} {m / p:.2f}" for share, m, p in zip(shares, tails["marking"], tails["plain"])))


def main() -> None:
    global BASE
    args = sys.argv[1:]
    from_second = 0.0
    tail = False
    while args[:1] in (["--tail"], ["--from-second"], ["--save"], ["--base"]):
        if args[0] == "--base" and len(args) >= 3 and args[1] in TARGETS:
            BASE, args = args[1], args[2:]
        elif args[0] == "--tail":
            tail, args = True, args[1:]
        elif args[0] == "--from-second" and len(args) >= 3:
            from_second, args = float(args[1]), args[2:]
        elif args[0] == "--save" and len(args) == 3:
            save(args[2], args[1])
            return
        else:
            sys.exit(__doc__)
    if not args:
        sys.exit(__doc__)
    for folder in args:
        if len(args) > 1:
            print(f"# {folder}")
        for kind in ("paced", "burst"):
            for mode in MODES:
                report(folder, kind, mode, from_second)
    if tail:
        print("# the tail, all runs' requests together")
        for kind in ("paced", "burst"):
            for mode in MODES:
                report_tail(args, kind, mode, from_second)
    if len(args) > 1 or BASE != "plain":
        print("# all runs" if len(args) > 1 else f"# marking against {BASE}, the run's rounds resampled")
        rng = random.Random(20261203)  # fixed, so a rerun prints the same intervals
        for kind in ("paced", "burst"):
            for mode in MODES:
                report_pooled(args, kind, mode, from_second, rng)


if __name__ == "__main__":
    main()
