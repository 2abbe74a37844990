#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: kernel.sh FRAGMENTS [NAME]
# Configure (tinyconfig with the comma-separated FRAGMENTS of configs/
# merged on top) and build the bzImage of $TREE in build/obj/NAME
# (default: obj_name FRAGMENTS, e.g. base-debug-test). The configuration
# is made in a side directory and copied in only when it changed, so an
# unchanged configuration does not trigger a rebuild.
. "$(dirname "$0")/lib.sh"

obj=$BUILD/obj/${2:-$(obj_name "$1")}
# shellcheck disable=SC2086 # one word per fragment
"$TOP/scripts/config.sh" "$obj.kconfig" ${1//,/ }
mkdir -p "$obj"
cmp -s "$obj.kconfig/.config" "$obj/.config" || cp "$obj.kconfig/.config" "$obj/.config"
"$TOP/scripts/build.sh" "$obj" bzImage
