#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# 'make demo': configuration 'demo' of configurations.txt through
# scripts/run-config.sh: the patched kernel without any self test that
# changes the direct map behind the workload's back, with the
# memfd_secret selftests (guest/plans/directmap, through run_vmtests.sh).
# Then what the guest printed: the direct-map counters of /proc/vmstat
# and the DirectMap sizes of /proc/meminfo before and after them, and
# the table of counters the memfd_secret_directmap selftest reads before,
# during and after its churn. The last line counts the checks of the
# serial log (verdicts in LOG.verdicts). Exits 1 if one failed.
. "$(dirname "$0")/lib.sh"

S=$TOP/scripts
log=$(config_log demo)
"$S/deps.sh"
rc=0
"$S/run-config.sh" demo || rc=1

echo
echo "Kernel: $(kernel_version "$log")," \
	"series: $(series_patches | wc -l) patch(es)"
# What the guest printed: everything between the plan markers that is
# not a kernel message.
sed -n '/^=== plan directmap begin/,/^=== plan directmap done/p' "$log" | grep -v '^\[ *[0-9]*\.[0-9]*\]'
echo
echo "demo: $(count_verdicts "$log.verdicts") (${log#"$TOP"/}.verdicts)"
exit $rc
