#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The base-against-patched table of 'make bench'.

Usage: bench-table.py LOGDIR

Reads the figures (figures.py) of the serial logs of the guests that ran
guest/plans/bench, named LOGDIR/{base,patched}-WORKLOAD-REP.log (missing
or incomplete logs give 'not measured' cells), and prints a
Markdown table: per metric the median over the repetitions with the
minimum and maximum in brackets, for each kernel, and the ratio of the
medians, oriented so that a ratio above 1 means the patched kernel is
better ('inf' when the patched value is 0).
"""
import glob
import os
import statistics
import sys

from figures import groups, number, read_lines

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
    ('fault_icount_rate', 'memfd_secret fault-in, 128 MiB, counted in instructions '
     '(pages per 10^9 instructions)', False),
]
# The metric of the fault figures, by the workload a log is of.
FAULT_METRIC = {'fault': 'fault_rate', 'fault-icount': 'fault_icount_rate'}


def workload(path):
    """The workload of a log named KERNEL-WORKLOAD-REP.log.

    >>> workload('logs/bench/base-fault-icount-2.log')
    'fault-icount'
    >>> workload('patched-fault-1.log')
    'fault'
    """
    return os.path.basename(path).split('-', 1)[1].rsplit('-', 1)[0]


def parse(paths):
    """Return {metric: [value per repetition]} of serial logs."""
    vals = {k: [] for k, _, _ in METRICS}
    for path in paths:
        parse_log(path, vals)
    return vals


def parse_log(path, vals):
    """Add the figures (figures.py) of one serial log; what the guest did
    not print (a workload it did not finish) adds nothing."""
    got = groups(read_lines(path))
    churn = got.get('churn', {})
    for metric, key in (('churn_splits', 'level2_splits'),
                        ('churn_4k_left', 'directmap4k_left_kb'),
                        ('churn_peak', 'peak_secret_kib')):
        if number(churn.get(key)) is not None:
            vals[metric].append(number(churn[key]))
    fault = FAULT_METRIC.get(workload(path))
    if fault and number(got.get('fault', {}).get('pages_per_sec')) is not None:
        vals[fault].append(number(got['fault']['pages_per_sec']))
    hold = {}
    for g, kv in got.items():
        stage = g.split()[-1]
        if g.startswith('direct map: hold-') and stage in ('before', 'held', 'after'):
            hold[stage] = {k: number(v) for k, v in kv.items()}
    if len(hold) < 3:
        return
    b, h, a = hold['before'], hold['held'], hold['after']
    vals['hold_splits'].append(h['direct_map_level2_splits'] - b['direct_map_level2_splits'])
    vals['hold_1g_splits'].append(h.get('direct_map_level3_splits', 0) -
                                  b.get('direct_map_level3_splits', 0))
    vals['hold_4k_held'].append(h['DirectMap4k'] - b['DirectMap4k'])
    vals['hold_4k_left'].append(a['DirectMap4k'] - b['DirectMap4k'])
    vals['hold_1g_left'].append((b.get('DirectMap1G', 0) - a.get('DirectMap1G', 0)) >> 20)


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


if __name__ == '__main__':
    main()
