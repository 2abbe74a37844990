// SPDX-License-Identifier: GPL-2.0
/*
 * secret-hold MIB CMD: long-lived secret memory allocated while other
 * memory churns. A child process maps, touches and unmaps anonymous
 * regions of 1 to 4 MiB until it is stopped; meanwhile MIB MiB of
 * memfd_secret memory is mapped in regions of 1 MiB and faulted in. With
 * all of it held, CMD runs (through the shell); then the child is stopped
 * and everything is freed.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef __NR_memfd_secret
#define __NR_memfd_secret 447
#endif

#define REGION	(1UL << 20)

static void churn(void)
{
	unsigned long rnd = 1;
	size_t len, off;
	char *p;

	for (;;) {
		rnd = rnd * 6364136223846793005UL + 1442695040888963407UL;
		len = (1 + (rnd >> 33) % 4) << 20;
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			continue;
		for (off = 0; off < len; off += getpagesize())
			p[off] = 1;
		munmap(p, len);
	}
}

int main(int argc, char **argv)
{
	long i, n = argc == 3 ? atol(argv[1]) : 0;
	size_t off;
	pid_t child;
	char **p;
	int ret = 0;

	if (n <= 0) {
		fprintf(stderr, "usage: secret-hold MIB CMD\n");
		return 2;
	}
	p = calloc(n, sizeof(*p));
	child = fork();
	if (!p || child < 0) {
		perror("secret-hold");
		return 1;
	}
	if (!child)
		churn();

	for (i = 0; i < n; i++) {
		int fd = syscall(__NR_memfd_secret, 0);

		if (fd < 0 || ftruncate(fd, REGION)) {
			perror("secret-hold: memfd_secret");
			ret = 1;
			break;
		}
		p[i] = mmap(NULL, REGION, PROT_READ | PROT_WRITE, MAP_SHARED,
			    fd, 0);
		close(fd);
		if (p[i] == MAP_FAILED) {
			perror("secret-hold: mmap");
			p[i] = NULL;
			ret = 1;
			break;
		}
		for (off = 0; off < REGION; off += getpagesize())
			p[i][off] = 1;
		/* Let the churn allocate between the regions. */
		usleep(2000);
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	if (!ret && system(argv[2]))
		ret = 1;
	for (i = 0; i < n; i++)
		if (p[i])
			munmap(p[i], REGION);
	return ret;
}
