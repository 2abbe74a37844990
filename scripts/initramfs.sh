#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: initramfs.sh OBJDIR OUTPUT
# Pack the guest: static busybox and bash, guest/ (init, helpers, plans), the
# programs of guest/src built static, and the mm kselftests of OBJDIR
# when they were built.
. "$(dirname "$0")/lib.sh"

obj=$(realpath -m "$1")
out=$2
root=$out.d
rm -rf "$root"
mkdir -p "$root"/{bin,lib,plans,proc,sys,dev,tmp}

cp /bin/busybox "$root/bin/busybox"
cp /bin/bash-static "$root/bin/bash"	# run_vmtests.sh is a bash script
for applet in $(/bin/busybox --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
install -m 755 "$TOP/guest/init" "$root/init"
install -m 644 "$TOP/guest/guest.sh" "$root/lib/guest.sh"
install -m 755 "$TOP/guest/show-direct-map" "$TOP/guest/dump-direct-map" "$root/bin/"
install -m 644 "$TOP/guest/plans/"* "$root/plans/"
for src in "$TOP"/guest/src/*.c; do
	[ -e "$src" ] || continue
	gcc -static -O2 -Wall -Wextra -Werror -o "$root/bin/$(basename "$src" .c)" "$src" ||
		die "building $(basename "$src") failed"
done
if [ -d "$obj/kselftest/mm" ]; then
	mkdir -p "$root/kselftest"
	cp -a "$obj/kselftest/mm" "$root/kselftest/"
fi

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$out"
