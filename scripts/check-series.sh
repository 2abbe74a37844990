#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# 'make check-series': the static checks of the whole series
# (static-checks.sh), the series' KUnit suites through kunit.py run with
# their .kunitconfig files (kunit.sh), then build every prefix of the
# series (bisectability) in a separate work tree, with the kernel of each
# configuration in $CONFIGS (configurations.txt; default: test and off,
# the feature on and off). Prints one PASS or FAIL line per check,
# prefix and kernel.
. "$(dirname "$0")/lib.sh"

CONFIGS=${CONFIGS:-test off}
# The same layout as build/ (linux/ next to obj/), so that with
# CCACHE_BASEDIR the compiler sees the same relative paths and the
# prefixes share the cache with the main build.
series=$BUILD/series
wt=$series/linux
n=$(series_patches | wc -l)
if [ "$n" = 0 ]; then
	echo "SKIP: check-series: the series is empty"
	exit 0
fi

fail=0
"$TOP/scripts/static-checks.sh" || fail=1
"$TOP/scripts/kunit.sh" || fail=1

git -C "$TREE" worktree prune
mkdir -p "$series"
[ -d "$wt" ] || git -C "$TREE" worktree add -q --detach "$wt" base
for config in $CONFIGS; do
	fragments=$(config_get "$config" fragments)
	for i in $(seq 1 "$n"); do
		rev=$(git -C "$TREE" rev-list --reverse base..HEAD | sed -n "${i}p")
		git -C "$wt" checkout -q --detach "$rev"
		what="prefix $i/$n ($(git -C "$wt" log -1 --format=%s)) builds, kernel of $config"
		if TREE=$wt BUILD=$series UNKNOWN_OK=1 "$TOP/scripts/kernel.sh" "$fragments" >/dev/null; then
			echo "PASS: $what"
		else
			echo "FAIL: $what (log: build/series/obj/$(obj_name "$fragments")/build.log)"
			fail=1
		fi
	done
done
exit $fail
