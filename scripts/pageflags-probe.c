// SPDX-License-Identifier: GPL-2.0
/*
 * Built by scripts/pageflags-layout.sh inside a kernel tree (as
 * mm/pageflags-probe.c, to assembly only, the way kernel/bounds.c is):
 * the widths of the fields of page->flags in one configuration.
 */
#include <linux/kbuild.h>
#include <linux/mm.h>

int main(void)
{
	DEFINE(NR_PAGEFLAGS, NR_PAGEFLAGS);
	DEFINE(SECTIONS_WIDTH, SECTIONS_WIDTH);
	DEFINE(NODES_WIDTH, NODES_WIDTH);
	DEFINE(ZONES_WIDTH, ZONES_WIDTH);
	DEFINE(LAST_CPUPID_WIDTH, LAST_CPUPID_WIDTH);
	DEFINE(LAST_CPUPID_SHIFT, LAST_CPUPID_SHIFT);
	DEFINE(KASAN_TAG_WIDTH, KASAN_TAG_WIDTH);
	DEFINE(LRU_GEN_WIDTH, LRU_GEN_WIDTH);
	DEFINE(LRU_REFS_WIDTH, LRU_REFS_WIDTH);
	DEFINE(LRU_REFS_WANTED, __LRU_REFS_WIDTH);
	DEFINE(UNUSED, NR_UNUSED_PAGEFLAG_BITS);
	return 0;
}
