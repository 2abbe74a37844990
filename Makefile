# SPDX-License-Identifier: GPL-2.0
# The workbench: every target is a small script in scripts/. Settings
# (MEM, SMP, ACCEL, TIMEOUT, JOBS, RESET, FLAVOURS, STRESS, INJECT) pass
# through the environment or the make command line. SERIES=v2 makes tree,
# export, check-sync and checkpatch work on v2/, the port to Linux 7.3,
# in build/v2/; its kernels build with UNKNOWN_OK=1 until v2 has the
# options of the cache that configs/ asks for.

export MEM SMP ACCEL TIMEOUT APPEND JOBS RESET FLAVOURS STRESS INJECT SERIES UNKNOWN_OK

.PHONY: test demo bench cache-bench reliability matrix cross-build deps tree export check-sync checkpatch check-series clean

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
