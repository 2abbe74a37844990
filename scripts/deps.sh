#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: deps.sh [PACKAGE...]
# Install the Debian packages the workbench needs, and the PACKAGEs a
# target needs on top (e.g. the static checkers). Idempotent: when
# everything is present it only runs dpkg-query and exits. The kernel
# source package of BASE is fetched by fetch-source.sh.
. "$(dirname "$0")/lib.sh"

PACKAGES=(
	build-essential bc bison flex libelf-dev libssl-dev kmod cpio xz-utils
	rsync perl python3 git ccache	# kernel build
	python3-ply python3-git		# checkpatch.pl (spdxcheck.py)
	qemu-system-x86			# guest
	busybox-static bash-static	# guest userland (bash: run_vmtests.sh)
	libcap-dev libnuma-dev		# mm kselftests (static)
	librsvg2-bin			# make bench: PNG of the direct-map pictures
	debian-archive-keyring		# fetch-source.sh: signed suites
	"$@"
)
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive

missing=()
for p in "${PACKAGES[@]}"; do
	[ -n "$(installed_version "$p")" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

say "installing packages: ${missing[*]}"
run_logged "$LOGS/apt-update.log" "apt-get update failed" $SUDO apt-get update

for p in "${missing[@]}"; do
	apt-cache show "$p" >/dev/null 2>&1 ||
		die "package '$p' is not available from apt (see apt sources)"
done

run_logged "$LOGS/apt-install.log" "apt-get install failed" \
	$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
