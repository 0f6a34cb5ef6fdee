#!/usr/bin/env python3
"""Where the marking Host's CPU time goes, from a dotnet-trace speedscope file (dotnet-sampled-thread-time profile).

Only samples taken while a thread ran managed code (the CPU_TIME pseudo-frame) count. Each sample is charged to the
innermost frame that belongs to a known part (scanning from the leaf to the root), so a memmove inside the marker
counts as marking and a socket send inside Kestrel as socket I/O.
Usage: profile-summary.py FILE.speedscope.json
"""
import collections
import json
import sys

PARTS = [  # (part, substrings of a frame name), checked in this order for each frame from the leaf up
    ("engine: lexical marking (Core)", ["CanaryService.Core!"]),
    ("proxy: SSE/JSON rewriting (Application)", ["Proxy.Rewriting", "Proxy.ServerSentEvents", "EngineResponseMarker"]),
    ("proxy: request read, parse, account (Application)", ["Proxy.Forwarding", "Proxy.CanaryProxy"]),
    ("storage: issuance queue and writer", ["CanaryService.Storage!", "Azure.Data.Tables!", "Azure.Core!"]),
    ("socket I/O (kernel calls)", ["System.Net.Sockets!", "?!?"]),
    ("HttpClient to the upstream", ["System.Net.Http!"]),
    ("YARP forwarder", ["Yarp.ReverseProxy!"]),
    ("Kestrel and routing (server side)", ["Microsoft.AspNetCore."]),
    ("JSON reader/writer (System.Text.Json)", ["System.Text.Json!"]),
]


def main(path):
    data = json.load(open(path))
    frames = [f["name"] for f in data["shared"]["frames"]]
    charged = collections.Counter()
    total = 0.0
    for profile in data["profiles"]:
        stack, last = [], None
        for event in profile["events"]:
            if last is not None and stack and frames[stack[-1]] == "CPU_TIME":
                weight = event["at"] - last
                total += weight
                part = "runtime: GC, thread pool, other"
                for index in reversed(stack[:-1]):
                    name = frames[index]
                    hit = next((p for p, keys in PARTS if any(k in name for k in keys)), None)
                    if hit:
                        part = hit
                        break
                charged[part] += weight
            last = event["at"]
            if event["type"] == "O":
                stack.append(event["frame"])
            else:
                stack.pop()
    print(f"| part | share of the Host's busy thread time |\n| --- | ---: |")
    for part, weight in charged.most_common():
        print(f"| {part} | {100 * weight / total:.1f}% |")


if __name__ == "__main__":
    main(sys.argv[1])
