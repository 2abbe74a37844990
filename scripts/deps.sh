#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: deps.sh [PACKAGE...]
# Install the Debian packages the workbench needs, and the PACKAGEs a
# target needs on top (e.g. the static checkers). Idempotent: when
# everything is present it only runs dpkg-query and exits.
. "$(dirname "$0")/lib.sh"

PACKAGES=(
	build-essential bc bison flex libelf-dev libssl-dev kmod cpio xz-utils
	rsync perl python3 git ccache	# kernel build
	python3-ply python3-git		# checkpatch.pl (spdxcheck.py)
	qemu-system-x86			# guest
	busybox-static			# guest userland
	libcap-dev libnuma-dev		# mm kselftests (static)
	librsvg2-bin			# make bench: PNG of the direct-map pictures
	"$@"
)
SRC_PKG=$(base_get DEBIAN_PACKAGE)
SRC_VER=$(base_get DEBIAN_VERSION)

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive

installed_version() {
	dpkg-query -W -f='${db:Status-Abbrev} ${Version}\n' "$1" 2>/dev/null |
		sed -n 's/^ii *//p'
}

missing=()
for p in "${PACKAGES[@]}"; do
	[ -n "$(installed_version "$p")" ] || missing+=("$p")
done
want_src="$SRC_PKG=$SRC_VER"
[ "$(installed_version "$SRC_PKG")" = "$SRC_VER" ] && want_src=

[ ${#missing[@]} -eq 0 ] && [ -z "$want_src" ] && exit 0

say "installing packages: ${missing[*]} ${want_src}"
run_logged "$LOGS/apt-update.log" "apt-get update failed" $SUDO apt-get update

for p in "${missing[@]}"; do
	apt-cache show "$p" >/dev/null 2>&1 ||
		die "package '$p' is not available from apt (see apt sources)"
done

if [ -n "$want_src" ] &&
   ! apt-cache madison "$SRC_PKG" | awk '{print $3}' | grep -qxF "$SRC_VER"; then
	cat >&2 <<MSG
WARNING: $SRC_PKG version $SRC_VER (the version in BASE) is no longer
WARNING: offered by apt; falling back to the newest $SRC_PKG. The series
WARNING: may not apply, and the base tree id will differ from BASE.
MSG
	apt-cache show "$SRC_PKG" >/dev/null 2>&1 ||
		die "package '$SRC_PKG' is not available from apt (see apt sources)"
	want_src=$SRC_PKG
fi

run_logged "$LOGS/apt-install.log" "apt-get install failed" \
	$SUDO apt-get install -y --no-install-recommends --allow-downgrades "${missing[@]}" $want_src
