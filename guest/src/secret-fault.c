// SPDX-License-Identifier: GPL-2.0
/*
 * secret-fault MIB: map MIB MiB of memfd_secret memory, write one byte to
 * every page, and print how many pages per second were faulted in, then
 * unmap it. Time is CLOCK_MONOTONIC; under TCG it is emulated, so compare
 * kernels by ratio. Output: "figures fault pages=N ns=T pages_per_sec=R".
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#ifndef __NR_memfd_secret
#define __NR_memfd_secret 447
#endif

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	size_t len, off, page = getpagesize();
	long long t0, t1;
	char *p;
	int fd;

	if (argc != 2 || atol(argv[1]) <= 0) {
		fprintf(stderr, "usage: secret-fault MIB\n");
		return 2;
	}
	len = (size_t)atol(argv[1]) << 20;
	fd = syscall(__NR_memfd_secret, 0);
	if (fd < 0 || ftruncate(fd, len)) {
		perror("secret-fault: memfd_secret");
		return 1;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("secret-fault: mmap");
		return 1;
	}
	t0 = now_ns();
	for (off = 0; off < len; off += page)
		p[off] = 1;
	t1 = now_ns();
	printf("figures fault pages=%zu ns=%lld pages_per_sec=%.0f\n",
	       len / page, t1 - t0, (double)(len / page) * 1e9 / (t1 - t0));
	munmap(p, len);
	close(fd);
	return 0;
}
