#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: pageflags-layout.sh [CONFIG]   (default: amd64_none_amd64)
# What PG_unmapped costs on a distribution kernel: the layout of
# page->flags for Debian's configuration CONFIG of the base (package
# linux-config-X.Y of the same version and suite as BASE, fetched and
# verified like the source), with CONFIG_UNMAPPED_ALLOC on and off. Only
# the kernel's 'prepare' step and scripts/pageflags-probe.c are built,
# in a work tree of the series, build/pageflags/. Prints one line per
# setting: the number of page flags and the width of every other field.
. "$(dirname "$0")/lib.sh"

config=${1:-amd64_none_amd64}
pkg=$(base_get DEBIAN_PACKAGE | sed 's/^linux-source-/linux-config-/')
out=$BUILD/pageflags
wt=$out/linux

"$TOP/scripts/tree.sh" >&2
read -r dir _ < <("$TOP/scripts/fetch-source.sh" "$pkg" "usr/src/$pkg")
[ -f "$dir/config.$config.xz" ] ||
	die "$pkg has no config.$config.xz (has: $(ls "$dir" | tr '\n' ' '))"
git -C "$TREE" worktree prune
[ -d "$wt" ] || git -C "$TREE" worktree add -q --detach "$wt" HEAD
git -C "$wt" checkout -q --detach "$(git -C "$TREE" rev-parse HEAD)"
cp "$TOP/scripts/pageflags-probe.c" "$wt/mm/pageflags-probe.c"

echo "page->flags of $pkg $(base_get DEBIAN_VERSION) config.$config with the series:"
for opt in y n; do
	obj=$out/obj-$opt
	mkdir -p "$obj"
	xz -dc "$dir/config.$config.xz" >"$obj/.config"
	# Debian signs with keys that are not in the source package.
	sed -i -e 's/^CONFIG_SYSTEM_TRUSTED_KEYS=.*/CONFIG_SYSTEM_TRUSTED_KEYS=""/' \
	       -e 's/^CONFIG_MODULE_SIG_KEY=.*/CONFIG_MODULE_SIG_KEY=""/' "$obj/.config"
	echo "CONFIG_UNMAPPED_ALLOC=$opt" >>"$obj/.config"
	run_logged "$obj/probe.log" "preparing $config failed" \
		sh -c "make -C '$wt' O='$obj' olddefconfig &&
		       make -C '$wt' O='$obj' -j'$JOBS' mm/pageflags-probe.s"
	got=$(grep -c "^CONFIG_UNMAPPED_ALLOC=y" "$obj/.config" || true)
	[ "$got" = "$([ $opt = y ] && echo 1 || echo 0)" ] ||
		die "CONFIG_UNMAPPED_ALLOC=$opt did not stick in $config"
	printf 'CONFIG_UNMAPPED_ALLOC=%s:' "$opt"
	sed -n 's/^.*"->\([A-Z_]*\) \$\([0-9]*\) .*/ \1=\2/p' "$obj/mm/pageflags-probe.s" | tr -d '\n'
	echo
done
