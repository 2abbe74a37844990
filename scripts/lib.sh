# SPDX-License-Identifier: GPL-2.0
# Shared settings and helpers for the scripts in this directory.
# Source it; do not run it.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# A series is a directory with BASE (the kernel it applies to), patches/
# and copies of the files it adds at their in-tree paths: this repository
# itself for the product (on mainline), backports/v6.12/ for v1 on the
# 6.12 LTS kernel. SERIES (default: the top) selects one; relative to
# the top.
SERIES=$(cd "$TOP" && realpath "${SERIES:-.}")

# The backports: series directories under backports/.
backports() { find "$TOP/backports" -mindepth 1 -maxdepth 1 -type d | sort; }

# series_dir: the series' directory relative to the top, with a
# trailing slash (empty for the top): for names in reports.
series_dir() {
	local d=${SERIES#"$TOP"}
	d=${d#/}
	echo "${d:+$d/}"
}

# series_stamp: what a report measured: the series' patches, the tree
# commit and the base package.
series_stamp() {
	echo "$(series_patches | wc -l) patches of $(series_dir)patches/" \
		"(tree commit $(git -C "$TREE" rev-parse --short HEAD))" \
		"on $(base_get DEBIAN_PACKAGE) $(base_get DEBIAN_VERSION)"
}

# series_build DIR: the scratch directory of the series in DIR: build/
# for the top, build/NAME for a series in .../NAME/ (build/v6.12/).
series_build() {
	if [ "$1" = "$TOP" ]; then echo "$TOP/build"; else echo "$TOP/build/$(basename "$1")"; fi
}

BUILD=${BUILD:-$(series_build "$SERIES")}
TREE=${TREE:-$BUILD/linux}
LOGS=$BUILD/logs
JOBS=${JOBS:-$(nproc)}
# The kernel architecture to configure and build, and the cross compiler
# prefix for it (scripts/cross-build.sh sets both; everything else builds
# x86_64 natively).
KARCH=${KARCH:-x86_64}
CROSS_COMPILE=${CROSS_COMPILE:-}

export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/unmapped-ccache}
# The kernel's O= build names sources by absolute path: make them
# relative so that every clone of this repository shares the cache.
export CCACHE_BASEDIR=$TOP

# The guests that count instructions instead of time (make cache-bench's
# second boot, make bench's fault-icount): QEMU's -icount, guest time
# advancing 1 ns per instruction (shift=0) and never skipping ahead while
# idle (sleep=off); -icount needs single-threaded TCG.
ICOUNT_ACCEL=tcg,thread=single
ICOUNT_QEMU_ARGS="-icount shift=0,sleep=off"

# Print a progress line (short, CI-friendly).
say() { printf '>>> %s\n' "$*"; }

# Print an error and exit non-zero.
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# The base the series applies to: KEY=value lines (see BASE).
BASE_FILE=${BASE_FILE:-$SERIES/BASE}

# Value of KEY from the base file.
base_get() {
	sed -n "s/^$1=//p" "$BASE_FILE"
}

# The installed version of a Debian package, or nothing.
installed_version() {
	{ dpkg-query -W -f='${db:Status-Abbrev} ${Version}\n' "$1" 2>/dev/null || true; } |
		sed -n 's/^ii *//p'
}

# progress LOG: print, once a minute until killed (or until the shell
# that started it is gone), the time since the start and the last line
# of LOG, so that a long build or boot is not silent. Start it in the
# background and kill it when the work ends.
progress() {
	local start
	start=$(date +%s)
	# sleep must not hold our output open: a caller may be reading it
	# to its end (command substitution, a pipe).
	while sleep 60 >/dev/null 2>&1 && kill -0 $$ 2>/dev/null; do
		say "... $(($(date +%s) - start)) s: $(tail -n 1 "$1" 2>/dev/null | cut -c 1-100)"
	done
}

# with_progress LOG CMD...: run CMD with progress lines for LOG; CMD's
# status.
with_progress() {
	local log=$1 pid rc=0
	shift
	progress "$log" &
	pid=$!
	"$@" || rc=$?
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	return $rc
}

# output_to LOG CMD...: CMD with its output in LOG.
output_to() {
	local log=$1
	shift
	"$@" >"$log" 2>&1
}

# Run a command with its output in a log file (progress once a minute);
# on failure show the log's tail and die with MSG.
run_logged() {
	local log=$1 msg=$2
	shift 2
	mkdir -p "$(dirname "$log")"
	if ! with_progress "$log" output_to "$log" "$@"; then
		tail -n 40 "$log" >&2
		die "$msg (full log: ${log#"$TOP"/})"
	fi
}

# The patches of the series in order, without the cover letter.
PATCHES=${PATCHES:-$SERIES/patches}
series_patches() {
	[ -d "$PATCHES" ] || return 0
	find "$PATCHES" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' \
		! -name '0000-cover-letter.patch' | sort
}

# Top-level directories of the kernel source: where the copies of the
# files the series adds live in this repository. 'scripts' is this
# repository's own directory and is not mirrored.
mirror_roots() {
	git -C "$TREE" ls-tree -d --name-only base | grep -vx scripts
}

# Files of the series' directory (tracked or not, but not ignored) under
# the mirror roots, relative to that directory.
mirrored_files() {
	local roots
	mapfile -t roots < <(mirror_roots)
	git -C "$SERIES" ls-files --cached --others --exclude-standard -- "${roots[@]}" |
		while read -r f; do [ -f "$SERIES/$f" ] && echo "$f"; done
}

# stale_copies FILE...: the series' copies (mirrored_files) that are not
# among FILEs, the files the series adds. A lookup table, not a pipe into
# 'grep -q': under pipefail, grep quitting at the first match kills the
# writer with SIGPIPE whenever it has lines left to write, which made a
# copy look stale at random.
stale_copies() {
	local -A adds=()
	local f
	for f in "$@"; do adds[$f]=1; done
	for f in $(mirrored_files); do
		[ -n "${adds[$f]:-}" ] || echo "$f"
	done
}

# The configurations (configurations.txt): one line per configuration,
# 'name make series fragments guest append timeout plan judge'.
CONFIGS_FILE=$TOP/configurations.txt

# config_names TARGET: the configurations whose make column names TARGET,
# in the table's order.
config_names() {
	awk -v t="$1" '!/^#/ && NF { n = split($2, m, ","); for (i = 1; i <= n; i++) if (m[i] == t) print $1 }' \
		"$CONFIGS_FILE"
}

# config_get NAME FIELD: one field of configuration NAME (fails when
# there is no such configuration).
config_get() {
	awk -v n="$1" -v f="$2" '
		BEGIN { split("name make series fragments guest append timeout plan judge", h, " ")
			for (i in h) col[h[i]] = i }
		!/^#/ && $1 == n { print $col[f]; found = 1; exit }
		END { exit !found }' "$CONFIGS_FILE" || die "no configuration '$1' in ${CONFIGS_FILE#"$TOP"/}"
}

# config_series NAME: the directory of the series of configuration NAME:
# SERIES for - and base, DIR for DIR and base:DIR.
config_series() {
	local s
	s=$(config_get "$1" series)
	s=${s#base}
	s=${s#:}
	case $s in
	''|-) echo "$SERIES" ;;
	*) (cd "$TOP" && realpath "$s") ;;
	esac
}

# config_log NAME: the serial log of configuration NAME, in the logs of
# its series' build directory.
config_log() {
	echo "$(series_build "$(config_series "$1")")/logs/$1.log"
}

# obj_name FRAGMENTS: the build directory name of a kernel made of the
# comma-separated FRAGMENTS (base,debug,test: base-debug-test).
obj_name() { echo "${1//,/-}"; }

# kernel_version LOG: the kernel release a serial log's boot banner names.
kernel_version() {
	sed -n 's/^\[ *[0-9.]*\] Linux version \([^ ]*\).*/\1/p; T; q' "$1" 2>/dev/null || true
}

# count_verdicts FILE: 'N passed, M failed, K skipped' of the PASS, FAIL
# and SKIP lines in FILE (none when it does not exist).
count_verdicts() {
	local p f s
	p=$(grep -sc '^PASS:' "$1" || true)
	f=$(grep -sc '^FAIL:' "$1" || true)
	s=$(grep -sc '^SKIP:' "$1" || true)
	echo "${p:-0} passed, ${f:-0} failed, ${s:-0} skipped"
}
