#!/usr/bin/env python3
"""Summarises bench/drill-real-text.sh: per kind of probing and marked share, the probe requests (the runs' request
budget, retry reserve included) after which each seed's student was first "distilled" and attributed to the distiller, and its
p-value at 300 requests; the control's worst p-value and whether it was ever "distilled" or attributed.

Usage: python3 bench/drill-real-text.py OUT"""
import glob
import json
import os
import re
import sys


def main(folder):
    runs = {}
    for path in sorted(glob.glob(os.path.join(folder, "*-s*.json"))):
        kind, seed = re.match(r"(.+)-s(\d+)\.json$", os.path.basename(path)).groups()
        runs.setdefault(kind, {})[int(seed)] = json.load(open(path))
    if not runs:
        sys.exit(f"no drill results (*-sN.json) in {folder}")

    print("| probing | marked share | first distilled and attributed (requests; per seed) | p at 300 requests (per seed) |")
    print("| --- | --- | --- | --- |")
    for kind in [k for k in ("open", "topics", "replay") if k in runs] + sorted(set(runs) - {"open", "topics", "replay"}):
        seeds = runs[kind]
        names = [c["name"] for c in next(iter(seeds.values()))["competitors"]]
        for name in names:
            first, at300 = [], []
            for seed in sorted(seeds):
                result = seeds[seed]
                competitor = next(c for c in result["competitors"] if c["name"] == name)
                history = competitor.get("history") or [dict(budget=competitor["probeRequests"], verdict=competitor["verdict"],
                                                             lexicalPValue=competitor["pValue"], phrasePValue=competitor["pValue"],
                                                             attributedAccount=competitor["attributedAccount"])]
                marked = competitor["trainedOnMarkedData"]
                hit = next((h for h in history if h["verdict"] == "distilled"
                            and (not marked or h["attributedAccount"] == result["distillerAccount"])), None)
                if marked:
                    first.append(str(hit["budget"]) if hit else f">{history[-1]['budget']}")
                else:
                    ever = any(h["verdict"] == "distilled" or h["attributedAccount"] for h in history)
                    first.append("distilled!" if ever else "never")
                within = [h for h in history if h["budget"] <= 300]
                h = within[-1] if within else history[0]
                at300.append(fmt(min(h["lexicalPValue"], h["phrasePValue"])))
            share = "control" if name == "control" else f"{competitor['markedFraction'] * 100:g} %"
            print(f"| {kind} | {share} | {', '.join(first)} | {', '.join(at300)} |")


def fmt(p):
    return "1" if p >= 0.999 else f"{p:.0e}" if p < 0.001 else f"{p:.3f}"


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/drill-real-text")
