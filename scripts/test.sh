#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# 'make test': dependencies; the base of the series is fetched, verified
# and the series applies to it with git am; check-sync, checkpatch; each
# backport (backports/*/) applies to its own base and its copies match;
# then every configuration of configurations.txt whose make column says
# test, through scripts/run-config.sh (build, pack, boot, judge): today
# the test kernel with the test plan, the debug kernel with the
# direct-map plan, and the test kernel in the two-node guest with the
# reliability plan. Every check prints one PASS, FAIL or SKIP line (also
# in build/logs/test-summary.txt); the last line is 'N passed, M failed,
# K skipped'. Exits 1 when anything failed.
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

# keep_logs: copy this run's summary, the serial logs of its
# configurations (with their verdicts), and every log a failure names, to
# build/failed-runs/DATE/ (same paths below it); print that directory.
keep_logs() {
	local keep f n serial=()
	keep=$BUILD/failed-runs/$(date +%Y%m%d-%H%M%S)
	mkdir -p "$keep"
	for n in $(config_names test); do
		serial+=("$(config_log "$n")"*)
	done
	for f in "$summary" "$failures" "${serial[@]}" $(sed -n 's/^    log: //p' "$failures"); do
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

# verdicts WHAT CMD...: a command that prints PASS/FAIL lines itself
# (shown as they come, with its other output); if it fails without
# printing a FAIL line, record one for it.
verdicts() {
	local what=$1 out rc=0 fails
	shift
	out=$(mktemp)
	"$@" | tee "$out" || rc=$?
	grep -E '^(PASS|FAIL|SKIP): ' "$out" >>"$summary" || true
	mapfile -t fails < <(grep '^FAIL:' "$out" || true)
	rm -f "$out"
	if [ ${#fails[@]} -gt 0 ]; then
		failed "${fails[@]}"
	elif [ $rc != 0 ]; then
		result FAIL "$what: exited with an error and no verdict"
	fi
}

# check_copies WHAT: check-sync and checkpatch of the series $SERIES.
check_copies() {
	step "$summary" "$(series_env) scripts/check-sync.sh"
	check "$1check-sync: copies of added files match the series" "$S/check-sync.sh"
	step "$summary" "$(series_env) scripts/checkpatch.sh"
	verdicts "$1checkpatch" "$S/checkpatch.sh"
}

# series_env: the setting a rerun command needs: SERIES, unless the top.
series_env() {
	[ "$SERIES" = "$TOP" ] || printf 'SERIES=%q ' "$(series_dir)"
}

"$S/deps.sh"
step "$summary" "$(series_env) scripts/tree.sh"
base="$(base_get DEBIAN_PACKAGE) $(base_get DEBIAN_VERSION)"
fatal_check "base $base fetched and verified; series applies with git am ($(series_patches | wc -l) patches)" "$S/tree.sh"
check_copies ""
step "$summary" "python3 -m doctest scripts/figures.py scripts/bench-table.py"
check "figures.py and bench-table.py read the guests' figures (doctest)" \
	python3 -m doctest "$S/figures.py" "$S/bench-table.py"

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

# The configurations of make test (configurations.txt), each through the
# one pipeline.
for name in $(config_names test); do
	step "$(config_log "$name")" "$(series_env) scripts/run-config.sh $name"
	verdicts "$name" "$S/run-config.sh" "$name"
done
finish
