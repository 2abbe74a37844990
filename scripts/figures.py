# SPDX-License-Identifier: GPL-2.0
"""The figures a guest prints, read from its serial log (a module for the
scripts that judge and report; no regular expression over kernel text).

A figure is a key=value word. They come in two forms:
  - a figures line: the word 'figures', a group name, then key=value
    words only; what comes before 'figures' is ignored (a kernel
    timestamp, TAP '# ' prefixes, a KUnit case's name), e.g.
        # stress: figures stress seconds=20 threads=2 operations=5120
  - a block of guest/show-direct-map: '=== direct map: LABEL', then one
    indented key=value line per counter; its group is 'direct map: LABEL'.
Kernel messages printed into the middle of a guest's line are taken out
first (untangle()).
"""

STAMP_OPEN, STAMP_CLOSE = '[', '] '


def kernel_stamp_at(line, i):
    """Whether a kernel timestamp '[   12.345678] ' starts at line[i]."""
    if not line.startswith(STAMP_OPEN, i):
        return False
    end = line.find(STAMP_CLOSE, i)
    stamp = line[i + 1:end].strip() if end > 0 else ''
    whole, dot, frac = stamp.partition('.')
    return bool(dot) and whole.isdigit() and frac.isdigit()


def kernel_stamp(line):
    """Index of the first kernel timestamp in line, or -1."""
    i = line.find(STAMP_OPEN)
    while i >= 0:
        if kernel_stamp_at(line, i):
            return i
        i = line.find(STAMP_OPEN, i + 1)
    return -1


def untangle(lines):
    """Separate kernel messages from the guest's own output. The console
    prints kernel messages while the guest writes to it, so a kernel line
    can land in the middle of a line of the guest: '=== kunit x86_cp',
    then '[ 7.75] CPA ...' on the same line, then 'a_collapse begin'
    before the next kernel line, and the guest's newline later. A
    fragment before a timestamp is the start (or the middle) of a line of
    the guest; it is completed by the next line that holds no kernel
    message."""
    out, pending = [], ''
    for l in lines:
        i = kernel_stamp(l)
        if i < 0:
            out.append(pending + l)
            pending = ''
        elif i == 0:
            out.append(l)
        else:
            pending += l[:i]
            out.append(l[i:])
    if pending:
        out.append(pending)
    return out


def pairs(words):
    """{key: value} of key=value words, or None if a word is not one."""
    out = {}
    for w in words:
        key, eq, value = w.partition('=')
        if not eq or not key:
            return None
        out[key] = value
    return out


def records(lines):
    """(group, {key: value}) for each figures line and direct-map block,
    in the order of the log. A kernel message on a line of its own does
    not end a block:

    >>> list(records(['=== direct map: boot', '    DirectMap4k=16256',
    ...               '[    2.644821] input: ImExPS/2 Generic Explorer Mouse',
    ...               '    DirectMap2M=2080768', 'done']))
    [('direct map: boot', {'DirectMap4k': '16256', 'DirectMap2M': '2080768'})]
    """
    block = None
    for l in lines:
        if block is not None:
            if kernel_stamp(l) == 0:
                continue
            kv = pairs(l.split()) if l.startswith('    ') else None
            if kv and len(kv) == 1:
                block[1].update(kv)
                continue
            yield block
            block = None
        if l.startswith('=== direct map: '):
            block = ('direct map: ' + l[len('=== direct map: '):].strip(), {})
            continue
        words = l.split()
        if 'figures' in words:
            i = words.index('figures')
            kv = pairs(words[i + 2:])
            if i + 1 < len(words) and kv:
                yield words[i + 1], kv
    if block is not None:
        yield block


def read_lines(path):
    with open(path, errors='replace') as f:
        return untangle([l.rstrip('\r\n') for l in f])


def groups(lines):
    """{group: {key: value}}: every group's figures; a key printed again
    later (a KUnit suite run at boot and again after) takes the later
    value."""
    out = {}
    for group, kv in records(lines):
        out.setdefault(group, {}).update(kv)
    return out


def number(value):
    """A figure as int (or float); None if it is not a number."""
    for kind in (int, float):
        try:
            return kind(value)
        except (TypeError, ValueError):
            pass
    return None
