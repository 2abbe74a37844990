#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: run-plan.sh FLAVOUR PLAN LOG [RESULTS-ARGS...]
# Build the kernel of FLAVOUR, its mm kselftests and guest, boot it with
# guest/plans/PLAN (serial log in LOG), and judge the log with results.py
# (RESULTS-ARGS passed on; verdicts also in LOG.verdicts). MEM, QEMU_ARGS,
# APPEND and TIMEOUT pass through to boot.sh. Exits 1 if the boot or any
# check failed.
. "$(dirname "$0")/lib.sh"

flavour=$1 plan=$2 log=$3
shift 3
S=$TOP/scripts
obj=$BUILD/obj/$flavour
initramfs=$BUILD/initramfs-$flavour.cpio
"$S/kernel.sh" "$flavour"
"$S/selftests.sh" "$obj"
"$S/initramfs.sh" "$obj" "$initramfs"
rc=0
"$S/boot.sh" "$obj/arch/x86/boot/bzImage" "$initramfs" "$plan" "$log" || rc=1
"$S/results.py" "$log" --plan "$plan" "$@" >"$log.verdicts" || rc=1
grep -v '^PASS' "$log.verdicts" || true
exit $rc
