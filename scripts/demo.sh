#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# 'make demo': build and boot the patched kernel (flavour 'demo': no
# self test that changes the direct map behind the workload's back), run
# the memfd_secret selftests (guest/plans/directmap), and print the
# direct-map counters of /proc/vmstat and the DirectMap sizes of
# /proc/meminfo before and after them, and the table of counters the
# memfd_secret_directmap selftest reads before, during and after its
# churn.
. "$(dirname "$0")/lib.sh"

S=$TOP/scripts
log=$(boot_demo_plan directmap) || exit 1

echo
echo "Kernel: $(kernel_version "$log")," \
	"series: $(series_patches | wc -l) patch(es)"
# What the guest printed: everything between the plan markers that is
# not a kernel message.
sed -n '/^=== plan directmap begin/,/^=== plan directmap done/p' "$log" | grep -v '^\[ *[0-9]*\.[0-9]*\]'
echo
"$S/results.py" "$log" --plan directmap
