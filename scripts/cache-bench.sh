#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# 'make cache-bench': configuration 'cache-bench' of configurations.txt
# through scripts/run-config.sh: the patched kernel with the cache-bench
# plan, which runs the in-kernel microbenchmark of __GFP_UNMAPPED with the
# cache on and off in one boot; then the same kernel again with the plan
# cache-bench-icount, one vCPU under QEMU's -icount (guest time counts
# instructions), for the loops counted in instructions and the longest
# holds of a node's lock. Prints the tables
# (also saved as build/cache-bench.md) and the direct map before and after.
. "$(dirname "$0")/lib.sh"

S=$TOP/scripts
log=$(config_log cache-bench)
icount_log=${log%.log}-icount.log
# Four vCPUs: the contention row runs one allocating thread per CPU.
export SMP=${SMP:-4}
"$S/deps.sh"
"$S/run-config.sh" cache-bench ||
	die "the guest reported errors (${log#"$TOP"/}.verdicts)"
SMP=1 PLAN=cache-bench-icount ACCEL=$ICOUNT_ACCEL QEMU_ARGS=$ICOUNT_QEMU_ARGS \
	"$S/run-config.sh" --no-build cache-bench "$icount_log" ||
	die "the guest reported errors (${icount_log#"$TOP"/}.verdicts)"

{
	echo "Kernel $(kernel_version "$log"): $(series_stamp);" \
		"QEMU TCG, $SMP vCPUs, $(config_get cache-bench guest); rows marked instructions and the holds:" \
		"1 vCPU under -icount, guest time 1 ns per instruction;" \
		"medians of 3 rounds [min-max]."
	echo
	"$S/cache-bench-table.py" "$log" "$icount_log"
	echo
	echo '```'
	sed -n '/^=== direct map: boot/,/^=== plan cache-bench done/p' "$log" |
		grep -v '^\[ *[0-9]*\.[0-9]*\]' | grep -v '^figures bench ' | grep -v '^=== plan'
	echo '```'
} | tee "$BUILD/cache-bench.md"
