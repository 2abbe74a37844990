#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge one guest run from its serial log.

Prints one line per check, 'PASS: ...', 'FAIL: ...' or 'SKIP: ...', and
exits 1 when any check failed. Checks:
  - the guest ran its plan to the end (no hang, panic or early reboot);
  - no kernel line reports a WARN, BUG, Oops, lockdep, KASAN or similar;
    a KCSAN data-race report fails only when a function the series adds
    or changes is in it (--patches); others are listed, not hidden;
  - with --judge kunit: the kernel's tools/testing/kunit/kunit.py parses the
    boot-time KUnit output, and the results of each suite the plan ran
    again after boot, and exits 0 (one line per test case);
  - every '=== test NAME' block of the plan: its TAP lines and exit code;
  - the figures the plan's '# zero:' lines name (figures.py) are there
    and 0: a missing one fails;
  - with --judge cpa: the CPA boot self test printed its 'ok.' verdict.
Kernel messages the console printed into the middle of the plan's lines
are taken out first (figures.untangle()); a block whose end marker has no begin
marker fails.
"""
import argparse
import os
import re
import subprocess
import sys

from figures import groups, number, read_lines

KERNEL_LINE = re.compile(r'^\[\s*\d+\.\d+\]')
KTAP_LINE = re.compile(r'^\s*(K?TAP version \d+|\d+\.\.\d+|(not )?ok \d+|#)')
# The last line of an OOM kill, global or of a memory cgroup; the name of
# the task killed.
OOM_KILLED = re.compile(r'(?:Out of memory|Memory cgroup out of memory): '
                        r'Killed process \d+ \((.*?)\)')
KERNEL_ERRORS = re.compile(
    r'WARNING:|\bBUG:|kernel BUG at|Oops|general protection fault|'
    r'Kernel panic|KASAN|UBSAN|KFENCE|possible (recursive|circular) locking|'
    r'INFO: (task .* blocked|possible|inconsistent|suspicious RCU)|'
    r'DEBUG_LOCKS_WARN_ON|turning off the locking correctness validator|'
    r'rcu: .*(stall|self-detected)|Call Trace:|unreferenced object|'
    r'Bad page (state|map)|page dumped because|'
    r'refcount went to 0|refcount_t: (underflow|saturated)')

# dump_page() of memory offline (REPORT_FAILURE) naming the page that made
# it fail: expected when a plan tries to offline memory.
OFFLINE_REFUSAL = re.compile(
    r'page dumped because: (unmovable page|isolation failed|migration failure)')

# A KCSAN report: 'BUG: KCSAN: ...' up to a line of '=' signs; each
# stack frame names a function ('func+0x12/0x34').
KCSAN_BEGIN = re.compile(r'BUG: KCSAN: ')
KCSAN_END = re.compile(r'\] =+$')
FRAME = re.compile(r'\]\s+([A-Za-z_][\w.]*)\+0x[0-9a-f]+/0x[0-9a-f]+')
# In a patch: the function a hunk changes (its header's context) and
# functions an added line defines (a name and '(' at column 0, no ';').
HUNK_FUNCTION = re.compile(r'^@@ .* @@ .*?\b(\w+)\(')
ADDED_FUNCTION = re.compile(r'^\+[a-z_][^;]*?\b(\w+)\([^;]*$')

results = []
PLANS = os.path.join(os.path.dirname(__file__), '..', 'guest', 'plans')

def report(status, what):
    results.append(status)
    print(f'{status}: {what}')


def check_plan(lines, plan):
    begin = f'=== plan {plan} begin'
    done = f'=== plan {plan} done'
    if done in lines:
        report('PASS', f'guest ran plan "{plan}" to the end')
    elif begin in lines:
        report('FAIL', f'guest started plan "{plan}" but did not finish it '
               '(hang, panic or crash: see the end of the serial log)')
    else:
        report('FAIL', f'guest never reached plan "{plan}" (boot failed: '
               'see the serial log)')


def known_warnings(path):
    known = []
    with open(path) as f:
        for l in f:
            l = l.rstrip('\n')
            if not l.strip() or l.startswith('#'):
                continue
            pattern, sep, reason = l.rpartition(' # ')
            if not sep or not reason.strip():
                raise SystemExit(f'{path}: entry without a reason: {l}')
            known.append((re.compile(pattern), reason.strip()))
    return known


def series_functions(patch_dir):
    """Names of the functions the series' patches add or change."""
    names = set()
    for name in sorted(os.listdir(patch_dir)):
        if not name.endswith('.patch'):
            continue
        with open(os.path.join(patch_dir, name), errors='replace') as f:
            for l in f:
                m = HUNK_FUNCTION.match(l) or ADDED_FUNCTION.match(l)
                if m:
                    names.add(m.group(1))
    return names


def kcsan_report(kernel, i, ours):
    """The KCSAN report that starts at kernel[i]: (index of its last line,
    whether a function in @ours is in it)."""
    end = next((j for j in range(i + 1, min(i + 120, len(kernel)))
                if KCSAN_END.search(kernel[j])), i)
    frames = {m.group(1).split('.')[0] for l in kernel[i:end + 1]
              for m in [FRAME.search(l)] if m}
    return end, bool(frames & ours)


def check_kernel_log(lines, known, pressure, ours):
    """Scan kernel lines for error reports. A WARN report ('cut here' to
    'end trace') that an entry of the known list matches is accepted, and
    so are the stack dump that fault injection prints for a failure the
    plan asked for ('FAULT_INJECTION: forcing a failure' to '</TASK>'),
    and, with --pressure (plans that run out of memory and offline memory
    on purpose, and check the outcome themselves), OOM-killer reports,
    allocation failures of the tasks they killed, and the page dumps of
    memory offline refusing a page."""
    kernel = [l for l in lines if KERNEL_LINE.match(l)]
    bad, accepted, injected, refused, ooms, i = [], [], 0, 0, 0, 0
    races = []
    killed = set()
    while i < len(kernel):
        # An OOM kill a plan causes on purpose: the report from 'invoked
        # oom-killer' to 'Killed process', and allocation failures of the
        # task it killed (it may fail allocations while it dies).
        if pressure and 'invoked oom-killer:' in kernel[i]:
            end = next((j for j in range(i, min(i + 200, len(kernel)))
                        if OOM_KILLED.search(kernel[j])), None)
            if end is not None:
                killed.add(OOM_KILLED.search(kernel[end]).group(1))
                ooms += 1
                i = end + 1
                continue
        m = re.search(r'\] (.*?): page allocation failure:', kernel[i])
        if m and m.group(1) in killed:
            end = next((j for j in range(i, min(i + 80, len(kernel)))
                        if '</TASK>' in kernel[j]), None)
            if end is not None:
                i = end + 1
                continue
        if 'FAULT_INJECTION: forcing a failure' in kernel[i]:
            end = next((j for j in range(i, min(i + 80, len(kernel)))
                        if '</TASK>' in kernel[j]), None)
            if end is not None:
                injected += 1
                i = end + 1
                continue
        if '[ cut here ]' in kernel[i]:
            end = next((j for j in range(i, len(kernel))
                        if '---[ end trace' in kernel[j]), len(kernel) - 1)
            block = kernel[i:end + 1]
            text = '\n'.join(re.sub(KERNEL_LINE, '', l) for l in block)
            match = [r for p, r in known if p.search(text)]
            if match:
                accepted.append(match[0])
                i = end + 1
                continue
        # A data race in code the series does not touch is the base's.
        if KCSAN_BEGIN.search(kernel[i]):
            end, in_series = kcsan_report(kernel, i, ours)
            if not in_series:
                races.append(re.sub(KERNEL_LINE, '', kernel[i]).strip())
                i = end + 1
                continue
        if pressure and OFFLINE_REFUSAL.search(kernel[i]):
            refused += 1
        elif KERNEL_ERRORS.search(kernel[i]):
            bad.append(kernel[i])
        i += 1
    for reason in accepted:
        print(f'NOTE: known base-kernel warning accepted: {reason}')
    for race in sorted(set(races)):
        print(f'NOTE: KCSAN report outside the series\' functions: {race} '
              f'(x{races.count(race)})')
    if injected:
        print(f'NOTE: {injected} stack dump(s) of injected faults accepted')
    if ooms:
        print(f'NOTE: {ooms} OOM-killer report(s) accepted (killed: '
              f'{", ".join(sorted(killed))})')
    if refused:
        print(f'NOTE: {refused} page dump(s) of memory offline refusing a '
              'page accepted')
    if not bad:
        report('PASS', 'serial log: no WARN, BUG, Oops, lockdep or KASAN report')
        return
    report('FAIL', f'serial log: {len(bad)} kernel error line(s), first ones:')
    for l in bad[:15]:
        print(f'    {l}')


def kunit_parse(lines, tree, label, out):
    """Run kunit.py parse on KTAP lines; one line per test case."""
    proc = subprocess.run(
        [sys.executable, f'{tree}/tools/testing/kunit/kunit.py', 'parse'],
        input='\n'.join(lines) + '\n', capture_output=True, text=True)
    text = proc.stdout
    with open(out, 'w') as f:
        f.write(text + proc.stderr)
    suites = set(re.findall(r'=+ \[(?:PASSED|FAILED|SKIPPED|CRASHED)\] (\S+) =+', text))
    for status, name in re.findall(r'\[(PASSED|FAILED|SKIPPED|CRASHED)\] (\S+)', text):
        if name not in suites:
            report({'PASSED': 'PASS', 'SKIPPED': 'SKIP'}.get(status, 'FAIL'),
                   f'{label} {name}')
    summary = re.search(r'Testing complete\..*', text)
    summary = summary.group(0) if summary else 'no KUnit results found'
    if proc.returncode == 0:
        report('PASS', f'{label}: kunit.py parse: {summary}')
    elif re.fullmatch(r'Testing complete\. Ran (\d+) tests: skipped: \1', summary):
        # kunit.py fails a run in which every case skipped; each case's
        # reason is in the log, and a skip is not a failure.
        report('SKIP', f'{label}: kunit.py parse: {summary}')
    else:
        report('FAIL', f'{label}: kunit.py parse exited {proc.returncode}: '
               f'{summary} (details: {out})')


def check_kunit(lines, tree):
    """The suites that ran at boot: the kernel's part of the log (the
    plan's own KTAP and TAP come after '=== plan' and would confuse the
    parser), and each suite the plan ran again after boot ('=== kunit
    NAME' blocks holding the suite's debugfs results file)."""
    boot = []
    for l in lines:
        if l.startswith('=== plan '):
            break
        # Only KTAP lines: another kernel message printed between a
        # suite's 'KTAP version' and '# Subtest' lines (a driver probing
        # at the same moment) makes kunit.py misread the nesting.
        l = re.sub(KERNEL_LINE, '', l)
        if KTAP_LINE.match(l):
            boot.append(l)
    kunit_parse(boot, tree, 'kunit', args.log + '.kunit')

    name = None
    for l in lines:
        m = re.match(r'=== kunit (\S+) (begin|end)$', l)
        if m and m.group(2) == 'begin':
            name, block = m.group(1), []
        elif m and name:
            kunit_parse(block, tree, 'kunit after boot',
                        f'{args.log}.kunit-{name}')
            name = None
        elif m:
            report('FAIL', f'kunit after boot {m.group(1)}: results without '
                   'a begin marker (not judged)')
        elif name is not None and not KERNEL_LINE.match(l):
            block.append(l)
    if name is not None:
        report('FAIL', f'kunit after boot {name}: did not finish')


def tap_result(line):
    """A TAP result line as (depth, status, name), depth the number of
    '# ' prefixes (a runner such as run_vmtests.sh nests the TAP of each
    program it runs under one); None for other lines."""
    depth = 0
    while line.startswith('# '):
        line, depth = line[2:], depth + 1
    m = re.match(r'(ok|not ok) \d+ ?([^#]*)(#.*)?$', line)
    if not m:
        return None
    if m.group(3) and m.group(3)[1:].strip().upper().startswith('SKIP'):
        status = 'skip'
    else:
        status = m.group(1)
    return depth, status, m.group(2).strip()


def judge_results(label, results, rc):
    """One verdict for a test program: its TAP results (depth 0) and exit
    status."""
    ok, notok, skip = (sum(1 for r in results if r == s)
                       for s in ('ok', 'not ok', 'skip'))
    counts = f'{ok} ok, {notok} not ok, {skip} skipped, exit {rc}'
    if notok or rc not in (0, 4) or (ok == 0 and skip == 0):
        report('FAIL', f'kselftest {label}: {counts}')
    elif rc == 4 or ok == 0:
        report('SKIP', f'kselftest {label}: {counts}')
    else:
        report('PASS', f'kselftest {label}: {counts}')


def judge_block(name, results, rc):
    """The verdicts of one '=== test' block. A program's own TAP gives one
    verdict; a runner's (its programs' TAP nested under it) gives one per
    program, from that program's results and the runner's line for it."""
    if not any(d == 1 for d, _, _ in results):
        judge_results(name, [s for d, s, _ in results if d == 0], rc)
        return
    nested = []
    for depth, status, prog in results:
        if depth == 1:
            nested.append(status)
        elif depth == 0:
            prog_rc = {'ok': 0, 'skip': 4}.get(status, 1)
            judge_results(f'{name} {prog}', nested, prog_rc)
            nested = []
    if rc not in (0, 4):
        report('FAIL', f'kselftest {name}: the runner exited {rc}')


def check_tests(lines):
    name = None
    for l in lines:
        m = re.match(r'=== test (\S+) begin$', l)
        if m:
            name, results = m.group(1), []
            continue
        if name is None:
            m = re.match(r'=== test (\S+) end rc=', l)
            if m:
                report('FAIL', f'kselftest {m.group(1)}: results without a '
                       'begin marker (not judged)')
            continue
        m = re.match(r'=== test (\S+) end rc=(\d+)$', l)
        if m:
            judge_block(name, results, int(m.group(2)))
            name = None
            continue
        r = tap_result(l)
        if r:
            results.append(r)
    if name is not None:
        report('FAIL', f'kselftest {name}: did not finish')


def check_zero(lines, plan):
    """The figures the plan says must be zero ('# zero: GROUP.KEY...'
    lines in guest/plans/PLAN): each must be in the log, and 0."""
    want = []
    with open(os.path.join(PLANS, plan)) as f:
        for l in f:
            if l.startswith('# zero:'):
                want += l.split()[2:]
    if not want:
        return
    got = groups(lines)
    for name in want:
        group, _, key = name.rpartition('.')
        value = got.get(group, {}).get(key)
        if value is None:
            report('FAIL', f'figure {name}: missing (must be 0)')
        elif number(value) != 0:
            report('FAIL', f'figure {name} = {value} (must be 0)')
        else:
            report('PASS', f'figure {name} = 0')


def check_cpa(lines):
    started = False
    for l in lines:
        if not KERNEL_LINE.match(l):
            continue
        if 'CPA self-test:' in l:
            started = True
        elif started and 'NOT PASSED' in l:
            report('FAIL', 'CPA boot self test: NOT PASSED')
            return
        elif started and l.endswith('] ok.'):
            report('PASS', 'CPA boot self test: ok')
            return
    report('FAIL', 'CPA boot self test: ' +
           ('no verdict' if started else 'did not run'))


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument('log')
parser.add_argument('--plan', required=True)
parser.add_argument('--judge', default='-',
                    help='comma-separated, from configurations.txt: kunit '
                    '(KUnit results), cpa (the CPA self test), pressure (the '
                    'plan causes OOM kills and memory offline); - for none')
parser.add_argument('--tree', help='kernel tree, for kunit.py')
parser.add_argument('--known', default=os.path.join(
    os.path.dirname(__file__), '..', 'known-kernel-warnings.txt'))
parser.add_argument('--patches', default=os.path.join(
    os.path.dirname(__file__), '..', 'patches'),
    help='the series, whose functions a KCSAN report must not name')
args = parser.parse_args()
judge = set(args.judge.split(',')) - {'-'}
unknown = judge - {'kunit', 'cpa', 'pressure'}
if unknown or ('kunit' in judge and not args.tree):
    parser.error(f'--judge {args.judge}: unknown {sorted(unknown)} or kunit without --tree')

log = read_lines(args.log)

check_plan(log, args.plan)
check_kernel_log(log, known_warnings(args.known), 'pressure' in judge,
                 series_functions(args.patches))
if 'kunit' in judge:
    check_kunit(log, args.tree)
check_tests(log)
check_zero(log, args.plan)
if 'cpa' in judge:
    check_cpa(log)
sys.exit(1 if 'FAIL' in results else 0)
