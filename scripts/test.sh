#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# 'make test': dependencies, the series applies, check-sync, checkpatch;
# the same for v2, the port to Linux 7.3 under way (v2/: its base is
# fetched from Debian's trixie-backports and verified); build the test
# kernel and the mm kselftests, boot the guest with the test plan, and
# judge the serial log; then the same with the debug kernel and the
# direct-map plan, and the test kernel once more with the reliability
# plan; last, the same three boots of v2 on Linux 7.3. Every check
# prints one PASS, FAIL or SKIP line
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

# tagged TAG CMD...: CMD's verdict lines, with TAG after the verdict.
tagged() {
	local tag=$1
	shift
	"$@" | sed "s/^\(PASS\|FAIL\|SKIP\): /\1: $tag/"
	return "${PIPESTATUS[0]}"
}

# check_copies WHAT: check-sync and checkpatch of the series $SERIES.
check_copies() {
	if "$S/check-sync.sh"; then
		result PASS "$1check-sync: copies of added files match the series"
	else
		result FAIL "$1check-sync: copies of added files match the series"
	fi
	verdicts "$1checkpatch" "$S/checkpatch.sh"
}

"$S/deps.sh"
fatal_check "series applies to the base with git am ($(series_patches | wc -l) patches)" "$S/tree.sh"
check_copies ""

# v2: its base is still offered, signed and commits to the ids v2/BASE
# records (tree.sh checks them), and its patches apply to it.
V2=$TOP/v2
v2_base="$(BASE_FILE=$V2/BASE base_get DEBIAN_PACKAGE) $(BASE_FILE=$V2/BASE base_get DEBIAN_VERSION)"
v2_ok=
if SERIES=$V2 "$S/tree.sh"; then
	v2_ok=1
	result PASS "v2: base $v2_base fetched from $(BASE_FILE=$V2/BASE base_get DEBIAN_SUITE) and verified; $(PATCHES=$V2/patches series_patches | wc -l) patches apply with git am"
	SERIES=$V2 check_copies "v2: "
else
	result FAIL "v2: base $v2_base fetched and verified, patches apply with git am"
fi

# guest_run FLAVOUR WHAT PLAN RESULTS-ARGS...: build the kernel of FLAVOUR
# (WHAT says what it has) of the series $SERIES, its mm kselftests and
# guest, boot it with guest/plans/PLAN and judge the serial log (kept in
# the series' build directory: build/logs/ or build/v2/logs/).
guest_run() {
	local flavour=$1 what=$2 plan=$3 build tag=
	build=$(series_build "$SERIES")
	[ "$SERIES" = "$TOP" ] || tag="$(basename "$SERIES"): "
	local obj=$build/obj/$1 log=$build/logs/serial-$3.log initramfs=$build/initramfs-$1.cpio
	shift 3
	fatal_check "${tag}build the $flavour kernel ($what)" "$S/kernel.sh" "$flavour"
	fatal_check "${tag}build the mm kselftests for the $flavour kernel" "$S/selftests.sh" "$obj"
	fatal_check "${tag}pack the guest initramfs for the $flavour kernel" \
		"$S/initramfs.sh" "$obj" "$initramfs"
	fatal_check "${tag}boot the $flavour kernel in QEMU with plan $plan" \
		"$S/boot.sh" "$obj/arch/x86/boot/bzImage" "$initramfs" "$plan" "$log"
	verdicts "${tag}judge the serial log of plan $plan" \
		tagged "$tag" "$S/results.py" "$log" --plan "$plan" "$@"
}

# The guest of the first two boots: 4 GiB unless MEM says otherwise (the
# guest then has fully populated 1 GiB regions, so the 1 GiB collapse case
# runs instead of being skipped), and APPEND's extra kernel options.
test_mem=${MEM:-4G} test_append=${APPEND:-}

# three_boots BASE: the three boots of the series $SERIES (kernel tree
# $(series_build "$SERIES")/linux, based on BASE). The first two set the
# guest's size and options themselves, as the third changes them.
three_boots() {
	local base=$1 tree
	tree=$(series_build "$SERIES")/linux
	MEM=$test_mem APPEND=$test_append QEMU_ARGS= guest_run test \
		"$base: lockdep, DEBUG_VM, KUnit, CPA self test" test --tree "$tree" --cpa
	# The CPA self test splits the direct map every 30 s, so the selftest
	# that counts splits runs on a kernel without it.
	MEM=$test_mem APPEND=$test_append QEMU_ARGS= guest_run debug \
		"$base: lockdep, DEBUG_VM" directmap
	# Reliability, short: the test kernel in a two-node guest (the second
	# node on a DIMM), the stress suite for 20 s under memory pressure
	# with faults injected, then the OOM, memlock and memory-offline
	# selftests. 'make reliability' runs it for longer, also with KASAN.
	reliability_guest "stress=20"
	guest_run test "$base: lockdep, DEBUG_VM, KUnit, CPA self test" \
		reliability --tree "$tree" --pressure
}

three_boots "Linux 6.12"
# v2 on Linux 7.3: the same three boots. Its kernels still take the
# shared fragments, which ask for CONFIG_PROC_SYSCTL, gone from 7.3
# (UNKNOWN_OK reports it).
if [ -n "$v2_ok" ]; then
	SERIES=$V2 UNKNOWN_OK=1 three_boots "Linux 7.3"
fi
finish
