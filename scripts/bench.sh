#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# 'make bench': the base kernel (no series) and the patched kernel,
# configurations bench-base and bench of configurations.txt (the same
# configuration fragments), each through scripts/run-config.sh with
# guest/plans/bench once per workload and repetition (REPS=3; serial logs
# in build/logs/bench/). Writes build/bench/bench.md
# (table of base against patched, the microbenchmark with the cache
# switched off and on, kernels and machine) and the direct-map pictures
# build/bench/direct-map-{base,patched}.svg (and .png when rsvg-convert
# works) and prints the report; it writes nothing outside build/
# ('make publish' copies the report into the series' docs/bench/).
# Progress lines name the kernel, workload and repetition. A step that
# fails is named at the end (exit 1); what was measured is kept.
. "$(dirname "$0")/lib.sh"

S=$TOP/scripts
out=$BUILD/bench
logs_dir=$LOGS/bench
REPS=${REPS:-3}
WORKLOADS="churn hold fault fault-icount micro"
failed=()
mkdir -p "$out" "$LOGS"

# step WHAT CMD...: run one step; on failure note it and return 1.
step() {
	local what=$1
	shift
	say "bench: $what"
	"$@" && return 0
	say "bench: FAILED: $what"
	failed+=("$what")
	return 1
}

# The configurations (configurations.txt) of the two kernels.
declare -A config=([base]=bench-base [patched]=bench)
# Workloads that QEMU runs its own way. fault-icount is fault counted in
# instructions (lib.sh's ICOUNT_*): pages/s is 10^9 over the instructions
# a page costs, whatever the host's load and whatever the emulator's slow
# paths (TLB flushes) cost.
declare -A accel=([fault-icount]=$ICOUNT_ACCEL)
declare -A qemu_args=([fault-icount]=$ICOUNT_QEMU_ARGS)

# boot_bench KERNEL WORKLOAD REP: boot KERNEL (base or patched) with the
# bench plan for one repetition of one workload, and judge the log.
boot_bench() {
	local log=$logs_dir/$1-$2-$3.log
	APPEND="workload=$2 rep=$3 ${APPEND:-}" ACCEL=${accel[$2]:-${ACCEL:-tcg}} \
		QEMU_ARGS="${qemu_args[$2]:-} ${QEMU_ARGS:-}" "$S/run-config.sh" --no-build \
		"${config[$1]}" "$log" >"$log.run" 2>&1 || {
			grep -v '^PASS' "$log.run"
			return 1
		}
}

# picture KERNEL: draw the direct map of one kernel from the page-table
# dumps of the first repetition of its workloads.
picture() {
	local svg=$out/direct-map-$1.svg w logs=()
	for w in $WORKLOADS; do
		[ -e "$logs_dir/$1-$w-1.log" ] && logs+=("$logs_dir/$1-$w-1.log")
	done
	"$S/direct-map-svg.py" "$svg" "Direct map, $1 kernel" "${logs[@]}" || return 1
	if command -v rsvg-convert >/dev/null &&
	   rsvg-convert -o "${svg%.svg}.png" "$svg"; then
		return 0
	fi
	say "bench: no working rsvg-convert: SVG only"
}

step "install packages" "$S/deps.sh" || exit 1

# Nothing from an earlier run may pass for a result of this one.
rm -rf "$logs_dir" "$out"/direct-map-* "$out/micro.log"
mkdir -p "$logs_dir"
for k in base patched; do
	if ! step "build the $k kernel and its guest" "$S/run-config.sh" --build-only "${config[$k]}"; then
		say "bench: $k kernel not booted (its build failed)"
		continue
	fi
	for w in $WORKLOADS; do
		# The base kernel has no __GFP_UNMAPPED to benchmark.
		[ $k = base ] && [ $w = micro ] && continue
		for rep in $(seq "$REPS"); do
			step "$k kernel: workload $w, repetition $rep/$REPS" \
				boot_bench $k $w "$rep" || true
		done
	done
	step "draw the direct map of the $k kernel" picture $k || true
done

blog=$logs_dir/base-churn-1.log plog=$logs_dir/patched-churn-1.log
{
	echo "# make bench"
	echo
	echo "Base $(kernel_version "$blog" || true) against patched" \
		"$(kernel_version "$plog" || true): $(series_stamp), both from the" \
		"configuration fragments ($(config_get bench fragments)); $(date -u +%F)."
	echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -n1), $(nproc) CPUs;" \
		"$(qemu-system-x86_64 --version | head -n1), TCG (time is emulated:" \
		"compare ratios and counts, not absolute times); guest ${SMP:-2} vCPUs," \
		"${MEM:-$(config_get bench guest)}."
	echo "Each workload ran $REPS times, each time in a fresh boot: median [min-max] (n)."
	echo "The row counted in instructions is the fault-in workload booted under" \
		"QEMU's ${qemu_args[fault-icount]} (${accel[fault-icount]}): guest time" \
		"advances 1 ns per instruction, whatever the host's load."
	echo
	"$S/bench-table.py" "$logs_dir" || failed+=("the table of base against patched (scripts/bench-table.py)")
	echo
	echo "The in-kernel microbenchmark (debugfs unmapped_alloc/bench) in the"
	echo "patched kernel, per-page path (cache off, what memfd_secret did before)"
	echo "against the cache (on), in the same boot:"
	echo
	if ls "$logs_dir"/patched-micro-*.log >/dev/null 2>&1; then
		cat "$logs_dir"/patched-micro-*.log >"$out/micro.log"
		"$S/cache-bench-table.py" "$out/micro.log" 2>&1 || true
	else
		echo "not measured"
	fi
	echo
	for k in base patched; do
		[ -e "$out/direct-map-$k.svg" ] && echo "Direct map of the $k kernel: [direct-map-$k.svg](direct-map-$k.svg)"
	done
	if [ ${#failed[@]} -gt 0 ]; then
		echo
		echo "Incomplete run; failed steps:"
		printf -- '- %s\n' "${failed[@]}"
	fi
} >"$out/bench.md"
cat "$out/bench.md"

say "bench: report in ${out#"$TOP"/}/bench.md; 'make publish' copies it to $(series_dir)docs/bench/"
[ ${#failed[@]} = 0 ] || die "bench: ${#failed[@]} step(s) failed (listed in the report)"
