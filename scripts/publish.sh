#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# 'make publish': copy the reports the benchmarks wrote under build/
# into the series' docs/bench/ (docs/bench/ at the top,
# backports/v6.12/docs/bench/ for the backport), where the README and
# docs/results.md link to them. The benchmarks themselves write only
# under build/. Only complete reports are copied: each must carry the
# stamp of the series and base it measured (series_stamp) and must not
# say it is incomplete; a report that was not made is left as it is.
. "$(dirname "$0")/lib.sh"

# Report under the series' build directory -> published name; the files
# listed after it go along with it (the pictures of make bench).
REPORTS="
bench/bench.md			bench.md	bench/direct-map-base.svg bench/direct-map-patched.svg bench/direct-map-base.png bench/direct-map-patched.png
cache-bench.md			cache-bench.md
reliability/report.md		reliability.md
"

# Check every report first, so that a bad one publishes nothing.
reports=()
while read -r report name extras; do
	[ -n "$report" ] && [ -f "$BUILD/$report" ] || continue
	src=$BUILD/$report
	grep -q 'patches of .*patches/ (tree commit' "$src" ||
		die "${src#"$TOP"/} has no stamp of the series it measured; nothing published"
	! grep -q '^Incomplete run' "$src" ||
		die "${src#"$TOP"/} is from an incomplete run; nothing published"
	reports+=("$report $name $extras")
done <<<"$REPORTS"
[ ${#reports[@]} -gt 0 ] ||
	die "nothing to publish: run make bench, make cache-bench or make reliability first"

pub=$SERIES/docs/bench
mkdir -p "$pub"
for r in "${reports[@]}"; do
	read -r report name extras <<<"$r"
	cp "$BUILD/$report" "$pub/$name"
	for e in $extras; do
		[ ! -f "$BUILD/$e" ] || cp "$BUILD/$e" "$pub/"
	done
	say "published ${BUILD#"$TOP"/}/$report as ${pub#"$TOP"/}/$name"
done
