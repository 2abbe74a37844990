#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# 'make test': dependencies, the series applies, the mainline base of the
# port still fetches (BASE.mainline), check-sync, checkpatch, build the
# test kernel and the mm kselftests, boot the guest with the test plan,
# and judge the serial log; then the same with the debug kernel and the
# direct-map plan, and the test kernel once more with the reliability
# plan. Every check prints one PASS, FAIL or SKIP line
# (also in build/logs/test-summary.txt); the last line is 'N passed, M
# failed'. Exits 1 when anything failed.
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
# The mainline base the series is being ported to: still offered, signed,
# and committed to the ids BASE.mainline records.
verdicts "mainline base" "$S/check-base.sh" "$TOP/BASE.mainline"
if "$S/check-sync.sh"; then
	result PASS "check-sync: copies of added files match the series"
else
	result FAIL "check-sync: copies of added files match the series"
fi
verdicts checkpatch "$S/checkpatch.sh"

# guest_run FLAVOUR WHAT PLAN RESULTS-ARGS...: build the kernel of FLAVOUR
# (WHAT says what it has), its mm kselftests and guest, boot it with
# guest/plans/PLAN and judge the serial log.
guest_run() {
	local flavour=$1 what=$2 plan=$3 obj=$BUILD/obj/$1
	local log=$LOGS/serial-$3.log initramfs=$BUILD/initramfs-$1.cpio
	shift 3
	fatal_check "build the $flavour kernel ($what)" "$S/kernel.sh" "$flavour"
	fatal_check "build the mm kselftests for the $flavour kernel" "$S/selftests.sh" "$obj"
	fatal_check "pack the guest initramfs for the $flavour kernel" \
		"$S/initramfs.sh" "$obj" "$initramfs"
	fatal_check "boot the $flavour kernel in QEMU with plan $plan" \
		"$S/boot.sh" "$obj/arch/x86/boot/bzImage" "$initramfs" "$plan" "$log"
	verdicts "judge the serial log of plan $plan" "$S/results.py" "$log" --plan "$plan" "$@"
}

# 4 GiB: the guest then has fully populated 1 GiB regions, so the 1 GiB
# collapse case runs instead of being skipped.
export MEM=${MEM:-4G}
guest_run test "lockdep, DEBUG_VM, KUnit, CPA self test" test --tree "$TREE" --cpa
# The CPA self test splits the direct map every 30 s, so the selftest
# that counts splits runs on a kernel without it.
guest_run debug "lockdep, DEBUG_VM" directmap
# Reliability, short: the test kernel in a two-node guest (the second node
# on a DIMM), the stress suite for 20 s under memory pressure with faults
# injected, then the OOM, memlock and memory-offline selftests. 'make
# reliability' runs it for longer, on this kernel and with KASAN.
reliability_guest "stress=20"
guest_run test "lockdep, DEBUG_VM, KUnit, CPA self test" reliability --tree "$TREE" --pressure
finish
