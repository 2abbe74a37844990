// SPDX-License-Identifier: GPL-2.0
/*
 * secretmem-churn MIB ROUNDS [CMD]
 *
 * Each round maps MIB MiB of memfd_secret memory in 4 MiB regions,
 * touches every page, and frees it all again. In the last round CMD is
 * run through the shell while all of it is held, so that a caller can
 * look at the direct map at the peak.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_memfd_secret
#define __NR_memfd_secret 447
#endif

#define REGION (4UL << 20)

int main(int argc, char **argv)
{
	unsigned long mib, rounds, nr, i, r, off;
	long page = sysconf(_SC_PAGESIZE);
	char **maps;
	int *fds;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: %s MIB ROUNDS [CMD]\n", argv[0]);
		return 2;
	}
	mib = strtoul(argv[1], NULL, 0);
	rounds = strtoul(argv[2], NULL, 0);
	nr = (mib << 20) / REGION;
	maps = calloc(nr, sizeof(*maps));
	fds = calloc(nr, sizeof(*fds));
	if (!nr || !rounds || !maps || !fds) {
		fprintf(stderr, "secretmem-churn: bad arguments\n");
		return 2;
	}

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < nr; i++) {
			fds[i] = syscall(__NR_memfd_secret, 0);
			if (fds[i] < 0 || ftruncate(fds[i], REGION)) {
				fprintf(stderr, "secretmem-churn: memfd_secret: %s\n",
					strerror(errno));
				return 1;
			}
			maps[i] = mmap(NULL, REGION, PROT_READ | PROT_WRITE,
				       MAP_SHARED, fds[i], 0);
			if (maps[i] == MAP_FAILED) {
				fprintf(stderr, "secretmem-churn: mmap: %s\n",
					strerror(errno));
				return 1;
			}
			for (off = 0; off < REGION; off += page)
				maps[i][off] = (char)(r + i + 1);
		}
		if (r == rounds - 1 && argc == 4 && system(argv[3]) != 0)
			fprintf(stderr, "secretmem-churn: '%s' failed\n", argv[3]);
		for (i = 0; i < nr; i++) {
			munmap(maps[i], REGION);
			close(fds[i]);
		}
	}
	printf("secretmem-churn: %lu round(s) of %lu MiB in %lu regions\n",
	       rounds, mib, nr);
	return 0;
}
