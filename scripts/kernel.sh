#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: kernel.sh FLAVOUR [NAME]
# Configure (see flavour_fragments in lib.sh) and build the bzImage of
# one kernel flavour of $TREE in build/obj/NAME (default: FLAVOUR). The
# configuration is made in a side directory and copied in only when it
# changed, so an unchanged configuration does not trigger a rebuild.
. "$(dirname "$0")/lib.sh"

flavour=$1
obj=$BUILD/obj/${2:-$flavour}
# shellcheck disable=SC2046
"$TOP/scripts/config.sh" "$obj.kconfig" $(flavour_fragments "$flavour")
mkdir -p "$obj"
cmp -s "$obj.kconfig/.config" "$obj/.config" || cp "$obj.kconfig/.config" "$obj/.config"
"$TOP/scripts/build.sh" "$obj" bzImage
