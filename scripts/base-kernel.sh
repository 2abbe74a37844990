#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: base-kernel.sh FRAGMENTS
# Build the base kernel, without the series, from the same configuration
# fragments as a patched kernel (options the base does not know are
# reported and ignored), in build/obj/unpatched-NAME (NAME: obj_name
# FRAGMENTS). The base is checked out from the tree's 'base' tag in a
# worktree, build/base/linux.
. "$(dirname "$0")/lib.sh"

wt=$BUILD/base/linux
git -C "$TREE" worktree prune
[ -d "$wt" ] || git -C "$TREE" worktree add -q --detach "$wt" base
git -C "$wt" checkout -q --detach base
TREE=$wt UNKNOWN_OK=1 "$TOP/scripts/kernel.sh" "$1" "unpatched-$(obj_name "$1")"
