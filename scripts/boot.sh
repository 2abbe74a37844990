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
#   INTERACTIVE=1       the serial console on this terminal as well as in
#                       LOG (make shell), no time limit; Ctrl-A X quits
#   GDB=1               with INTERACTIVE: QEMU's gdb stub on tcp::1234,
#                       the CPUs stopped until gdb continues; nokaslr
. "$(dirname "$0")/lib.sh"

kernel=$1 initrd=$2 plan=$3 log=$4
MEM=${MEM:-2G}
SMP=${SMP:-2}
TIMEOUT=${TIMEOUT:-1200}
ACCEL=${ACCEL:-tcg}
APPEND=${APPEND:-}
QEMU_ARGS=${QEMU_ARGS:-}
INTERACTIVE=${INTERACTIVE:-0}
GDB=${GDB:-0}

# The serial console: a file, or (INTERACTIVE) this terminal with a copy
# in the file.
serial() {	# serial LOG
	if [ "$INTERACTIVE" = 1 ]; then
		echo "-chardev stdio,id=con,mux=on,signal=off,logfile=$1 -serial chardev:con -mon chardev=con"
	else
		echo "-serial file:$1 -monitor none"
	fi
}
if [ "$GDB" = 1 ]; then
	[ "$INTERACTIVE" = 1 ] || die "GDB=1 needs INTERACTIVE=1 (make gdb)"
	QEMU_ARGS="$QEMU_ARGS -s -S"
	APPEND="$APPEND nokaslr"
fi

qemu() {	# qemu ACCEL PLAN LOG TIMEOUT
	local stdin=/dev/null
	[ "$INTERACTIVE" = 0 ] || stdin=/dev/stdin
	# shellcheck disable=SC2086,SC2046 # split at spaces on purpose
	timeout -k 10 "$4" qemu-system-x86_64 -accel "$1" -cpu max \
		-smp "$SMP" -m "$MEM" -display none -no-reboot $(serial "$3") \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 plan=$2 $APPEND" $QEMU_ARGS <"$stdin"
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
[ "$INTERACTIVE" = 0 ] || TIMEOUT=0	# no limit: timeout(1) takes 0 as none
[ "$GDB" = 0 ] || say "waiting for gdb: gdb ${kernel%/arch/*}/vmlinux -ex 'target remote :1234'"
say "booting $(basename "$kernel") (plan $plan, $ACCEL, $SMP vCPUs, $MEM)"
start=$SECONDS
rc=0
if [ "$INTERACTIVE" = 1 ]; then
	qemu "$ACCEL" "$plan" "$log" "$TIMEOUT" || rc=$?
else
	with_progress "$log" qemu "$ACCEL" "$plan" "$log" "$TIMEOUT" || rc=$?
fi
if [ $rc = 124 ] || [ $rc = 137 ]; then
	tail -n 15 "$log" >&2
	die "guest timed out after $TIMEOUT s and was killed (serial log: ${log#"$TOP"/})"
fi
[ $rc = 0 ] || die "QEMU exited with status $rc (serial log: ${log#"$TOP"/})"
say "guest finished in $((SECONDS - start)) s; serial log: ${log#"$TOP"/}"
