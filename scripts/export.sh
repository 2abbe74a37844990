#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Write patches/ from the kernel tree's commits base..HEAD with
# 'git format-patch --cover-letter --base', keeping the subject and text
# of the existing cover letter, and copy every file the series adds into
# this repository at its in-tree path (removing copies it no longer adds).
. "$(dirname "$0")/lib.sh"

t=${TREE#"$TOP"/}
[ -d "$TREE/.git" ] || die "no kernel tree at $t: run 'make tree'"
[ -z "$(git -C "$TREE" status --porcelain --untracked-files=no)" ] ||
	die "$t has uncommitted changes: commit them first"
branch=$(git -C "$TREE" symbolic-ref -q --short HEAD) ||
	die "$t is on a detached HEAD: check out a branch first"
n=$(git -C "$TREE" rev-list --count base..HEAD)

# The cover letter text: subject, blank line, body. format-patch takes it
# from the branch description.
cover=$PATCHES/0000-cover-letter.patch
desc=$(mktemp)
trap 'rm -f "$desc" "$desc.msg" "$desc.patch"' EXIT
if [ -f "$cover" ]; then
	git mailinfo "$desc.msg" "$desc.patch" <"$cover" |
		sed -n 's/^Subject: //p' >"$desc"
	echo >>"$desc"
	# The body ends where format-patch's shortlog ('Name (N):') starts.
	awk 'prev == "" && /^[^ ].* \([0-9]+\):$/ { exit } { print; prev = $0 }' \
		"$desc.msg" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >>"$desc"
else
	printf '*** SUBJECT HERE ***\n\n*** BLURB HERE ***\n' >"$desc"
fi

mkdir -p "$PATCHES"
find "$PATCHES" -maxdepth 1 -name '*.patch' ! -name 0000-cover-letter.patch -delete
if [ "$n" -gt 0 ]; then
	rm -f "$cover"
	git -C "$TREE" config "branch.$branch.description" "$(cat "$desc")"
	git -C "$TREE" format-patch -q --cover-letter --cover-from-description=subject \
		--subject-prefix="$(base_get SUBJECT_PREFIX | grep . || echo PATCH)" \
		--base=base -o "$PATCHES" base..HEAD
fi

# Mirror the files the series adds.
mapfile -t added < <(git -C "$TREE" diff --name-only --diff-filter=A base HEAD)
for f in "${added[@]}"; do
	mkdir -p "$SERIES/$(dirname "$f")"
	cp -p "$TREE/$f" "$SERIES/$f"
done
for f in $(stale_copies "${added[@]}"); do
	rm "$SERIES/$f"
	say "removed stale copy $f"
done
say "exported $n patch(es) and ${#added[@]} added file(s)"
