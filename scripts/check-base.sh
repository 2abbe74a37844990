#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: check-base.sh BASEFILE
# Fetch the kernel source that BASEFILE (BASE's format) names, commit it
# as tree.sh commits a base (in build/bases/NAME/linux, no patches), and
# check the result against the BASE_TREE and BASE_COMMIT it records.
# Prints one PASS or FAIL line; exits 1 on failure.
. "$(dirname "$0")/lib.sh"

BASE_FILE=$(realpath "$1")
export BASE_FILE
what="base $(base_get DEBIAN_PACKAGE) $(base_get DEBIAN_VERSION)"
suite=$(base_get DEBIAN_SUITE)
[ -z "$suite" ] || what="$what (from $suite)"
tree=$BUILD/bases/$(basename "$BASE_FILE")/linux

if ! TREE=$tree PATCHES=/nonexistent "$TOP/scripts/tree.sh" >&2; then
	echo "FAIL: $what: cannot be fetched and committed"
	exit 1
fi
have="$(git -C "$tree" rev-parse 'base^{tree}') $(git -C "$tree" rev-parse base)"
want="$(base_get BASE_TREE) $(base_get BASE_COMMIT)"
if [ "$have" != "$want" ]; then
	echo "FAIL: $what: tree and commit $have, $(basename "$BASE_FILE") records $want"
	exit 1
fi
echo "PASS: $what: fetched, verified and committed as base ${want#* }"
