#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# 'make test': dependencies; the base of the series is fetched, verified
# and the series applies to it with git am; check-sync, checkpatch; each
# backport (backports/*/) applies to its own base and its copies match;
# then three boots: the test kernel with the test plan, the debug kernel
# with the direct-map plan, and the test kernel once more with the
# reliability plan (each: build the kernel and the mm kselftests, boot
# the guest, judge the serial log). SERIES=backports/v6.12 runs all of
# it on that backport instead (its boots too). Every check prints one
# PASS, FAIL or SKIP line (also in build/logs/test-summary.txt); the
# last line is 'N passed, M failed, K skipped'. Exits 1 when anything
# failed.
. "$(dirname "$0")/lib.sh"

S=$TOP/scripts
summary=$LOGS/test-summary.txt
failures=$LOGS/test-failures.txt
mkdir -p "$LOGS"
: >"$summary"
: >"$failures"

# The step that runs now: the log that shows its result and the command
# that reruns it, for the list of failures (set by step).
step_log=$summary step_rerun="make test"

# step LOG CMD...: the checks that follow are shown by LOG and rerun by CMD.
step() {
	step_log=$1
	shift
	step_rerun=$(echo "$*" | tr -s ' ' | sed 's/^ //; s/ $//')
}

# failed LINE...: note failure lines with the current step's log and rerun
# command.
failed() {
	printf '%s\n' "$@" >>"$failures"
	printf '    log: %s\n    rerun: %s\n' "${step_log#"$TOP"/}" "$step_rerun" >>"$failures"
}

result() {
	echo "$1: $2" | tee -a "$summary"
	[ "$1" != FAIL ] || failed "$1: $2"
}

# keep_logs: copy this run's summary and serial logs (with their
# verdicts), and every log a failure names, to build/failed-runs/DATE/
# (same paths below it); print that directory.
keep_logs() {
	local keep f
	keep=$BUILD/failed-runs/$(date +%Y%m%d-%H%M%S)
	mkdir -p "$keep"
	for f in "$summary" "$failures" "$LOGS"/serial-*.log* $(sed -n 's/^    log: //p' "$failures"); do
		f=$(realpath -m "$TOP/${f#"$TOP"/}")
		[ -f "$f" ] || continue
		mkdir -p "$keep/$(dirname "${f#"$TOP"/}")"
		cp "$f" "$keep/${f#"$TOP"/}"
	done
	echo "${keep#"$TOP"/}"
}

finish() {
	local keep
	if grep -q '^FAIL:' "$summary"; then
		keep=$(keep_logs)
		echo
		echo "Failures (logs kept in $keep/):"
		cat "$failures"
	fi
	echo
	count_verdicts "$summary"
	! grep -q '^FAIL:' "$summary"
}

# check WHAT CMD...: one PASS or FAIL line for WHAT, as CMD succeeds
# (returns 0 either way: the run goes on).
check() {
	local what=$1
	shift
	if "$@"; then result PASS "$what"; else result FAIL "$what"; fi
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
	local what=$1 out rc=0 fails
	shift
	out=$("$@") || rc=$?
	[ -z "$out" ] || printf '%s\n' "$out" | tee -a "$summary"
	mapfile -t fails < <(printf '%s\n' "$out" | grep '^FAIL:' || true)
	if [ ${#fails[@]} -gt 0 ]; then
		failed "${fails[@]}"
	elif [ $rc != 0 ]; then
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
	step "$summary" "$(series_env) scripts/check-sync.sh"
	check "$1check-sync: copies of added files match the series" "$S/check-sync.sh"
	step "$summary" "$(series_env) scripts/checkpatch.sh"
	verdicts "$1checkpatch" "$S/checkpatch.sh"
}

# series_env [VAR...]: the settings a rerun command needs, as VAR=value
# words: SERIES (unless the top) and the VARs that are set.
series_env() {
	local v
	[ "$SERIES" = "$TOP" ] || printf 'SERIES=%q ' "$(series_dir)"
	for v in "$@"; do
		[ -z "${!v:-}" ] || printf "%s='%s' " "$v" "${!v}"
	done
}

"$S/deps.sh"
step "$summary" "$(series_env) scripts/tree.sh"
base="$(base_get DEBIAN_PACKAGE) $(base_get DEBIAN_VERSION)"
fatal_check "base $base fetched and verified; series applies with git am ($(series_patches | wc -l) patches)" "$S/tree.sh"
check_copies ""

# The backports are not built here: each must still apply to its base
# (fetched and verified the same way), with copies that match it.
if [ "$SERIES" = "$TOP" ]; then
	for b in $(backports); do
		name="backport $(basename "$b")"
		n=$(PATCHES=$b/patches series_patches | wc -l)
		step "$summary" "SERIES=${b#"$TOP"/} scripts/tree.sh; SERIES=${b#"$TOP"/} scripts/check-sync.sh"
		check "$name: $n patches apply with git am to $(BASE_FILE=$b/BASE base_get UPSTREAM)" \
			env SERIES="$b" "$S/tree.sh"
		check "$name: check-sync: copies of added files match the series" \
			env SERIES="$b" "$S/check-sync.sh"
	done
fi

# guest_run FLAVOUR WHAT PLAN RESULTS-ARGS...: build the kernel of FLAVOUR
# (WHAT says what it has) of the series $SERIES, its mm kselftests and
# guest, boot it with guest/plans/PLAN and judge the serial log (kept in
# the series' build directory: build/logs/, or build/v6.12/logs/ for
# the backport; lines of a backport's boots say its name).
guest_run() {
	local flavour=$1 what=$2 plan=$3 build tag=
	build=$(series_build "$SERIES")
	[ "$SERIES" = "$TOP" ] || tag="$(basename "$SERIES"): "
	local obj=$build/obj/$1 log=$build/logs/serial-$3.log initramfs=$build/initramfs-$1.cpio
	shift 3
	step "$obj/build.log" "$(series_env) scripts/kernel.sh $flavour"
	fatal_check "${tag}build the $flavour kernel ($what)" "$S/kernel.sh" "$flavour"
	step "$obj/kselftest.log" "$(series_env) scripts/selftests.sh ${obj#"$TOP"/}"
	fatal_check "${tag}build the mm kselftests for the $flavour kernel" "$S/selftests.sh" "$obj"
	step "$summary" "$(series_env) scripts/initramfs.sh ${obj#"$TOP"/} ${initramfs#"$TOP"/}"
	fatal_check "${tag}pack the guest initramfs for the $flavour kernel" \
		"$S/initramfs.sh" "$obj" "$initramfs"
	# A boot that fails or times out is judged all the same: its partial
	# log shows how far it came.
	step "$log" "$(series_env MEM APPEND QEMU_ARGS) scripts/run-plan.sh $flavour $plan ${log#"$TOP"/} $*"
	check "${tag}boot the $flavour kernel in QEMU with plan $plan" \
		"$S/boot.sh" "$obj/arch/x86/boot/bzImage" "$initramfs" "$plan" "$log"
	verdicts "${tag}judge the serial log of plan $plan" \
		tagged "$tag" "$S/results.py" "$log" --plan "$plan" "$@"
	# The kernel that ran is the base's release (the banner's '+' marks
	# a tree with commits on top of the base).
	local want ver
	want=$(base_get UPSTREAM | sed 's/^v//')
	ver=$(kernel_version "$log")
	check "${tag}the $flavour kernel that ran reports Linux $want (banner: ${ver:-none})" \
		test "${ver%+}" = "$want"
}

# The three boots, on the kernel tree of the series. The first two boot
# a guest of 4 GiB unless MEM says otherwise (the guest then has fully
# populated 1 GiB regions, so the 1 GiB collapse case runs instead of
# being skipped), with APPEND's extra kernel options.
tree=$(series_build "$SERIES")/linux
linux="Linux $(base_get UPSTREAM | sed 's/^v//')"
MEM=${MEM:-4G} guest_run test "$linux: lockdep, DEBUG_VM, KUnit, CPA self test" \
	test --tree "$tree" --cpa
# The CPA self test splits the direct map every 30 s, so the selftest
# that counts splits runs on a kernel without it.
MEM=${MEM:-4G} guest_run debug "$linux: lockdep, DEBUG_VM" directmap
# Reliability, short: the test kernel in a two-node guest (the second
# node on a DIMM), the stress suite for 20 s under memory pressure with
# faults injected, then the OOM, memlock and memory-offline selftests.
# 'make reliability' runs it for longer, also with KASAN.
reliability_guest "stress=20"
guest_run test "$linux: lockdep, DEBUG_VM, KUnit, CPA self test" \
	reliability --tree "$tree" --pressure
finish
