# SPDX-License-Identifier: GPL-2.0
# The workbench: every target is a small script in scripts/. Settings
# (MEM, SMP, ACCEL, TIMEOUT, JOBS, RESET, FLAVOURS, STRESS, INJECT) pass
# through the environment or the make command line. SERIES selects the
# series a target works on: the top (default; the series on Linux 7.3)
# or a backport, e.g. SERIES=backports/v6.12 (v1 on 6.12.117, built in
# build/v6.12/).

export MEM SMP ACCEL TIMEOUT APPEND JOBS RESET FLAVOURS STRESS INJECT SERIES UNKNOWN_OK

.PHONY: test demo bench cache-bench reliability matrix cross-build pageflags-layout deps tree export check-sync checkpatch check-series clean

test:
	scripts/test.sh

demo:
	scripts/demo.sh

bench:
	scripts/bench.sh

cache-bench:
	scripts/cache-bench.sh

reliability:
	scripts/reliability.sh

matrix:
	scripts/matrix.sh

cross-build: tree
	scripts/cross-build.sh

pageflags-layout: deps
	scripts/pageflags-layout.sh

deps:
	scripts/deps.sh

tree: deps
	scripts/tree.sh

export:
	scripts/export.sh

check-sync: tree
	scripts/check-sync.sh

checkpatch: tree
	scripts/checkpatch.sh

check-series: tree
	scripts/check-series.sh

clean:
	rm -rf build
