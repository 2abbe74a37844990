#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# 'make cache-bench': boot the patched kernel (flavour 'demo') with the
# cache-bench plan, which runs the in-kernel microbenchmark of
# __GFP_UNMAPPED with the cache on and off in one boot, and print the
# table (also saved as build/cache-bench.md) and the direct map before and
# after.
. "$(dirname "$0")/lib.sh"

S=$TOP/scripts
log=$LOGS/serial-cache-bench.log
"$S/deps.sh"
"$S/tree.sh"
"$S/run-plan.sh" demo cache-bench "$log" ||
	die "the guest reported errors (${log#"$TOP"/}.verdicts)"

{
	echo "Kernel $(kernel_version "$log"): $(series_stamp);" \
		"QEMU TCG, ${SMP:-2} vCPUs, ${MEM:-2G}; medians of 3 rounds [min-max]."
	echo
	"$S/cache-bench-table.py" "$log"
	echo
	echo '```'
	sed -n '/^=== direct map: boot/,/^=== plan cache-bench done/p' "$log" |
		grep -v '^\[ *[0-9]*\.[0-9]*\]' | grep -v '^bench round=' | grep -v '^=== plan'
	echo '```'
} | tee "$BUILD/cache-bench.md"
