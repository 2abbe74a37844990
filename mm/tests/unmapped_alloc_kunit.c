// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for __GFP_UNMAPPED and the unmapped-page cache.
 *
 * Most cases drain the cache first and then expect exact free-area counts,
 * so they assume nothing else allocates __GFP_UNMAPPED pages meanwhile;
 * the guest runs them at boot and again, idle, after boot. The stress case
 * is a suite of its own (unmapped_alloc_stress), which tolerates other
 * load: it can be run again through debugfs under memory pressure, with
 * stress_seconds set in /sys/module/unmapped_alloc_kunit/parameters/.
 *
 * Run with: tools/testing/kunit/kunit.py run --arch=x86_64 \
 *		--kunitconfig=mm/tests/unmapped_alloc.kunitconfig
 */
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <kunit/test-bug.h>
#include <linux/alloc_tag.h>
#include <linux/cpu.h>
#include <linux/gfp.h>
#include <linux/jiffies.h>
#include <linux/delay.h>
#include <linux/folio_batch.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/pgalloc_tag.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/set_memory.h>
#include <linux/string_choices.h>
#include <linux/vmalloc.h>
#include <linux/vmcore_info.h>
#include <linux/vmstat.h>
#include <linux/workqueue.h>

#include "../internal.h"
#include "../page_alloc.h"
#include "../unmapped_alloc.h"

#ifdef CONFIG_UNMAPPED_ALLOC

static unsigned long vm_event(struct kunit *test, enum vm_event_item item)
{
	unsigned long *ev = kunit_kcalloc(test, NR_VM_EVENT_ITEMS,
					  sizeof(*ev), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ev);
	all_vm_events(ev);
	return ev[item];
}

/* The direct_map_* events count once the system is running. */
static unsigned long events(unsigned long n)
{
	return system_state == SYSTEM_RUNNING ? n : 0;
}

/* Under RCU: a concurrent collapse frees tables after a grace period. */
static unsigned int map_level(struct page *page)
{
	unsigned int level;
	pte_t *pte;

	rcu_read_lock();
	pte = lookup_address((unsigned long)page_address(page), &level);
	rcu_read_unlock();
	return pte ? level : PG_LEVEL_NONE;
}

static int test_nid(void)
{
	return numa_mem_id();
}

/* The knobs as they were before the test. */
struct unmapped_knobs {
	unsigned int reserve;
	unsigned int pcp_high;
};

/*
 * Start from an empty cache, with a reserve of one block and without the
 * CPUs' lists of order-0 pages (so that a freed page is back in its block
 * at once); restore both afterwards.
 */
static int unmapped_test_init(struct kunit *test)
{
	struct unmapped_knobs *knobs = kunit_kzalloc(test, sizeof(*knobs),
						     GFP_KERNEL);
	int nid;

	if (!knobs)
		return -ENOMEM;
	if (!unmapped_alloc_enabled())
		kunit_skip(test, "the cache is switched off");
	knobs->reserve = unmapped_alloc_set_reserve(1);
	knobs->pcp_high = unmapped_alloc_set_pcp_high(0);
	test->priv = knobs;
	for_each_node_state(nid, N_MEMORY)
		unmapped_alloc_drain(nid);
	return 0;
}

static void unmapped_test_exit(struct kunit *test)
{
	struct unmapped_knobs *knobs = test->priv;
	int nid;

	WRITE_ONCE(unmapped_refill_hook, NULL);
	if (knobs) {
		unmapped_alloc_set_reserve(knobs->reserve);
		unmapped_alloc_set_pcp_high(knobs->pcp_high);
	}
	for_each_node_state(nid, N_MEMORY)
		unmapped_alloc_drain(nid);
}

/* Turn the CPUs' lists back on, as they were before the test. */
static unsigned int test_pcp_on(struct kunit *test)
{
	struct unmapped_knobs *knobs = test->priv;

	KUNIT_ASSERT_GT(test, knobs->pcp_high, 0);
	unmapped_alloc_set_pcp_high(knobs->pcp_high);
	return knobs->pcp_high;
}

static void expect_unmapped(struct kunit *test, struct page *page,
			    unsigned int order)
{
	unsigned long i;

	for (i = 0; i < (1UL << order); i++) {
		KUNIT_EXPECT_TRUE(test, PageUnmapped(page + i));
		KUNIT_EXPECT_FALSE(test, kernel_page_present(page + i));
	}
}

static bool pages_are_zero(struct page *page, unsigned int order)
{
	unsigned long nr = 1UL << order, i;
	struct page **pages = kcalloc(nr, sizeof(*pages), GFP_KERNEL);
	bool zero;
	void *va;

	if (!pages)
		return false;
	for (i = 0; i < nr; i++)
		pages[i] = page + i;
	va = vmap(pages, nr, VM_MAP, PAGE_KERNEL);
	kfree(pages);
	if (!va)
		return false;
	zero = !memchr_inv(va, 0, nr * PAGE_SIZE);
	vunmap(va);
	return zero;
}

static void fill_pages(struct page *page, unsigned int order, int c)
{
	unsigned long nr = 1UL << order, i;
	struct page **pages = kcalloc(nr, sizeof(*pages), GFP_KERNEL);
	void *va;

	if (!pages)
		return;
	for (i = 0; i < nr; i++)
		pages[i] = page + i;
	va = vmap(pages, nr, VM_MAP, PAGE_KERNEL);
	kfree(pages);
	if (va) {
		memset(va, c, nr * PAGE_SIZE);
		vunmap(va);
	}
}

/*
 * A free block that the direct map maps with a PMD (or a 1 GiB page), and
 * the same put into the cache as the next block it hands out. A refill
 * takes whatever block the page allocator returns, and some regions are
 * mapped with 4K pages for reasons of their own (neighbours with other
 * protections), which keep them from being collapsed; cases that check
 * the mapping after a release or a failed split start from such a block.
 */
static struct page *pmd_block(struct kunit *test, int nid)
{
	struct page *page, *held[8];
	int n = 0;

	while (n < ARRAY_SIZE(held)) {
		page = alloc_pages_node(nid, GFP_KERNEL | __GFP_ZERO |
					__GFP_THISNODE, UNMAPPED_BLOCK_ORDER);
		if (!page || map_level(page) >= PG_LEVEL_2M)
			break;
		held[n++] = page;
		page = NULL;
	}
	while (n--)
		__free_pages(held[n], UNMAPPED_BLOCK_ORDER);
	if (!page)
		kunit_skip(test, "no free block mapped with a PMD");
	return page;
}

static struct page *adopt_pmd_block(struct kunit *test, int nid, bool split)
{
	struct page *page = pmd_block(test, nid);

	KUNIT_ASSERT_EQ(test, unmapped_adopt(page, UNMAPPED_BLOCK_ORDER, split), 0);
	return page;
}

/*
 * Every order up to the block order, each page out of the direct map, and
 * served from a whole block without splitting its PMD. The block is one
 * the direct map maps with a PMD (some regions are 4K for reasons of their
 * own), and the split is checked on its own mapping, not with
 * direct_map_level2_splits, which other CPA users move meanwhile (the CPA
 * boot self test of the test kernel splits pages every 30 s).
 */
static void every_order(struct kunit *test)
{
	int nid = test_nid();
	struct page *block = adopt_pmd_block(test, nid, false);
	unsigned int order;

	for (order = 0; order <= UNMAPPED_MAX_ORDER; order++) {
		struct page *page = alloc_pages_node(nid, GFP_KERNEL |
						     __GFP_UNMAPPED, order);

		KUNIT_ASSERT_NOT_NULL_MSG(test, page, "order %u", order);
		KUNIT_EXPECT_TRUE(test, unmapped_alloc_owns(page));
		KUNIT_EXPECT_EQ(test, page_ref_count(page), 1);
		expect_unmapped(test, page, order);
		KUNIT_EXPECT_PTR_EQ_MSG(test, page, block, "order %u", order);
		KUNIT_EXPECT_EQ_MSG(test, map_level(page), PG_LEVEL_2M,
				    "order %u", order);
		__free_pages(page, order);
	}
}

/* An order-0 request splits a fresh block; freeing merges it back. */
static void split_and_merge(struct kunit *test)
{
	int nid = test_nid();
	unsigned int order;
	struct page *page;

	for (order = 0; order <= UNMAPPED_BLOCK_ORDER; order++)
		KUNIT_ASSERT_EQ(test, unmapped_alloc_nr_free(nid, order), 0);

	page = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, page_to_nid(page), nid);
	for (order = 0; order < UNMAPPED_BLOCK_ORDER; order++)
		KUNIT_EXPECT_EQ_MSG(test, unmapped_alloc_nr_free(nid, order), 1,
				    "order %u", order);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_nr_free(nid, UNMAPPED_BLOCK_ORDER), 0);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_free_pages(nid),
			UNMAPPED_BLOCK_PAGES - 1);

	__free_page(page);
	for (order = 0; order < UNMAPPED_BLOCK_ORDER; order++)
		KUNIT_EXPECT_EQ(test, unmapped_alloc_nr_free(nid, order), 0);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_nr_free(nid, UNMAPPED_BLOCK_ORDER), 1);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_free_pages(nid), UNMAPPED_BLOCK_PAGES);
}

/* __GFP_ZERO pages are zero, also after a user wrote to them. */
static void zeroed(struct kunit *test)
{
	struct page *page;
	int round;

	for (round = 0; round < 2; round++) {
		page = alloc_pages(GFP_KERNEL | __GFP_UNMAPPED | __GFP_ZERO, 2);
		KUNIT_ASSERT_NOT_NULL(test, page);
		expect_unmapped(test, page, 2);
		KUNIT_EXPECT_TRUE(test, pages_are_zero(page, 2));
		fill_pages(page, 2, 0xa5);
		KUNIT_EXPECT_FALSE(test, pages_are_zero(page, 2));
		__free_pages(page, 2);
	}
	/* Free pages in the cache are always zero. */
	page = alloc_pages(GFP_KERNEL | __GFP_UNMAPPED, 2);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_TRUE(test, pages_are_zero(page, 2));
	__free_pages(page, 2);
}

/* Every way of freeing brings the pages back to the cache. */
static void free_paths(struct kunit *test)
{
	int nid = test_nid();
	long used = unmapped_alloc_used_pages(nid);
	struct folio_batch fbatch;
	struct folio *folio;
	struct page *page;
	int i;

	/* __free_pages() of a high-order page. */
	page = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED, 1);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_used_pages(nid), used + 2);
	__free_pages(page, 1);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_used_pages(nid), used);

	/* put_page() dropping the last of two references (per-CPU path). */
	page = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	get_page(page);
	put_page(page);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_used_pages(nid), used + 1);
	put_page(page);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_used_pages(nid), used);

	/* folio_put() of a large folio. */
	folio = __folio_alloc_node(GFP_KERNEL | __GFP_UNMAPPED, 2, nid);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	KUNIT_EXPECT_TRUE(test, folio_test_large(folio));
	expect_unmapped(test, &folio->page, 2);
	folio_put(folio);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_used_pages(nid), used);

	/* Batched folio freeing, as used by the page cache. */
	folio_batch_init(&fbatch);
	for (i = 0; i < 8; i++) {
		folio = __folio_alloc_node(GFP_KERNEL | __GFP_UNMAPPED,
					   i & 1, nid);
		KUNIT_ASSERT_NOT_NULL(test, folio);
		folio_batch_add(&fbatch, folio);
	}
	KUNIT_EXPECT_EQ(test, unmapped_alloc_used_pages(nid), used + 12);
	folios_put(&fbatch);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_used_pages(nid), used);

	/* free_pages_nolock(): finished from an irq_work, not leaked. */
	page = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	free_pages_nolock(page, 0);
	unmapped_alloc_flush_stock();
	KUNIT_EXPECT_EQ(test, unmapped_alloc_used_pages(nid), used);
	KUNIT_EXPECT_TRUE(test, unmapped_alloc_owns(page));

	/* split_page() and freeing the pieces one by one. */
	page = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED, 2);
	KUNIT_ASSERT_NOT_NULL(test, page);
	split_page(page, 2);
	for (i = 0; i < 4; i++)
		__free_page(page + i);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_used_pages(nid), used);

	/* Everything merged back into one whole free block. */
	KUNIT_EXPECT_EQ(test, unmapped_alloc_nr_free(nid, UNMAPPED_BLOCK_ORDER), 1);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_free_pages(nid), UNMAPPED_BLOCK_PAGES);
}

/* A released block is mapped again, at 2 MiB or more, and zero. */
static void release_whole_block(struct kunit *test)
{
	unsigned long releases = vm_event(test, UNMAPPED_BLOCK_RELEASE);
	int nid = test_nid();
	struct page *block = adopt_pmd_block(test, nid, false), *page;

	page = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED,
				UNMAPPED_BLOCK_ORDER);
	KUNIT_ASSERT_PTR_EQ(test, page, block);
	expect_unmapped(test, page, UNMAPPED_BLOCK_ORDER);
	/* Never split (see every_order()). */
	KUNIT_EXPECT_EQ(test, map_level(page), PG_LEVEL_2M);
	fill_pages(page, UNMAPPED_BLOCK_ORDER, 0x5a);
	__free_pages(page, UNMAPPED_BLOCK_ORDER);
	/* Whatever the user wrote is gone before the block goes back. */
	KUNIT_EXPECT_TRUE(test, pages_are_zero(page, UNMAPPED_BLOCK_ORDER));

	KUNIT_EXPECT_EQ(test, unmapped_alloc_drain(nid), UNMAPPED_BLOCK_PAGES);
	KUNIT_EXPECT_EQ(test, vm_event(test, UNMAPPED_BLOCK_RELEASE), releases + 1);
	KUNIT_EXPECT_FALSE(test, unmapped_alloc_owns(page));
	KUNIT_EXPECT_FALSE(test, PageUnmapped(page));
	KUNIT_EXPECT_TRUE(test, kernel_page_present(page));
	KUNIT_EXPECT_GE(test, map_level(page), PG_LEVEL_2M);
}

/*
 * A block whose region was mapped with 4K pages (fallback refills) is
 * collapsed to 2 MiB when it is released.
 */
static void release_collapses(struct kunit *test)
{
	unsigned long collapses = vm_event(test, DIRECT_MAP_LEVEL2_COLLAPSE);
	unsigned long splits = vm_event(test, DIRECT_MAP_LEVEL2_SPLIT);
	int nid = test_nid();
	struct page *page;

	page = adopt_pmd_block(test, nid, true);
	/* The split is counted; other CPA users may add theirs meanwhile. */
	KUNIT_EXPECT_GE(test, vm_event(test, DIRECT_MAP_LEVEL2_SPLIT),
			splits + events(1));
	KUNIT_EXPECT_EQ(test, map_level(page), PG_LEVEL_4K);

	/* Use and free part of it, so it goes through the cache. */
	page = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED, 3);
	KUNIT_ASSERT_NOT_NULL(test, page);
	__free_pages(page, 3);

	KUNIT_EXPECT_EQ(test, unmapped_alloc_drain(nid), UNMAPPED_BLOCK_PAGES);
	KUNIT_EXPECT_TRUE(test, kernel_page_present(page));
	KUNIT_EXPECT_GE(test, map_level(page), PG_LEVEL_2M);
	KUNIT_EXPECT_EQ(test, vm_event(test, DIRECT_MAP_LEVEL2_COLLAPSE),
			collapses + events(1));
}

/* The shrinker gives back whole blocks, then free parts of used blocks. */
static void shrinker_release(struct kunit *test)
{
	unsigned long shrunk = vm_event(test, UNMAPPED_SHRINK_RELEASE);
	unsigned long partial = vm_event(test, UNMAPPED_PARTIAL_RELEASE);
	int nid = test_nid();
	struct page *page[3], *used;
	int i;

	unmapped_alloc_set_reserve(8);
	for (i = 0; i < 3; i++) {
		page[i] = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED,
					   UNMAPPED_BLOCK_ORDER);
		KUNIT_ASSERT_NOT_NULL(test, page[i]);
	}
	for (i = 0; i < 3; i++)
		__free_pages(page[i], UNMAPPED_BLOCK_ORDER);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_free_pages(nid),
			3 * UNMAPPED_BLOCK_PAGES);

	KUNIT_EXPECT_EQ(test, unmapped_alloc_shrink(nid, UNMAPPED_BLOCK_PAGES),
			UNMAPPED_BLOCK_PAGES);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_free_pages(nid),
			2 * UNMAPPED_BLOCK_PAGES);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_shrink(nid, ULONG_MAX),
			2 * UNMAPPED_BLOCK_PAGES);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_free_pages(nid), 0);
	KUNIT_EXPECT_EQ(test, vm_event(test, UNMAPPED_SHRINK_RELEASE),
			shrunk + 3 * UNMAPPED_BLOCK_PAGES);

	/* One page in use: the other 511 go back, the page stays unmapped. */
	page[0] = adopt_pmd_block(test, nid, false);
	used = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED, 0);
	KUNIT_ASSERT_PTR_EQ(test, used, page[0]);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_shrink(nid, ULONG_MAX),
			UNMAPPED_BLOCK_PAGES - 1);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_free_pages(nid), 0);
	/* Whole blocks are not partial releases; 511 pages are 9 chunks. */
	KUNIT_EXPECT_EQ(test, vm_event(test, UNMAPPED_PARTIAL_RELEASE),
			partial + UNMAPPED_BLOCK_ORDER);
	expect_unmapped(test, used, 0);
	__free_page(used);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_drain(nid), 1);
	KUNIT_EXPECT_TRUE(test, kernel_page_present(used));
	KUNIT_EXPECT_GE(test, map_level(used), PG_LEVEL_2M);
}

/*
 * Releases take the blocks that have been free longest, from the node's
 * list of free blocks, and leave the blocks in use alone.
 */
static void release_free_longest_first(struct kunit *test)
{
	int nid = test_nid();
	struct page *first, *second;

	unmapped_alloc_set_reserve(8);
	first = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED,
				 UNMAPPED_BLOCK_ORDER);
	KUNIT_ASSERT_NOT_NULL(test, first);
	second = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED,
				  UNMAPPED_BLOCK_ORDER);
	KUNIT_ASSERT_NOT_NULL(test, second);
	/* The block refilled last is free first. */
	__free_pages(second, UNMAPPED_BLOCK_ORDER);
	__free_pages(first, UNMAPPED_BLOCK_ORDER);

	KUNIT_EXPECT_EQ(test, unmapped_alloc_shrink(nid, UNMAPPED_BLOCK_PAGES),
			UNMAPPED_BLOCK_PAGES);
	KUNIT_EXPECT_TRUE(test, kernel_page_present(second));
	KUNIT_EXPECT_FALSE(test, kernel_page_present(first));
	KUNIT_EXPECT_EQ(test, unmapped_alloc_nr_blocks(nid), 1);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_verify(nid), 0);
}

static unsigned long refill_events(struct kunit *test)
{
	return vm_event(test, UNMAPPED_REFILL) +
	       vm_event(test, UNMAPPED_REFILL_FALLBACK);
}

/*
 * Free blocks go back only when the node holds more than its mark (twice a
 * reserve of one), and then down to the reserve.
 */
static void release_above_mark(struct kunit *test)
{
	unsigned long releases = vm_event(test, UNMAPPED_BLOCK_RELEASE);
	struct page *blocks[3];
	int nid = test_nid(), i;

	for (i = 0; i < ARRAY_SIZE(blocks); i++) {
		blocks[i] = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED,
					     UNMAPPED_BLOCK_ORDER);
		KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
	}
	__free_pages(blocks[0], UNMAPPED_BLOCK_ORDER);
	__free_pages(blocks[1], UNMAPPED_BLOCK_ORDER);
	unmapped_alloc_flush_release(nid);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_free_pages(nid),
			2 * UNMAPPED_BLOCK_PAGES);
	KUNIT_EXPECT_EQ(test, vm_event(test, UNMAPPED_BLOCK_RELEASE), releases);

	__free_pages(blocks[2], UNMAPPED_BLOCK_ORDER);
	unmapped_alloc_flush_release(nid);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_free_pages(nid),
			UNMAPPED_BLOCK_PAGES);
	KUNIT_EXPECT_EQ(test, vm_event(test, UNMAPPED_BLOCK_RELEASE),
			releases + 2);
	/* Those free longest went back. */
	KUNIT_EXPECT_TRUE(test, kernel_page_present(blocks[0]));
	KUNIT_EXPECT_TRUE(test, kernel_page_present(blocks[1]));
	KUNIT_EXPECT_FALSE(test, kernel_page_present(blocks[2]));
	KUNIT_EXPECT_EQ(test, unmapped_alloc_verify(nid), 0);
}

#define BOUNDARY_FLAPS	64

/*
 * Take one block's worth of order-0 pages from an empty cache, which then
 * has no free page left; the array ends early (NULL) if an allocation
 * failed.
 */
static struct page **hold_block_pages(struct kunit *test, int nid)
{
	struct page **held = kunit_kcalloc(test, UNMAPPED_BLOCK_PAGES,
					   sizeof(*held), GFP_KERNEL);
	unsigned long i;

	KUNIT_ASSERT_NOT_NULL(test, held);
	for (i = 0; i < UNMAPPED_BLOCK_PAGES; i++) {
		held[i] = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED, 0);
		if (!held[i])
			break;
	}
	KUNIT_EXPECT_EQ(test, i, UNMAPPED_BLOCK_PAGES);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_free_pages(nid), 0);
	return held;
}

/*
 * Allocations take free pages of the blocks that are mostly in use before
 * those of blocks that are mostly free, whatever order they were freed in.
 */
static void alloc_fullest_first(struct kunit *test)
{
	int nid = test_nid();
	struct page **full, **empty, *free, *page;
	unsigned long i;

	unmapped_alloc_set_reserve(8);
	full = hold_block_pages(test, nid);
	empty = hold_block_pages(test, nid);

	/* One page free in the first block, then all but one of the second. */
	free = full[0];
	__free_page(free);
	full[0] = NULL;
	for (i = UNMAPPED_BLOCK_PAGES - 1; i > 0; i--) {
		__free_page(empty[i]);
		empty[i] = NULL;
	}
	page = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED, 0);
	KUNIT_EXPECT_PTR_EQ(test, page, free);
	full[0] = page;

	for (i = 0; i < UNMAPPED_BLOCK_PAGES; i++) {
		if (full[i])
			__free_page(full[i]);
		if (empty[i])
			__free_page(empty[i]);
	}
	KUNIT_EXPECT_EQ(test, unmapped_alloc_drain(nid), 2 * UNMAPPED_BLOCK_PAGES);
}

#define PACK_BLOCKS	4
#define PACK_HELD	448
#define PACK_ROUNDS	4096

/* How many blocks the @nr pages of @pages lie in, counting up to 8. */
static unsigned int blocks_of(struct page **pages, unsigned long nr)
{
	unsigned long seen[8], i;
	unsigned int n = 0, j;

	for (i = 0; i < nr && n < ARRAY_SIZE(seen); i++) {
		unsigned long index = page_to_pfn(pages[i]) >> UNMAPPED_BLOCK_ORDER;

		for (j = 0; j < n && seen[j] != index; j++)
			;
		if (j == n)
			seen[n++] = index;
	}
	return n;
}

/*
 * Under a steady mix of frees and allocations, the pages in use gather in
 * the fullest blocks and the others empty out: 448 pages spread over four
 * blocks lie in at most two of them after 4,096 frees of a page chosen at
 * random (with a fixed seed), each followed by an allocation. Handing out
 * the page freed last, or placing chunks by whether their block is more
 * or less than half free, leaves all four blocks about a quarter in use.
 */
static void alloc_packs_blocks(struct kunit *test)
{
	unsigned long n = 0, i, j;
	unsigned int before, after;
	int nid = test_nid();
	struct rnd_state rnd;
	struct page **held;

	/* Keep the blocks that empty out: this is about placement only. */
	unmapped_alloc_set_reserve(PACK_BLOCKS);
	held = kunit_kcalloc(test, PACK_BLOCKS * UNMAPPED_BLOCK_PAGES,
			     sizeof(*held), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, held);
	for (i = 0; i < PACK_BLOCKS; i++) {
		struct page **block = hold_block_pages(test, nid);

		for (j = 0; j < UNMAPPED_BLOCK_PAGES && block[j]; j++)
			held[n++] = block[j];
	}
	prandom_seed_state(&rnd, 42);
	while (n > PACK_HELD) {
		j = prandom_u32_state(&rnd) % n;
		__free_page(held[j]);
		held[j] = held[--n];
	}
	before = blocks_of(held, n);

	for (i = 0; i < PACK_ROUNDS && n == PACK_HELD; i++) {
		j = prandom_u32_state(&rnd) % n;
		__free_page(held[j]);
		held[j] = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED, 0);
		if (!held[j])
			held[j] = held[--n];
	}
	after = blocks_of(held, n);
	kunit_info(test, "figures %s blocks_in_use_before=%u blocks_in_use_after=%u rounds=%lu\n",
		   test->name, before, after, i);
	KUNIT_EXPECT_EQ(test, n, PACK_HELD);
	KUNIT_EXPECT_EQ(test, before, PACK_BLOCKS);
	KUNIT_EXPECT_LE(test, after, 2);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_verify(nid), 0);

	while (n)
		__free_page(held[--n]);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_drain(nid),
			PACK_BLOCKS * UNMAPPED_BLOCK_PAGES);
}

static struct page **stolen;
static unsigned long nr_stolen;

/* Another CPU's part, once: take every page the refill left free. */
static void steal_after_refill(int nid)
{
	WRITE_ONCE(unmapped_refill_hook, NULL);
	while (nr_stolen < UNMAPPED_BLOCK_PAGES &&
	       unmapped_alloc_free_pages(nid)) {
		struct page *page = alloc_pages_node(nid, GFP_KERNEL |
						     __GFP_UNMAPPED, 0);

		if (!page)
			break;
		stolen[nr_stolen++] = page;
	}
}

/*
 * A refill hands the allocation that made it its page as it adds the
 * block: another CPU that takes every free page right after the refill
 * cannot make that allocation refill again, or fail.
 */
static void refill_hands_over(struct kunit *test)
{
	unsigned long refills = refill_events(test), i;
	int nid = test_nid();
	struct page *page;

	stolen = kunit_kcalloc(test, UNMAPPED_BLOCK_PAGES, sizeof(*stolen),
			       GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, stolen);
	nr_stolen = 0;
	KUNIT_ASSERT_EQ(test, unmapped_alloc_free_pages(nid), 0);

	WRITE_ONCE(unmapped_refill_hook, steal_after_refill);
	page = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED, 0);
	WRITE_ONCE(unmapped_refill_hook, NULL);
	KUNIT_EXPECT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, refill_events(test) - refills, 1);
	KUNIT_EXPECT_EQ(test, nr_stolen, UNMAPPED_BLOCK_PAGES - 1);

	if (page)
		__free_page(page);
	for (i = 0; i < nr_stolen; i++)
		__free_page(stolen[i]);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_drain(nid), UNMAPPED_BLOCK_PAGES);
}

/*
 * One page allocated and freed again and again at a block boundary, with
 * no reserve: the first allocation refills, and that block stays while it
 * is the only free one, so no later allocation refills and no free
 * releases, even with the release worker run after each free.
 */
static void boundary_does_not_flap(struct kunit *test)
{
	unsigned long before, releases, i, n;
	int nid = test_nid();
	struct page **held;

	unmapped_alloc_set_reserve(0);
	held = hold_block_pages(test, nid);

	before = refill_events(test);
	releases = vm_event(test, UNMAPPED_BLOCK_RELEASE);
	for (n = 0; n < BOUNDARY_FLAPS; n++) {
		struct page *page = alloc_pages_node(nid, GFP_KERNEL |
						     __GFP_UNMAPPED, 0);

		if (!page)
			break;
		__free_page(page);
		unmapped_alloc_flush_release(nid);
	}
	KUNIT_EXPECT_EQ(test, n, BOUNDARY_FLAPS);
	KUNIT_EXPECT_EQ(test, refill_events(test) - before, 1);
	KUNIT_EXPECT_EQ(test, vm_event(test, UNMAPPED_BLOCK_RELEASE), releases);

	for (i = 0; i < UNMAPPED_BLOCK_PAGES && held[i]; i++)
		__free_page(held[i]);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_verify(nid), 0);
}

#define PCP_LOOPS	1024

/*
 * With the CPUs' lists, order-0 allocations and frees on one CPU take the
 * node's lock once per batch, not once each.
 */
static void pcp_few_node_locks(struct kunit *test)
{
	int nid = test_nid(), i;
	unsigned long locks;

	test_pcp_on(test);
	locks = unmapped_alloc_lock_count(nid);
	for (i = 0; i < PCP_LOOPS; i++) {
		struct page *page = alloc_pages_node(nid, GFP_KERNEL |
						     __GFP_UNMAPPED, 0);

		KUNIT_ASSERT_NOT_NULL(test, page);
		expect_unmapped(test, page, 0);
		__free_page(page);
	}
	kunit_info(test, "figures %s operations=%d node_locks=%lu\n", test->name,
		   2 * PCP_LOOPS, unmapped_alloc_lock_count(nid) - locks);
	KUNIT_EXPECT_LE(test, unmapped_alloc_lock_count(nid) - locks,
			2 * PCP_LOOPS / 8);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_verify(nid), 0);
}

/*
 * Pages on the CPUs' lists keep their block from going back until
 * something takes them back: the drain does, and the shrinker, memory
 * offline, hardware poison and hibernation with it.
 */
static void pcp_drained(struct kunit *test)
{
	struct page *pages[64];
	int nid = test_nid(), i;

	test_pcp_on(test);
	for (i = 0; i < ARRAY_SIZE(pages); i++) {
		pages[i] = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED, 0);
		KUNIT_ASSERT_NOT_NULL(test, pages[i]);
	}
	for (i = 0; i < ARRAY_SIZE(pages); i++)
		__free_page(pages[i]);
	/* Freed, but not back in their block. */
	KUNIT_EXPECT_LT(test, unmapped_alloc_free_pages(nid),
			UNMAPPED_BLOCK_PAGES);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_nr_free(nid, UNMAPPED_BLOCK_ORDER), 0);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_verify(nid), 0);

	KUNIT_EXPECT_EQ(test, unmapped_alloc_drain(nid), UNMAPPED_BLOCK_PAGES);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_nr_blocks(nid), 0);
	for (i = 0; i < ARRAY_SIZE(pages); i++)
		KUNIT_EXPECT_TRUE(test, kernel_page_present(pages[i]));
}

/*
 * The shrinker counts the pages waiting on the CPUs' lists and gives them
 * back, even when the node's free areas are empty.
 */
static void pcp_shrinker(struct kunit *test)
{
	int nid = test_nid(), i;
	struct page **held;

	test_pcp_on(test);
	held = hold_block_pages(test, nid);
	/* Fewer than a list holds: they all stay on this CPU's list. */
	for (i = 0; i < 64 && held[i]; i++)
		__free_page(held[i]);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_free_pages(nid), 0);

	KUNIT_EXPECT_EQ(test, unmapped_alloc_reclaim(nid, ULONG_MAX), i);
	for (i = 0; i < 64 && held[i]; i++)
		KUNIT_EXPECT_TRUE(test, kernel_page_present(held[i]));
	for (; i < UNMAPPED_BLOCK_PAGES && held[i]; i++)
		__free_page(held[i]);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_verify(nid), 0);
}

static long alloc_free_one(void *arg)
{
	struct page *page = alloc_pages_node(*(int *)arg, GFP_KERNEL |
					     __GFP_UNMAPPED, 0);

	if (!page)
		return -ENOMEM;
	__free_page(page);
	return 0;
}

/* A CPU that goes offline leaves the pages on its list to the node. */
static void pcp_cpu_dead(struct kunit *test)
{
	int nid = test_nid(), cpu = cpumask_last(cpu_online_mask), err;

	if (!IS_ENABLED(CONFIG_HOTPLUG_CPU) || !cpu)
		kunit_skip(test, "needs a second CPU that can go offline");
	test_pcp_on(test);
	KUNIT_ASSERT_EQ(test, work_on_cpu(cpu, alloc_free_one, &nid), 0);
	/* A batch of the block waits on @cpu's list. */
	KUNIT_EXPECT_LT(test, unmapped_alloc_free_pages(nid),
			UNMAPPED_BLOCK_PAGES);
	err = remove_cpu(cpu);
	if (err)
		kunit_skip(test, "CPU %d cannot go offline: %d", cpu, err);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_free_pages(nid),
			UNMAPPED_BLOCK_PAGES);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_verify(nid), 0);
	KUNIT_EXPECT_EQ(test, add_cpu(cpu), 0);
}

/* One free block in the cache, which keeps up to 8 free blocks. */
static struct page *one_free_block(struct kunit *test, int nid)
{
	struct page *page;

	unmapped_alloc_set_reserve(8);
	page = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED,
				UNMAPPED_BLOCK_ORDER);
	KUNIT_ASSERT_NOT_NULL(test, page);
	__free_pages(page, UNMAPPED_BLOCK_ORDER);
	KUNIT_ASSERT_EQ(test, unmapped_alloc_free_pages(nid),
			UNMAPPED_BLOCK_PAGES);
	return page;
}

/*
 * Free cached pages count as available memory (MemAvailable): the
 * shrinker gives every one of them back. Blocks that move from the page
 * allocator into the cache and stay free there leave si_mem_available()
 * as it was, give or take the per-CPU deltas of the counters it reads and
 * what the rest of the system allocates meanwhile: far less than half of
 * the 8192 pages moved.
 */
#define AVAILABLE_BLOCKS	16

static void mem_available(struct kunit *test)
{
	struct page *blocks[AVAILABLE_BLOCKS];
	int nid = test_nid(), n, i;
	long before, after;

	unmapped_alloc_set_reserve(AVAILABLE_BLOCKS);
	before = si_mem_available();
	for (n = 0; n < AVAILABLE_BLOCKS; n++) {
		blocks[n] = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED,
					     UNMAPPED_BLOCK_ORDER);
		if (!blocks[n])
			break;
	}
	for (i = 0; i < n; i++)
		__free_pages(blocks[i], UNMAPPED_BLOCK_ORDER);
	after = si_mem_available();
	KUNIT_ASSERT_EQ(test, n, AVAILABLE_BLOCKS);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_free_pages(nid),
			AVAILABLE_BLOCKS * UNMAPPED_BLOCK_PAGES);
	KUNIT_EXPECT_LT_MSG(test, abs(after - before),
			    AVAILABLE_BLOCKS * UNMAPPED_BLOCK_PAGES / 2,
			    "MemAvailable went from %ld to %ld pages", before, after);
}

/*
 * Before a hibernation image is made the cache gives back everything it
 * holds and serves nothing until hibernation is over: the snapshot would
 * otherwise map its pages one by one with interrupts off, splitting PMDs.
 * A page in use refuses hibernation.
 */
static void hibernation(struct kunit *test)
{
	int nid = test_nid();
	struct page *page;

	one_free_block(test, nid);
	page = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_hibernate(true), -EBUSY);
	/* Refused: the cache serves requests again. */
	__free_page(alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED, 0));
	__free_page(page);

	KUNIT_EXPECT_EQ(test, unmapped_alloc_hibernate(true), 0);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_nr_blocks(nid), 0);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_free_pages(nid), 0);
	KUNIT_EXPECT_NULL(test, alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED |
						 __GFP_NOWARN, 0));
	KUNIT_EXPECT_EQ(test, unmapped_alloc_nr_blocks(nid), 0);
	unmapped_alloc_hibernate(false);

	page = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED, 0);
	KUNIT_EXPECT_NOT_NULL(test, page);
	if (page)
		__free_page(page);
}

/*
 * Reclaim only hands its request to a worker: called as reclaim calls it
 * (PF_MEMALLOC set) while the worker cannot run (as when it waits for a
 * lock the reclaiming task holds), the shrinker changes nothing (no CPA,
 * collapse or flush in reclaim), gives up waiting after a bounded time
 * and stops this round (SHRINK_STOP); the worker then gives the block
 * back, mapped and collapsed.
 */
static void shrinker_defers(struct kunit *test)
{
	unsigned long releases = vm_event(test, UNMAPPED_BLOCK_RELEASE);
	int nid = test_nid();
	struct page *page = one_free_block(test, nid);
	unsigned long freed;

	unmapped_alloc_hold_shrink(nid, true);
	freed = unmapped_alloc_reclaim(nid, UNMAPPED_BLOCK_PAGES);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_free_pages(nid),
			UNMAPPED_BLOCK_PAGES);
	KUNIT_EXPECT_EQ(test, vm_event(test, UNMAPPED_BLOCK_RELEASE), releases);
	expect_unmapped(test, page, 0);
	unmapped_alloc_hold_shrink(nid, false);
	KUNIT_EXPECT_EQ(test, freed, SHRINK_STOP);

	unmapped_alloc_flush_shrink(nid);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_free_pages(nid), 0);
	KUNIT_EXPECT_EQ(test, vm_event(test, UNMAPPED_BLOCK_RELEASE),
			releases + 1);
	KUNIT_EXPECT_TRUE(test, kernel_page_present(page));
	KUNIT_EXPECT_EQ(test, unmapped_alloc_verify(nid), 0);
}

/*
 * When the worker can run, the shrinker returns once it has given the
 * block back and reports the pages as freed: reclaim counts them as its
 * progress instead of declaring OOM while the worker is still busy.
 */
static void shrinker_reports(struct kunit *test)
{
	int nid = test_nid();
	struct page *page = one_free_block(test, nid);

	KUNIT_EXPECT_EQ(test, unmapped_alloc_reclaim(nid, UNMAPPED_BLOCK_PAGES),
			UNMAPPED_BLOCK_PAGES);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_free_pages(nid), 0);
	KUNIT_EXPECT_TRUE(test, kernel_page_present(page));
	KUNIT_EXPECT_EQ(test, unmapped_alloc_verify(nid), 0);
}

/*
 * What memory offline and contiguous allocations call once they have
 * isolated a range: a whole free block goes back, and of a block with a
 * page in use every free chunk in the range, but not the chunks outside
 * it nor the page in use, which stays unmapped until it is freed.
 */
static void isolated_range(struct kunit *test)
{
	unsigned long released = vm_event(test, UNMAPPED_OFFLINE_RELEASE);
	int nid = test_nid();
	struct page *whole = one_free_block(test, nid), *block, *used;
	unsigned long pfn;

	KUNIT_EXPECT_EQ(test, unmapped_alloc_isolated(page_to_pfn(whole) + 5,
						      page_to_pfn(whole) + 6),
			UNMAPPED_BLOCK_PAGES);
	KUNIT_EXPECT_FALSE(test, unmapped_alloc_owns(whole));
	KUNIT_EXPECT_TRUE(test, kernel_page_present(whole));
	KUNIT_EXPECT_EQ(test, vm_event(test, UNMAPPED_OFFLINE_RELEASE),
			released + 1);

	block = adopt_pmd_block(test, nid, false);
	used = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED, 0);
	KUNIT_ASSERT_PTR_EQ(test, used, block);
	pfn = page_to_pfn(block);
	/* The upper half: one chunk of order 8. */
	KUNIT_EXPECT_EQ(test, unmapped_alloc_isolated(pfn + UNMAPPED_BLOCK_PAGES / 2,
						      pfn + UNMAPPED_BLOCK_PAGES),
			UNMAPPED_BLOCK_PAGES / 2);
	KUNIT_EXPECT_TRUE(test, kernel_page_present(block + UNMAPPED_BLOCK_PAGES / 2));
	KUNIT_EXPECT_FALSE(test, kernel_page_present(block + 1));
	KUNIT_EXPECT_EQ(test, unmapped_alloc_free_pages(nid),
			UNMAPPED_BLOCK_PAGES / 2 - 1);
	/* The whole block: the rest of the free pages, not the page in use. */
	KUNIT_EXPECT_EQ(test, unmapped_alloc_isolated(pfn, pfn + UNMAPPED_BLOCK_PAGES),
			UNMAPPED_BLOCK_PAGES / 2 - 1);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_free_pages(nid), 0);
	KUNIT_EXPECT_TRUE(test, unmapped_alloc_owns(used));
	expect_unmapped(test, used, 0);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_verify(nid), 0);
	__free_page(used);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_isolated(pfn, pfn + 1), 1);
	KUNIT_EXPECT_TRUE(test, kernel_page_present(used));
	KUNIT_EXPECT_GE(test, map_level(used), PG_LEVEL_2M);
	KUNIT_EXPECT_EQ(test, vm_event(test, UNMAPPED_OFFLINE_RELEASE),
			released + 2);
}

#ifdef CONFIG_MEM_ALLOC_PROFILING
/*
 * The allocation tag a page is charged to, or NULL. Unlike
 * pgalloc_tag_get(), this does not warn about pages without a tag.
 */
static struct alloc_tag *page_tag(struct page *page)
{
	union pgtag_ref_handle handle;
	struct alloc_tag *tag = NULL;
	union codetag_ref ref;

	if (get_page_tag_ref(page, &ref, &handle)) {
		if (ref.ct && !is_codetag_empty(&ref))
			tag = ct_to_alloc_tag(ref.ct);
		put_page_tag_ref(handle);
	}
	return tag;
}

/*
 * A refill's allocation ends in the cache: the block it adopts is no longer
 * charged to the refill's allocation tag, and no page of it carries a tag
 * while the cache holds it. A page the cache hands out is charged to its
 * caller, and its free subtracts exactly that. (With
 * MEM_ALLOC_PROFILING_DEBUG, a tag set twice or subtracted unset also
 * warns, which fails the boot's log.)
 */
static void allocation_tags(struct kunit *test)
{
	struct alloc_tag_counters before, adopted, charged, freed;
	int nid = test_nid(), tagged = 0;
	struct page *block, *page;
	struct alloc_tag *tag;
	unsigned long i;

	if (!mem_alloc_profiling_enabled())
		kunit_skip(test, "allocation profiling is off");
	/* What a refill does: a block from the page allocator, adopted. */
	block = alloc_pages_node(nid, GFP_KERNEL | __GFP_THISNODE | __GFP_NOWARN,
				 UNMAPPED_BLOCK_ORDER);
	KUNIT_ASSERT_NOT_NULL(test, block);
	tag = page_tag(block);
	KUNIT_ASSERT_NOT_NULL(test, tag);
	before = alloc_tag_read(tag);
	KUNIT_ASSERT_EQ(test, unmapped_adopt(block, UNMAPPED_BLOCK_ORDER, false), 0);
	adopted = alloc_tag_read(tag);
	KUNIT_EXPECT_EQ(test, before.bytes - adopted.bytes,
			UNMAPPED_BLOCK_PAGES * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, before.calls - adopted.calls, 1);
	for (i = 0; i < UNMAPPED_BLOCK_PAGES; i++)
		tagged += !!page_tag(block + i);
	KUNIT_EXPECT_EQ_MSG(test, tagged, 0, "cached pages charged to %s:%u",
			    tag->ct.filename, tag->ct.lineno);

	page = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	tag = page_tag(page);
	KUNIT_ASSERT_NOT_NULL(test, tag);
	KUNIT_EXPECT_STREQ(test, tag->ct.function, __func__);
	charged = alloc_tag_read(tag);
	__free_page(page);
	freed = alloc_tag_read(tag);
	KUNIT_EXPECT_EQ(test, charged.bytes - freed.bytes, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, charged.calls - freed.calls, 1);
	KUNIT_EXPECT_NULL(test, page_tag(page));
	KUNIT_EXPECT_EQ(test, unmapped_alloc_drain(nid), UNMAPPED_BLOCK_PAGES);
}
#else
static void allocation_tags(struct kunit *test)
{
	kunit_skip(test, "needs CONFIG_MEM_ALLOC_PROFILING");
}
#endif

#ifdef CONFIG_MEMORY_FAILURE
/*
 * A page with hardware poison is never handed out by the cache and never
 * mapped again by it: a free cached page that memory_failure() poisons is
 * taken off the free lists (the rest of its chunk stays), a poisoned page
 * in use is forgotten when its user frees it, and their blocks go back
 * without them. unpoison_memory() frees the first through the cache, which
 * maps it again.
 */
static void hwpoison(struct kunit *test)
{
	struct page **pages = kunit_kcalloc(test, UNMAPPED_BLOCK_PAGES,
					    sizeof(*pages), GFP_KERNEL);
	int nid = test_nid(), i, n = UNMAPPED_BLOCK_PAGES - 1;
	struct page *block, *poisoned, *used;

	KUNIT_ASSERT_NOT_NULL(test, pages);
	block = one_free_block(test, nid);
	poisoned = block + 77;
	KUNIT_ASSERT_EQ(test, memory_failure(page_to_pfn(poisoned),
					     MF_SW_SIMULATED), 0);
	KUNIT_EXPECT_TRUE(test, PageHWPoison(poisoned));
	KUNIT_EXPECT_EQ(test, page_ref_count(poisoned), 1);
	KUNIT_EXPECT_FALSE(test, unmapped_alloc_owns(poisoned));
	KUNIT_EXPECT_EQ(test, unmapped_alloc_free_pages(nid), n);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_verify(nid), 0);

	/* Every other page of the block can be had, never the poisoned one. */
	for (i = 0; i < n; i++) {
		unsigned long pfn;

		pages[i] = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED |
					    __GFP_THISNODE, 0);
		KUNIT_ASSERT_NOT_NULL(test, pages[i]);
		KUNIT_EXPECT_PTR_NE(test, pages[i], poisoned);
		pfn = ALIGN_DOWN(page_to_pfn(pages[i]), UNMAPPED_BLOCK_PAGES);
		KUNIT_EXPECT_PTR_EQ(test, pfn_to_page(pfn), block);
	}
	KUNIT_EXPECT_EQ(test, unmapped_alloc_free_pages(nid), 0);
	for (i = 0; i < n; i++)
		__free_page(pages[i]);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_drain(nid), n);
	KUNIT_EXPECT_TRUE(test, kernel_page_present(poisoned - 1));
	KUNIT_EXPECT_FALSE(test, kernel_page_present(poisoned));

	/* Poisoned in use: its user's free leaves it out of the cache. */
	used = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED, 0);
	KUNIT_ASSERT_NOT_NULL(test, used);
	memory_failure(page_to_pfn(used), MF_SW_SIMULATED);
	KUNIT_EXPECT_TRUE(test, PageHWPoison(used));
	__free_page(used);
	KUNIT_EXPECT_FALSE(test, unmapped_alloc_owns(used));
	/* The page taken out is in use, by memory_failure(). */
	KUNIT_EXPECT_EQ(test, unmapped_alloc_used_pages(nid), 1);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_drain(nid), n);
	KUNIT_EXPECT_FALSE(test, kernel_page_present(used));
	KUNIT_EXPECT_EQ(test, unmapped_alloc_verify(nid), 0);

	/* Unpoisoned, the taken page goes back mapped. */
	KUNIT_EXPECT_EQ(test, unpoison_memory(page_to_pfn(poisoned)), 0);
	unmapped_alloc_flush_stock();
	KUNIT_EXPECT_FALSE(test, PageUnmapped(poisoned));
	KUNIT_EXPECT_TRUE(test, kernel_page_present(poisoned));
	KUNIT_EXPECT_EQ(test, unmapped_alloc_used_pages(nid), 0);

	/*
	 * The page poisoned in use is lost, as the page allocator loses such
	 * pages. Give it back by hand, so that its region (and a 1 GiB
	 * mapping around it) can be merged again for the cases after this.
	 */
	KUNIT_EXPECT_EQ(test, unpoison_memory(page_to_pfn(used)), 0);
	KUNIT_ASSERT_EQ(test, set_direct_map_valid_noflush(used, 1, true), 0);
	ClearPageUnmapped(used);
	unmapped_page_released(used, 0);
	set_page_count(used, 1);
	__free_page(used);
	set_direct_map_collapse(ALIGN_DOWN((unsigned long)page_address(used),
					   PMD_SIZE), PTRS_PER_PTE);
}

/*
 * A free page on a CPU's list is taken out as one on the free areas is:
 * memory_failure() takes the lists back first.
 */
static void pcp_hwpoison(struct kunit *test)
{
	struct page *page, *other;
	int nid = test_nid();

	test_pcp_on(test);
	page = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	__free_page(page);
	KUNIT_ASSERT_EQ(test, memory_failure(page_to_pfn(page),
					     MF_SW_SIMULATED), 0);
	KUNIT_EXPECT_TRUE(test, PageHWPoison(page));
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 1);
	KUNIT_EXPECT_FALSE(test, unmapped_alloc_owns(page));
	other = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED, 0);
	KUNIT_EXPECT_PTR_NE(test, other, page);
	if (other)
		__free_page(other);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_verify(nid), 0);

	/* Unpoisoned, it goes back mapped. */
	KUNIT_EXPECT_EQ(test, unpoison_memory(page_to_pfn(page)), 0);
	unmapped_alloc_flush_stock();
	KUNIT_EXPECT_FALSE(test, PageUnmapped(page));
	KUNIT_EXPECT_TRUE(test, kernel_page_present(page));
}
#else
static void hwpoison(struct kunit *test)
{
	kunit_skip(test, "needs CONFIG_MEMORY_FAILURE");
}

static void pcp_hwpoison(struct kunit *test)
{
	kunit_skip(test, "needs CONFIG_MEMORY_FAILURE");
}
#endif

/* Take every page of @nid the page allocator gives without reclaim. */
static void hold_node(int nid, struct list_head *held)
{
	int order;

	for (order = MAX_PAGE_ORDER; order >= 0; order--) {
		struct page *page;

		while ((page = alloc_pages_node(nid, __GFP_THISNODE | __GFP_NOWARN,
						order))) {
			set_page_private(page, order);
			list_add(&page->lru, held);
		}
	}
}

static void release_held(struct list_head *held)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, held, lru) {
		list_del(&page->lru);
		__free_pages(page, page_private(page));
	}
}

/*
 * A node mask (a memory policy's MPOL_BIND, or a cpuset's mems) is a limit:
 * a request is served from the nodes it allows, nearest first. When they
 * have no memory left, the request fails, and the cache takes no block
 * from another node for it on the way (the refill's allocation gets the
 * mask too).
 */
static void node_mask(struct kunit *test)
{
	gfp_t gfp = GFP_KERNEL | __GFP_UNMAPPED | __GFP_NORETRY | __GFP_NOWARN;
	int nid = test_nid(), other = NUMA_NO_NODE, n;
	nodemask_t mask;
	struct page *page;
	LIST_HEAD(held);

	for_each_node_state(n, N_MEMORY)
		if (n != nid && other == NUMA_NO_NODE)
			other = n;
	if (other == NUMA_NO_NODE)
		kunit_skip(test, "needs a second node with memory");
	nodes_clear(mask);
	node_set(other, mask);

	/* The preferred node is not allowed: the allowed one serves. */
	page = __alloc_pages(gfp, 0, nid, &mask, ALLOC_DEFAULT);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, page_to_nid(page), other);
	__free_page(page);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_drain(other), UNMAPPED_BLOCK_PAGES);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_nr_blocks(nid), 0);

	/* The allowed node has nothing left: no block of another node. */
	hold_node(other, &held);
	page = __alloc_pages(gfp, 0, nid, &mask, ALLOC_DEFAULT);
	if (page) {
		KUNIT_EXPECT_EQ(test, page_to_nid(page), other);
		__free_page(page);
	}
	KUNIT_EXPECT_EQ_MSG(test, unmapped_alloc_nr_blocks(nid), 0,
			    "the cache took blocks of node %d for a request bound to node %d",
			    nid, other);
	release_held(&held);
}

/* Non-blocking requests never refill: they fail on an empty cache. */
static void atomic_empty(struct kunit *test)
{
	unsigned long refills = vm_event(test, UNMAPPED_REFILL) +
				vm_event(test, UNMAPPED_REFILL_FALLBACK);
	unsigned long fails = vm_event(test, UNMAPPED_ALLOC_FAIL);
	struct page *page;
	int nid;

	for_each_node_state(nid, N_MEMORY)
		KUNIT_ASSERT_EQ(test, unmapped_alloc_free_pages(nid), 0);

	KUNIT_EXPECT_NULL(test, alloc_page(GFP_ATOMIC | __GFP_UNMAPPED | __GFP_NOWARN));
	KUNIT_EXPECT_NULL(test, alloc_page(GFP_NOWAIT | __GFP_UNMAPPED | __GFP_NOWARN));
	local_irq_disable();
	page = alloc_page(GFP_ATOMIC | __GFP_UNMAPPED | __GFP_NOWARN);
	local_irq_enable();
	KUNIT_EXPECT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, vm_event(test, UNMAPPED_REFILL) +
			vm_event(test, UNMAPPED_REFILL_FALLBACK), refills);
	KUNIT_EXPECT_EQ(test, vm_event(test, UNMAPPED_ALLOC_FAIL), fails + 3);

	/* With pages in the cache, the same request succeeds. */
	page = alloc_page(GFP_KERNEL | __GFP_UNMAPPED);
	KUNIT_ASSERT_NOT_NULL(test, page);
	__free_page(page);
	local_irq_disable();
	page = alloc_page(GFP_ATOMIC | __GFP_UNMAPPED);
	local_irq_enable();
	KUNIT_ASSERT_NOT_NULL(test, page);
	expect_unmapped(test, page, 0);
	__free_page(page);
}

/* Refused requests: NULL, no refill, nothing mapped handed out. */
static void bad_input(struct kunit *test)
{
	static const gfp_t bad[] = {
		__GFP_HIGHMEM, __GFP_DMA, __GFP_DMA32, __GFP_MOVABLE,
	};
	unsigned long refills = vm_event(test, UNMAPPED_REFILL) +
				vm_event(test, UNMAPPED_REFILL_FALLBACK);
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_NULL(test, alloc_page(GFP_KERNEL | __GFP_UNMAPPED |
						   bad[i]));
	KUNIT_EXPECT_NULL(test, alloc_pages(GFP_KERNEL | __GFP_UNMAPPED,
					    UNMAPPED_MAX_ORDER + 1));
	/* Interfaces that return an address in the direct map, or map it. */
	KUNIT_EXPECT_EQ(test, __get_free_pages(GFP_KERNEL | __GFP_UNMAPPED, 0), 0UL);
	KUNIT_EXPECT_EQ(test, get_zeroed_page(GFP_KERNEL | __GFP_UNMAPPED), 0UL);
	KUNIT_EXPECT_NULL(test, __vmalloc_node_range(PAGE_SIZE, 1, VMALLOC_START,
						     VMALLOC_END,
						     GFP_KERNEL | __GFP_UNMAPPED,
						     PAGE_KERNEL, 0, NUMA_NO_NODE,
						     __builtin_return_address(0)));
	KUNIT_EXPECT_EQ(test, vm_event(test, UNMAPPED_REFILL) +
			vm_event(test, UNMAPPED_REFILL_FALLBACK), refills);

	KUNIT_EXPECT_EQ(test, unmapped_alloc_check(GFP_KERNEL | __GFP_DMA32, 0,
						   true), -EINVAL);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_check(GFP_KERNEL, 10, true), -E2BIG);
	/* What a request before unmapped_alloc_init() gets. */
	KUNIT_EXPECT_EQ(test, unmapped_alloc_check(GFP_KERNEL, 0, false), -EAGAIN);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_check(GFP_KERNEL, 0, true), 0);
}

/*
 * Switched off: the per-page path, mapped again when freed. The case's
 * exit switches the cache back on if it was on.
 */
static void switched_off(struct kunit *test)
{
	unsigned long refills = vm_event(test, UNMAPPED_REFILL) +
				vm_event(test, UNMAPPED_REFILL_FALLBACK);
	int nid = test_nid();
	long used = unmapped_alloc_used_pages(nid);
	struct page *page;

	/* debug_pagealloc needs every page mapped by 4K PTEs. */
	if (debug_pagealloc_enabled())
		KUNIT_EXPECT_EQ(test, unmapped_alloc_set_enabled(true), -EOPNOTSUPP);
	KUNIT_ASSERT_EQ(test, unmapped_alloc_set_enabled(false), 0);
	KUNIT_EXPECT_FALSE(test, unmapped_alloc_enabled());
	page = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED | __GFP_ZERO, 1);
	KUNIT_EXPECT_NULL(test, alloc_page(GFP_ATOMIC | __GFP_UNMAPPED |
					   __GFP_NOWARN));
	KUNIT_ASSERT_NOT_NULL(test, page);
	expect_unmapped(test, page, 1);
	KUNIT_EXPECT_FALSE(test, unmapped_alloc_owns(page));
	KUNIT_EXPECT_TRUE(test, pages_are_zero(page, 1));
	KUNIT_EXPECT_EQ(test, unmapped_alloc_used_pages(nid), used + 2);
	KUNIT_EXPECT_EQ(test, vm_event(test, UNMAPPED_REFILL) +
			vm_event(test, UNMAPPED_REFILL_FALLBACK), refills);

	__free_pages(page, 1);
	unmapped_alloc_flush_stock();
	KUNIT_EXPECT_EQ(test, unmapped_alloc_used_pages(nid), used);
	/* debug_pagealloc itself unmaps pages when they are freed. */
	if (!debug_pagealloc_enabled()) {
		KUNIT_EXPECT_TRUE(test, kernel_page_present(page));
		KUNIT_EXPECT_TRUE(test, kernel_page_present(page + 1));
	}
}

/* Stands in for unmapped_restore_map(): checks the pages are clear first. */
static unsigned long restored_pages;

static void restore_map_if_clear(struct page *page, unsigned long nr)
{
	struct kunit *test = kunit_get_current_test();
	unsigned long i;

	for (i = 0; i < nr; i++)
		KUNIT_EXPECT_TRUE_MSG(test, pages_are_zero(page + i, 0),
				      "pfn %#lx mapped again before it was cleared",
				      page_to_pfn(page + i));
	restored_pages += nr;
	WARN_ON_ONCE(set_direct_map_valid_noflush(page, nr, true));
}

/*
 * The per-page path clears a freed page before it maps it again: at the
 * moment the pages become present in the direct map, where any CPU can
 * read them, they hold nothing of what their user wrote. The frees are
 * held on the stock list and finished in this task, so that the check
 * can stand in for the mapping.
 */
static void per_page_cleared_first(struct kunit *test)
{
	int nid = test_nid();
	struct page *page;

	KUNIT_ASSERT_EQ(test, unmapped_alloc_set_enabled(false), 0);
	page = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED, 2);
	KUNIT_ASSERT_NOT_NULL(test, page);
	fill_pages(page, 2, 0x5a);
	KUNIT_ASSERT_FALSE(test, pages_are_zero(page, 2));

	restored_pages = 0;
	unmapped_alloc_hold_stock(true);
	__free_pages(page, 2);
	kunit_activate_static_stub(test, unmapped_restore_map,
				   restore_map_if_clear);
	unmapped_alloc_flush_stock();
	kunit_deactivate_static_stub(test, unmapped_restore_map);
	unmapped_alloc_hold_stock(false);

	KUNIT_EXPECT_EQ(test, restored_pages, 4);
	/* debug_pagealloc unmaps pages again when they are freed. */
	if (!debug_pagealloc_enabled())
		KUNIT_EXPECT_TRUE(test, kernel_page_present(page));
}

#ifdef CONFIG_FAIL_CPA_SPLIT
/*
 * Make the @nth fault-injection point this task reaches fail, as writing
 * /proc/self/fail-nth does for user space. With CONFIG_FAIL_CPA_SPLIT and
 * no other capability configured, those points are CPA's page-table
 * allocations for large-page splits.
 */
static void arm_fault(unsigned int nth)
{
	WRITE_ONCE(current->fail_nth, nth);
}

/* Disarm; return whether the armed fault was injected. */
static bool fault_injected(void)
{
	bool hit = !READ_ONCE(current->fail_nth);

	WRITE_ONCE(current->fail_nth, 0);
	return hit;
}

struct cache_state {
	unsigned long refills, releases, free, blocks;
};

static void cache_state(struct kunit *test, int nid, struct cache_state *st)
{
	st->refills = vm_event(test, UNMAPPED_REFILL) +
		      vm_event(test, UNMAPPED_REFILL_FALLBACK);
	st->releases = vm_event(test, UNMAPPED_BLOCK_RELEASE);
	st->free = unmapped_alloc_free_pages(nid);
	st->blocks = unmapped_alloc_nr_blocks(nid);
}

static void expect_cache_unchanged(struct kunit *test, int nid,
				   struct cache_state *before)
{
	struct cache_state now;

	cache_state(test, nid, &now);
	KUNIT_EXPECT_EQ(test, now.refills, before->refills);
	KUNIT_EXPECT_EQ(test, now.releases, before->releases);
	KUNIT_EXPECT_EQ(test, now.free, before->free);
	KUNIT_EXPECT_EQ(test, now.blocks, before->blocks);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_verify(nid), 0);
}

/*
 * A refill whose direct-map change fails: every injection point on the
 * way fails in turn (the 1 GiB split if the block lies in a 1 GiB page,
 * then the split of its 2 MiB page). Each failure gives the block back
 * mapped as it was, with nothing of it in the cache.
 */
static void fault_refill(struct kunit *test)
{
	unsigned int nth, level, injected = 0;
	int nid = test_nid(), err;

	for (nth = 1; nth <= 4; nth++) {
		struct cache_state st;
		struct page *page;

		page = pmd_block(test, nid);
		level = map_level(page);
		cache_state(test, nid, &st);
		arm_fault(nth);
		/* Unmapping the first page alone needs a split. */
		err = unmapped_adopt(page, UNMAPPED_BLOCK_ORDER, true);
		if (!fault_injected()) {
			KUNIT_EXPECT_EQ(test, err, 0);
			expect_unmapped(test, page, UNMAPPED_BLOCK_ORDER);
			break;
		}
		/* The block went back to the page allocator: look, don't touch. */
		injected++;
		KUNIT_EXPECT_EQ(test, err, -ENOMEM);
		KUNIT_EXPECT_FALSE(test, unmapped_alloc_owns(page));
		KUNIT_EXPECT_TRUE(test, kernel_page_present(page));
		KUNIT_EXPECT_TRUE(test, kernel_page_present(page + 1));
		KUNIT_EXPECT_TRUE(test, kernel_page_present(page +
					UNMAPPED_BLOCK_PAGES - 1));
		KUNIT_EXPECT_FALSE(test, PageUnmapped(page));
		/* A split that succeeded before the failure is merged again. */
		KUNIT_EXPECT_EQ(test, map_level(page), level);
		expect_cache_unchanged(test, nid, &st);
	}
	kunit_info(test, "figures %s injected=%u\n", test->name, injected);
	KUNIT_EXPECT_GE(test, injected, 1);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_verify(nid), 0);
}

/*
 * The shrinker gives back part of a block that is unmapped as a whole:
 * mapping part of it again needs a split. When that fails, the free part
 * stays in the cache, unmapped, and the next attempt succeeds.
 */
static void fault_partial_release(struct kunit *test)
{
	unsigned int nth, injected = 0;
	int nid = test_nid();
	unsigned long released = 0;
	struct cache_state st;
	struct page *page;

	adopt_pmd_block(test, nid, false);
	page = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	cache_state(test, nid, &st);
	KUNIT_ASSERT_EQ(test, st.free, UNMAPPED_BLOCK_PAGES - 1);

	for (nth = 1; nth <= 4 && !released; nth++) {
		arm_fault(nth);
		released = unmapped_alloc_shrink(nid, 1);
		if (!fault_injected())
			break;
		injected++;
		KUNIT_EXPECT_EQ(test, released, 0);
		expect_cache_unchanged(test, nid, &st);
		expect_unmapped(test, page, 0);
	}
	kunit_info(test, "figures %s injected=%u\n", test->name, injected);
	KUNIT_EXPECT_GE(test, injected, 1);
	KUNIT_EXPECT_GT(test, released, 0);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_verify(nid), 0);
	expect_unmapped(test, page, 0);
	__free_page(page);
	unmapped_alloc_drain(nid);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_free_pages(nid), 0);
	KUNIT_EXPECT_GE(test, map_level(page), PG_LEVEL_2M);
}

/*
 * Releasing blocks and collapsing their regions allocates no page table
 * (entries become present, tables are freed): an armed fault is never
 * reached and the release succeeds.
 */
static void fault_release_collapse(struct kunit *test)
{
	int nid = test_nid();
	struct page *page[2];

	/* One block unmapped as a whole, one split by a partial release. */
	adopt_pmd_block(test, nid, false);
	page[0] = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED,
				   UNMAPPED_BLOCK_ORDER);
	KUNIT_ASSERT_NOT_NULL(test, page[0]);
	adopt_pmd_block(test, nid, false);
	page[1] = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED, 0);
	KUNIT_ASSERT_NOT_NULL(test, page[1]);
	KUNIT_EXPECT_GT(test, unmapped_alloc_shrink(nid, ULONG_MAX), 0);
	__free_pages(page[0], UNMAPPED_BLOCK_ORDER);
	__free_page(page[1]);

	arm_fault(1);
	unmapped_alloc_drain(nid);
	KUNIT_EXPECT_FALSE(test, fault_injected());
	KUNIT_EXPECT_EQ(test, unmapped_alloc_free_pages(nid), 0);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_nr_blocks(nid), 0);
	KUNIT_EXPECT_GE(test, map_level(page[0]), PG_LEVEL_2M);
	KUNIT_EXPECT_GE(test, map_level(page[1]), PG_LEVEL_2M);
}

#ifdef CONFIG_MEMORY_FAILURE
/*
 * A block that lost a page to hardware poison no longer holds its whole
 * region, yet its PMD still maps it: mapping its free chunks again splits
 * the PMD, which needs a page table. Without one, the release keeps the
 * block as it was (unmapped, counted, consistent) and gives it back later.
 */
static void fault_release_poisoned(struct kunit *test)
{
	int nid = test_nid();
	struct page *block = adopt_pmd_block(test, nid, false);
	struct page *poisoned = block + 300;

	KUNIT_ASSERT_EQ(test, memory_failure(page_to_pfn(poisoned),
					     MF_SW_SIMULATED), 0);
	arm_fault(1);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_drain(nid), 0);
	KUNIT_EXPECT_TRUE(test, fault_injected());
	KUNIT_EXPECT_EQ(test, unmapped_alloc_free_pages(nid),
			UNMAPPED_BLOCK_PAGES - 1);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_nr_blocks(nid), 1);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_verify(nid), 0);
	expect_unmapped(test, block, 0);
	expect_unmapped(test, block + UNMAPPED_BLOCK_PAGES - 1, 0);

	KUNIT_EXPECT_EQ(test, unmapped_alloc_drain(nid), UNMAPPED_BLOCK_PAGES - 1);
	KUNIT_EXPECT_TRUE(test, kernel_page_present(block));
	KUNIT_EXPECT_FALSE(test, kernel_page_present(poisoned));
	KUNIT_EXPECT_EQ(test, unpoison_memory(page_to_pfn(poisoned)), 0);
	unmapped_alloc_flush_stock();
	KUNIT_EXPECT_TRUE(test, kernel_page_present(poisoned));
	KUNIT_EXPECT_EQ(test, unmapped_alloc_used_pages(nid), 0);
}
#else
static void fault_release_poisoned(struct kunit *test)
{
	kunit_skip(test, "needs CONFIG_MEMORY_FAILURE");
}
#endif

/* The per-page path: a failed split fails the request, nothing leaks. */
static void fault_per_page(struct kunit *test)
{
	unsigned long fails = vm_event(test, UNMAPPED_ALLOC_FAIL);
	int nid = test_nid();
	long used = unmapped_alloc_used_pages(nid);
	unsigned int nth, injected = 0;
	struct page *page = NULL;

	KUNIT_ASSERT_EQ(test, unmapped_alloc_set_enabled(false), 0);
	for (nth = 1; nth <= 4 && !page; nth++) {
		arm_fault(nth);
		page = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED |
					__GFP_NOWARN, 0);
		if (!fault_injected())
			break;
		injected++;
		KUNIT_EXPECT_NULL(test, page);
		KUNIT_EXPECT_EQ(test, vm_event(test, UNMAPPED_ALLOC_FAIL),
				fails + injected);
		KUNIT_EXPECT_EQ(test, unmapped_alloc_used_pages(nid), used);
	}
	/* None if the page was already mapped with 4K pages. */
	kunit_info(test, "figures %s injected=%u\n", test->name, injected);
	KUNIT_ASSERT_NOT_NULL(test, page);
	expect_unmapped(test, page, 0);
	__free_page(page);
	unmapped_alloc_flush_stock();
	KUNIT_EXPECT_EQ(test, unmapped_alloc_used_pages(nid), used);
}

/*
 * __GFP_NOFAIL on the per-page path: a split that fails is retried, the
 * request never returns NULL. The pages are held so that each comes from
 * the page allocator afresh; a fault is injected at the first that needs
 * a split.
 */
static void fault_nofail(struct kunit *test)
{
	int nid = test_nid();
	long used = unmapped_alloc_used_pages(nid);
	unsigned int n, injected = 0, got = 0;
	struct page **pages;

	pages = kunit_kcalloc(test, 64, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	KUNIT_ASSERT_EQ(test, unmapped_alloc_set_enabled(false), 0);
	for (n = 0; n < 64 && !injected; n++) {
		arm_fault(1);
		pages[n] = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED |
					    __GFP_NOFAIL, 0);
		injected += fault_injected();
		if (!pages[n]) {
			KUNIT_FAIL(test, "__GFP_NOFAIL request %u: NULL (fault injected: %s)",
				   n, str_yes_no(injected));
			break;
		}
		got++;
		expect_unmapped(test, pages[n], 0);
	}
	while (got--)
		__free_page(pages[got]);
	unmapped_alloc_flush_stock();
	KUNIT_EXPECT_EQ(test, unmapped_alloc_used_pages(nid), used);
	if (!injected)
		kunit_skip(test, "no allocation needed a split");
}
#else
static void no_fault_injection(struct kunit *test)
{
	kunit_skip(test, "needs CONFIG_FAIL_CPA_SPLIT");
}

#define fault_refill		no_fault_injection
#define fault_partial_release	no_fault_injection
#define fault_release_collapse	no_fault_injection
#define fault_release_poisoned	no_fault_injection
#define fault_per_page		no_fault_injection
#define fault_nofail		no_fault_injection
#endif /* CONFIG_FAIL_CPA_SPLIT */

/*
 * The stress case: one thread per online CPU allocates and frees
 * __GFP_UNMAPPED and normal pages of mixed orders for stress_seconds,
 * and now and then shrinks the cache. It runs at boot for a moment; a
 * runner can run the suite again through debugfs with a longer time,
 * memory pressure from user space and injected faults (the threads are
 * marked for fault injection, so fail_cpa_split's task-filter aims at
 * them).
 */
static unsigned int stress_seconds = 2;
module_param(stress_seconds, uint, 0644);
MODULE_PARM_DESC(stress_seconds, "duration of the stress case in seconds");

struct stress {
	struct kunit *test;
	unsigned long deadline;
	atomic_long_t ops, unmapped, normal, shrinks, failed, violations;
};

#define STRESS_SLOTS 16

/* Orders of unmapped requests: mostly small, now and then a whole block. */
static unsigned int stress_order(bool unmapped)
{
	u32 r = get_random_u32_below(64);

	if (unmapped && !r)
		return UNMAPPED_BLOCK_ORDER;
	return r & 3;
}

/* An allocation is what it was asked to be; count it if not. */
static void stress_check(struct stress *s, struct page *page,
			 unsigned int order, bool unmapped)
{
	unsigned long i;

	for (i = 0; i < (1UL << order); i++) {
		bool flagged = PageUnmapped(page + i);
		bool present = kernel_page_present(page + i);

		if (flagged == unmapped && present != unmapped)
			continue;
		/* Say what was wrong, and whether it still is (a race). */
		if (atomic_long_inc_return(&s->violations) <= 4)
			kunit_info(s->test, "violation: pfn %#lx (order %u, page %lu) handed out %s: PG_unmapped %d, present %d, level %u; again: present %d\n",
				   page_to_pfn(page + i), order, i,
				   unmapped ? "unmapped" : "mapped", flagged,
				   present, map_level(page + i),
				   kernel_page_present(page + i));
	}
	/* A normal page must be usable through the direct map. */
	if (!unmapped)
		memset(page_address(page), 0x5a, L1_CACHE_BYTES);
}

static int stress_thread(void *data)
{
	struct stress *s = data;
	struct page *slot[STRESS_SLOTS] = {};
	unsigned int order[STRESS_SLOTS] = {};
	bool unmapped[STRESS_SLOTS] = {};
	unsigned long n = 0;
	int i;

#ifdef CONFIG_FAULT_INJECTION
	current->make_it_fail = true;
#endif
	while (!kthread_should_stop() && time_before(jiffies, s->deadline)) {
		i = get_random_u32_below(STRESS_SLOTS);
		if (slot[i]) {
			__free_pages(slot[i], order[i]);
			slot[i] = NULL;
		} else {
			gfp_t gfp = GFP_KERNEL | __GFP_NOWARN | __GFP_RETRY_MAYFAIL;

			unmapped[i] = get_random_u32_below(2);
			order[i] = stress_order(unmapped[i]);
			if (unmapped[i])
				gfp |= __GFP_UNMAPPED;
			slot[i] = alloc_pages(gfp, order[i]);
			if (!slot[i])
				atomic_long_inc(&s->failed);
			else
				stress_check(s, slot[i], order[i], unmapped[i]);
			atomic_long_inc(unmapped[i] ? &s->unmapped : &s->normal);
		}
		/* Now and then: the pages held are still as handed out. */
		if (!(++n % 64)) {
			for (i = 0; i < STRESS_SLOTS; i++)
				if (slot[i])
					stress_check(s, slot[i], order[i],
						     unmapped[i]);
		}
		if (!(n % 256)) {
			unmapped_alloc_shrink(numa_mem_id(), 64);
			atomic_long_inc(&s->shrinks);
		}
		atomic_long_inc(&s->ops);
		cond_resched();
	}
	for (i = 0; i < STRESS_SLOTS; i++)
		if (slot[i])
			__free_pages(slot[i], order[i]);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

static unsigned long cache_blocks(void)
{
	unsigned long blocks = 0;
	int nid;

	for_each_node_state(nid, N_MEMORY)
		blocks += unmapped_alloc_nr_blocks(nid);
	return blocks;
}

/*
 * Stress from every CPU. Throughout: no unmapped page is present in the
 * direct map, no normal page is unmapped, and the cache passes
 * unmapped_alloc_verify(). Afterwards, with the cache drained: nothing is
 * in use or free in it that was not before, refills minus releases is the
 * change in blocks held, and free memory is back within 1024 pages (per-CPU
 * lists and slab caches move it a little; a leak of pages moves it more).
 */
static void stress(struct kunit *test)
{
	unsigned int nr = num_online_cpus(), i, cpu, checks = 0;
	struct task_struct **task = kunit_kcalloc(test, nr, sizeof(*task),
						  GFP_KERNEL);
	long *used = kunit_kcalloc(test, nr_node_ids, sizeof(*used), GFP_KERNEL);
	struct stress s = { .test = test };
	unsigned long free_before, free_after, refills, releases, blocks;
	unsigned long verify_bad = 0, secs = READ_ONCE(stress_seconds);
	unsigned long partial, splits;
	unsigned long cached = 0;
	long leaked, leaked_unmapped = 0;
	int nid;

	KUNIT_ASSERT_NOT_NULL(test, task);
	KUNIT_ASSERT_NOT_NULL(test, used);
	/* With the CPUs' lists, as the cache runs outside tests. */
	test_pcp_on(test);

	for_each_node_state(nid, N_MEMORY)
		used[nid] = unmapped_alloc_used_pages(nid);
	blocks = cache_blocks();
	refills = vm_event(test, UNMAPPED_REFILL) +
		  vm_event(test, UNMAPPED_REFILL_FALLBACK);
	releases = vm_event(test, UNMAPPED_BLOCK_RELEASE);
	partial = vm_event(test, UNMAPPED_PARTIAL_RELEASE);
	splits = vm_event(test, DIRECT_MAP_LEVEL2_SPLIT);
	drain_all_pages(NULL);
	free_before = global_zone_page_state(NR_FREE_PAGES);

	s.deadline = jiffies + secs * HZ;
	i = 0;
	for_each_online_cpu(cpu) {
		if (i == nr)
			break;
		task[i] = kthread_create(stress_thread, &s, "unmapped_stress/%u",
					 cpu);
		KUNIT_ASSERT_FALSE(test, IS_ERR(task[i]));
		kthread_bind(task[i], cpu);
		wake_up_process(task[i++]);
	}
	nr = i;
	/* Check the cache's invariants while the threads run. */
	while (time_before(jiffies, s.deadline)) {
		for_each_node_state(nid, N_MEMORY)
			verify_bad += unmapped_alloc_verify(nid);
		checks++;
		msleep(200);
	}
	for (i = 0; i < nr; i++)
		kthread_stop(task[i]);

	unmapped_alloc_flush_stock();
	for_each_node_state(nid, N_MEMORY) {
		unmapped_alloc_drain(nid);
		verify_bad += unmapped_alloc_verify(nid);
	}
	drain_all_pages(NULL);
	free_after = global_zone_page_state(NR_FREE_PAGES);
	leaked = (long)free_before - (long)free_after;

	/* The figures as key=value lines, for scripts that read the log. */
	kunit_info(test, "figures %s seconds=%lu threads=%u operations=%ld unmapped=%ld normal=%ld failed=%ld shrinks=%ld\n",
		   test->name, secs, nr, atomic_long_read(&s.ops),
		   atomic_long_read(&s.unmapped), atomic_long_read(&s.normal),
		   atomic_long_read(&s.failed), atomic_long_read(&s.shrinks));
	kunit_info(test, "figures %s violations=%ld invariant_violations=%lu invariant_checks=%u blocks_taken=%lu blocks_given_back=%lu free_before=%lu free_after=%lu\n",
		   test->name, atomic_long_read(&s.violations), verify_bad, checks,
		   vm_event(test, UNMAPPED_REFILL) +
		   vm_event(test, UNMAPPED_REFILL_FALLBACK) - refills,
		   vm_event(test, UNMAPPED_BLOCK_RELEASE) - releases,
		   free_before, free_after);
	for_each_node_state(nid, N_MEMORY) {
		leaked_unmapped += unmapped_alloc_used_pages(nid) - used[nid];
		cached += unmapped_alloc_free_pages(nid);
	}
	kunit_info(test, "figures %s leaked_unmapped=%ld still_cached=%lu free_short=%ld\n",
		   test->name, leaked_unmapped, cached, leaked);
	/* Partial releases split blocks: what allocation placement saves. */
	kunit_info(test, "figures %s partial_releases=%lu level2_splits=%lu\n",
		   test->name, vm_event(test, UNMAPPED_PARTIAL_RELEASE) - partial,
		   vm_event(test, DIRECT_MAP_LEVEL2_SPLIT) - splits);

	KUNIT_EXPECT_GT(test, atomic_long_read(&s.ops), 100);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&s.violations), 0);
	KUNIT_EXPECT_EQ(test, verify_bad, 0);
	for_each_node_state(nid, N_MEMORY) {
		KUNIT_EXPECT_EQ(test, unmapped_alloc_used_pages(nid), used[nid]);
		KUNIT_EXPECT_EQ(test, unmapped_alloc_free_pages(nid), 0);
	}
	/* Refills minus releases is the number of blocks held. */
	KUNIT_EXPECT_EQ(test, cache_blocks() + vm_event(test, UNMAPPED_BLOCK_RELEASE) -
			releases, blocks + vm_event(test, UNMAPPED_REFILL) +
			vm_event(test, UNMAPPED_REFILL_FALLBACK) - refills);
	KUNIT_EXPECT_LT(test, leaked, 1024);
}

static struct kunit_case unmapped_alloc_cases[] = {
	KUNIT_CASE(every_order),
	KUNIT_CASE(split_and_merge),
	KUNIT_CASE(zeroed),
	KUNIT_CASE(free_paths),
	KUNIT_CASE(release_whole_block),
	KUNIT_CASE(release_collapses),
	KUNIT_CASE(shrinker_release),
	KUNIT_CASE(release_free_longest_first),
	KUNIT_CASE(release_above_mark),
	KUNIT_CASE(boundary_does_not_flap),
	KUNIT_CASE(refill_hands_over),
	KUNIT_CASE(alloc_fullest_first),
	KUNIT_CASE(alloc_packs_blocks),
	KUNIT_CASE(pcp_few_node_locks),
	KUNIT_CASE(pcp_drained),
	KUNIT_CASE(pcp_shrinker),
	KUNIT_CASE(pcp_cpu_dead),
	KUNIT_CASE(shrinker_defers),
	KUNIT_CASE(shrinker_reports),
	KUNIT_CASE(isolated_range),
	KUNIT_CASE(mem_available),
	KUNIT_CASE(allocation_tags),
	KUNIT_CASE(node_mask),
	KUNIT_CASE(hwpoison),
	KUNIT_CASE(pcp_hwpoison),
	KUNIT_CASE(hibernation),
	KUNIT_CASE(atomic_empty),
	KUNIT_CASE(fault_refill),
	KUNIT_CASE(fault_partial_release),
	KUNIT_CASE(fault_release_collapse),
	KUNIT_CASE(fault_release_poisoned),
	{}
};

static struct kunit_suite unmapped_alloc_suite = {
	.name = "unmapped_alloc",
	.init = unmapped_test_init,
	.exit = unmapped_test_exit,
	.test_cases = unmapped_alloc_cases,
};

/*
 * The per-page path and refused requests: these run in every
 * configuration, also when the cache is off (unmapped_alloc=off, or
 * debug_pagealloc, which keeps it off).
 */
static int per_page_test_init(struct kunit *test)
{
	bool *was_on = kunit_kzalloc(test, sizeof(*was_on), GFP_KERNEL);

	if (!was_on)
		return -ENOMEM;
	*was_on = unmapped_alloc_enabled();
	test->priv = was_on;
	return 0;
}

static void per_page_test_exit(struct kunit *test)
{
	bool *was_on = test->priv;

	if (was_on && *was_on)
		unmapped_alloc_set_enabled(true);
}

/*
 * Only the cache maps its pages again. The helpers that restore a page's
 * direct-map entry (vm_reset_perms() calls one for vmap()ed pages,
 * clear_mce_nospec() the other) refuse pages that it owns or handed out,
 * which stay unmapped.
 */
static void remap_refused(struct kunit *test)
{
	struct page *page = alloc_page(GFP_KERNEL | __GFP_UNMAPPED);

	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, set_direct_map_default_noflush(page), -EINVAL);
	KUNIT_EXPECT_EQ(test, set_memory_p((unsigned long)page_address(page), 1),
			-EINVAL);
	KUNIT_EXPECT_FALSE(test, kernel_page_present(page));
	__free_page(page);
}

#ifdef CONFIG_VMCORE_INFO
/*
 * PG_unmapped is in VMCOREINFO, so that makedumpfile can tell the cache's
 * pages and the pages it handed out (secrets, for memfd_secret) and leave
 * them out of a dump.
 */
static void vmcoreinfo_flag(struct kunit *test)
{
	char want[48];

	snprintf(want, sizeof(want), "NUMBER(PG_unmapped)=%d\n", PG_unmapped);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strnstr((char *)vmcoreinfo_data, want,
						vmcoreinfo_size),
				  "no %s in VMCOREINFO", want);
}
#endif

static struct kunit_case unmapped_alloc_per_page_cases[] = {
	KUNIT_CASE(bad_input),
	KUNIT_CASE(switched_off),
	KUNIT_CASE(per_page_cleared_first),
	KUNIT_CASE(fault_per_page),
	KUNIT_CASE(fault_nofail),
	KUNIT_CASE(remap_refused),
#ifdef CONFIG_VMCORE_INFO
	KUNIT_CASE(vmcoreinfo_flag),
#endif
	{}
};

static struct kunit_suite unmapped_alloc_per_page_suite = {
	.name = "unmapped_alloc_per_page",
	.init = per_page_test_init,
	.exit = per_page_test_exit,
	.test_cases = unmapped_alloc_per_page_cases,
};

/* A suite of its own, to run again alone with other load around it. */
static struct kunit_case unmapped_alloc_stress_cases[] = {
	KUNIT_CASE_SLOW(stress),
	{}
};

static struct kunit_suite unmapped_alloc_stress_suite = {
	.name = "unmapped_alloc_stress",
	.init = unmapped_test_init,
	.exit = unmapped_test_exit,
	.test_cases = unmapped_alloc_stress_cases,
};

kunit_test_suites(&unmapped_alloc_suite, &unmapped_alloc_per_page_suite,
		  &unmapped_alloc_stress_suite);

#else /* !CONFIG_UNMAPPED_ALLOC */

/* Without the cache, the flag is refused rather than ignored. */
static void unsupported(struct kunit *test)
{
	KUNIT_EXPECT_NULL(test, alloc_page(GFP_KERNEL | __GFP_UNMAPPED));
	KUNIT_EXPECT_NULL(test, alloc_pages(GFP_KERNEL | __GFP_UNMAPPED, 3));
}

static struct kunit_case unmapped_alloc_cases[] = {
	KUNIT_CASE(unsupported),
	{}
};

static struct kunit_suite unmapped_alloc_suite = {
	.name = "unmapped_alloc",
	.test_cases = unmapped_alloc_cases,
};

kunit_test_suite(unmapped_alloc_suite);

#endif /* CONFIG_UNMAPPED_ALLOC */

MODULE_DESCRIPTION("KUnit tests for __GFP_UNMAPPED");
MODULE_LICENSE("GPL");
