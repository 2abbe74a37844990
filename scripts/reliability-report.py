#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Usage: reliability-report.py LOG...

The figures of reliability-plan boots (serial logs of guest/plans/
reliability), as a markdown report on stdout: per kernel, the fault
injection cases of the KUnit suite at boot, the stress run under memory
pressure with injected faults, and the offline, OOM and memlock selftests.
Each LOG may have a LOG.verdicts file next to it (results.py's output),
whose PASS/FAIL counts go into the report. Only numbers the logs contain
are reported; a missing one shows as 'not found'.
"""
import os
import re
import sys

KERNEL_LINE = re.compile(r'^\[\s*\d+\.\d+\]\s?')


def find(lines, pattern, default='not found'):
    r = re.compile(pattern)
    for l in lines:
        m = r.search(l)
        if m:
            return m
    return default


def group(m, i, default='not found'):
    return m.group(i) if hasattr(m, 'group') else default


def report(log):
    with open(log, errors='replace') as f:
        lines = [l.rstrip('\n') for l in f]
    plain = [re.sub(KERNEL_LINE, '', l) for l in lines]
    name = os.path.basename(log)
    version = group(find(lines, r'Linux version (\S+)'), 1)
    print(f'### {name} (kernel {version})\n')

    verdicts = log + '.verdicts'
    if os.path.exists(verdicts):
        with open(verdicts) as f:
            v = f.read().splitlines()
        fails = [l for l in v if l.startswith('FAIL:')]
        print(f'Checks of the boot (results.py): '
              f'{sum(l.startswith("PASS:") for l in v)} passed, '
              f'{len(fails)} failed, '
              f'{sum(l.startswith("SKIP:") for l in v)} skipped.')
        for l in fails:
            print(f'- {l}')
        print()

    print('| what | figure |')
    print('|---|---|')
    # The fault cases of the unmapped_alloc suite at boot (fail-nth).
    for case in ('fault_refill', 'fault_partial_release', 'fault_per_page'):
        m = find(plain, rf'# {case}: (\d+) faults injected')
        ok = find(plain, rf'^\s+(ok|not ok) \d+ {case}\b')
        print(f'| KUnit {case}: faults injected at CPA splits, result | '
              f'{group(m, 1)}, {group(ok, 1)} |')
    ok = find(plain, r'^\s+(ok|not ok) \d+ fault_release_collapse\b')
    print(f'| KUnit fault_release_collapse: release and collapse reach no '
          f'injection point | {group(ok, 1)} |')

    m = find(plain, r'=== reliability: stress (\d+) s, fail_cpa_split '
             r'injected (\d+) faults \(probability (\d+) %\)')
    print(f'| stress: seconds; faults injected into its threads (probability) '
          f'| {group(m, 1)}; {group(m, 2)} ({group(m, 3)} %) |')
    start = next((i for i, l in enumerate(plain)
                  if l == '=== kunit unmapped_alloc_stress begin'), None)
    block = plain[start:] if start is not None else []
    m = find(block, r'# stress: (\d+) s, (\d+) threads: (\d+) operations '
             r'\((\d+) unmapped and (\d+) normal allocations, (\d+) failed; '
             r'(\d+) shrinks\)')
    print(f'| stress: threads; operations (unmapped / normal allocations, '
          f'failed allocations, shrinks) | {group(m, 2)}; {group(m, 3)} '
          f'({group(m, 4)} / {group(m, 5)}, {group(m, 6)}, {group(m, 7)}) |')
    m = find(block, r'# stress: violations: (\d+) allocations, (\d+) cache '
             r'invariants \((\d+) checks\); blocks taken (\d+), given back '
             r'(\d+); free pages (\d+) -> (\d+)')
    print(f'| stress: invariant violations (allocations, cache checks) | '
          f'{group(m, 1)}, {group(m, 2)} (in {group(m, 3)} checks) |')
    print(f'| stress: blocks taken / given back | {group(m, 4)} / '
          f'{group(m, 5)} |')
    print(f'| stress: free pages before -> after | {group(m, 6)} -> '
          f'{group(m, 7)} |')
    m = find(block, r'# stress: leaks: (-?\d+) unmapped pages still in use, '
             r'(\d+) pages still cached, (-?\d+) pages of free memory')
    print(f'| stress: leaked pages: unmapped still in use, still cached '
          f'(both must be 0); free pages short of the start (must be < '
          f'1024; negative: more free after) | {group(m, 1)}, '
          f'{group(m, 2)}; {group(m, 3)} |')
    ok = find(block, r'^\s*(ok|not ok) \d+ stress\b')
    print(f'| stress: KUnit result | {group(ok, 1)} |')
    m = find(plain, r'^pressure: (\d+) s: hog wrote (\d+) MiB, largest (\d+) '
             r'MiB, (\d+) OOM-killed; (\d+) secret regions, (\d+) with wrong')
    print(f'| pressure from user space: MiB the hog wrote (largest size), '
          f'hogs OOM-killed, secret regions (wrong contents) | {group(m, 2)} '
          f'({group(m, 3)}), {group(m, 4)}, {group(m, 5)} ({group(m, 6)}) |')

    m = find(plain, r'shrinker_before_oom:cached (\d+) kB, free (\d+) kB; hog '
             r'(\d+) MiB; shrunk (\d+) kB, left (\d+) kB')
    print(f'| OOM (anonymous hog): cache kB, free kB before; hog MiB at the '
          f'kill; kB the shrinker gave back; kB left in the cache | '
          f'{group(m, 1)}, {group(m, 2)}; {group(m, 3)}; {group(m, 4)}; '
          f'{group(m, 5)} |')
    m = find(plain, r'oom_secret:hog (\d+) MiB; free (\d+) -> (\d+) kB; '
             r'unmapped used (\d+), free (\d+)')
    print(f'| OOM (memfd_secret hog): MiB at the kill; free kB before -> '
          f'after; pages in use / free in the cache after | {group(m, 1)}; '
          f'{group(m, 2)} -> {group(m, 3)}; {group(m, 4)} / {group(m, 5)} |')
    m = find(plain, r'offline:(memory\d+), held by the cache alone: (.*); '
             r'(memory\d+), a page in use: (.*)')
    print(f'| offline: a memory block held by free cached blocks alone; one '
          f'with a secret page in use | {group(m, 1)} {group(m, 2)}; '
          f'{group(m, 3)} {group(m, 4)} |')
    m = find(plain, r'offline:(memory\d+), its page freed while an offline '
             r'waits: (.*)')
    print(f'| offline: the block with the page in use, the page freed while '
          f'an offline of it waits | {group(m, 1)} {group(m, 2)} |')
    m = find(plain, r'memlock_limit:stopped at (\d+) MiB by (.*)')
    print(f'| RLIMIT_MEMLOCK: stopped at MiB, by | {group(m, 1)}, '
          f'{group(m, 2)} |')
    for test in ('shrinker_before_oom', 'oom_secret', 'memlock_limit',
                 'offline'):
        ok = find(plain, rf'^(ok|not ok) \d+ pressure\.{test}\b(.*)')
        print(f'| selftest {test} | {group(ok, 1)}{group(ok, 2, "")} |')
    print()


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    print('## make reliability\n')
    for log in sys.argv[1:]:
        report(log)


if __name__ == '__main__':
    main()
