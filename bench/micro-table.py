#!/usr/bin/env python3
"""Turns BenchmarkDotNet's CSV report of SessionOverheadBenchmarks into the table of bench/RESULTS.md: mean time,
ratio to raw HttpClient (time), allocated, and bytes allocated per request beyond raw HttpClient."""
import csv, sys, re

path = sys.argv[1] if len(sys.argv) > 1 else "OpenStack.Actors.Benchmarks/BenchmarkDotNet.Artifacts/results/OpenStack.Actors.Benchmarks.SessionOverheadBenchmarks-report.csv"

def kb(text):
    m = re.match(r"([\d.,]+)\s*(B|KB|MB)", text.strip())
    value = float(m.group(1).replace(",", ""))
    return value * {"B": 1 / 1024, "KB": 1, "MB": 1024}[m.group(2)]

rows = list(csv.DictReader(open(path)))
raw = {(r["Concurrency"], r["BodyBytes"]): kb(r["Allocated"]) for r in rows if r["Method"] == "RawHttpClient"}
print("| Method | Concurrency | Body | Mean | Median | Time vs raw (ratio ± sd) | Allocated | Alloc beyond raw, per request |")
print("|---|---|---|---|---|---|---|---|")
for r in rows:
    key = (r["Concurrency"], r["BodyBytes"])
    beyond = "" if r["Method"] == "RawHttpClient" else f"{(kb(r['Allocated']) - raw[key]) * 1024 / int(r['Concurrency']):,.0f} B"
    print(f"| {r['Method']} | {r['Concurrency']} | {r['BodyBytes']} | {r['Mean']} | {r['Median']} | {r['Ratio']} ± {r['RatioSD']} | {r['Allocated']} | {beyond} |")
