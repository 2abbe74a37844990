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
	obj=$BUILD/obj/$flavour
	log=$LOGS/reliability-$flavour.log
	initramfs=$BUILD/initramfs-$flavour.cpio
	"$S/kernel.sh" "$flavour"
	"$S/selftests.sh" "$obj"
	"$S/initramfs.sh" "$obj" "$initramfs"
	say "reliability: $flavour kernel, stress $STRESS s, $INJECT % of its splits failing"
	if ! (reliability_guest "stress=$STRESS inject=$INJECT" &&
	      TIMEOUT=${TIMEOUT:-3600} "$S/boot.sh" "$obj/arch/x86/boot/bzImage" \
		"$initramfs" reliability "$log"); then
		rc=1
	fi
	"$S/results.py" "$log" --plan reliability --tree "$TREE" --pressure \
		>"$log.verdicts" || rc=1
	grep -v '^PASS' "$log.verdicts" || true
	logs+=("$log")
done
"$S/reliability-report.py" "${logs[@]}" >"$out/report.md"
cat "$out/report.md"
say "report: ${out#"$TOP"/}/report.md"
exit $rc
