#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# 'make reliability': the reliability plan at length. For each flavour in
# FLAVOURS (default: test, then kasan, the test kernel with generic KASAN)
# build the kernel, its mm kselftests and guest, boot the two-node guest
# (reliability_guest in lib.sh) with the stress suite running STRESS
# seconds (default 60) under memory pressure with INJECT percent of its
# threads' CPA splits failing (default 10), then the OOM, memlock and
# offline selftests; judge each serial log with results.py and write the
# figures to build/reliability/report.md. Exits 1 if any check failed.
. "$(dirname "$0")/lib.sh"

S=$TOP/scripts
STRESS=${STRESS:-60}
INJECT=${INJECT:-10}
FLAVOURS=${FLAVOURS:-test kasan}
out=$BUILD/reliability
mkdir -p "$out" "$LOGS"

"$S/deps.sh"
"$S/tree.sh"
rc=0 logs=()
for flavour in $FLAVOURS; do
	log=$LOGS/reliability-$flavour.log
	say "reliability: $flavour kernel, stress $STRESS s, $INJECT % of its splits failing"
	(reliability_guest "stress=$STRESS inject=$INJECT" &&
	 TIMEOUT=${TIMEOUT:-3600} "$S/run-plan.sh" "$flavour" reliability "$log" \
		--tree "$TREE" --pressure) || rc=1
	logs+=("$log")
done
{
	echo "Measured on $(series_stamp); STRESS=$STRESS s, INJECT=$INJECT %."
	echo
	"$S/reliability-report.py" "${logs[@]}"
} >"$out/report.md"
cat "$out/report.md"
say "report: ${out#"$TOP"/}/report.md"
exit $rc
