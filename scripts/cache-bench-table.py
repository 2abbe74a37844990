#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the 'figures bench ...' lines (figures.py) of cache-bench serial
logs (the cache-bench boot, then the cache-bench-icount one) into Markdown
tables. The first: per mode and order, the median ns per
allocate+free (min-max in brackets) of the baseline GFP_KERNEL | __GFP_ZERO
and of __GFP_UNMAPPED with the cache on and off, the ratios, and the TLB
flushes on all CPUs and PMD splits per 512 pages; rows marked "no CPU
lists" ran with pcp_high=0, rows marked "instructions" under -icount
(clock=icount: guest time advances 1 ns per instruction, so their ns/op
counts instructions). The second: the order-0 loop on every CPU at
once, with the acquisitions of the nodes' locks per allocation or free.
The third: the refills and releases of the block-boundary flap, per
reserve. The fourth: the longest hold of a node's lock while the cache
grows to a size and back, per size, and where the longest one ended (in
guest time under -icount: 1 ns per instruction).
The fifth: the blocks that pages kept in use through random churn end up
in, and the partial releases and PMD splits the shrinker then needs to
give back every free page. Then the cost of zeroing one unmapped page."""
import statistics
import sys

from figures import read_lines, records

runs = {}
for group, f in (r for log in sys.argv[1:] for r in records(read_lines(log))):
    if group != "bench":
        continue
    if "allocated" not in f:
        sys.exit("incomplete benchmark figures: " + " ".join(f"{k}={v}" for k, v in f.items()))
    pages = int(f["allocated"]) << int(f["order"])
    lists = "no CPU lists" if f.get("pcp_high") == "0" else ""
    clock = ", instructions" if f.get("clock") == "icount" else ""
    if f["mode"] == "flap":
        key = ("flap", int(f["reserve"]))
    elif f["mode"] == "threads":
        key = ("threads", lists)
    elif f["mode"] in ("hold", "churn"):
        key = (f["mode"], int(f["count"]))
    else:
        key = (f["mode"] + (", " + lists if lists else "") + clock, int(f["order"]),
               f.get("gfp", "unmapped"), f["cache"])
    runs.setdefault(key, []).append(
        {"ns": int(f["ns_per_op"]), "count": int(f["count"]),
         "flushes": int(f["tlb_flushes"]) * 512 / pages if pages else 0,
         "splits": int(f["level2_splits"]) * 512 / pages if pages else 0,
         "refills": int(f.get("refills", -1)), "releases": int(f.get("releases", -1)),
         "partial": int(f.get("partial", -1)), "level2_splits": int(f["level2_splits"]),
         "threads": int(f.get("threads", 1)),
         "blocks": int(f.get("blocks", 0)), "hold_kinsn": int(f.get("hold_ns", 0)) / 1000,
         "site": f.get("hold_site", "-").split("+")[0],
         "ops_per_lock": 2 * int(f["allocated"]) / max(1, int(f.get("locks", 0)))})
if not runs:
    sys.exit("no benchmark lines in " + " ".join(sys.argv[1:]))


def med(rs, k):
    return statistics.median(r[k] for r in rs)


def cell(rs, k, fmt="{:.0f}"):
    vals = [r[k] for r in rs]
    return f"{fmt.format(med(rs, k))} [{fmt.format(min(vals))}-{fmt.format(max(vals))}]"


def median_or_dash(rs, k):
    return f"{med(rs, k):.1f}" if rs else "-"


def ratio(a, b):
    return f"{med(a, 'ns') / max(1, med(b, 'ns')):.2f}x" if a and b else "-"


print("| mode | order | count | ns/op GFP_KERNEL\\|__GFP_ZERO | ns/op cache on | on / zeroed "
      "| ns/op cache off | off / on | flushes per 512 pages off / on "
      "| PMD splits per 512 pages off / on |")
print("|---|---|---|---|---|---|---|---|---|---|")
rows = sorted({(k[0], k[1]) for k in runs if k[0].startswith(("batch", "loop"))})
for mode, order in rows:
    zeroed = runs.get((mode.replace(", no CPU lists", ""), order, "zeroed", "on"), [])
    on = runs.get((mode, order, "unmapped", "on"), [])
    off = runs.get((mode, order, "unmapped", "off"), [])
    if not on:
        continue
    print(f"| {mode} | {order} | {on[0]['count']} "
          f"| {cell(zeroed, 'ns') if zeroed else '-'} | {cell(on, 'ns')} | {ratio(on, zeroed)} "
          f"| {cell(off, 'ns') if off else '-'} | {ratio(off, on)} "
          f"| {median_or_dash(off, 'flushes')} / {med(on, 'flushes'):.2f} "
          f"| {median_or_dash(off, 'splits')} / {med(on, 'splits'):.2f} |")


def small_table(kind, header, label, columns, words=None):
    """One row per run key of this kind: label(key), the count per run,
    then the given figures (median [min-max]); words: the name of a last
    column of text fields, each run's value once with how many runs had it."""
    keys = sorted(k for k in runs if k[0] == kind)
    if not keys:
        return
    names = [name for name, _, _ in columns] + ([words[0]] if words else [])
    print(f"\n| {header} | count | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 2) + "|")
    for key in keys:
        rs = runs[key]
        cells = [cell(rs, field, fmt) for _, field, fmt in columns]
        if words:
            vals = [r[words[1]] for r in rs]
            cells.append(", ".join(f"{v} ({vals.count(v)})" for v in dict.fromkeys(vals)))
        print(f"| {label(key, rs)} | {rs[0]['count']} | " + " | ".join(cells) + " |")


small_table("threads", "order-0 allocate+free on every CPU at once",
            lambda key, rs: f"{key[1] or 'CPU lists'}, {rs[0]['threads']} threads",
            [("allocations and frees per acquisition of a node's lock", "ops_per_lock", "{:.1f}"),
             ("ns/op", "ns", "{:.0f}")])
small_table("flap", "one page allocated and freed at a block boundary",
            lambda key, rs: f"reserve_blocks={key[1]}",
            [("refills", "refills", "{:.0f}"), ("releases", "releases", "{:.0f}"),
             ("ns/op", "ns", "{:.0f}")])
small_table("hold", "cache grown to, shrunk and drained (one vCPU, -icount)",
            lambda key, rs: f"{key[1] * 4 // 1024} MiB",
            [("blocks refilled", "blocks", "{:.0f}"),
             ("longest hold of a node's lock, thousands of instructions", "hold_kinsn", "{:.1f}")],
            ("where it ended (runs)", "site"))
small_table("churn", "half of the pages kept in use through random frees and allocations",
            lambda key, rs: f"{key[1] * 4 // 1024} MiB, {rs[0]['count'] // 2} in use",
            [("blocks the pages in use are in", "blocks", "{:.0f}"),
             ("partial releases to give back every free page", "partial", "{:.0f}"),
             ("PMD splits", "level2_splits", "{:.0f}")])
zero = runs.get(("zero", 0, "unmapped", "on"))
if zero:
    print(f"\nZeroing one unmapped page through the CPU-local mapping, which every "
          f"path must do once per page: {cell(zero, 'ns')} ns.")
