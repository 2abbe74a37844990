#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: matrix.sh [NAME...]   (default: CONFIGS, or every configuration
# whose make column in configurations.txt says matrix, then cross)
# The configuration matrix, beyond what make test boots: each
# configuration through scripts/run-config.sh (build, pack, boot, judge;
# what each is, the table says), and 'cross', the build-only i386 and
# arm64 kernels (scripts/cross-build.sh). One PASS/FAIL line per entry;
# the table also goes to build/matrix/matrix.md. Exits 1 if any entry
# failed.
. "$(dirname "$0")/lib.sh"

S=$TOP/scripts
# shellcheck disable=SC2046 # one word per name
[ $# -gt 0 ] || set -- ${CONFIGS:-$(config_names matrix) cross}
out=$BUILD/matrix
mkdir -p "$out" "$LOGS"
"$S/deps.sh"

rc=0
table=$out/matrix.md
printf '| configuration | result | checks |\n|---|---|---|\n' >"$table"
for entry in "$@"; do
	result=pass
	if [ "$entry" = cross ]; then
		log=$LOGS/cross.log
		"$S/cross-build.sh" | tee "$log.verdicts" || result=FAIL
	else
		log=$(config_log "$entry")
		"$S/run-config.sh" "$entry" || result=FAIL
	fi
	counts=$(count_verdicts "$log.verdicts")
	if [ $result = pass ]; then
		echo "PASS: matrix $entry ($counts)"
	else
		echo "FAIL: matrix $entry ($counts; ${log#"$TOP"/})"
		rc=1
	fi
	echo "| $entry | $result | $counts |" >>"$table"
done
cat "$table"
exit $rc
