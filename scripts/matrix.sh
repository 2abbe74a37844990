#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: matrix.sh [CONFIG...]   (default: all of them, in this order)
# The configuration matrix, beyond what make test boots. Each entry is
# booted with the full test plan (guest/plans/test: KUnit at boot and
# after boot, memfd_secret, the CPA boot self test) and judged by
# results.py, except the build-only ones:
#   off        the test kernel without CONFIG_UNMAPPED_ALLOC
#   pagealloc  the test kernel with debug_pagealloc on and KFENCE
#   kasan      the test kernel with generic KASAN
#   kcsan      the test kernel with KCSAN: a data race in a function the
#              series adds or changes fails it, others are listed (NOTE)
#   numa       the test kernel in the two-node guest of make reliability
#   hibernate  the test kernel with hibernation: an image saved to a swap
#              device on a RAM disk and loaded back (guest/plans/hibernate)
#   cross      build-only i386 and arm64 (scripts/cross-build.sh)
# One PASS/FAIL line per entry; the table also goes to
# build/matrix/matrix.md. Exits 1 if any entry failed.
. "$(dirname "$0")/lib.sh"

S=$TOP/scripts
[ $# -gt 0 ] || set -- off pagealloc kasan kcsan numa hibernate cross
out=$BUILD/matrix
mkdir -p "$out" "$LOGS"
"$S/deps.sh"
"$S/tree.sh"

# run_entry ENTRY LOG: build, boot and judge one entry.
run_entry() {
	case $1 in
	off|pagealloc|kasan|kcsan)
		(export MEM=${MEM:-4G}; TIMEOUT=${TIMEOUT:-3600} \
		 "$S/run-plan.sh" "$1" test "$2" --tree "$TREE" --cpa) ;;
	numa)
		(reliability_guest && TIMEOUT=${TIMEOUT:-3600} \
		 "$S/run-plan.sh" test test "$2" --tree "$TREE" --cpa) ;;
	hibernate)
		(export MEM=1G APPEND="brd.rd_nr=1"; TIMEOUT=${TIMEOUT:-3600} \
		 "$S/run-plan.sh" hibernate hibernate "$2" --tree "$TREE") ;;
	cross)
		"$S/cross-build.sh" | tee "$2.verdicts" ;;
	*) die "unknown matrix entry '$1'" ;;
	esac
}

rc=0
table=$out/matrix.md
printf '| configuration | result | checks |\n|---|---|---|\n' >"$table"
for entry in "$@"; do
	log=$LOGS/matrix-$entry.log
	result=pass
	run_entry "$entry" "$log" || result=FAIL
	counts=$(count_verdicts "$log.verdicts")
	if [ $result = pass ]; then
		echo "PASS: matrix $entry ($counts)"
	else
		echo "FAIL: matrix $entry ($counts; ${log#"$TOP"/})"
		rc=1
	fi
	echo "| $entry | $result | $counts |" >>"$table"
done
cat "$table"
exit $rc
