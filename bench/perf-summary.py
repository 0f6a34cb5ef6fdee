#!/usr/bin/env python3
"""Splits a `perf record` profile of a .NET process (run with DOTNET_PerfMapEnabled=1) into parts by code owner.

Usage: bench/perf-summary.py perf.data [top_symbols]

Unlike dotnet-trace's sampled thread time, perf samples on-CPU time only (a blocked thread is never sampled), so the
shares are shares of CPU. Each sample is charged to the function it was in (self time), classified by its assembly
or library; kernel time is the process's own system calls, network stack and scheduling.
"""
import collections
import re
import subprocess
import sys

PARTS = [
    ("engine (CanaryService.Core)", r"\[CanaryService\.Core\]"),
    ("proxy rewriting + JSON", r"CanaryService\.Application\.Proxy\.(Rewriting|ServerSentEvents)|\[System\.Text\.Json\]|\[System\.Text\.Encodings\.Web\]"),
    ("proxy request handling + storage", r"\[CanaryService\.(Application|Storage)\]|\[Azure\.|libcrypto"),
    ("Kestrel + ASP.NET Core", r"\[Microsoft\.AspNetCore"),
    ("HttpClient + YARP", r"\[System\.Net\.Http\]|\[Yarp"),
    ("sockets (managed)", r"\[System\.Net\.Sockets\]|libSystem\.Native"),
    ("kernel", r"^\[k\]"),
    ("runtime: JIT", r"libclrjit"),
    ("runtime: GC, stubs, thread pool (libcoreclr)", r"libcoreclr"),
    ("base library (CoreLib: memcpy, async, pools)", r"\[System\.Private\.CoreLib\]|libc\.so|ld-linux|\[System\.Collections"),
]


def main() -> None:
    data = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    report = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "dso,sym", "-q", "-g", "none"],
                            capture_output=True, text=True, check=True).stdout
    parts = collections.Counter()
    symbols = collections.Counter()
    for line in report.splitlines():
        match = re.match(r"\s*([\d.]+)%\s+(.*?)\s{2,}(\[.\].*)", line)
        if not match:
            continue
        share, dso, symbol = float(match.group(1)), match.group(2), match.group(3).strip()
        key = symbol if symbol.startswith("[k]") else f"{dso} {symbol}"
        for name, pattern in PARTS:
            if re.search(pattern, key):
                parts[name] += share
                break
        else:
            parts["other (unresolved stubs, libraries)"] += share
        symbols[re.sub(r"\[(OptimizedTier1|Optimized|Tier1|QuickJitted|Tier0|InstrumentedTier\w*)\]$", "", symbol)[:150]] += share

    print("| part | share of the process's CPU |")
    print("| --- | ---: |")
    for name, share in parts.most_common():
        print(f"| {name} | {share:.1f}% |")
    print()
    print(f"Top {top} functions (self time):")
    for symbol, share in symbols.most_common(top):
        print(f"  {share:5.2f}%  {symbol}")


if __name__ == "__main__":
    main()
