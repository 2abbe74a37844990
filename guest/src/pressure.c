// SPDX-License-Identifier: GPL-2.0
/*
 * pressure SECONDS: memory pressure from user space for SECONDS, then
 * stop and wait until all of it is freed. Two processes:
 *
 *  - a hog maps and touches anonymous memory up to 95 % of MemAvailable,
 *    frees it and starts again, so the kernel reclaims (the unmapped-page
 *    cache's shrinker included) over and over; if the OOM killer takes
 *    it, a new one starts;
 *  - a churn maps memfd_secret regions of 1 to 256 pages, writes them and
 *    frees them in random order (up to 32 held).
 *
 * Prints one line: rounds of the hog, MiB it touched, hogs OOM-killed,
 * secret regions, and secret regions whose contents were wrong (must be 0).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef __NR_memfd_secret
#define __NR_memfd_secret 447
#endif

#define SLOTS	32

struct stats {
	long rounds, mib, secret, bad;
};

static struct stats *st;

static long mem_available_kb(void)
{
	char line[128];
	long kb = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static void hog(void)
{
	FILE *f = fopen("/proc/self/oom_score_adj", "w");

	if (f) {
		fputs("1000", f);
		fclose(f);
	}
	for (;;) {
		size_t len = mem_available_kb() / 100 * 95 * 1024, off;
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			continue;
		for (off = 0; off < len; off += getpagesize()) {
			p[off] = 1;
			if (!(off % (1 << 20)))
				__atomic_add_fetch(&st->mib, 1, __ATOMIC_RELAXED);
		}
		munmap(p, len);
		__atomic_add_fetch(&st->rounds, 1, __ATOMIC_RELAXED);
	}
}

static void churn(void)
{
	char *region[SLOTS] = {};
	size_t len[SLOTS] = {}, off;
	unsigned long rnd = getpid();
	int i, fd;

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
	time_t end = time(NULL) + secs;
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
	printf("pressure: %ld s: hog %ld rounds, %ld MiB touched, %ld OOM-killed; %ld secret regions, %ld with wrong contents\n",
	       secs, st->rounds, st->mib, oom, st->secret, st->bad);
	return st->bad ? 1 : 0;
}
