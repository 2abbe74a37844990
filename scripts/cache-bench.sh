#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# 'make cache-bench': configuration 'cache-bench' of configurations.txt
# through scripts/run-config.sh: the patched kernel with the cache-bench
# plan, which runs the in-kernel microbenchmark of __GFP_UNMAPPED with the
# cache on and off in one boot. Prints the table (also saved as
# build/cache-bench.md) and the direct map before and after.
. "$(dirname "$0")/lib.sh"

S=$TOP/scripts
log=$(config_log cache-bench)
# Four vCPUs: the contention row runs one allocating thread per CPU.
export SMP=${SMP:-4}
"$S/deps.sh"
"$S/run-config.sh" cache-bench ||
	die "the guest reported errors (${log#"$TOP"/}.verdicts)"

{
	echo "Kernel $(kernel_version "$log"): $(series_stamp);" \
		"QEMU TCG, $SMP vCPUs, $(config_get cache-bench guest); medians of 3 rounds [min-max]."
	echo
	"$S/cache-bench-table.py" "$log"
	echo
	echo '```'
	sed -n '/^=== direct map: boot/,/^=== plan cache-bench done/p' "$log" |
		grep -v '^\[ *[0-9]*\.[0-9]*\]' | grep -v '^figures bench ' | grep -v '^=== plan'
	echo '```'
} | tee "$BUILD/cache-bench.md"
