#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: fetch-source.sh [PACKAGE FILE]
# Make the Debian kernel source package named in $BASE_FILE (default:
# BASE) available and print 'TARBALL VERSION': the path of its
# linux-source tarball and the package version it came from. With
# PACKAGE and FILE: the same for another package of the same version
# and suite (e.g. linux-config-7.3), printing the path of its FILE
# (e.g. usr/src/linux-config-7.3).
#
# Without DEBIAN_SUITE the package comes from this machine's apt sources
# and is installed (into /usr/src). With DEBIAN_SUITE (e.g.
# trixie-backports) it comes from that suite of the same Debian archive,
# through apt state of its own in build/apt/SUITE that leaves the
# machine's apt configuration alone: the archive address is the one of
# the machine's Debian sources, the suite's Release file is verified
# with Debian's archive keyring, and apt checks the package against it.
# The package is unpacked under build/src. When the pinned version is no
# longer offered, this says so and names the newest one it can see.
. "$(dirname "$0")/lib.sh"

PKG=${1:-$(base_get DEBIAN_PACKAGE)}
FILE=${2:-usr/src/$PKG.tar.xz}
VER=$(base_get DEBIAN_VERSION)
SUITE=$(base_get DEBIAN_SUITE)
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive

# offers VERSION: whether the 'apt-cache madison' lines on stdin name
# VERSION (read to the end: no writer is left to die of SIGPIPE).
offers() { awk -v v="$1" '$3 == v { found = 1 } END { exit !found }'; }

# The package from the machine's own apt sources, installed.
from_system() {
	local have
	have=$(installed_version "$PKG")
	if [ "$have" != "$VER" ]; then
		say "installing $PKG=$VER" >&2
		run_logged "$LOGS/apt-update.log" "apt-get update failed" $SUDO apt-get update
		local want="$PKG=$VER"
		if ! apt-cache madison "$PKG" | offers "$VER"; then
			echo "WARNING: $PKG $VER (BASE) is no longer offered; using the newest: $(newest)" >&2
			want=$PKG
		fi
		run_logged "$LOGS/apt-install.log" "apt-get install $want failed" \
			$SUDO apt-get install -y --no-install-recommends --allow-downgrades "$want"
		have=$(installed_version "$PKG")
	fi
	echo "/$FILE $have"
}

# newest [APT-OPTION...]: the newest version of the package apt offers.
newest() {
	apt-cache "$@" madison "$PKG" | awk '{print $3}' | sort -V | tail -n1 | grep . ||
		echo none
}

# The Debian archive of the machine's sources (deb822 or one-line form).
archive_uri() {
	local uris
	uris=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list \
		   /etc/apt/sources.list.d/*.list 2>/dev/null || true)
	printf '%s\n' "$uris" | awk '
		/^URIs:/ { print $2 }
		/^deb / { sub(/\[[^]]*\] */, ""); print $2 }' |
		grep -v -- '-security' | sed -n 1p
}

# The package from DEBIAN_SUITE, downloaded and unpacked under build/.
from_suite() {
	local state=$BUILD/apt/$SUITE uri out=$BUILD/src/$PKG-$VER deb
	local apt=(-o "Dir::Etc::sourcelist=$state/sources.list"
		   -o "Dir::Etc::sourceparts=/nonexistent"
		   -o "Dir::State::Lists=$state/lists"
		   -o "Dir::Cache=$state/cache")
	local tarball=$out/$FILE

	if [ -e "$tarball" ]; then
		echo "$tarball $VER"
		return
	fi
	[ -f "$KEYRING" ] || die "$KEYRING is missing (package debian-archive-keyring)"
	uri=$(archive_uri)
	[ -n "$uri" ] || die "no Debian archive in this machine's apt sources"
	mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$BUILD/src"
	echo "deb [signed-by=$KEYRING] $uri $SUITE main" >"$state/sources.list"
	say "fetching the package list of $SUITE" >&2
	run_logged "$LOGS/apt-update-$SUITE.log" "apt-get update of $SUITE failed" \
		apt-get "${apt[@]}" update
	if ! apt-cache "${apt[@]}" madison "$PKG" | offers "$VER"; then
		die "$PKG $VER (BASE) is no longer offered by $SUITE; newest there: $(newest "${apt[@]}")"
	fi
	say "downloading $PKG $VER from $SUITE" >&2
	(cd "$state/cache/archives" &&
	 run_logged "$LOGS/apt-download-$SUITE.log" "downloading $PKG=$VER failed" \
		apt-get "${apt[@]}" download "$PKG=$VER")
	deb=$(find "$state/cache/archives" -maxdepth 1 -name "${PKG}_*.deb" | head -n1)
	rm -rf "$out.tmp"
	dpkg-deb -x "$deb" "$out.tmp"
	[ -e "$out.tmp/$FILE" ] || die "$deb has no $FILE"
	rm -rf "$out"
	mv "$out.tmp" "$out"
	rm -f "$deb"
	echo "$tarball $VER"
}

mkdir -p "$LOGS"
if [ -z "$SUITE" ]; then
	from_system
else
	from_suite
fi
