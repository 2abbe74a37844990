#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The base-against-patched table of 'make bench'.

Usage: bench-table.py LOGDIR

Reads the serial logs of the guests that ran guest/plans/bench, named
LOGDIR/{base,patched}-WORKLOAD-REP.log (missing or incomplete logs give
'not measured' cells), and prints a
Markdown table: per metric the median over the repetitions with the
minimum and maximum in brackets, for each kernel, and the ratio of the
medians, oriented so that a ratio above 1 means the patched kernel is
better ('inf' when the patched value is 0).
"""
import glob
import re
import statistics
import sys

# (key, description, lower is better)
METRICS = [
    ('churn_splits', 'memfd_secret churn: 2 MiB splits during the churn', True),
    ('churn_peak', 'memfd_secret churn: peak secret memory (KiB)', None),
    ('churn_4k_left', 'memfd_secret churn: DirectMap4k left after release (kB above start)', True),
    ('hold_splits', 'long-lived 256 MiB: 2 MiB splits while held', True),
    ('hold_1g_splits', 'long-lived 256 MiB: 1 GiB splits while held', True),
    ('hold_4k_held', 'long-lived 256 MiB: DirectMap4k while held (kB above start)', True),
    ('hold_4k_left', 'long-lived 256 MiB: DirectMap4k after release (kB above start)', True),
    ('hold_1g_left', 'long-lived 256 MiB: 1 GiB mappings lost after release', True),
    ('fault_rate', 'memfd_secret fault-in, 128 MiB (pages/s)', False),
]


def parse(paths):
    """Return {metric: [value per repetition]} of serial logs."""
    vals = {k: [] for k, _, _ in METRICS}
    for path in paths:
        parse_log(path, vals)
    return vals


def parse_log(path, vals):
    """Add the values of one serial log; a block the guest did not finish
    (no end marker) adds nothing."""
    holds, block, table = {}, None, None
    for l in open(path, errors='replace'):
        l = l.rstrip('\n')
        if re.match(r'^\[\s*\d+\.\d+\]', l):
            continue
        m = re.match(r'=== test churn-\d+ (begin|end)', l)
        if m:
            if m.group(1) == 'begin':
                table = {}
            elif table is not None:
                churn(table, vals)
                table = None
            continue
        if table is not None:
            m = re.match(r'# (\S+?):?\s+(-?\d+|n/a)\s+(-?\d+|n/a)\s+(-?\d+|n/a)$', l)
            if m:
                table[m.group(1)] = [None if v == 'n/a' else int(v) for v in m.groups()[1:]]
            m = re.match(r'# peak secret memory (\d+) KiB', l)
            if m:
                table['peak'] = int(m.group(1))
            continue
        m = re.match(r'=== direct map: hold-\d+ (before|held|after)', l)
        if m:
            block = holds.setdefault(m.group(1), {})
            continue
        if block is not None:
            m = re.match(r'\s+(\S+?):?\s+(\d+)( kB)?$', l)
            if m:
                block[m.group(1)] = int(m.group(2))
                continue
            block = None
        m = re.search(r'secret-fault: .*pages_per_sec=(\d+)', l)
        if m:
            vals['fault_rate'].append(int(m.group(1)))
    if all(k in holds for k in ('before', 'held', 'after')):
        b, h, a = holds['before'], holds['held'], holds['after']
        vals['hold_splits'].append(h['direct_map_level2_splits'] - b['direct_map_level2_splits'])
        vals['hold_1g_splits'].append(h.get('direct_map_level3_splits', 0) -
                                      b.get('direct_map_level3_splits', 0))
        vals['hold_4k_held'].append(h['DirectMap4k'] - b['DirectMap4k'])
        vals['hold_4k_left'].append(a['DirectMap4k'] - b['DirectMap4k'])
        vals['hold_1g_left'].append((b.get('DirectMap1G', 0) - a.get('DirectMap1G', 0)) >> 20)


def churn(table, vals):
    splits, dm4k = table.get('direct_map_level2_splits'), table.get('DirectMap4k')
    if not splits or not dm4k or None in splits + dm4k or 'peak' not in table:
        return
    vals['churn_splits'].append(splits[1] - splits[0])
    vals['churn_4k_left'].append(dm4k[2] - dm4k[0])
    vals['churn_peak'].append(table['peak'])


def cell(v):
    if not v:
        return 'not measured'
    med = statistics.median(v)
    return f'{med:g} [{min(v):g}-{max(v):g}] (n={len(v)})'


def ratio(base, patched, lower_better):
    if not base or not patched or lower_better is None:
        return ''
    b, p = statistics.median(base), statistics.median(patched)
    if lower_better:
        return 'inf' if p == 0 and b > 0 else ('1.0x' if p == b else f'{b / p:.1f}x')
    return f'{p / b:.2f}x' if b else ''


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[2])
    base, patched = (parse(sorted(glob.glob(f'{sys.argv[1]}/{k}-*.log')))
                     for k in ('base', 'patched'))
    print('| metric | base | patched | ratio |')
    print('|---|---|---|---|')
    for key, what, lower in METRICS:
        print(f'| {what} | {cell(base[key])} | {cell(patched[key])} '
              f'| {ratio(base[key], patched[key], lower)} |')


main()
