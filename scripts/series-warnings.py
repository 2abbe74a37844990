#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Attribute checker warnings to the series.

Usage: series-warnings.py TREE NAME LOG [--every-line]

Reads the 'FILE:LINE[:COL]: ... warning|error ...' lines of a checker's
LOG (gcc W=1, sparse, kernel-doc), or with --every-line every
'FILE:LINE:COL: ...' line (Coccinelle's reports, such as "opportunity
for str_on_off(...)", name no severity), and keeps those that name a
file the series touches (git diff base..HEAD in TREE). A warning on a line
the series adds or changes is the series' own; one on another line of a
touched file was there before. Prints one PASS or FAIL line for NAME with
the series' warnings under it, and exits 1 when there are any.
"""
import re
import subprocess
import sys

WARNING = re.compile(r'^(\S+?):(\d+):(?:[\d-]+:)?\s*(.*\b(?:warning|error)\b.*)$', re.I)
REPORT = re.compile(r'^(\S+?):(\d+):[\d-]+:\s*(.*)$')


def changed_lines(tree):
    """{path: set of line numbers the series adds or changes}."""
    out = subprocess.run(['git', '-C', tree, 'diff', '-U0', 'base..HEAD'],
                         capture_output=True, text=True, check=True).stdout
    lines, path = {}, None
    for l in out.splitlines():
        if l.startswith('+++ '):
            path = l[6:] if l.startswith('+++ b/') else None
            if path:
                lines.setdefault(path, set())
        m = re.match(r'@@ -\S+ \+(\d+)(?:,(\d+))? @@', l)
        if m and path:
            start, n = int(m.group(1)), int(m.group(2) or 1)
            lines[path].update(range(start, start + n))
    return lines


def main():
    if len(sys.argv) not in (4, 5) or sys.argv[4:] not in ([], ['--every-line']):
        sys.exit(__doc__.strip().splitlines()[2])
    tree, name, log = sys.argv[1:4]
    pattern = REPORT if sys.argv[4:] else WARNING
    changed = changed_lines(tree)
    ours, before = [], 0
    seen = set()
    for l in open(log, errors='replace'):
        m = pattern.match(l.strip())
        if not m:
            continue
        # Paths may be relative to the object directory or absolute.
        path = next((p for p in changed if m.group(1).endswith(p)), None)
        if not path or l in seen:
            continue
        seen.add(l)
        if int(m.group(2)) in changed[path]:
            ours.append(f'{path}:{m.group(2)}: {m.group(3)}')
        else:
            before += 1
    note = f' ({before} on lines the series does not change)' if before else ''
    if ours:
        print(f'FAIL: {name}: {len(ours)} warning(s) on lines the series adds or changes{note}')
        for w in ours:
            print(f'    {w}')
        sys.exit(1)
    print(f'PASS: {name}: no warning on lines the series adds or changes{note}')


main()
