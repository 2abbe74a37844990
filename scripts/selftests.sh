#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: selftests.sh OBJDIR
# Install the UAPI headers of the kernel in OBJDIR and build, as static
# binaries in OBJDIR/kselftest/mm, the mm kselftests the guest plans run
# ($KSELFTESTS), with the kselftest Makefile's own rules, next to
# run_vmtests.sh, the runner the guest plans use. Building all of
# tools/testing/selftests/mm is not needed, and in the 6.12.117 base it
# fails: khugepaged.c uses KSFT_SKIP without including kselftest.h.
. "$(dirname "$0")/lib.sh"

KSELFTESTS=${KSELFTESTS:-memfd_secret memfd_secret_directmap memfd_secret_pressure}
obj=$(realpath -m "$1")
out=$obj/kselftest/mm
mkdir -p "$out"
say "building mm kselftests: $KSELFTESTS"
run_logged "$obj/headers.log" "make headers failed" \
	make -C "$TREE" O="$obj" ARCH=x86_64 headers
# shellcheck disable=SC2046
run_logged "$obj/kselftest.log" "building the mm kselftests failed" \
	make -C "$TREE/tools/testing/selftests/mm" OUTPUT="$out" \
		KHDR_INCLUDES="-isystem $obj/usr/include" USERLDFLAGS=-static \
		CC="ccache gcc" -j"$JOBS" $(printf "$out/%s " $KSELFTESTS)
# The kernel's runner, which the plans run them with.
cp "$TREE/tools/testing/selftests/mm/run_vmtests.sh" "$out/"
