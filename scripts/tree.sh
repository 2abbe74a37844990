#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Make the kernel tree of a series (build/linux; build/v6.12/linux
# with SERIES=backports/v6.12): the untouched Debian kernel source
# committed as the base commit (tag 'base'), which must have the tree
# and commit ids BASE records, with every patch of patches/ applied by
# 'git am'. An existing tree is reused when its commits base..HEAD are
# the series in patches/; RESET=1 rebuilds it from patches/.
. "$(dirname "$0")/lib.sh"

RESET=${RESET:-0}

# Identity and date of the base commit are fixed so that its commit id
# is the same on every machine for the same source package.
make_base() {
	local tmp=$TREE.unpack tarball ver src
	src=$("$TOP/scripts/fetch-source.sh") ||
		die "cannot fetch $(base_get DEBIAN_PACKAGE) $(base_get DEBIAN_VERSION)"
	read -r tarball ver <<<"$src"
	say "unpacking $(basename "$tarball") ($ver)"
	rm -rf "$tmp"
	mkdir -p "$tmp"
	tar -xf "$tarball" -C "$tmp" --strip-components=1
	say "committing the base tree"
	# Debian's top-level .gitignore ignores '/*': add with -f.
	(
		cd "$tmp"
		git init -q -b master
		git add -A -f
		GIT_AUTHOR_NAME=linux-source GIT_AUTHOR_EMAIL=linux-source@localhost \
		GIT_COMMITTER_NAME=linux-source GIT_COMMITTER_EMAIL=linux-source@localhost \
		GIT_AUTHOR_DATE='2000-01-01T00:00:00Z' GIT_COMMITTER_DATE='2000-01-01T00:00:00Z' \
			git commit -q -m "Debian $(base_get DEBIAN_PACKAGE) $ver"
		git tag base
		git config user.email >/dev/null || git config user.email workbench@localhost
		git config user.name >/dev/null || git config user.name workbench
	)
	check_base_id "$tmp"
	rm -rf "$TREE"
	mv "$tmp" "$TREE"
}

# check_base_id DIR: the base committed in DIR must be the one the series
# and its cover letter name (checked before DIR becomes the tree, so that
# a wrong base is never reused).
check_base_id() {
	local have want
	have="$(git -C "$1" rev-parse 'base^{tree}') $(git -C "$1" rev-parse base)"
	want="$(base_get BASE_TREE) $(base_get BASE_COMMIT)"
	[ "$have" = "$want" ] ||
		die "base tree and commit are $have; ${BASE_FILE#"$TOP"/} records $want"
}

# Patch ids of a stream of patches, sorted; used to compare the tree
# with patches/.
patch_ids() { git patch-id --stable | cut -d' ' -f1 | sort; }

tree_matches_series() {
	local a b
	a=$(git -C "$TREE" log -p --reverse base..HEAD | patch_ids)
	b=$(series_patches | xargs -r cat | patch_ids)
	[ "$a" = "$b" ] && [ "$(git -C "$TREE" rev-list --count base..HEAD)" = "$(series_patches | wc -l)" ]
}

apply_series() {
	local p out
	for p in $(series_patches); do
		if ! out=$(git -C "$TREE" am --whitespace=error "$p" 2>&1); then
			git -C "$TREE" am --abort >/dev/null 2>&1 || true
			printf '%s\n' "$out" |
				grep -vE '^hint:|resolved this problem|to skip this patch|restore the original branch' >&2
			die "patch $(basename "$p") does not apply to the base tree"
		fi
	done
	say "series applied: $(series_patches | wc -l) patch(es) on base"
}

if [ ! -d "$TREE/.git" ] || ! git -C "$TREE" rev-parse -q --verify base >/dev/null; then
	make_base
	apply_series
	exit 0
fi

if tree_matches_series; then
	exit 0
fi

if [ "$RESET" != 1 ]; then
	cat >&2 <<MSG
${TREE#"$TOP"/} has commits base..HEAD that differ from ${PATCHES#"$TOP"/}/.
  'make export'        writes the tree's commits into patches/, or
  'make tree RESET=1'  rebuilds the tree from patches/ (the current
                       HEAD is kept on a branch named saved-<date>).
MSG
	die "kernel tree and patches/ disagree"
fi

[ -z "$(git -C "$TREE" status --porcelain --untracked-files=no)" ] ||
	die "${TREE#"$TOP"/} has uncommitted changes; commit or stash them first"
saved=saved-$(date +%Y%m%d-%H%M%S)
git -C "$TREE" branch "$saved"
say "rebuilding the tree from patches/ (old HEAD kept as branch $saved)"
git -C "$TREE" am --abort >/dev/null 2>&1 || true
git -C "$TREE" reset -q --hard base
apply_series
