# SPDX-License-Identifier: GPL-2.0
# The workbench's index. 'make' (or 'make help') lists the targets, from
# the '## ' comment on each target's line, and the settings, from the
# '#= ' lines below. Every target is a small script in scripts/; every
# boot is one line of configurations.txt, run by scripts/run-config.sh.
#
# Settings, on the make command line or in the environment:
#= SERIES=.           the series to work on: . (Linux 7.3) or backports/v6.12
#= CONFIG=test        configuration (configurations.txt) of make shell and make gdb
#= CONFIGS=           configurations.txt lines to run: make matrix (its lines, cross), reliability (its lines), check-series (test off)
#= MEM=               guest memory instead of the configuration's (not for its numa guest)
#= SMP=2              guest vCPUs
#= ACCEL=tcg          tcg, kvm, or auto (KVM only if a probe boot under it reaches its plan)
#= TIMEOUT=           seconds before a hung guest is killed, instead of the configuration's
#= APPEND=            extra kernel command line
#= JOBS=$(nproc)      parallel build jobs
#= RESET=0            make tree RESET=1: rebuild build/linux from patches/
#= STRESS=60          make reliability: seconds of stress
#= INJECT=10          make reliability: percent of the stress threads' CPA splits that fail
#= REPS=3             make bench: fresh boots per workload and kernel
#= KSELFTESTS=memfd_secret memfd_secret_directmap memfd_secret_pressure   mm kselftests to build
#= QEMU_ARGS=         extra QEMU options
#= UNKNOWN_OK=0       1: a config option no Kconfig defines yet is reported, not fatal
#= CCACHE_DIR=~/.cache/unmapped-ccache   compiler cache, shared by every clone

export MEM SMP ACCEL TIMEOUT APPEND JOBS RESET CONFIGS STRESS INJECT SERIES UNKNOWN_OK CONFIG \
	CCACHE_DIR REPS KSELFTESTS QEMU_ARGS

.DEFAULT_GOAL := help
.PHONY: help test demo bench publish cache-bench reliability matrix check-series kunit cross-build \
	pageflags-layout shell gdb deps tree export check-sync checkpatch clean

help: ## this list
	@echo 'Targets:'
	@awk '/^[a-z-]+:.*## / { printf "  make %-17s %s\n", substr($$0, 1, index($$0, ":") - 1), substr($$0, index($$0, "## ") + 3) }' $(MAKEFILE_LIST)
	@echo 'Settings (default):'
	@sed -n 's/^#= /  /p' $(MAKEFILE_LIST)

test: ## everything CI runs; last line 'N passed, M failed, K skipped'
	scripts/test.sh

demo: ## build and boot the patched kernel, run the memfd_secret selftests
	scripts/demo.sh

bench: ## base kernel against the series, side by side (report in build/bench/)
	scripts/bench.sh

publish: ## copy the benchmarks' reports from build/ into docs/bench/
	scripts/publish.sh

cache-bench: ## the cache against the per-page path in one boot, lock holds in another (build/cache-bench.md)
	scripts/cache-bench.sh

reliability: ## stress, OOM, memlock and offline at length (build/reliability/report.md)
	scripts/reliability.sh

matrix: ## the configurations beyond make test (off, pagealloc, kasan, kcsan, numa, ...)
	scripts/matrix.sh

check-series: tree ## static checks, kunit.py run, every prefix of the series built on and off
	scripts/check-series.sh

kunit: tree ## the quick loop: the series' KUnit suites by kunit.py run with their .kunitconfig
	scripts/kunit.sh

cross-build: tree ## build-only i386 and arm64
	scripts/cross-build.sh

pageflags-layout: deps ## what PG_unmapped costs in Debian's amd64 configuration
	scripts/pageflags-layout.sh

shell: ## boot CONFIG to a shell on this terminal (Ctrl-A X quits)
	scripts/shell.sh

gdb: ## as make shell, stopped for gdb on localhost:1234 (nokaslr)
	GDB=1 scripts/shell.sh

deps: ## install the Debian packages
	scripts/deps.sh

tree: deps ## build/linux: the base with the series applied
	scripts/tree.sh

export: ## write patches/ and the copies of added files from build/linux
	scripts/export.sh

check-sync: tree ## the copies of added files match the series
	scripts/check-sync.sh

checkpatch: tree ## checkpatch.pl --strict on every patch
	scripts/checkpatch.sh

clean: ## remove build/ (ccache stays)
	rm -rf build
