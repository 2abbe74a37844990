#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the 'bench ...' lines of a cache-bench serial log into a Markdown
table: per order, the median ns per allocate+free with the cache on and
off (min-max in brackets), their ratio, and the TLB flushes on all CPUs
and PMD splits per 512 pages."""
import re
import statistics
import sys

runs = {}
for line in open(sys.argv[1], errors="replace"):
    if not line.startswith("bench round="):
        continue
    f = dict(re.findall(r"(\w+)=(\S+)", line))
    pages = int(f["allocated"]) << int(f["order"])
    runs.setdefault((int(f["order"]), f["cache"]), []).append(
        (int(f["ns_per_op"]), int(f["tlb_flushes"]) * 512 / pages,
         int(f["level2_splits"]) * 512 / pages, int(f["count"])))
if not runs:
    sys.exit("no benchmark lines in " + sys.argv[1])


def cell(vals, fmt):
    med = statistics.median(vals)
    return f"{fmt.format(med)} [{fmt.format(min(vals))}-{fmt.format(max(vals))}]"


print("| order | count | ns/op cache off | ns/op cache on | off/on "
      "| flushes per 512 pages off / on | PMD splits per 512 pages off / on |")
print("|---|---|---|---|---|---|---|")
for order in sorted({o for o, _ in runs}):
    off, on = runs.get((order, "off")), runs.get((order, "on"))
    if not off or not on:
        continue
    ratio = statistics.median(r[0] for r in off) / max(1, statistics.median(r[0] for r in on))
    print(f"| {order} | {on[0][3]} | {cell([r[0] for r in off], '{:.0f}')} "
          f"| {cell([r[0] for r in on], '{:.0f}')} | {ratio:.1f}x "
          f"| {statistics.median(r[1] for r in off):.1f} / {statistics.median(r[1] for r in on):.2f} "
          f"| {statistics.median(r[2] for r in off):.1f} / {statistics.median(r[2] for r in on):.2f} |")
