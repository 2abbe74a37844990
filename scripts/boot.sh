#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: boot.sh KERNEL INITRAMFS PLAN LOG
# Boot the guest in QEMU, run /plans/PLAN, and save the whole serial log
# in LOG. Settings from the environment:
#   MEM=2G SMP=2        guest memory and vCPUs
#   TIMEOUT=1200        hard limit in seconds; a hung guest is killed
#   ACCEL=tcg           tcg, kvm, or auto (use KVM only when a probe
#                       boot under KVM really reaches its plan)
#   APPEND=...          extra kernel command line
#   QEMU_ARGS=...       extra QEMU options (split at spaces)
. "$(dirname "$0")/lib.sh"

kernel=$1 initrd=$2 plan=$3 log=$4
MEM=${MEM:-2G}
SMP=${SMP:-2}
TIMEOUT=${TIMEOUT:-1200}
ACCEL=${ACCEL:-tcg}
APPEND=${APPEND:-}
QEMU_ARGS=${QEMU_ARGS:-}

qemu() {	# qemu ACCEL PLAN LOG TIMEOUT
	# shellcheck disable=SC2086 # QEMU_ARGS is split at spaces on purpose
	timeout -k 10 "$4" qemu-system-x86_64 -accel "$1" -cpu max \
		-smp "$SMP" -m "$MEM" -display none -monitor none -no-reboot \
		-serial "file:$3" -kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 plan=$2 $APPEND" $QEMU_ARGS </dev/null
}

if [ "$ACCEL" = auto ]; then
	ACCEL=tcg
	if [ -w /dev/kvm ] && qemu kvm probe "$log.kvm-probe" 60 >/dev/null 2>&1 &&
	   grep -q '^=== plan probe done' "$log.kvm-probe"; then
		ACCEL=kvm
	fi
	say "accelerator probe: using $ACCEL"
fi

mkdir -p "$(dirname "$log")"
say "booting $(basename "$kernel") (plan $plan, $ACCEL, $SMP vCPUs, $MEM)"
start=$SECONDS
rc=0
qemu "$ACCEL" "$plan" "$log" "$TIMEOUT" || rc=$?
if [ $rc = 124 ] || [ $rc = 137 ]; then
	tail -n 15 "$log" >&2
	die "guest timed out after $TIMEOUT s and was killed (serial log: ${log#"$TOP"/})"
fi
[ $rc = 0 ] || die "QEMU exited with status $rc (serial log: ${log#"$TOP"/})"
say "guest finished in $((SECONDS - start)) s; serial log: ${log#"$TOP"/}"
