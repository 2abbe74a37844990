#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: config.sh OBJDIR FRAGMENT...
# Write OBJDIR/.config: tinyconfig with the fragments of configs/ merged
# on top by the kernel's merge_config.sh, then $SERIES/kernel.config if
# the series has one (what its base kernel names differently: the 6.12
# backport's CONFIG_PROC_SYSCTL, which 7.3 folded into CONFIG_SYSCTL),
# and check that every option a fragment asks for is in the result (a
# dropped option fails by name).
# With UNKNOWN_OK=1 (bisect builds of a series prefix), an option that no
# Kconfig file of the tree defines yet is only reported.
. "$(dirname "$0")/lib.sh"

obj=$(realpath -m "$1")
shift
frags=()
for f in "$@"; do
	[ -f "$TOP/configs/$f.config" ] || die "no such config fragment: configs/$f.config"
	frags+=("$TOP/configs/$f.config")
done
[ ! -f "$SERIES/kernel.config" ] || frags+=("$SERIES/kernel.config")
mkdir -p "$obj"
log=$obj/config.log

run_logged "$log" "tinyconfig failed" make -C "$TREE" O="$obj" ARCH="$KARCH" tinyconfig
run_logged "$log.merge" "merge_config.sh failed" \
	"$TREE/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${frags[@]}"
run_logged "$log.olddefconfig" "olddefconfig failed" \
	make -C "$TREE" O="$obj" ARCH="$KARCH" olddefconfig

# The option lines of the fragments; a later fragment overrides an earlier
# one (as in merge_config.sh), so only the last line for each option.
requested() {
	grep -hE '^(CONFIG_[A-Za-z0-9_]+=|# CONFIG_[A-Za-z0-9_]+ is not set)' "$@" |
		tac | awk '{ s = $1 == "#" ? $2 : substr($1, 1, index($1, "=") - 1) }
			   !seen[s]++' | tac
}

# Every CONFIG_X=v and '# CONFIG_X is not set' line must survive.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF "$line" "$obj/.config" && continue
		sym=${line%%=*}
		;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }
		sym=${sym%% *}
		! grep -q "^$sym=" "$obj/.config" && continue
		;;
	*) continue ;;
	esac
	if [ "${UNKNOWN_OK:-0}" = 1 ] &&
	   ! grep -rqx --include='Kconfig*' "\(menu\)\?config ${sym#CONFIG_}" "$TREE"; then
		echo "config: $sym is not defined in this tree yet: ignored" >&2
		continue
	fi
	got=$(grep -E "^($sym=|# $sym is not set)" "$obj/.config" || echo "absent (missing dependency?)")
	echo "config: $sym requested as '$line', got: $got" >&2
	bad=1
done < <(requested "${frags[@]}")
[ $bad = 0 ] || die "the kernel configuration dropped requested options (see above)"
