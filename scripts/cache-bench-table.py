#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the 'figures bench ...' lines (figures.py) of a cache-bench serial
log into a Markdown table: per mode and order (the "zero" mode on its own
line), the median ns per allocate+free with the cache on and off (min-max
in brackets), their ratio, and the TLB flushes on all CPUs and PMD splits
per 512 pages."""
import statistics
import sys

from figures import read_lines, records

runs = {}
for group, f in records(read_lines(sys.argv[1])):
    if group != "bench":
        continue
    if "allocated" not in f:
        sys.exit("incomplete benchmark figures: " + " ".join(f"{k}={v}" for k, v in f.items()))
    pages = int(f["allocated"]) << int(f["order"])
    runs.setdefault((f["mode"], int(f["order"]), f["cache"]), []).append(
        (int(f["ns_per_op"]), int(f["tlb_flushes"]) * 512 / pages,
         int(f["level2_splits"]) * 512 / pages, int(f["count"])))
if not runs:
    sys.exit("no benchmark lines in " + sys.argv[1])


def cell(vals, fmt):
    med = statistics.median(vals)
    return f"{fmt.format(med)} [{fmt.format(min(vals))}-{fmt.format(max(vals))}]"


print("| mode | order | count | ns/op cache off | ns/op cache on | off/on "
      "| flushes per 512 pages off / on | PMD splits per 512 pages off / on |")
print("|---|---|---|---|---|---|---|---|")
for mode, order in sorted({(m, o) for m, o, _ in runs if m != "zero"}):
    off, on = runs.get((mode, order, "off")), runs.get((mode, order, "on"))
    if not off or not on:
        continue
    ratio = statistics.median(r[0] for r in off) / max(1, statistics.median(r[0] for r in on))
    print(f"| {mode} | {order} | {on[0][3]} | {cell([r[0] for r in off], '{:.0f}')} "
          f"| {cell([r[0] for r in on], '{:.0f}')} | {ratio:.1f}x "
          f"| {statistics.median(r[1] for r in off):.1f} / {statistics.median(r[1] for r in on):.2f} "
          f"| {statistics.median(r[2] for r in off):.1f} / {statistics.median(r[2] for r in on):.2f} |")
zero = runs.get(("zero", 0, "on"))
if zero:
    print(f"\nZeroing one unmapped page through the CPU-local mapping, which every "
          f"path must do once per page: {cell([r[0] for r in zero], '{:.0f}')} ns.")
