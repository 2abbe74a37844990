// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for __GFP_UNMAPPED and the unmapped-page cache.
 *
 * Most cases drain the cache first and then expect exact free-area counts,
 * so they assume nothing else allocates __GFP_UNMAPPED pages meanwhile;
 * the guest runs them at boot and again, idle, after boot.
 *
 * Run with: tools/testing/kunit/kunit.py run --arch=x86_64 \
 *		--kunitconfig=mm
 */
#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/jiffies.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/pagevec.h>
#include <linux/random.h>
#include <linux/set_memory.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>

#include "internal.h"
#include "unmapped_alloc.h"

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

static unsigned int map_level(struct page *page)
{
	unsigned int level;

	return lookup_address((unsigned long)page_address(page), &level) ?
	       level : PG_LEVEL_NONE;
}

static int test_nid(void)
{
	return numa_mem_id();
}

/* Start from an empty cache and restore the reserve afterwards. */
static int unmapped_test_init(struct kunit *test)
{
	unsigned int *reserve = kunit_kzalloc(test, sizeof(*reserve),
					      GFP_KERNEL);
	int nid;

	if (!reserve)
		return -ENOMEM;
	if (!unmapped_alloc_enabled())
		kunit_skip(test, "the cache is switched off");
	*reserve = unmapped_alloc_set_reserve(1);
	test->priv = reserve;
	for_each_node_state(nid, N_MEMORY)
		unmapped_alloc_drain(nid);
	return 0;
}

static void unmapped_test_exit(struct kunit *test)
{
	unsigned int *reserve = test->priv;
	int nid;

	if (reserve)
		unmapped_alloc_set_reserve(*reserve);
	for_each_node_state(nid, N_MEMORY)
		unmapped_alloc_drain(nid);
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

/* Every order up to the block order, each page out of the direct map. */
static void every_order(struct kunit *test)
{
	unsigned long refills = vm_event(test, UNMAPPED_REFILL);
	unsigned long splits = vm_event(test, DIRECT_MAP_LEVEL2_SPLIT);
	unsigned int order;

	for (order = 0; order <= UNMAPPED_MAX_ORDER; order++) {
		struct page *page = alloc_pages(GFP_KERNEL | __GFP_UNMAPPED,
						order);

		KUNIT_ASSERT_NOT_NULL_MSG(test, page, "order %u", order);
		KUNIT_EXPECT_TRUE(test, unmapped_alloc_owns(page));
		KUNIT_EXPECT_EQ(test, page_ref_count(page), 1);
		expect_unmapped(test, page, order);
		__free_pages(page, order);
	}
	/* Whole blocks only: never a PMD split. */
	KUNIT_EXPECT_GE(test, vm_event(test, UNMAPPED_REFILL), refills + 1);
	KUNIT_EXPECT_EQ(test, vm_event(test, DIRECT_MAP_LEVEL2_SPLIT), splits);
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
	unsigned long splits = vm_event(test, DIRECT_MAP_LEVEL2_SPLIT);
	int nid = test_nid();
	struct page *page;

	page = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED,
				UNMAPPED_BLOCK_ORDER);
	KUNIT_ASSERT_NOT_NULL(test, page);
	expect_unmapped(test, page, UNMAPPED_BLOCK_ORDER);
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
	KUNIT_EXPECT_EQ(test, vm_event(test, DIRECT_MAP_LEVEL2_SPLIT), splits);
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

	page = alloc_pages_node(nid, GFP_KERNEL | __GFP_ZERO | __GFP_THISNODE,
				UNMAPPED_BLOCK_ORDER);
	KUNIT_ASSERT_NOT_NULL(test, page);
	if (map_level(page) < PG_LEVEL_2M) {
		__free_pages(page, UNMAPPED_BLOCK_ORDER);
		kunit_skip(test, "block already mapped with 4K pages");
	}
	KUNIT_ASSERT_EQ(test, unmapped_adopt(page, UNMAPPED_BLOCK_ORDER, true), 0);
	KUNIT_EXPECT_EQ(test, vm_event(test, DIRECT_MAP_LEVEL2_SPLIT),
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
	used = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED, 0);
	KUNIT_ASSERT_NOT_NULL(test, used);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_shrink(nid, ULONG_MAX),
			UNMAPPED_BLOCK_PAGES - 1);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_free_pages(nid), 0);
	expect_unmapped(test, used, 0);
	__free_page(used);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_drain(nid), 1);
	KUNIT_EXPECT_TRUE(test, kernel_page_present(used));
	KUNIT_EXPECT_GE(test, map_level(used), PG_LEVEL_2M);
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
	KUNIT_EXPECT_EQ(test, vm_event(test, UNMAPPED_REFILL) +
			vm_event(test, UNMAPPED_REFILL_FALLBACK), refills);

	KUNIT_EXPECT_EQ(test, unmapped_alloc_check(GFP_KERNEL | __GFP_DMA32, 0,
						   true), -EINVAL);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_check(GFP_KERNEL, 10, true), -E2BIG);
	/* What a request before unmapped_alloc_init() gets. */
	KUNIT_EXPECT_EQ(test, unmapped_alloc_check(GFP_KERNEL, 0, false), -EAGAIN);
	KUNIT_EXPECT_EQ(test, unmapped_alloc_check(GFP_KERNEL, 0, true), 0);
}

/* Switched off: the per-page path, mapped again when freed. */
static void switched_off(struct kunit *test)
{
	unsigned long refills = vm_event(test, UNMAPPED_REFILL) +
				vm_event(test, UNMAPPED_REFILL_FALLBACK);
	int nid = test_nid();
	long used = unmapped_alloc_used_pages(nid);
	struct page *page;

	KUNIT_ASSERT_EQ(test, unmapped_alloc_set_enabled(false), 0);
	page = alloc_pages_node(nid, GFP_KERNEL | __GFP_UNMAPPED | __GFP_ZERO, 1);
	KUNIT_EXPECT_NULL(test, alloc_page(GFP_ATOMIC | __GFP_UNMAPPED |
					   __GFP_NOWARN));
	unmapped_alloc_set_enabled(true);
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
	KUNIT_EXPECT_TRUE(test, kernel_page_present(page));
	KUNIT_EXPECT_TRUE(test, kernel_page_present(page + 1));
}

struct stress {
	struct kunit *test;
	unsigned long deadline;
	atomic_long_t ops;
	atomic_t bad_normal, bad_unmapped, failed;
};

#define STRESS_SLOTS 16

static int stress_thread(void *data)
{
	struct stress *s = data;
	struct page *slot[STRESS_SLOTS] = {};
	unsigned int order[STRESS_SLOTS] = {};
	bool unmapped[STRESS_SLOTS] = {};
	int i;

	while (!kthread_should_stop() && time_before(jiffies, s->deadline)) {
		i = get_random_u32_below(STRESS_SLOTS);
		if (slot[i]) {
			__free_pages(slot[i], order[i]);
			slot[i] = NULL;
		} else {
			gfp_t gfp = GFP_KERNEL | __GFP_NOWARN;

			order[i] = get_random_u32_below(4);
			unmapped[i] = get_random_u32_below(2);
			if (unmapped[i])
				gfp |= __GFP_UNMAPPED;
			slot[i] = alloc_pages(gfp, order[i]);
			if (!slot[i]) {
				atomic_inc(&s->failed);
			} else if (unmapped[i]) {
				if (!PageUnmapped(slot[i]) ||
				    kernel_page_present(slot[i]))
					atomic_inc(&s->bad_unmapped);
			} else if (PageUnmapped(slot[i]) ||
				   !kernel_page_present(slot[i])) {
				atomic_inc(&s->bad_normal);
			}
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

/* Several threads mixing unmapped and normal pages; nothing leaks. */
static void concurrent(struct kunit *test)
{
	struct task_struct *task[4];
	struct stress s = { .test = test };
	unsigned long free_before, free_after, refills, releases;
	long *used = kunit_kcalloc(test, nr_node_ids, sizeof(*used), GFP_KERNEL);
	int i, nid;

	KUNIT_ASSERT_NOT_NULL(test, used);

	refills = vm_event(test, UNMAPPED_REFILL) +
		  vm_event(test, UNMAPPED_REFILL_FALLBACK);
	releases = vm_event(test, UNMAPPED_BLOCK_RELEASE);
	for_each_node_state(nid, N_MEMORY)
		used[nid] = unmapped_alloc_used_pages(nid);
	drain_all_pages(NULL);
	free_before = global_zone_page_state(NR_FREE_PAGES);

	s.deadline = jiffies + 2 * HZ;
	for (i = 0; i < ARRAY_SIZE(task); i++) {
		task[i] = kthread_run(stress_thread, &s, "unmapped-stress/%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(task[i]));
	}
	msleep(2000);
	for (i = 0; i < ARRAY_SIZE(task); i++)
		kthread_stop(task[i]);

	kunit_info(test, "%ld operations, %d failed allocations\n",
		   atomic_long_read(&s.ops), atomic_read(&s.failed));
	KUNIT_EXPECT_GT(test, atomic_long_read(&s.ops), 100);
	KUNIT_EXPECT_EQ(test, atomic_read(&s.bad_unmapped), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&s.bad_normal), 0);

	for_each_node_state(nid, N_MEMORY) {
		KUNIT_EXPECT_EQ(test, unmapped_alloc_used_pages(nid), used[nid]);
		unmapped_alloc_drain(nid);
		KUNIT_EXPECT_EQ(test, unmapped_alloc_free_pages(nid), 0);
	}
	/* Every block taken was given back: the cache holds none. */
	KUNIT_EXPECT_EQ(test, vm_event(test, UNMAPPED_REFILL) +
			vm_event(test, UNMAPPED_REFILL_FALLBACK) - refills,
			vm_event(test, UNMAPPED_BLOCK_RELEASE) - releases);
	drain_all_pages(NULL);
	free_after = global_zone_page_state(NR_FREE_PAGES);
	/* Other activity moves free memory a little; a leak moves it a lot. */
	KUNIT_EXPECT_LT(test, abs_diff(free_before, free_after), 1024);
}

static struct kunit_case unmapped_alloc_cases[] = {
	KUNIT_CASE(every_order),
	KUNIT_CASE(split_and_merge),
	KUNIT_CASE(zeroed),
	KUNIT_CASE(free_paths),
	KUNIT_CASE(release_whole_block),
	KUNIT_CASE(release_collapses),
	KUNIT_CASE(shrinker_release),
	KUNIT_CASE(atomic_empty),
	KUNIT_CASE(bad_input),
	KUNIT_CASE(switched_off),
	KUNIT_CASE_SLOW(concurrent),
	{}
};

static struct kunit_suite unmapped_alloc_suite = {
	.name = "unmapped_alloc",
	.init = unmapped_test_init,
	.exit = unmapped_test_exit,
	.test_cases = unmapped_alloc_cases,
};

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

#endif /* CONFIG_UNMAPPED_ALLOC */

kunit_test_suite(unmapped_alloc_suite);

MODULE_DESCRIPTION("KUnit tests for __GFP_UNMAPPED");
MODULE_LICENSE("GPL");
