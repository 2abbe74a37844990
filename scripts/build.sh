#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: build.sh OBJDIR [TARGET...]
# Build the kernel configured in OBJDIR (default target: bzImage) out of
# tree, with ccache and all cores. The log is OBJDIR/build.log.
. "$(dirname "$0")/lib.sh"

obj=$(realpath -m "$1")
shift
[ $# -gt 0 ] || set -- bzImage
ccache --max-size=8G >/dev/null
say "building $* in ${obj#"$TOP"/} ($JOBS jobs)"
run_logged "$obj/build.log" "kernel build failed" \
	make -C "$TREE" O="$obj" ARCH="$KARCH" -j"$JOBS" \
		CROSS_COMPILE="$CROSS_COMPILE" CC="ccache ${CROSS_COMPILE}gcc" \
		HOSTCC="ccache gcc" "$@"
