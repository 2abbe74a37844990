// SPDX-License-Identifier: GPL-2.0
/*
 * pressure SECONDS: memory pressure from user space. Fill memory, create
 * /tmp/pressure-full, keep the pressure up for SECONDS (the secret churn
 * joins 5 s after the file appears), then stop and wait until all of it
 * is freed. Two processes:
 *
 *  - a hog fills a memfd (shmem: without swap it cannot be reclaimed)
 *    with write() until MemAvailable is down to 5 % of MemTotal, then
 *    keeps punching 16 MiB holes at random places and writing them again,
 *    so the kernel reclaims (the unmapped-page cache's shrinker included)
 *    over and over; write() is used rather than page faults because a
 *    fault costs tens of microseconds under TCG. If the OOM killer takes
 *    the hog, a new one starts;
 *  - a churn maps memfd_secret regions of 1 to 256 pages, writes them and
 *    frees them in random order (up to 32 held).
 *
 * Prints one line: MiB the hog wrote, its largest size, hogs OOM-killed,
 * secret regions, and secret regions whose contents were wrong (must be 0).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef __NR_memfd_secret
#define __NR_memfd_secret 447
#endif

#define SLOTS	32

struct stats {
	long mib, peak_mib, secret, bad;
	int full;
};

static struct stats *st;

static long meminfo_kb(const char *name)
{
	char line[128], key[64];
	long kb, val = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld", key, &kb) == 2 && !strcmp(key, name))
			val = kb;
	if (f)
		fclose(f);
	return val;
}

static void set_oom_score_adj(const char *val)
{
	FILE *f = fopen("/proc/self/oom_score_adj", "w");

	if (f) {
		fputs(val, f);
		fclose(f);
	}
}

#define CHUNK	(1L << 20)
#define HOLE	(16 * CHUNK)

static void hog(void)
{
	long low = meminfo_kb("MemTotal:") / 20, size = 0, off;
	static char buf[CHUNK];
	unsigned long rnd = getpid();
	int fd = memfd_create("pressure", 0);

	set_oom_score_adj("1000");
	memset(buf, 0x5a, sizeof(buf));
	if (fd < 0)
		return;
	/* Fill until MemAvailable is down to 5 % of MemTotal. */
	while (meminfo_kb("MemAvailable:") > low) {
		if (write(fd, buf, CHUNK) != CHUNK)
			break;
		size += CHUNK;
		__atomic_add_fetch(&st->mib, 1, __ATOMIC_RELAXED);
		if (size / CHUNK > st->peak_mib)
			st->peak_mib = size / CHUNK;
	}
	st->full = 1;
	if (size < HOLE)
		return;
	/* Then free and allocate again, 16 MiB at a time. */
	for (;;) {
		rnd = rnd * 6364136223846793005UL + 1442695040888963407UL;
		off = (long)((rnd >> 33) % (size / HOLE)) * HOLE;
		fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, HOLE);
		for (long i = 0; i < HOLE; i += CHUNK) {
			if (pwrite(fd, buf, CHUNK, off + i) != CHUNK)
				break;
			__atomic_add_fetch(&st->mib, 1, __ATOMIC_RELAXED);
		}
	}
}

static void churn(void)
{
	char *region[SLOTS] = {};
	size_t len[SLOTS] = {}, off;
	unsigned long rnd = getpid();
	int i, fd;

	set_oom_score_adj("500");
	for (;;) {
		rnd = rnd * 6364136223846793005UL + 1442695040888963407UL;
		i = (rnd >> 33) % SLOTS;
		if (region[i]) {
			for (off = 0; off < len[i]; off++)
				if (region[i][off] != (char)(i + 1)) {
					st->bad++;
					break;
				}
			munmap(region[i], len[i]);
			region[i] = NULL;
			continue;
		}
		len[i] = (1 + (rnd >> 40) % 256) * getpagesize();
		fd = syscall(__NR_memfd_secret, 0);
		if (fd < 0 || ftruncate(fd, len[i])) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		region[i] = mmap(NULL, len[i], PROT_READ | PROT_WRITE,
				 MAP_SHARED, fd, 0);
		close(fd);
		if (region[i] == MAP_FAILED) {
			region[i] = NULL;
			continue;
		}
		memset(region[i], i + 1, len[i]);
		st->secret++;
	}
}

static pid_t start(void (*fn)(void))
{
	pid_t pid = fork();

	if (!pid) {
		fn();
		_exit(0);
	}
	return pid;
}

int main(int argc, char **argv)
{
	long secs = argc == 2 ? atol(argv[1]) : 0, oom = 0;
	time_t end = time(NULL);
	pid_t hog_pid, churn_pid, pid;
	int status;

	if (secs <= 0) {
		fprintf(stderr, "usage: pressure SECONDS\n");
		return 2;
	}
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED) {
		perror("pressure");
		return 1;
	}
	hog_pid = start(hog);
	/* Full first (at most two minutes), so the pressure is there at once. */
	while (!st->full && time(NULL) < end + 120)
		usleep(100000);
	end = time(NULL) + secs;
	fclose(fopen("/tmp/pressure-full", "w"));
	/* What starts after full can take its baseline before the churn. */
	sleep(5);
	churn_pid = start(churn);
	while (time(NULL) < end) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid == hog_pid) {
			if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
				oom++;
			hog_pid = start(hog);
		} else if (pid == churn_pid) {
			churn_pid = start(churn);
		}
		usleep(100000);
	}
	kill(hog_pid, SIGKILL);
	kill(churn_pid, SIGKILL);
	while (wait(NULL) > 0)
		;
	printf("figures pressure seconds=%ld hog_wrote_mib=%ld largest_mib=%ld oom_killed=%ld secret_regions=%ld wrong_regions=%ld\n",
	       secs, st->mib, st->peak_mib, oom, st->secret, st->bad);
	return st->bad ? 1 : 0;
}
