# SPDX-License-Identifier: GPL-2.0
# Helpers for the guest plans (busybox sh). The host reads the markers.

# run_test NAME CMD...: run one test program between markers that carry
# its exit status; its TAP output stays between them.
run_test() {
	name=$1
	shift
	echo "=== test $name begin"
	"$@"
	echo "=== test $name end rc=$?"
}

# run_vmtests NAME ARGS...: the mm kselftests of CATEGORIES through the
# kernel's runner, run_vmtests.sh ARGS (-t "CATEGORY...", -d for the
# destructive ones), as test NAME.
run_vmtests() {
	name=$1
	shift
	(cd /kselftest/mm && run_test "$name" bash ./run_vmtests.sh "$@")
}

# run_kunit SUITE: run a built-in KUnit suite again now that the system
# is running (through KUnit's debugfs 'run' file), and print its KTAP
# results between markers.
run_kunit() {
	echo "=== kunit $1 begin"
	if [ -e "/sys/kernel/debug/kunit/$1/run" ]; then
		echo 1 >"/sys/kernel/debug/kunit/$1/run"
		cat "/sys/kernel/debug/kunit/$1/results"
	else
		echo "no KUnit suite $1"
	fi
	echo "=== kunit $1 end"
}

# wait_cpa_selftest SECONDS: wait for the CPA boot self test (it first
# runs 30 s after boot) to print its verdict.
wait_cpa_selftest() {
	n=0
	while [ $n -lt "$1" ]; do
		dmesg | grep -q 'CPA self-test:' &&
			dmesg | grep -qE '^\[[ 0-9.]+\] (ok\.|.*NOT PASSED)' && return 0
		sleep 1
		n=$((n + 1))
	done
	echo "=== CPA self test did not finish within $1 s"
}

# unmapped_bench ROUND JOB...: run one job of the unmapped-page cache's
# microbenchmark (debugfs unmapped_alloc/bench) and print its figures on
# one line (a refused job has none to show), with clock=$BENCH_CLOCK when
# the plan set it (icount: guest time counts instructions).
unmapped_bench() {
	local r=$1 clock=${BENCH_CLOCK:+clock=$BENCH_CLOCK }
	shift
	if echo "$*" >/sys/kernel/debug/unmapped_alloc/bench; then
		echo "figures bench round=$r $clock$(cat /sys/kernel/debug/unmapped_alloc/bench)"
	else
		echo "figures bench round=$r ${clock}refused=1"
	fi
}
