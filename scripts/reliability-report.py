#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Usage: reliability-report.py LOG...

The figures of reliability-plan boots (serial logs of guest/plans/
reliability), as a markdown report on stdout: per kernel, the fault
injection cases of the KUnit suite at boot, the stress run under memory
pressure with injected faults, and the offline, OOM and memlock
selftests. The figures are the key=value ones the guest printed
(figures.py); a missing one shows as 'not found'. Each LOG may have a
LOG.verdicts file next to it (results.py's output), whose PASS/FAIL
counts go into the report.
"""
import os
import sys

from figures import groups, read_lines

# (what, GROUP, KEY...): one table row, its figures joined by ' / '.
ROWS = [
    ('KUnit fault_refill: faults injected at CPA splits', 'fault_refill', 'injected'),
    ('KUnit fault_partial_release: faults injected', 'fault_partial_release', 'injected'),
    ('KUnit fault_per_page: faults injected', 'fault_per_page', 'injected'),
    ('stress: seconds / fault_cpa_split faults injected into its threads / probability %',
     'reliability', 'stress_seconds', 'injected', 'probability'),
    ('stress: threads / operations / unmapped allocations / normal allocations / failed / shrinks',
     'stress', 'threads', 'operations', 'unmapped', 'normal', 'failed', 'shrinks'),
    ('stress: violations: allocations / cache invariants (must be 0) / invariant checks',
     'stress', 'violations', 'invariant_violations', 'invariant_checks'),
    ('stress: blocks taken / given back', 'stress', 'blocks_taken', 'blocks_given_back'),
    ('stress: partial releases by the shrinker (free parts of blocks in use) / '
     'PMD splits of the direct map',
     'stress', 'partial_releases', 'level2_splits'),
    ('stress: free pages before / after', 'stress', 'free_before', 'free_after'),
    ('stress: leaked: unmapped pages in use / pages still cached (both must be 0) / '
     'free pages short of the start (must be < 1024; negative: more free after)',
     'stress', 'leaked_unmapped', 'still_cached', 'free_short'),
    ('pressure from user space: MiB the hog wrote / largest / hogs OOM-killed / '
     'secret regions / with wrong contents (must be 0)',
     'pressure', 'hog_wrote_mib', 'largest_mib', 'oom_killed', 'secret_regions', 'wrong_regions'),
    ('OOM (anonymous hog): cache kB / free kB before / hog MiB at the kill / '
     'kB the shrinker gave back / kB left in the cache',
     'shrinker_before_oom', 'cached_kb', 'free_kb', 'hog_mib', 'shrunk_kb', 'left_kb'),
    ('OOM (memfd_secret hog, memory cgroup at 3/4 of free memory): MiB at the kill / '
     'free kB before / after / unmapped pages in use / free in the cache after / '
     'kills by the cgroup\'s OOM killer',
     'oom_secret', 'hog_mib', 'free_before_kb', 'free_after_kb', 'unmapped_used',
     'unmapped_free', 'memcg_oom_kills'),
    ('offline: a memory block held by free cached blocks alone / its result (0: offlined) / '
     'a block with a secret page in use / its result (must fail)',
     'offline', 'cache_only_block', 'cache_only_err', 'in_use_block', 'in_use_err'),
    ('offline: that block offlined once its page is freed while the offline waits (1: yes)',
     'offline', 'freed_while_waiting_offlined'),
    ('RLIMIT_MEMLOCK: stopped at MiB / by', 'memlock_limit', 'stopped_mib', 'by'),
]


def verdict_counts(log):
    path = log + '.verdicts'
    if not os.path.exists(path):
        return
    with open(path) as f:
        v = f.read().splitlines()
    fails = [l for l in v if l.startswith('FAIL:')]
    print(f'Checks of the boot (results.py): '
          f'{sum(l.startswith("PASS:") for l in v)} passed, {len(fails)} failed, '
          f'{sum(l.startswith("SKIP:") for l in v)} skipped.')
    for l in fails:
        print(f'- {l}')
    print()


def report(log):
    lines = read_lines(log)
    version = next((l.split('Linux version ')[1].split()[0] for l in lines
                    if 'Linux version ' in l), 'not found')
    print(f'### {os.path.basename(log)} (kernel {version})\n')
    verdict_counts(log)
    got = groups(lines)
    print('| what | figures |')
    print('|---|---|')
    for what, group, *keys in ROWS:
        values = [got.get(group, {}).get(k, 'not found') for k in keys]
        print(f'| {what} | {" / ".join(values)} |')
    print()


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    print('## make reliability\n')
    for log in sys.argv[1:]:
        report(log)


if __name__ == '__main__':
    main()
