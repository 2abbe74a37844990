#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: cross-build.sh [TARGET...]   (default: i386 arm64)
# Build-only configurations where the architecture does not select the
# unmapped-page cache: i386 (native compiler, -m32) and arm64 (Debian's
# gcc-aarch64-linux-gnu). Each is tinyconfig + configs/debug.config +
# configs/TARGET.config, built in build/obj/cross-TARGET; a build error
# or any compiler warning fails it. Prints one PASS/FAIL line per target.
. "$(dirname "$0")/lib.sh"

[ $# -gt 0 ] || set -- i386 arm64
rc=0
for target in "$@"; do
	case $target in
	i386) karch=i386 cross= image=bzImage ;;
	arm64) karch=arm64 cross=aarch64-linux-gnu- image=Image
	       "$TOP/scripts/deps.sh" gcc-aarch64-linux-gnu ;;
	*) die "unknown cross-build target '$target'" ;;
	esac
	obj=$BUILD/obj/cross-$target
	if KARCH=$karch CROSS_COMPILE=$cross "$TOP/scripts/config.sh" "$obj" debug "$target" &&
	   KARCH=$karch CROSS_COMPILE=$cross "$TOP/scripts/build.sh" "$obj" "$image" &&
	   ! grep -q 'warning:' "$obj/build.log"; then
		echo "PASS: build-only $target ($image, no warning)"
	else
		grep 'warning:\|error:' "$obj/build.log" 2>/dev/null | head -n 20 | sed 's/^/    /'
		echo "FAIL: build-only $target (log: ${obj#"$TOP"/}/build.log)"
		rc=1
	fi
done
exit $rc
