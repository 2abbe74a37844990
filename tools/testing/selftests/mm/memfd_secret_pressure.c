// SPDX-License-Identifier: GPL-2.0
/*
 * memfd_secret(2) and the unmapped-page cache when memory runs out or goes
 * away.
 *
 *  - offline (first, while the node it uses holds little else): free
 *    cached blocks do not stop an offline of their memory block (the cache
 *    gives them up), and a memory block holding a secret page in use
 *    cannot go offline, with the page intact. The test fills the cache
 *    with most of the free memory of the last memory node and offlines a
 *    memory block that the cache holds alone; a memory block that merely
 *    contains free cached blocks can also hold kernel pages. Memory blocks
 *    of a node's boot memory usually hold unmovable kernel pages, so it
 *    needs a second node whose memory has few kernel pages, such as a
 *    hot-plugged DIMM (QEMU: -numa node,nodeid=1 and a pc-dimm with
 *    node=1), and skips with a single node.
 *  - shrinker_before_oom: with the cache holding free memory, a process
 *    allocates anonymous memory until the OOM killer stops it. The cache's
 *    shrinker must have given the cached memory back first: the process
 *    gets at least half of it on top of the memory that was free, and
 *    the system goes on (secret memory works afterwards).
 *  - oom_secret: a process allocates memfd_secret memory without a
 *    RLIMIT_MEMLOCK limit until the OOM killer stops it. Afterwards every
 *    page it had is back: no page in use, none left in the cache after a
 *    drain, free memory as before within MEMFREE_SLACK_KB. The process
 *    runs in a memory cgroup that holds it to three quarters of the free
 *    memory (needs cgroup v2 with the memory controller), see
 *    run_hog().
 *  - memlock_limit: an unprivileged process allocates memfd_secret memory
 *    until RLIMIT_MEMLOCK: it gets exactly the limit (then mmap() fails with
 *    EAGAIN, or a fault raises SIGBUS), and every page it got holds what it
 *    wrote.
 *
 *  - cpuset: a process in a cpuset whose only memory node is the last node
 *    gets its secret pages from that node, also when it runs on a CPU of
 *    another node whose cache holds free pages: a cpuset's nodes bind
 *    __GFP_UNMAPPED requests as they bind any other. Needs a second node
 *    and cgroup v2 with the cpuset controller (it mounts cgroup2 on
 *    /sys/fs/cgroup if nothing is there).
 *
 *  - hibernate (run alone, with a swap device set up as the resume device
 *    and /sys/power/disk set to test_resume): free cached pages do not go
 *    into a hibernation image, and secret pages freed but still held by
 *    another CPU's LRU batch do not make it refuse; an image is saved and
 *    loaded back, after which the cache holds nothing and serves again.
 *
 * The tests need the cache's debugfs files (CONFIG_UNMAPPED_ALLOC,
 * CONFIG_DEBUG_FS) and skip without them; offline also needs
 * CONFIG_MEMORY_HOTREMOVE and CONFIG_NUMA.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"

#define KIB		1024UL
#define MIB		(1024 * KIB)
#define BLOCK_PAGES	512
#define DEBUGFS		"/sys/kernel/debug/unmapped_alloc/"
#define MEMORY_SYSFS	"/sys/devices/system/memory/"
/* How far free memory may move while nothing leaks (slab, per-CPU lists). */
#define MEMFREE_SLACK_KB	(8 * 1024)

/*
 * The figures of a case as one "# figures GROUP key=value..." line, for
 * scripts that read the output. Flushed at once: a test's child process
 * ends with _exit().
 */
#define FIGURES(fmt, ...)						\
	do {								\
		ksft_print_msg("figures " fmt "\n", ##__VA_ARGS__);	\
		fflush(stdout);						\
	} while (0)

#ifndef __NR_memfd_secret
#define __NR_memfd_secret	-1
#endif

static long page_size;

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t ret;

	if (fd < 0)
		return -errno;
	ret = write(fd, val, strlen(val));
	ret = ret < 0 ? -errno : 0;
	close(fd);
	return ret;
}

/* The first line of a file, without its newline; 0, or -errno. */
static int read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static long long read_number(const char *path, int base)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtoll(buf, NULL, base) : -1;
}

/* The number after "@name" in a file of "name value" lines, or -1. */
static long long proc_item(const char *path, const char *name)
{
	char line[256], key[128];
	long long v, val = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %lld", key, &v) == 2 && !strcmp(key, name))
			val = v;
	fclose(f);
	return val;
}

/* A /proc/vmstat item (exact: the per-CPU deltas are folded first). */
static long long vmstat_item(const char *name)
{
	write_file("/proc/sys/vm/stat_refresh", "1");
	return proc_item("/proc/vmstat", name);
}

static long long meminfo_kb(const char *name)
{
	return proc_item("/proc/meminfo", name);
}

/*
 * Drop caches first: that drains the per-CPU LRU and mlock batches, which
 * can still hold the last secret folios of a process that has exited, so
 * only then are all of its pages back in the cache for the drain.
 */
static void drain_and_drop(void)
{
	write_file("/proc/sys/vm/drop_caches", "3");
	write_file(DEBUGFS "drain", "1");
}

/*
 * Map @len bytes of secret memory and write every page. Returns the
 * mapping, or MAP_FAILED with errno set.
 */
static char *secret_map(size_t len, char c)
{
	int fd = syscall(__NR_memfd_secret, 0);
	char *p;
	size_t i;

	if (fd < 0)
		return MAP_FAILED;
	if (ftruncate(fd, len)) {
		close(fd);
		return MAP_FAILED;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return p;
	for (i = 0; i < len; i += page_size)
		memset(p + i, c, page_size);
	return p;
}

static bool secret_intact(const char *p, size_t len, char c)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != c)
			return false;
	return true;
}

/*
 * Fill the cache with @mib MiB of free secret memory; return free pages.
 * The memory is written through one 2 MiB window at a time, so that the
 * fill needs one page table rather than one per 2 MiB: the offline test
 * wants as few kernel pages as possible beside the cache on its node.
 * Closing the file frees every page at once.
 */
static long long fill_cache(long mib)
{
	int fd = syscall(__NR_memfd_secret, 0);
	const size_t window = 2 * MIB;
	char buf[32];
	size_t off;
	char *p;

	if (fd < 0)
		return -1;
	mib &= ~1L;	/* whole windows */
	snprintf(buf, sizeof(buf), "%ld", mib / 2);
	write_file(DEBUGFS "reserve_blocks", buf);
	if (ftruncate(fd, mib * MIB)) {
		close(fd);
		return -1;
	}
	for (off = 0; off < mib * MIB; off += window) {
		p = mmap(NULL, window, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
		if (p == MAP_FAILED) {
			close(fd);
			return -1;
		}
		memset(p, 0x11, window);
		munmap(p, window);
	}
	close(fd);
	/*
	 * A freed folio can still sit in another CPU's LRU add batch, which
	 * keeps it in use until that CPU drains it. Dropping the page cache
	 * drains every CPU's batch first.
	 */
	write_file("/proc/sys/vm/drop_caches", "1");
	return vmstat_item("nr_unmapped_free");
}

/* Wait up to @secs seconds for @pid; kill it when the time is up. */
static int wait_for(pid_t pid, int secs, int *status)
{
	int i;

	for (i = 0; i < secs * 10; i++) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return 0;
		usleep(100000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	return -1;
}

/*
 * Allocate memory in 1 MiB steps until killed; count the MiB in @done.
 * The OOM killer should pick this process, not the test.
 */
static void hog(long *done, bool secret)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };

	write_file("/proc/self/oom_score_adj", "1000");
	setrlimit(RLIMIT_MEMLOCK, &unlimited);
	for (;;) {
		char *p;

		if (secret) {
			p = secret_map(MIB, 0x22);
		} else {
			p = mmap(NULL, MIB, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p != MAP_FAILED)
				memset(p, 0x22, MIB);
		}
		if (p == MAP_FAILED)
			usleep(1000);
		else
			__atomic_add_fetch(done, 1, __ATOMIC_RELAXED);
	}
}

#define CGROUP		"/sys/fs/cgroup/"
#define CPUSET_TEST	CGROUP "memfd_secret_pressure/"
#define MEMCG_TEST	CGROUP "memfd_secret_oom/"

/*
 * Make the cgroup @dir below the cgroup v2 root, with @controller ("cpuset",
 * "memory") enabled for it; cgroup2 is mounted on CGROUP if nothing is
 * there. 0, or -errno.
 */
static int cgroup_make(const char *dir, const char *controller)
{
	char enable[32];

	if (access(CGROUP "cgroup.controllers", F_OK) &&
	    mount("none", CGROUP, "cgroup2", 0, NULL))
		return -errno;
	snprintf(enable, sizeof(enable), "+%s", controller);
	if (write_file(CGROUP "cgroup.subtree_control", enable))
		return -ENODEV;
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Move the calling process into the cgroup @dir; 0, or -errno. */
static int cgroup_enter(const char *dir)
{
	char path[128], pid[16];

	snprintf(path, sizeof(path), "%scgroup.procs", dir);
	snprintf(pid, sizeof(pid), "%d", getpid());
	return write_file(path, pid);
}

struct oom_run {
	long hog_mib;
	int status;
	long long oom_kills;
};

/*
 * Run a hog until the OOM killer stops it (at most @secs seconds), in the
 * cgroup @cgroup if not NULL (a hog that cannot enter it exits with 1).
 *
 * A hog of secret memory runs in a memory cgroup: the OOM reaper cannot
 * free secret pages (they are a shared file's), and exit_mmap() marks the
 * victim MMF_OOM_SKIP before its files' last references go, which is what
 * frees them. A global OOM kill of such a hog therefore leaves a window,
 * seconds long under KASAN, in which any other task's allocation can run
 * into the OOM killer again, find the victim skipped and, in a guest whose
 * other tasks are all OOM_SCORE_ADJ_MIN, panic ("System is deadlocked on
 * memory"). It did, once, with the CPA self test's kernel thread.
 */
static int run_hog(bool secret, int secs, const char *cgroup,
		   struct oom_run *run)
{
	long *done = mmap(NULL, sizeof(long), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	long long kills = vmstat_item("oom_kill");
	pid_t pid;
	int ret;

	if (done == MAP_FAILED)
		return -1;
	*done = 0;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (cgroup && cgroup_enter(cgroup))
			_exit(1);
		hog(done, secret);
		_exit(1);
	}
	ret = wait_for(pid, secs, &run->status);
	run->hog_mib = __atomic_load_n(done, __ATOMIC_RELAXED);
	run->oom_kills = vmstat_item("oom_kill") - kills;
	munmap(done, sizeof(long));
	return ret;
}

FIXTURE(pressure) {
	char reserve[32];
	char pcp_high[32];
};

FIXTURE_SETUP(pressure)
{
	int fd;

	page_size = sysconf(_SC_PAGESIZE);
	if (read_number(DEBUGFS "enabled", 10) != 1)
		SKIP(return, "no unmapped-page cache, or switched off (" DEBUGFS ")");
	fd = syscall(__NR_memfd_secret, 0);
	if (fd < 0)
		SKIP(return, "memfd_secret: %s", strerror(errno));
	close(fd);
	snprintf(self->reserve, sizeof(self->reserve), "%lld",
		 read_number(DEBUGFS "reserve_blocks", 10));
	snprintf(self->pcp_high, sizeof(self->pcp_high), "%lld",
		 read_number(DEBUGFS "pcp_high", 10));
	write_file("/proc/self/oom_score_adj", "-1000");
	drain_and_drop();
}

FIXTURE_TEARDOWN(pressure)
{
	write_file(DEBUGFS "reserve_blocks", self->reserve);
	write_file(DEBUGFS "pcp_high", self->pcp_high);
	drain_and_drop();
}

/* The most cached blocks the offline test reads from debugfs. */
#define MAX_CACHED_BLOCKS	1024

struct cached_block {
	int nid;
	unsigned long pfn, owned, free;
};

/* The cache's blocks from debugfs; returns how many (at most @max). */
static int read_blocks(struct cached_block *b, int max)
{
	FILE *f = fopen(DEBUGFS "blocks", "r");
	char line[128];
	int n = 0;

	if (!f)
		return -1;
	while (n < max && fgets(line, sizeof(line), f))
		if (sscanf(line, "%d %lx %lu %lu", &b[n].nid, &b[n].pfn,
			   &b[n].owned, &b[n].free) == 4)
			n++;
	fclose(f);
	return n;
}

static void on_alarm(int sig)
{
}

/*
 * Offline memory block @mem, interrupting the attempt after @secs seconds
 * (offline_pages() retries pages that cannot migrate until a signal).
 * Returns 0 or a negative errno.
 */
static int offline(long mem, int secs)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	char path[128];
	int ret;

	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART */
	snprintf(path, sizeof(path), MEMORY_SYSFS "memory%ld/state", mem);
	alarm(secs);
	ret = write_file(path, "offline");
	alarm(0);
	return ret;
}

static void online(long mem)
{
	char path[128];

	snprintf(path, sizeof(path), MEMORY_SYSFS "memory%ld/state", mem);
	write_file(path, "online");
}

/*
 * The last node with memory, and its free memory in kB. On a guest whose
 * second node is a hot-plugged DIMM, that memory holds almost no kernel
 * pages, so the memory blocks the cache fills there can go offline.
 */
static int last_node(long long *free_kb)
{
	char path[128], line[256];
	int nid = -1, n;
	long long kb;
	FILE *f;

	for (n = 0; n < 64; n++) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", n);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "Node %*d MemFree: %lld", &kb) == 1 && kb) {
				nid = n;
				*free_kb = kb;
			}
		fclose(f);
	}
	return nid;
}

static int bind_to_node(int nid)
{
	unsigned long mask = 1UL << nid;

	/* MPOL_BIND is 2; no libnuma in a static test binary. */
	return syscall(__NR_set_mempolicy, 2, &mask, sizeof(mask) * 8);
}

/*
 * Memory block numbers are small on the guests this test is for (the
 * block size is at least 128 MiB); larger ones are not looked at.
 */
#define MAX_MEMORY_BLOCKS	4096
/* 2 MiB blocks the offline case may hold in use to place its page. */
#define MAX_HELD		(MAX_CACHED_BLOCKS / 2)

/* What the cache holds in one memory block of the node under test. */
struct memory_block_state {
	int whole;	/* 2 MiB regions cached whole (512 pages owned, free) */
	bool busy;	/* a cached block there has a page in use */
	bool busy_whole; /* ... and owns all of its region */
	bool shared;	/* a cached block there owns only part of its region */
};

/*
 * What the cache holds in each memory block of node @nid, from the blocks
 * listing; returns how many cached blocks the node has.
 */
static int read_memory_blocks(int nid, long long block_bytes,
			      struct memory_block_state *st)
{
	static struct cached_block b[MAX_CACHED_BLOCKS];
	int n, i, blocks = 0;
	long mem;

	memset(st, 0, MAX_MEMORY_BLOCKS * sizeof(*st));
	n = read_blocks(b, MAX_CACHED_BLOCKS);
	for (i = 0; i < n; i++) {
		if (b[i].nid != nid)
			continue;
		blocks++;
		mem = b[i].pfn * page_size / block_bytes;
		if (mem >= MAX_MEMORY_BLOCKS)
			continue;
		if (b[i].free != b[i].owned) {
			st[mem].busy = true;
			st[mem].busy_whole = b[i].owned == BLOCK_PAGES;
		} else if (b[i].owned != BLOCK_PAGES) {
			st[mem].shared = true;
		} else {
			st[mem].whole++;
		}
	}
	return blocks;
}

/*
 * The memory block of the page mapped at @p, from its page frame number
 * in /proc/self/pagemap (shown to CAP_SYS_ADMIN only); -1 if unknown.
 */
static long mapped_memory_block(const void *p, long long block_bytes)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	unsigned long long entry, pfn;
	ssize_t n;

	if (fd < 0)
		return -1;
	n = pread(fd, &entry, sizeof(entry),
		  (unsigned long)p / page_size * sizeof(entry));
	close(fd);
	if (n != sizeof(entry))
		return -1;
	/* Bit 63: present; bits 0-54: the page frame number. */
	pfn = entry & ((1ULL << 55) - 1);
	if (!(entry >> 63) || !pfn)
		return -1;
	return pfn * page_size / block_bytes;
}

/*
 * Runs first, while the memory of the node under test holds almost nothing
 * but what the test puts there: later cases drive the system into the OOM
 * killer, and the kernel pages allocated then can land on any node.
 */
TEST_F_TIMEOUT(pressure, offline, 600)
{
	static struct memory_block_state st[MAX_MEMORY_BLOCKS];
	long long block_bytes = read_number(MEMORY_SYSFS "block_size_bytes", 16);
	long long released = vmstat_item("unmapped_offline_release");
	long mem, whole_mem = -1, inuse_mem, mib, max_mib;
	int k, err, inuse_err, nid, regions, status, blocks, go[2] = { -1, -1 };
	bool late, target = false;
	pid_t pid = -1;
	long long node_free_kb = 0;
	static struct cached_block b[MAX_CACHED_BLOCKS];
	static char *held[MAX_HELD];
	char *page;
	int n, i;

	if (block_bytes <= 0 || access(MEMORY_SYSFS "memory0/state", W_OK))
		SKIP(return, "no memory hot-remove (CONFIG_MEMORY_HOTREMOVE)");
	nid = last_node(&node_free_kb);
	if (nid <= 0)
		SKIP(return, "one memory node: its memory blocks all hold kernel pages");
	regions = block_bytes / (BLOCK_PAGES * page_size);
	ASSERT_GT(regions, 0);
	ASSERT_EQ(bind_to_node(nid), 0);
	/*
	 * No per-CPU lists (the teardown puts them back): a page freed to a
	 * CPU's list counts as in use in its block, so the listing would not
	 * tell the free blocks apart from those with a page in use.
	 */
	ASSERT_EQ(write_file(DEBUGFS "pcp_high", "0"), 0);
	/*
	 * Three quarters of the node's free memory, at most four memory
	 * blocks and no more than read_blocks() can list: its free 2 MiB
	 * blocks go to the cache, so that the memory blocks of the node that
	 * hold nothing else end up held by the cache alone. A memory block
	 * that merely contains a free cached block can also hold a kernel
	 * page (slab, a page table) and then rightly refuses to go offline.
	 */
	max_mib = 4 * block_bytes / MIB;
	/* Leave half of the listing to blocks of other nodes. */
	if (max_mib > MAX_CACHED_BLOCKS / 2 * (BLOCK_PAGES * page_size / MIB))
		max_mib = MAX_CACHED_BLOCKS / 2 * (BLOCK_PAGES * page_size / MIB);
	mib = node_free_kb / 1024 * 3 / 4;
	if (mib > max_mib)
		mib = max_mib;
	ASSERT_GT(fill_cache(mib), 0);

	read_memory_blocks(nid, block_bytes, st);
	for (mem = 0; mem < MAX_MEMORY_BLOCKS; mem++) {
		if (!st[mem].whole && !st[mem].busy && !st[mem].shared)
			continue;
		TH_LOG("memory%ld: %d of %d regions cached whole and free%s%s",
		       mem, st[mem].whole, regions,
		       st[mem].busy ? ", a page in use" : "",
		       st[mem].shared ? ", a region shared" : "");
		if (st[mem].whole == regions && whole_mem < 0)
			whole_mem = mem;
	}
	/*
	 * The fill's own kernel pages (a page table, the file's xarray nodes,
	 * the cache's block descriptors) land on the node too, and so can
	 * other kernel pages: when one sits in every memory block the fill
	 * covered, nothing here can tell the cache's effect apart.
	 */
	if (whole_mem < 0)
		SKIP(return, "no memory block of node %d is held by the cache alone (see above)",
		     nid);

	/* Nothing but free cached blocks there: it must go offline. */
	err = offline(whole_mem, 20);
	EXPECT_EQ(err, 0)
		TH_LOG("memory%ld: %s", whole_mem, strerror(-err));
	if (!err) {
		/* The cache holds nothing there any more. */
		n = read_blocks(b, MAX_CACHED_BLOCKS);
		for (i = 0; i < n; i++)
			EXPECT_NE(b[i].pfn * page_size / block_bytes, whole_mem);
		online(whole_mem);
	}
	EXPECT_GE(vmstat_item("unmapped_offline_release") - released, regions);

	/*
	 * A page in use, preferably in another memory block that holds
	 * nothing but free cached blocks. Where the cache takes a page from
	 * is its own choice: while the page lands elsewhere, a block's worth
	 * of pages is held in use, and the next page comes from further on.
	 * Once every block of the node is held, a page can only come from a
	 * refill, so the node's blocks bound the search.
	 */
	blocks = read_memory_blocks(nid, block_bytes, st);
	for (mem = 0; mem < MAX_MEMORY_BLOCKS; mem++)
		target |= st[mem].whole == regions;
	for (k = 0; ; k++) {
		page = secret_map(page_size, 0x44);
		ASSERT_NE(page, MAP_FAILED);
		inuse_mem = mapped_memory_block(page, block_bytes);
		ASSERT_GE(inuse_mem, 0);
		if (!target || k == blocks || k == MAX_HELD ||
		    (inuse_mem < MAX_MEMORY_BLOCKS &&
		     st[inuse_mem].whole == regions))
			break;
		munmap(page, page_size);
		held[k] = secret_map(BLOCK_PAGES * page_size, 0x55);
		ASSERT_NE(held[k], MAP_FAILED);
	}
	TH_LOG("memory%ld: the page in use, after holding %d blocks of 2 MiB",
	       inuse_mem, k);
	while (k-- > 0)
		munmap(held[k], BLOCK_PAGES * page_size);
	read_memory_blocks(nid, block_bytes, st);

	/*
	 * Forked now, while nothing of the memory block is free in the page
	 * allocator, and with the default policy: its own kernel pages must
	 * not land there and keep the block from going offline.
	 */
	late = inuse_mem < MAX_MEMORY_BLOCKS &&
	       st[inuse_mem].whole + 1 == regions && st[inuse_mem].busy_whole &&
	       !st[inuse_mem].shared;
	if (late) {
		ASSERT_EQ(pipe(go), 0);
		pid = fork();
		ASSERT_GE(pid, 0);
		if (!pid) {
			char c;

			syscall(__NR_set_mempolicy, 0, NULL, 0);
			munmap(page, page_size);
			_exit(read(go[0], &c, 1) == 1 && !offline(inuse_mem, 60) ? 0 : 1);
		}
	}
	inuse_err = offline(inuse_mem, 10);
	if (!inuse_err)
		online(inuse_mem);
	FIGURES("offline cache_only_block=memory%ld cache_only_err=%d", whole_mem, err);
	FIGURES("offline in_use_block=memory%ld in_use_err=%d", inuse_mem, inuse_err);
	EXPECT_NE(inuse_err, 0);
	EXPECT_TRUE(secret_intact(page, page_size, 0x44));
	if (!late) {
		munmap(page, page_size);
		TH_LOG("memory%ld holds more than the cache: not offlined while its page is freed",
		       inuse_mem);
		return;
	}

	/*
	 * The page is freed while an offline of its memory block waits for
	 * it: its block, all free now, must go back to the page allocator
	 * although the offline isolated the range long before.
	 */
	ASSERT_EQ(write(go[1], "g", 1), 1);
	sleep(2);
	munmap(page, page_size);
	ASSERT_EQ(wait_for(pid, 90, &status), 0);
	late = WIFEXITED(status) && !WEXITSTATUS(status);
	FIGURES("offline freed_while_waiting_offlined=%d", late);
	EXPECT_TRUE(late);
	if (late)
		online(inuse_mem);
}

TEST_F_TIMEOUT(pressure, shrinker_before_oom, 900)
{
	long mib = meminfo_kb("MemTotal:") / 8 / 1024;
	long long cached, shrunk, free_kb;
	struct oom_run run;
	char *p;

	if (mib > 256)
		mib = 256;
	cached = fill_cache(mib);
	ASSERT_GE(cached, mib * MIB / page_size * 3 / 4);
	shrunk = vmstat_item("unmapped_shrink_release");
	free_kb = meminfo_kb("MemFree:");

	ASSERT_EQ(run_hog(false, 600, NULL, &run), 0);
	shrunk = vmstat_item("unmapped_shrink_release") - shrunk;
	FIGURES("shrinker_before_oom cached_kb=%lld free_kb=%lld hog_mib=%ld",
		cached * page_size / KIB, free_kb, run.hog_mib);
	FIGURES("shrinker_before_oom shrunk_kb=%lld left_kb=%lld",
		shrunk * page_size / KIB,
		vmstat_item("nr_unmapped_free") * page_size / KIB);
	ASSERT_TRUE(WIFSIGNALED(run.status));
	EXPECT_EQ(WTERMSIG(run.status), SIGKILL);
	EXPECT_GE(run.oom_kills, 1);
	EXPECT_GE(shrunk, cached - BLOCK_PAGES);
	EXPECT_LE(vmstat_item("nr_unmapped_free"), BLOCK_PAGES);
	EXPECT_GE(run.hog_mib * 1024, free_kb + cached * page_size / KIB / 2);

	/* The system goes on: secret memory still works. */
	p = secret_map(4 * MIB, 0x33);
	ASSERT_NE(p, MAP_FAILED);
	EXPECT_TRUE(secret_intact(p, 4 * MIB, 0x33));
	munmap(p, 4 * MIB);
}

TEST_F_TIMEOUT(pressure, oom_secret, 900)
{
	long long used = vmstat_item("nr_unmapped_used");
	long long free_kb, free_after, memcg_kills;
	char max[32];
	struct oom_run run;
	int ret;

	free_kb = meminfo_kb("MemFree:");
	ret = cgroup_make(MEMCG_TEST, "memory");
	if (ret)
		SKIP(return, "no memory cgroup: %s", strerror(-ret));
	snprintf(max, sizeof(max), "%lld", free_kb / 4 * 3 * 1024);
	ASSERT_EQ(write_file(MEMCG_TEST "memory.max", max), 0);
	ASSERT_EQ(run_hog(true, 600, MEMCG_TEST, &run), 0);
	memcg_kills = proc_item(MEMCG_TEST "memory.events", "oom_kill");
	rmdir(MEMCG_TEST);
	drain_and_drop();
	free_after = meminfo_kb("MemFree:");
	FIGURES("oom_secret hog_mib=%ld free_before_kb=%lld free_after_kb=%lld",
		run.hog_mib, free_kb, free_after);
	FIGURES("oom_secret unmapped_used=%lld unmapped_free=%lld memcg_oom_kills=%lld",
		vmstat_item("nr_unmapped_used"), vmstat_item("nr_unmapped_free"),
		memcg_kills);
	ASSERT_TRUE(WIFSIGNALED(run.status));
	EXPECT_EQ(WTERMSIG(run.status), SIGKILL);
	EXPECT_GE(run.oom_kills, 1);
	/* The memory cgroup's OOM killer stopped it, not the global one. */
	EXPECT_GE(memcg_kills, 1);
	EXPECT_GT(run.hog_mib, free_kb / 1024 / 2);
	EXPECT_EQ(vmstat_item("nr_unmapped_used"), used);
	EXPECT_EQ(vmstat_item("nr_unmapped_free"), 0);
	EXPECT_GE(free_after, free_kb - MEMFREE_SLACK_KB);
}

static sigjmp_buf bus_jmp;

static void on_bus(int sig)
{
	siglongjmp(bus_jmp, 1);
}

/*
 * Secret memory is charged to RLIMIT_MEMLOCK: when a mapping is made, and
 * (on kernels that charge the user per page, as the mapping's charge can
 * be bypassed) when a page is faulted in, with SIGBUS past the limit.
 * Either way a process gets exactly the limit, and keeps its contents.
 */
TEST_F(pressure, memlock_limit)
{
	const long limit_mib = 16;
	pid_t pid = fork();
	int status;

	ASSERT_GE(pid, 0);
	if (!pid) {
		struct rlimit rl = { limit_mib * MIB, limit_mib * MIB };
		struct sigaction sa = { .sa_handler = on_bus };
		static char *region[64];
		/* Static: they keep their values across siglongjmp(). */
		static long pages, n;
		int fd, how = 0;
		char *p;
		size_t i;

		/* Unprivileged: CAP_IPC_LOCK would lift the limit. */
		if (setrlimit(RLIMIT_MEMLOCK, &rl) || setgid(65534) ||
		    setuid(65534))
			_exit(10);
		sigaction(SIGBUS, &sa, NULL);
		for (n = 0; n < 64; n++) {
			fd = syscall(__NR_memfd_secret, 0);
			if (fd < 0 || ftruncate(fd, MIB))
				_exit(14);
			p = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_SHARED,
				 fd, 0);
			close(fd);
			if (p == MAP_FAILED) {
				how = errno == EAGAIN ? 1 : 12;
				break;
			}
			if (sigsetjmp(bus_jmp, 1)) {
				how = 2;
				break;
			}
			for (i = 0; i < MIB; i += page_size) {
				memset(p + i, 'a' + n % 26, page_size);
				pages++;
			}
			region[n] = p;
		}
		if (how != 1 && how != 2)
			_exit(how ?: 15);
		if (pages != limit_mib * MIB / page_size)
			_exit(11);
		while (n--)
			if (!secret_intact(region[n], MIB, 'a' + n % 26))
				_exit(13);
		_exit(how == 1 ? 0 : 1);
	}
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status));
	/*
	 * 0: mmap() failed with EAGAIN at the limit; 1: a fault past the
	 * limit raised SIGBUS. Failures: 10 could not drop privileges, 11
	 * wrong number of pages, 12 mmap() failed otherwise, 13 contents
	 * changed, 14 memfd_secret() or ftruncate() failed, 15 no limit hit.
	 */
	FIGURES("memlock_limit stopped_mib=%ld by=%s", limit_mib,
		WEXITSTATUS(status) == 0 ? "mmap_eagain" :
		WEXITSTATUS(status) == 1 ? "sigbus" : "failed");
	EXPECT_LE(WEXITSTATUS(status), 1);
}

/* A per-node vmstat item of node @nid (exact, as vmstat_item()). */
static long long node_vmstat_item(int nid, const char *name)
{
	char path[96];

	write_file("/proc/sys/vm/stat_refresh", "1");
	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/vmstat", nid);
	return proc_item(path, name);
}

static long long node_unmapped_used(int nid)
{
	return node_vmstat_item(nid, "nr_unmapped_used");
}

/*
 * How many pages of @len bytes mapped at @p are on node @nid, as
 * move_pages(2) without target nodes reports; -1 on error.
 */
static long pages_on_node(char *p, size_t len, int nid)
{
	unsigned long i, count = len / page_size;
	void **pages = calloc(count, sizeof(*pages));
	int *status = calloc(count, sizeof(*status));
	long on = -1;

	if (pages && status) {
		for (i = 0; i < count; i++)
			pages[i] = p + i * page_size;
		if (!syscall(__NR_move_pages, 0, count, pages, NULL, status, 0))
			for (on = 0, i = 0; i < count; i++)
				on += status[i] == nid;
	}
	free(pages);
	free(status);
	return on;
}

TEST_F(pressure, cpuset)
{
	const size_t len = 8 * MIB;
	long long free_kb, cached, here[2], there[2];
	int nid = last_node(&free_kb), ready[2], done[2], status, ret;
	long on_node = -1;
	char mems[16], *p;
	pid_t pid;

	if (nid <= 0)
		SKIP(return, "needs a second memory node");
	ret = cgroup_make(CPUSET_TEST, "cpuset");
	if (ret)
		SKIP(return, "no cpuset cgroup: %s", strerror(-ret));
	snprintf(mems, sizeof(mems), "%d", nid);
	ASSERT_EQ(write_file(CPUSET_TEST "cpuset.mems", mems), 0);

	/*
	 * Free pages in the cache of node 0, where this task runs: the
	 * cpuset's task must not get them (a refill alone would come from
	 * the cpuset's node anyway, as the page allocator applies cpusets).
	 */
	ASSERT_EQ(write_file(DEBUGFS "reserve_blocks", "64"), 0);
	ASSERT_EQ(bind_to_node(0), 0);
	p = secret_map(len, 'f');
	/* MPOL_DEFAULT is 0. */
	ASSERT_EQ(syscall(__NR_set_mempolicy, 0, NULL, 0), 0);
	ASSERT_NE(p, MAP_FAILED);
	/* Not drop_caches: its shrinker pass would empty the cache. */
	munmap(p, len);
	cached = node_vmstat_item(0, "nr_unmapped_free");
	TH_LOG("node0 cache: %lld free pages", cached);
	ASSERT_GT(cached, 0);
	ASSERT_EQ(pipe(ready), 0);
	ASSERT_EQ(pipe(done), 0);

	here[0] = node_unmapped_used(0);
	there[0] = node_unmapped_used(nid);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		char c;

		if (cgroup_enter(CPUSET_TEST))
			_exit(1);
		p = secret_map(len, 'c');
		if (p == MAP_FAILED)
			_exit(2);
		on_node = pages_on_node(p, len, nid);
		/* Hold the pages until the parent has counted them. */
		if (write(ready[1], &on_node, sizeof(on_node)) != sizeof(on_node) ||
		    read(done[0], &c, 1) != 1)
			_exit(3);
		_exit(0);
	}
	close(ready[1]);
	if (read(ready[0], &on_node, sizeof(on_node)) == sizeof(on_node)) {
		here[1] = node_unmapped_used(0);
		there[1] = node_unmapped_used(nid);
	} else {
		here[1] = -1;
		there[1] = -1;
	}
	ASSERT_EQ(write(done[1], "d", 1), 1);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	rmdir(CPUSET_TEST);
	/* 1: could not join the cpuset, 2: memfd_secret() failed. */
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status)) {
		TH_LOG("child exited with %d", WEXITSTATUS(status));
	}
	/*
	 * Only where the child's own pages are tells: the nodes' counters
	 * also move with other tasks' secret memory while the child runs.
	 */
	TH_LOG("unmapped pages in use: node0 %+lld, node%d %+lld", here[1] - here[0],
	       nid, there[1] - there[0]);
	EXPECT_EQ(on_node, (long)(len / page_size));
}

/* Run the calling thread on @cpu only. */
static int run_on(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/*
 * Free @pages secret pages that another CPU's LRU batch still holds: they
 * are faulted in on CPU 1, which adds each folio to its per-CPU batch with
 * a reference of the batch's own, and unmapped and closed on CPU 0, whose
 * munmap() drains only CPU 0's batch. The pages stay in use until CPU 1's
 * batch is drained. Returns 0, or -1 when the machine has a single CPU.
 */
static int free_behind_lru_batch(int pages)
{
	cpu_set_t all;
	char *p;
	int err = -1;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 ||
	    sched_getaffinity(0, sizeof(all), &all) || run_on(1))
		return -1;
	p = secret_map(pages * page_size, 0x55);
	if (p != MAP_FAILED && !run_on(0)) {
		munmap(p, pages * page_size);
		err = 0;
	}
	sched_setaffinity(0, sizeof(all), &all);
	return err;
}

/*
 * Hibernation with free pages in the cache: they are given back before the
 * image is made, and an image is saved and loaded back within one boot
 * (/sys/power/disk test_resume; the caller sets up a swap device as the
 * resume device). Secret pages freed just before, but still held by
 * another CPU's LRU batch, are in use only until that batch is drained:
 * they must not make the cache refuse hibernation. While a memfd_secret
 * file exists, hibernation is not available at all (mainline's own rule).
 */
TEST_F_TIMEOUT(pressure, hibernate, 600)
{
	char resume[32] = "", mode[128] = "";
	long long cached;
	char *p;
	int err;

	if (read_text("/sys/power/resume", resume, sizeof(resume)) ||
	    !strcmp(resume, "0:0") ||
	    read_text("/sys/power/disk", mode, sizeof(mode)) ||
	    !strstr(mode, "[test_resume]"))
		SKIP(return, "no resume device, or /sys/power/disk is not test_resume");

	p = secret_map(page_size, 0x66);
	ASSERT_NE(p, MAP_FAILED);
	EXPECT_EQ(write_file("/sys/power/state", "disk"), -EPERM);
	munmap(p, page_size);

	cached = fill_cache(64);
	ASSERT_GT(cached, 0);
	if (free_behind_lru_batch(8))
		TH_LOG("one CPU: no secret pages left in another CPU's LRU batch");
	err = write_file("/sys/power/state", "disk");
	EXPECT_EQ(err, 0)
		TH_LOG("hibernation: %s", strerror(-err));
	TH_LOG("cached %lld free pages; after the image: %lld free, %lld in use",
	       cached, vmstat_item("nr_unmapped_free"),
	       vmstat_item("nr_unmapped_used"));
	EXPECT_EQ(vmstat_item("nr_unmapped_free"), 0);
	EXPECT_EQ(vmstat_item("nr_unmapped_used"), 0);

	/* The cache serves again. */
	p = secret_map(4 * MIB, 0x77);
	ASSERT_NE(p, MAP_FAILED);
	EXPECT_TRUE(secret_intact(p, 4 * MIB, 0x77));
	munmap(p, 4 * MIB);
}

TEST_HARNESS_MAIN
