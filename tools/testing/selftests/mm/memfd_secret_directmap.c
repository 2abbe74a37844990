// SPDX-License-Identifier: GPL-2.0
/*
 * memfd_secret(2) and the kernel's direct map.
 *
 * Several processes churn memfd_secret regions of varied sizes and
 * lifetimes, with anonymous and shmem regions churned alongside and faulted
 * in interleaved with them. Then everything is released and the kernel's
 * caches are dropped, which runs the shrinkers. The direct-map counters of
 * /proc/vmstat and the DirectMap sizes of /proc/meminfo are read before
 * the churn, at its end and after the release, and printed.
 *
 * With the unmapped-page cache (__GFP_UNMAPPED, CONFIG_UNMAPPED_ALLOC)
 * secret memory is taken out of the direct map in whole 2 MiB blocks and
 * the blocks are mapped again whole, so:
 *
 *  - the churn splits at most one 2 MiB mapping per 2 MiB of secret memory
 *    held at its peak, rounded up, plus SPLIT_SLACK;
 *  - after the release at least as many 2 MiB mappings have been collapsed
 *    as the churn split;
 *  - DirectMap4k is back to its value before the churn (or below it).
 *
 * Without the cache memfd_secret unmaps page by page: the first secret
 * page in a 2 MiB mapping splits it, and nothing merges the pieces again.
 * On such a kernel (no unmapped_refill or direct_map_level2_collapses
 * in /proc/vmstat), or with the cache switched off, the assertions are
 * skipped and the counters are still printed, to show the baseline.
 * nr_tlb_remote_flush needs CONFIG_DEBUG_TLBFLUSH; kernels without
 * "x86/mm: Count kernel-range TLB flushes in nr_tlb_remote_flush" leave
 * out the all-CPU flushes of kernel ranges, which memfd_secret causes.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"

#define MIB		(1024UL * 1024)
#define BLOCK_SIZE	(2 * MIB)
#define NR_PROCS	4
#define NR_ROUNDS	96
#define NR_SLOTS	8
/* Largest region, and the most secret memory the churn can hold. */
#define MAX_REGION	(4 * MIB)
#define MAX_SECRET	(NR_PROCS * NR_SLOTS * MAX_REGION)
/*
 * Splits allowed beyond one per 2 MiB of peak secret memory: the cache
 * refills from the request's own order when no free 2 MiB block is left
 * (one split each), and the rest of the kernel may change the direct map
 * while the test runs (module loading, BPF, kprobes).
 */
#define SPLIT_SLACK	4

#ifndef __NR_memfd_secret
#define __NR_memfd_secret	-1
#endif

enum counter {
	L2_SPLITS, L3_SPLITS, L2_COLLAPSES, L3_COLLAPSES,
	REFILL, REFILL_FALLBACK, BLOCK_RELEASE, SHRINK_RELEASE,
	NR_FREE, NR_USED, TLB_FLUSHES,
	DIRECTMAP_4K, DIRECTMAP_2M, DIRECTMAP_1G,
	NR_COUNTERS
};

static const struct {
	const char *file;
	const char *name;
} counters[NR_COUNTERS] = {
	[L2_SPLITS]	  = { "/proc/vmstat", "direct_map_level2_splits" },
	[L3_SPLITS]	  = { "/proc/vmstat", "direct_map_level3_splits" },
	[L2_COLLAPSES]	  = { "/proc/vmstat", "direct_map_level2_collapses" },
	[L3_COLLAPSES]	  = { "/proc/vmstat", "direct_map_level3_collapses" },
	[REFILL]	  = { "/proc/vmstat", "unmapped_refill" },
	[REFILL_FALLBACK] = { "/proc/vmstat", "unmapped_refill_fallback" },
	[BLOCK_RELEASE]	  = { "/proc/vmstat", "unmapped_block_release" },
	[SHRINK_RELEASE]  = { "/proc/vmstat", "unmapped_shrink_release" },
	[NR_FREE]	  = { "/proc/vmstat", "nr_unmapped_free" },
	[NR_USED]	  = { "/proc/vmstat", "nr_unmapped_used" },
	[TLB_FLUSHES]	  = { "/proc/vmstat", "nr_tlb_remote_flush" },
	[DIRECTMAP_4K]	  = { "/proc/meminfo", "DirectMap4k:" },
	[DIRECTMAP_2M]	  = { "/proc/meminfo", "DirectMap2M:" },
	[DIRECTMAP_1G]	  = { "/proc/meminfo", "DirectMap1G:" },
};

enum { BEFORE, CHURN, RELEASE, NR_SNAPSHOTS };
static const char * const snapshot_names[NR_SNAPSHOTS] = {
	"before", "churn end", "released",
};

/* Shared with the forked test processes and the churn's workers. */
struct results {
	long cur_secret;	/* bytes of secret memory held now */
	long peak_secret;	/* the most held at once */
	long nr_regions;
	long bad_regions;	/* regions whose contents were wrong */
	int done;		/* the churn and the release completed */
	long long val[NR_SNAPSHOTS][NR_COUNTERS];	/* -1: not there */
};

static struct results *res;

static void __attribute__((constructor)) map_results(void)
{
	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED) {
		perror("mmap");
		exit(KSFT_FAIL);
	}
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t ret;

	if (fd < 0)
		return -1;
	ret = write(fd, val, strlen(val));
	close(fd);
	return ret < 0 ? -1 : 0;
}

static void read_counters(long long *val)
{
	char line[256], key[128];
	long long v;
	int i;

	/* Fold the per-CPU differences so the gauges are exact. */
	write_file("/proc/sys/vm/stat_refresh", "1");

	for (i = 0; i < NR_COUNTERS; i++) {
		FILE *f = fopen(counters[i].file, "r");

		val[i] = -1;
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%127s %lld", key, &v) == 2 &&
			    !strcmp(key, counters[i].name)) {
				val[i] = v;
				break;
			}
		}
		fclose(f);
	}
}

/* " NAME=change" of a counter from BEFORE to @to; nothing if it is absent. */
static void print_delta(const char *name, int counter, int to)
{
	if (res->val[BEFORE][counter] >= 0 && res->val[to][counter] >= 0)
		printf(" %s=%lld", name,
		       res->val[to][counter] - res->val[BEFORE][counter]);
}

static void print_counters(void)
{
	int i, s;

	ksft_print_msg("%-28s", "counter");
	for (s = 0; s < NR_SNAPSHOTS; s++)
		printf(" %12s", snapshot_names[s]);
	printf("\n");
	for (i = 0; i < NR_COUNTERS; i++) {
		ksft_print_msg("%-28s", counters[i].name);
		for (s = 0; s < NR_SNAPSHOTS; s++) {
			if (res->val[s][i] < 0)
				printf(" %12s", "n/a");
			else
				printf(" %12lld", res->val[s][i]);
		}
		printf("\n");
	}
	ksft_print_msg("peak secret memory %ld KiB in %ld regions from %d processes\n",
		       res->peak_secret >> 10, res->nr_regions, NR_PROCS);
	/* The main figures as key=value, for scripts that read the output. */
	ksft_print_msg("figures churn peak_secret_kib=%ld", res->peak_secret >> 10);
	print_delta("level2_splits", L2_SPLITS, CHURN);
	print_delta("directmap4k_left_kb", DIRECTMAP_4K, RELEASE);
	printf("\n");
	fflush(stdout);
}

static long delta(int counter, int to)
{
	return res->val[to][counter] - res->val[BEFORE][counter];
}

/* Does this kernel serve memfd_secret from the unmapped-page cache? */
static const char *no_cache_reason(void)
{
	char buf[8] = "";
	FILE *f;

	if (res->val[BEFORE][L2_COLLAPSES] < 0)
		return "kernel without direct-map collapse (no direct_map_level2_collapses)";
	if (res->val[BEFORE][REFILL] < 0)
		return "kernel without the unmapped-page cache (no unmapped_refill)";
	f = fopen("/sys/kernel/debug/unmapped_alloc/enabled", "r");
	if (f) {
		if (fgets(buf, sizeof(buf), f) && buf[0] == '0') {
			fclose(f);
			return "unmapped-page cache switched off";
		}
		fclose(f);
	}
	return NULL;
}

static unsigned long next_random(unsigned long *state)
{
	*state = *state * 6364136223846793005UL + 1442695040888963407UL;
	return *state >> 33;
}

enum region_kind { SECRET, ANON, SHMEM };

struct region {
	enum region_kind kind;
	char *addr;		/* NULL: slot empty */
	size_t len;
	int fd;			/* -1 for anonymous memory */
	unsigned char pattern;
};

static void count_secret(long len)
{
	long held, peak;

	held = __atomic_add_fetch(&res->cur_secret, len, __ATOMIC_SEQ_CST);
	peak = __atomic_load_n(&res->peak_secret, __ATOMIC_SEQ_CST);
	while (held > peak &&
	       !__atomic_compare_exchange_n(&res->peak_secret, &peak, held,
					    false, __ATOMIC_SEQ_CST,
					    __ATOMIC_SEQ_CST))
		;
}

/* Map a region; its pages are faulted in by fault_in(). */
static int region_create(struct region *r, enum region_kind kind, size_t len,
			 unsigned char pattern)
{
	int flags = MAP_SHARED;
	void *addr;

	r->fd = -1;
	switch (kind) {
	case SECRET:
		r->fd = syscall(__NR_memfd_secret, 0);
		break;
	case SHMEM:
		r->fd = memfd_create("directmap-churn", 0);
		break;
	case ANON:
		flags = MAP_PRIVATE | MAP_ANONYMOUS;
		break;
	}
	if (kind != ANON && (r->fd < 0 || ftruncate(r->fd, len)))
		goto err_close;
	addr = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, r->fd, 0);
	if (addr == MAP_FAILED)
		goto err_close;

	r->addr = addr;
	r->kind = kind;
	r->len = len;
	r->pattern = pattern;
	if (kind == SECRET) {
		count_secret(len);
		__atomic_add_fetch(&res->nr_regions, 1, __ATOMIC_SEQ_CST);
	}
	return 0;

err_close:
	if (r->fd >= 0)
		close(r->fd);
	return -1;
}

/*
 * Write the first byte of every page of two regions, a page of one and a
 * page of the other in turn, so that their pages come from the allocator
 * interleaved, as they do when a program allocates secrets among other
 * memory.
 */
static void fault_in(struct region *a, struct region *b)
{
	size_t off, len = a->len > b->len ? a->len : b->len;

	for (off = 0; off < len; off += getpagesize()) {
		if (off < a->len)
			a->addr[off] = a->pattern;
		if (off < b->len)
			b->addr[off] = b->pattern;
	}
}

/*
 * Check that every page still holds what was written to it and that the
 * rest of it reads as zero (it was cleared before it was handed out), and
 * unmap the region.
 */
static void region_release(struct region *r)
{
	size_t off;

	if (!r->addr)
		return;
	for (off = 0; off < r->len; off += getpagesize()) {
		if (r->addr[off] != (char)r->pattern ||
		    r->addr[off + getpagesize() - 1] != 0) {
			__atomic_add_fetch(&res->bad_regions, 1,
					   __ATOMIC_SEQ_CST);
			break;
		}
	}
	munmap(r->addr, r->len);
	if (r->fd >= 0)
		close(r->fd);
	if (r->kind == SECRET)
		count_secret(-(long)r->len);
	r->addr = NULL;
}

/*
 * One worker: NR_ROUNDS times, replace a random one of its secret regions
 * with a new one of a random size, and a random one of its other regions
 * (anonymous or shmem, 1 to 4 MiB) too; a region lives until its slot is
 * picked again, so lifetimes vary. Exit status: 0, or 1 if a region could
 * not be created.
 */
static int churn_worker(int id)
{
	static const size_t pages[] = { 1, 3, 16, 64, 255, 512, 1024 };
	struct region secret[NR_SLOTS], other[NR_SLOTS];
	unsigned long rnd = 0x5ec2e7 + id;
	int round, i;

	memset(secret, 0, sizeof(secret));
	memset(other, 0, sizeof(other));

	for (round = 0; round < NR_ROUNDS; round++) {
		struct region *s = &secret[next_random(&rnd) % NR_SLOTS];
		struct region *o = &other[next_random(&rnd) % NR_SLOTS];
		size_t len = pages[next_random(&rnd) % 7] * getpagesize();
		size_t olen = (1 + next_random(&rnd) % 4) * MIB;
		unsigned char pattern = 1 + (round + id) % 255;

		region_release(s);
		region_release(o);
		if (region_create(s, SECRET, len, pattern)) {
			fprintf(stderr, "worker %d: memfd_secret region of %zu KiB: %s\n",
				id, len >> 10, strerror(errno));
			return 1;
		}
		if (region_create(o, round % 2 ? SHMEM : ANON, olen, ~pattern)) {
			fprintf(stderr, "worker %d: region of %zu KiB: %s\n",
				id, olen >> 10, strerror(errno));
			return 1;
		}
		fault_in(s, o);
	}

	for (i = 0; i < NR_SLOTS; i++) {
		region_release(&secret[i]);
		region_release(&other[i]);
	}
	return 0;
}

/* Drop the caches until the unmapped-page cache holds nothing. */
static int release_caches(void)
{
	long long val[NR_COUNTERS];
	int tries;

	for (tries = 0; tries < 10; tries++) {
		if (write_file("/proc/sys/vm/drop_caches", "3"))
			return -1;
		read_counters(val);
		if (val[NR_FREE] <= 0)
			return 0;
		usleep(100 * 1000);
	}
	return 0;
}

FIXTURE(directmap) {};
FIXTURE_SETUP(directmap) {}
FIXTURE_TEARDOWN(directmap) {}

TEST_F_TIMEOUT(directmap, churn, 900)
{
	struct rlimit lim = { RLIM_INFINITY, RLIM_INFINITY };
	int fd, i, status, failed = 0;

	fd = syscall(__NR_memfd_secret, 0);
	if (fd < 0)
		SKIP(return, "memfd_secret: %s", strerror(errno));
	close(fd);

	/* memfd_secret memory is charged to RLIMIT_MEMLOCK. */
	if (setrlimit(RLIMIT_MEMLOCK, &lim)) {
		getrlimit(RLIMIT_MEMLOCK, &lim);
		if (lim.rlim_cur < MAX_SECRET)
			SKIP(return, "RLIMIT_MEMLOCK is %lu KiB, need %lu KiB",
			     (unsigned long)lim.rlim_cur >> 10, MAX_SECRET >> 10);
	}

	/* Start with nothing cached and nothing left to collapse. */
	release_caches();
	read_counters(res->val[BEFORE]);

	for (i = 0; i < NR_PROCS; i++) {
		pid_t pid = fork();

		ASSERT_GE(pid, 0);
		if (!pid)
			_exit(churn_worker(i));
	}
	for (i = 0; i < NR_PROCS; i++) {
		ASSERT_GT(wait(&status), 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	}
	read_counters(res->val[CHURN]);

	if (release_caches())
		TH_LOG("could not drop caches: %s", strerror(errno));
	read_counters(res->val[RELEASE]);
	print_counters();

	ASSERT_EQ(failed, 0);
	ASSERT_EQ(res->bad_regions, 0);
	ASSERT_EQ(res->cur_secret, 0);
	res->done = 1;
}

/* Why the assertions cannot be checked, or NULL. */
static const char *skip_reason(void)
{
	if (!res->done)
		return "the churn did not complete";
	return no_cache_reason();
}

TEST_F(directmap, splits_bounded)
{
	const char *why = skip_reason();
	long limit;

	if (why)
		SKIP(return, "%s", why);
	limit = (res->peak_secret + BLOCK_SIZE - 1) / BLOCK_SIZE + SPLIT_SLACK;
	TH_LOG("2 MiB splits during the churn: %ld, limit %ld",
	       delta(L2_SPLITS, CHURN), limit);
	ASSERT_LE(delta(L2_SPLITS, CHURN), limit);
}

TEST_F(directmap, collapses_match_splits)
{
	const char *why = skip_reason();

	if (why)
		SKIP(return, "%s", why);
	TH_LOG("2 MiB splits %ld, collapses %ld",
	       delta(L2_SPLITS, RELEASE), delta(L2_COLLAPSES, RELEASE));
	ASSERT_GE(delta(L2_COLLAPSES, RELEASE), delta(L2_SPLITS, RELEASE));
}

TEST_F(directmap, directmap4k_restored)
{
	const char *why = skip_reason();

	if (why)
		SKIP(return, "%s", why);
	TH_LOG("DirectMap4k before %lld kB, after release %lld kB",
	       res->val[BEFORE][DIRECTMAP_4K], res->val[RELEASE][DIRECTMAP_4K]);
	ASSERT_GE(res->val[BEFORE][DIRECTMAP_4K], 0);
	ASSERT_LE(res->val[RELEASE][DIRECTMAP_4K],
		  res->val[BEFORE][DIRECTMAP_4K]);
}

TEST_HARNESS_MAIN
