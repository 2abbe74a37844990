#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: run-config.sh [--no-build|--build-only] NAME [LOG]
# The pipeline, for one configuration of configurations.txt: make the
# kernel tree of its series, build its kernel, the mm kselftests and the
# guest initramfs, boot the guest with its plan (serial log in LOG,
# default config_log NAME: build/logs/NAME.log), and judge the log with
# results.py. Prints one PASS, FAIL or SKIP line per step and check
# (the checks of the log also in LOG.verdicts); the rest of the output
# (progress) goes to stderr. Exits 1 if anything failed.
#   --build-only   build and pack, do not boot
#   --no-build     boot what an earlier run built (make bench's repetitions)
# From the environment: APPEND and QEMU_ARGS add to the configuration's,
# TIMEOUT and MEM replace its (MEM not for the numa guest); PLAN replaces
# its plan (make shell); INTERACTIVE and GDB go to boot.sh.
. "$(dirname "$0")/lib.sh"

build=1 boot=1
case ${1:-} in
--no-build) build=0; shift ;;
--build-only) boot=0; shift ;;
esac
[ $# -ge 1 ] || die "usage: run-config.sh [--no-build|--build-only] NAME [LOG]"
name=$1
S=$TOP/scripts
series=$(config_get "$name" series)
fragments=$(config_get "$name" fragments)
guest=$(config_get "$name" guest)
append=$(config_get "$name" append)
plan=${PLAN:-$(config_get "$name" plan)}
judge=$(config_get "$name" judge)
export TIMEOUT=${TIMEOUT:-$(config_get "$name" timeout)}
SERIES=$(config_series "$name")
BUILD=$(series_build "$SERIES")
TREE=$BUILD/linux
BASE_FILE=$SERIES/BASE
PATCHES=$SERIES/patches
export SERIES BUILD TREE BASE_FILE PATCHES
log=$(realpath -m "${2:-$(config_log "$name")}")
obj=$BUILD/obj/$(obj_name "$fragments")
kernel=$obj
[ "${series#base}" = "$series" ] || kernel=$BUILD/obj/unpatched-$(obj_name "$fragments")
initramfs=$BUILD/initramfs-$(obj_name "$fragments").cpio
rc=0

# verdict STATUS WHAT: one verdict line of this configuration.
verdict() {
	echo "$1: $name: $2"
	[ "$1" != FAIL ] || rc=1
}

# step WHAT LOG CMD...: a step the next ones need: PASS, or FAIL naming
# LOG (- for none but the output) and ending the run. Its output goes
# to stderr.
step() {
	local what=$1 steplog=$2
	shift 2
	if "$@" >&2; then
		verdict PASS "$what"
		return
	fi
	[ "$steplog" = - ] || what="$what (log: ${steplog#"$TOP"/})"
	verdict FAIL "$what"
	exit 1
}

# The guest: its memory, or the two-node guest (numa).
if [ "$guest" = numa ]; then
	MEM="1G,slots=2,maxmem=2G"
	QEMU_ARGS="-object memory-backend-ram,id=m0,size=1G -numa node,nodeid=0,cpus=0-1,memdev=m0 -numa node,nodeid=1 -object memory-backend-ram,id=m1,size=512M -device pc-dimm,id=dimm1,memdev=m1,node=1 ${QEMU_ARGS:-}"
	append="memhp_default_state=online_kernel $append"
else
	MEM=${MEM:-$guest}
fi
[ "$append" != - ] || append=
export MEM QEMU_ARGS APPEND="$append ${APPEND:-}"

release="Linux $(base_get UPSTREAM | sed 's/^v//')"
if [ $build = 1 ]; then
	step "kernel tree: $release with $(series_dir)patches/ applied" - "$S/tree.sh"
	what="$release, configs ${fragments//,/ }"
	step "build the kernel ($what)" "$obj/build.log" "$S/kernel.sh" "$fragments"
	if [ "$kernel" != "$obj" ]; then
		step "build the base kernel, without the series ($what)" "$kernel/build.log" \
			"$S/base-kernel.sh" "$fragments"
	fi
	step "build the mm kselftests" "$obj/kselftest.log" "$S/selftests.sh" "$obj"
	step "pack the guest initramfs" "$initramfs.d" "$S/initramfs.sh" "$obj" "$initramfs"
fi
[ $boot = 1 ] || exit 0

# A boot that fails or times out is judged all the same: its partial log
# shows how far it came.
if "$S/boot.sh" "$kernel/arch/x86/boot/bzImage" "$initramfs" "$plan" "$log" >&2; then
	verdict PASS "boot in QEMU with plan $plan ($MEM)"
else
	verdict FAIL "boot in QEMU with plan $plan ($MEM) (log: ${log#"$TOP"/})"
fi

"$S/results.py" "$log" --plan "$plan" --judge "$judge" --tree "$TREE" >"$log.verdicts" || rc=1
sed "s/^\(PASS\|FAIL\|SKIP\): /\1: $name: /" "$log.verdicts"

# The kernel that ran is the base's release (the banner's '+' marks a
# tree with commits on top of the base).
ver=$(kernel_version "$log")
if [ "${ver%+}" = "${release#Linux }" ]; then
	verdict PASS "the kernel that ran reports $release (banner: $ver)"
else
	verdict FAIL "the kernel that ran reports $release (banner: ${ver:-none}; log: ${log#"$TOP"/})"
fi
exit $rc
