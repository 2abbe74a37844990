#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Draw the direct map from the '=== ptdump LABEL' blocks of serial logs.

Usage: direct-map-svg.py OUT.svg TITLE LOG...

Each block (printed by guest/dump-direct-map) holds the System RAM ranges
of /proc/iomem and the 'Low Kernel Mapping' part of the kernel's page-table
dump. Every 2 MiB of physical memory becomes one cell, coloured by how the
direct map maps it; one panel per block, in the order of the logs, all in
one SVG. Prints the cell
counts of every panel.
"""
import html
import re
import sys

CELL = 2 << 20
COLS = 64           # cells per row: 128 MiB
PX = 7              # cell size in pixels
KINDS = [           # (key, legend, colour)
    ('1g', 'part of a 1 GiB leaf', '#1a6a2e'),
    ('2m', '2 MiB leaf', '#74c476'),
    ('4k', 'split into 4 KiB pages', '#fd8d3c'),
    ('4k-holes', 'split, some pages unmapped', '#de2d26'),
    ('unmapped', 'unmapped (not present)', '#3f3f8f'),
    ('noram', 'no RAM', '#e8e8e8'),
]
COLOUR = {k: c for k, _, c in KINDS}
RANGE = re.compile(r'^0x([0-9a-f]+)-0x([0-9a-f]+)\s+\S+\s+(.*?)\s*(pte|pmd|pud|p4d|pgd)\s*$')
RAM = re.compile(r'^\s*([0-9a-f]+)-([0-9a-f]+) : System RAM')


def blocks(path):
    """Yield (label, lines) for every ptdump block of the log."""
    label, lines = None, []
    for l in open(path, errors='replace'):
        l = l.rstrip('\n')
        m = re.match(r'=== ptdump (.*) (begin|end)$', l)
        if m and m.group(2) == 'begin':
            label, lines = m.group(1), []
        elif m and label is not None:
            yield label, lines
            label = None
        elif label is not None:
            lines.append(l)


def classify(lines):
    """Return the list of cell kinds of one block."""
    ram, maps = [], []
    for l in lines:
        m = RAM.match(l)
        if m:
            ram.append((int(m.group(1), 16), int(m.group(2), 16) + 1))
            continue
        m = RANGE.match(l)
        if m:
            present = re.search(r'\b(RW|ro)\b', m.group(3)) is not None
            maps.append((int(m.group(1), 16), int(m.group(2), 16), m.group(4), present))
    if not ram or not maps:
        return []
    base = maps[0][0]       # the direct map starts at PAGE_OFFSET
    end = max(e for _, e in ram)
    ncells = (end + CELL - 1) // CELL
    state = [set() for _ in range(ncells)]

    def ram_overlap(s, e):
        return any(s < re_ and e > rs for rs, re_ in ram)

    for vs, ve, level, present in maps:
        s, e = vs - base, ve - base
        if s >= end:
            break
        e = min(e, end)
        for c in range(s // CELL, (e + CELL - 1) // CELL):
            cs, ce = max(s, c * CELL), min(e, (c + 1) * CELL)
            if not present and not ram_overlap(cs, ce):
                continue
            state[c].add((level, present))

    kinds = []
    for c, st in enumerate(state):
        pte = {p for lvl, p in st if lvl == 'pte'}
        if not ram_overlap(c * CELL, (c + 1) * CELL) and not any(p for _, p in st):
            kinds.append('noram')
        elif pte == {True}:
            kinds.append('4k')
        elif pte == {True, False}:
            kinds.append('4k-holes')
        elif ('pud', True) in st:
            kinds.append('1g')
        elif ('pmd', True) in st:
            kinds.append('2m')
        else:
            kinds.append('unmapped')
    return kinds


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__.strip().splitlines()[2])
    out, title, logs = sys.argv[1], sys.argv[2], sys.argv[3:]
    panels = [(label, classify(lines)) for log in logs for label, lines in blocks(log)]
    panels = [(label, kinds) for label, kinds in panels if kinds]
    if not panels:
        sys.exit(f'no ptdump blocks in {" ".join(logs)}')

    width = COLS * PX + 260
    y, parts = 40, []
    for label, kinds in panels:
        counts = {k: kinds.count(k) for k, _, _ in KINDS}
        parts.append(f'<text x="10" y="{y}" font-size="14">{html.escape(label)}</text>')
        y += 8
        rows = (len(kinds) + COLS - 1) // COLS
        # One rectangle per run of equal cells in a row, then a grid on top.
        for r in range(rows):
            row = kinds[r * COLS:(r + 1) * COLS]
            i = 0
            while i < len(row):
                j = i
                while j < len(row) and row[j] == row[i]:
                    j += 1
                parts.append(f'<rect x="{10 + i * PX}" y="{y + r * PX}" width="{(j - i) * PX}" '
                             f'height="{PX}" fill="{COLOUR[row[i]]}"/>')
                i = j
        gid = f'grid{len(parts)}'
        parts.append(f'<pattern id="{gid}" x="10" y="{y}" width="{PX}" height="{PX}" '
                     f'patternUnits="userSpaceOnUse"><path d="M{PX - 0.5} 0V{PX - 0.5}H0" '
                     f'fill="none" stroke="white"/></pattern>'
                     f'<rect x="10" y="{y}" width="{COLS * PX}" height="{rows * PX}" fill="url(#{gid})"/>')
        ly = y + 10
        for k, legend, colour in KINDS:
            parts.append(f'<rect x="{COLS * PX + 24}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>'
                         f'<text x="{COLS * PX + 40}" y="{ly}" font-size="11">'
                         f'{html.escape(legend)}: {counts[k]}</text>')
            ly += 15
        y += max(rows * PX, ly - y) + 30
        print(f'{label}: ' + ', '.join(f'{k} {counts[k]}' for k, _, _ in KINDS))

    with open(out, 'w') as f:
        f.write(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y}" '
                f'font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n'
                f'<text x="10" y="20" font-size="15" font-weight="bold">{html.escape(title)}'
                f' (one cell per 2 MiB of physical memory, {COLS} per row)</text>\n')
        f.write('\n'.join(parts))
        f.write('\n</svg>\n')


main()
