#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: static-checks.sh
# Static checks of the series on the test kernel's configuration, for the
# kernel source files the series touches (selftests excluded): gcc with
# W=1, sparse (C=2), scripts/kernel-doc -none -Wall, each script of
# scripts/coccinelle/ in report mode (make C=2 CHECK=coccicheck), and
# make htmldocs of the Documentation/ directories the series touches
# (Sphinx warnings name the .rst or source line). Only
# warnings on lines the series adds or changes count (series-warnings.py);
# one PASS or FAIL line per checker. Logs in build/static/.
. "$(dirname "$0")/lib.sh"

S=$TOP/scripts
logs=$BUILD/static
fragments=$(config_get test fragments)
obj=$BUILD/obj/$(obj_name "$fragments")
mkdir -p "$logs"

"$S/deps.sh" sparse coccinelle python3-sphinx python3-sphinx-rtd-theme
"$S/kernel.sh" "$fragments" >/dev/null

mapfile -t files < <(git -C "$TREE" diff --name-only base..HEAD -- '*.c' '*.h' |
	grep -v '^tools/')
objs=()
for f in "${files[@]}"; do
	case $f in
	*.c) [ -e "$obj/${f%.c}.o" ] && objs+=("${f%.c}.o") ;;
	esac
done
say "static checks: ${#files[@]} touched files, ${#objs[@]} objects built in the test configuration"

kmake() {
	make -C "$TREE" O="$obj" ARCH=x86_64 -j"$JOBS" CC="ccache gcc" "$@"
}

fail=0
# check NAME LOG [--every-line] CMD...: run one checker (its exit status
# is not the verdict: its warnings are), then judge its log.
check() {
	local name=$1 log=$logs/$2 every=
	shift 2
	if [ "$1" = --every-line ]; then
		every=$1
		shift
	fi
	say "static checks: $name"
	"$@" >"$log" 2>&1 || true
	"$S/series-warnings.py" "$TREE" "$name" "$log" $every || fail=1
}

check "gcc W=1" w1.log kmake W=1 "${objs[@]}"
check "sparse (C=2)" sparse.log kmake C=2 CHECK=sparse "${objs[@]}"
check "kernel-doc -none -Wall" kernel-doc.log \
	sh -c 'cd "$1" && shift && scripts/kernel-doc -none -Wall "$@"' sh "$TREE" "${files[@]}"
# coccicheck runs every script of scripts/coccinelle/ on the file it is
# given; one script per run, so that a script that cannot run here is
# reported and skipped: those with OCaml rules (they need an OCaml
# compiler), and those without a report mode (7.3's kmalloc_objs.cocci
# only rewrites code).
coccinelle() {
	local cocci
	for cocci in "$TREE"/scripts/coccinelle/*/*.cocci "$TREE"/scripts/coccinelle/*/*/*.cocci; do
		if grep -q '^@script: *ocaml' "$cocci"; then
			echo "skipped (OCaml rules): ${cocci#"$TREE"/}"
			continue
		fi
		if ! grep -q '^virtual.*\breport\b' "$cocci"; then
			echo "skipped (no report mode): ${cocci#"$TREE"/}"
			continue
		fi
		COCCI=$cocci kmake C=2 CHECK="$TREE/scripts/coccicheck" MODE=report \
			"${objs[@]}" || echo "FAILED: ${cocci#"$TREE"/}"
	done
}
check "Coccinelle (report mode)" coccinelle.log --every-line coccinelle
if grep '^FAILED: ' "$logs/coccinelle.log"; then
	echo "FAIL: Coccinelle: the scripts above could not run (log: ${logs#"$TOP"/}/coccinelle.log)"
	fail=1
fi
grep '^skipped ' "$logs/coccinelle.log" || true
# Sphinx: the pages the series adds or changes, and the kernel-doc they
# pull in from the sources, in the directories they live in.
mapfile -t docdirs < <(git -C "$TREE" diff --name-only base..HEAD -- Documentation |
	cut -d/ -f2 | sort -u)
check "make htmldocs (${docdirs[*]})" htmldocs.log \
	make -C "$TREE" O="$BUILD/docs" SPHINXDIRS="${docdirs[*]}" htmldocs
# Leave the objects as a normal build makes them.
kmake "${objs[@]}" >/dev/null 2>&1 || true
exit $fail
