#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Prove that the copies of the files the series adds are byte-identical
# (and of the same mode) to what applying patches/ to the base produces,
# and that no stale copy remains. The series is applied to a temporary
# index, so the kernel tree's work tree and HEAD are not touched.
. "$(dirname "$0")/lib.sh"

export GIT_INDEX_FILE=$BUILD/check-sync.index
trap 'rm -f "$GIT_INDEX_FILE"' EXIT
git -C "$TREE" read-tree base
for p in $(series_patches); do
	git -C "$TREE" apply --cached "$p" 2>/dev/null ||
		die "patch $(basename "$p") does not apply to the base"
done
tree=$(git -C "$TREE" write-tree)
mapfile -t added < <(git -C "$TREE" diff-tree -r --name-only --diff-filter=A base "$tree")

bad=0
for f in "${added[@]}"; do
	if [ ! -f "$SERIES/$f" ]; then
		echo "check-sync: $f is added by the series but has no copy here" >&2
		bad=1
		continue
	fi
	want=$(git -C "$TREE" rev-parse "$tree:$f")
	have=$(git hash-object "$SERIES/$f")
	[ "$want" = "$have" ] ||
		{ echo "check-sync: $f differs from the series" >&2; bad=1; }
	mode=$(git -C "$TREE" ls-tree "$tree" -- "$f" | cut -d' ' -f1)
	x=; [ -x "$SERIES/$f" ] && x=x
	case "$mode:$x" in
	100755: | 100644:x)
		echo "check-sync: $f has mode $mode in the series, not here" >&2
		bad=1
		;;
	esac
done
for f in $(stale_copies "${added[@]}"); do
	echo "check-sync: $f is a stale copy: the series does not add it" >&2
	bad=1
done
[ $bad = 0 ] || die "copies are out of sync with patches/: run 'make export'"
say "check-sync: ${#added[@]} added file(s) match patches/"
