#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: kunit.sh [KUNITCONFIG...]
# The quick loop for kernel changes: the series' KUnit suites through the
# kernel's own runner, tools/testing/kunit/kunit.py run, once per
# .kunitconfig file the series adds (default: all of them), on x86_64
# under QEMU (the suites test the x86 direct map, so not on UML) with two
# CPUs, -cpu max (1 GiB pages) and 4 GiB (a fully populated 1 GiB
# region). Each builds a small kernel of its own in build/kunit/NAME.
# configs/kunit.config is merged in: SMP and the debugging options some
# cases need (they skip without them, naming the option; node_mask needs
# a second node and still skips).
# One PASS or FAIL line per file, with kunit.py's summary; its output in
# build/kunit/NAME.log.
. "$(dirname "$0")/lib.sh"

out=$BUILD/kunit
mkdir -p "$out"
[ $# -gt 0 ] || mapfile -t -d '' args < <(git -C "$TREE" diff -z --name-only --diff-filter=A \
	base..HEAD -- '*.kunitconfig' '*/.kunitconfig')
[ $# -gt 0 ] || set -- "${args[@]}"
[ $# -gt 0 ] || { echo "SKIP: kunit.py run: the series adds no .kunitconfig"; exit 0; }
rc=0
for kc in "$@"; do
	name=$(echo "${kc%.kunitconfig}" | tr '/.' '--' | sed 's/-*$//')
	log=$out/$name.log
	say "kunit.py run --kunitconfig=$kc (log: ${log#"$TOP"/})"
	if (cd "$TREE" && with_progress "$log" output_to "$log" \
		nice ./tools/testing/kunit/kunit.py run --kunitconfig="$kc" \
			--kunitconfig="$TOP/configs/kunit.config" --arch=x86_64 \
			--build_dir="$out/$name" --jobs="$JOBS" --timeout=900 \
			--qemu_args="-smp 2 -cpu max -m 4G" \
			--make_options CC="ccache gcc"); then
		echo "PASS: kunit.py run --kunitconfig=$kc: $(grep -a 'Testing complete' "$log" | tail -n 1)"
	else
		echo "FAIL: kunit.py run --kunitconfig=$kc: $(grep -a 'Testing complete' "$log" | tail -n 1) (log: ${log#"$TOP"/})"
		rc=1
	fi
done
exit $rc
