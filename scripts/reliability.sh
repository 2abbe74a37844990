#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# 'make reliability': the reliability plan at length. Each configuration
# whose make column in configurations.txt says reliability (or those
# CONFIGS names; today the test kernel and the KASAN kernel, both in the
# two-node guest) goes through scripts/run-config.sh with the stress
# suite running STRESS seconds (default 60) under memory pressure and
# INJECT percent of its threads' CPA splits failing (default 10); the
# figures of the serial logs go to build/reliability/report.md. Exits 1
# if any check failed.
. "$(dirname "$0")/lib.sh"

S=$TOP/scripts
STRESS=${STRESS:-60}
INJECT=${INJECT:-10}
CONFIGS=${CONFIGS:-$(config_names reliability)}
out=$BUILD/reliability
mkdir -p "$out"

"$S/deps.sh"
rc=0 logs=()
for name in $CONFIGS; do
	say "reliability: $name, stress $STRESS s, $INJECT % of its splits failing"
	APPEND="stress=$STRESS inject=$INJECT ${APPEND:-}" "$S/run-config.sh" "$name" || rc=1
	logs+=("$(config_log "$name")")
done
{
	echo "Measured on $(series_stamp); STRESS=$STRESS s, INJECT=$INJECT %."
	echo
	"$S/reliability-report.py" "${logs[@]}"
} >"$out/report.md"
cat "$out/report.md"
say "report: ${out#"$TOP"/}/report.md"
exit $rc
