#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run the kernel's 'checkpatch.pl --strict' on every patch of the series.
# Any ERROR, WARNING or CHECK fails, unless checkpatch-allow.txt covers
# it (patch glob, message type, and a reason). Prints one PASS or FAIL
# line per patch; exits 1 when any patch fails.
. "$(dirname "$0")/lib.sh"

allow=$TOP/checkpatch-allow.txt
while read -r glob type reason; do
	case "$glob" in '' | '#'*) continue ;; esac
	[ -n "$type" ] && [ -n "$reason" ] ||
		die "checkpatch-allow.txt: entry '$glob $type' has no reason"
done <"$allow"

allowed() {	# allowed PATCH TYPE
	local glob type reason
	while read -r glob type reason; do
		case "$glob" in '' | '#'*) continue ;; esac
		# shellcheck disable=SC2254
		case "$1" in $glob) [ "$type" = "$2" ] && return 0 ;; esac
	done <"$allow"
	return 1
}

fail=0
for p in $(series_patches); do
	name=${p#"$TOP"/}
	out=$(cd "$TREE" && scripts/checkpatch.pl --strict --show-types --color=never "$p" 2>&1) || true
	bad=()
	while IFS= read -r line; do
		type=$(sed -E 's/^(ERROR|WARNING|CHECK):([A-Z0-9_]+):.*/\2/' <<<"$line")
		allowed "$name" "$type" || bad+=("$line")
	done < <(grep -E '^(ERROR|WARNING|CHECK):[A-Z0-9_]+:' <<<"$out")
	if [ ${#bad[@]} -eq 0 ]; then
		echo "PASS: checkpatch --strict $name"
	else
		echo "FAIL: checkpatch --strict $name:"
		printf '    %s\n' "${bad[@]}"
		fail=1
	fi
done
exit $fail
