#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# 'make test': dependencies, the series applies, check-sync, checkpatch,
# build the test kernel and the mm kselftests, boot the guest with the
# test plan, and judge the serial log. Every check prints one PASS, FAIL
# or SKIP line (also in build/logs/test-summary.txt); the last line is
# 'N passed, M failed'. Exits 1 when anything failed.
. "$(dirname "$0")/lib.sh"

S=$TOP/scripts
summary=$LOGS/test-summary.txt
mkdir -p "$LOGS"
: >"$summary"

result() { echo "$1: $2" | tee -a "$summary"; }

finish() {
	local p f s
	p=$(grep -c '^PASS:' "$summary" || true)
	f=$(grep -c '^FAIL:' "$summary" || true)
	s=$(grep -c '^SKIP:' "$summary" || true)
	echo
	echo "$p passed, $f failed, $s skipped"
	[ "$f" = 0 ]
}

# fatal_check WHAT CMD...: a check the later ones need; stop on failure.
fatal_check() {
	local what=$1
	shift
	if "$@"; then
		result PASS "$what"
	else
		result FAIL "$what"
		finish
		exit 1
	fi
}

# verdicts WHAT CMD...: a command that prints PASS/FAIL lines itself; if
# it fails without printing a FAIL line, record one for it.
verdicts() {
	local what=$1 before
	shift
	before=$(grep -c '^FAIL:' "$summary" || true)
	if ! "$@" | tee -a "$summary"; then
		[ "$(grep -c '^FAIL:' "$summary" || true)" -gt "$before" ] ||
			result FAIL "$what: exited with an error and no verdict"
	fi
}

"$S/deps.sh"
fatal_check "series applies to the base with git am ($(series_patches | wc -l) patches)" "$S/tree.sh"
if "$S/check-sync.sh"; then
	result PASS "check-sync: copies of added files match the series"
else
	result FAIL "check-sync: copies of added files match the series"
fi
verdicts checkpatch "$S/checkpatch.sh"

fatal_check "build the test kernel (lockdep, DEBUG_VM, KUnit, CPA self test)" \
	"$S/kernel.sh" test
obj=$BUILD/obj/test
fatal_check "build the mm kselftests" "$S/selftests.sh" "$obj"
fatal_check "pack the guest initramfs" "$S/initramfs.sh" "$obj" "$BUILD/initramfs-test.cpio"

# 4 GiB: the guest then has fully populated 1 GiB regions, so the 1 GiB
# collapse case runs instead of being skipped.
log=$LOGS/serial-test.log
export MEM=${MEM:-4G}
fatal_check "boot the test kernel in QEMU" \
	"$S/boot.sh" "$obj/arch/x86/boot/bzImage" "$BUILD/initramfs-test.cpio" test "$log"
verdicts "judge the serial log" "$S/results.py" "$log" --plan test --tree "$TREE" --cpa
finish
