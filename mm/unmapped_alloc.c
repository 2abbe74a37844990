// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cache of pages that are not present in the kernel's direct map, behind
 * __GFP_UNMAPPED.
 *
 * Taking single pages out of the direct map splits the large pages that map
 * it and costs a TLB flush on all CPUs per page. This cache takes whole
 * PMD-sized blocks from the page allocator instead, zeroes them, removes
 * each block from the direct map with one change and one flush, and hands
 * out pages of order 0 up to PMD order from per-node buddy free areas
 * (split and merge happen inside the cache, with the direct map left
 * alone). Freed pages come back here from every free path of the page
 * allocator, are zeroed through a CPU-local temporary mapping and merged.
 * Order-0 pages go through a list per CPU and node first, filled from and
 * spilled to the node's free areas in batches, as the page allocator's
 * per-CPU lists do, so that most allocations and frees do not take the
 * node's lock.
 * When whole blocks are free again and the node holds clearly more of them
 * than its reserve (see unmapped_release_mark()), blocks are mapped again,
 * their direct-map ranges collapsed back into large mappings and the blocks
 * go back to the page allocator, until the reserve is left. Under memory
 * pressure a shrinker has a worker hand free memory back.
 *
 * When no PMD-sized block is available, the cache takes a block of the
 * requested order ("fallback refill"): that splits the direct map around it
 * once, and the 2 MiB region is collapsed again when everything the cache
 * holds in it has been returned.
 *
 * Locking (outermost first):
 *
 *   unmapped_node.refill_lock  mutex; serialises the direct-map changes the
 *                              cache makes for a node: refills and releases.
 *                              CPA locks and init_mm's mmap lock nest inside.
 *                              Memory offline takes it inside
 *                              mem_hotplug_lock (unmapped_alloc_isolated()).
 *   unmapped_pcp.lock          spinlock, IRQ-safe; a CPU's list of order-0
 *                              pages of one node. Its CPU takes it on each
 *                              order-0 allocation and free; other CPUs only
 *                              to drain the list.
 *   unmapped_node.lock         spinlock, IRQ-safe (pages are freed from any
 *                              context); protects the free areas, the block
 *                              list and the block counters. Never held
 *                              across a direct-map change, a TLB flush on
 *                              other CPUs or a page-table allocation.
 *   unmapped_stock_lock        spinlock, IRQ-safe; list of pages from the
 *                              per-page path waiting to be mapped again.
 *
 * Frees that may not take a lock (free_pages_nolock()) are put on a
 * lockless list and finished from an irq_work.
 *
 * unmapped_blocks (an xarray with its own lock) maps a 2 MiB region to its
 * block; the free path looks it up under RCU and blocks are freed after a
 * grace period.
 */

#define pr_fmt(fmt) "unmapped_alloc: " fmt

#include <kunit/static_stub.h>
#include <kunit/visibility.h>

#include <linux/completion.h>
#include <linux/cpuhotplug.h>
#include <linux/cpuset.h>
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/irq_work.h>
#include <linux/jump_label.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/llist.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/notifier.h>
#include <linux/page-isolation.h>
#include <linux/page_owner.h>
#include <linux/prandom.h>
#include <linux/rcupdate.h>
#include <linux/sched/clock.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/set_memory.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string_choices.h>
#include <linux/suspend.h>
#include <linux/swap.h>
#include <linux/syscore_ops.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <asm/tlbflush.h>

#include "internal.h"
#include "page_alloc.h"
#include "unmapped_alloc.h"

/* How the cache changed the direct map of a block's 2 MiB region. */
enum unmapped_block_map {
	/* Unmapped as one PMD-sized range: the PMD mapping is kept. */
	UNMAPPED_MAP_BLOCK,
	/* Holds fallback refills: the region is mapped with 4K pages. */
	UNMAPPED_MAP_4K,
};

/**
 * struct unmapped_block - a PMD-sized region the cache holds pages of
 * @link: entry in unmapped_node.blocks, or in unmapped_node.free_blocks
 *	while all its pages are free; node lock.
 * @rcu: frees the block after the free path can no longer look it up.
 * @pfn: first frame of the region; constant.
 * @nid: node of the region; constant.
 * @map: how the direct map was changed; node lock.
 * @nr_owned: pages of the region held by the cache, free or in use; node
 *	lock.
 * @nr_free: owned pages free in the cache; node lock.
 * @fill: the node's list of partly free blocks this block is on (see
 *	block_fill()), or -1; node lock.
 * @fill_link: entry in unmapped_node.partly_free[@fill]; node lock.
 * @owned: which pages of the region the cache holds; node lock (read under
 *	RCU by the free path for pages it does not hold, which never change).
 * @free_head: first page of each free chunk; the chunk's order is in that
 *	page's private field; node lock.
 */
struct unmapped_block {
	struct list_head link;
	struct rcu_head rcu;
	unsigned long pfn;
	int nid;
	enum unmapped_block_map map;
	unsigned int nr_owned;
	unsigned int nr_free;
	int fill;
	struct list_head fill_link;
	DECLARE_BITMAP(owned, UNMAPPED_BLOCK_PAGES);
	DECLARE_BITMAP(free_head, UNMAPPED_BLOCK_PAGES);
};

/*
 * Order-0 pages move between a node's free areas and a CPU's list in
 * batches of this many.
 */
#define UNMAPPED_PCP_BATCH	32

/*
 * Blocks with pages both free and in use are kept on lists by their number
 * of free pages, this many pages a list, so that allocations can take the
 * fullest block's pages first.
 */
#define UNMAPPED_FILL_SHIFT	3
#define UNMAPPED_FILL_LISTS	(UNMAPPED_BLOCK_PAGES >> UNMAPPED_FILL_SHIFT)

/* How many of the fullest blocks, and of their chunks, an allocation tries. */
#define UNMAPPED_FIT_BLOCKS	4
#define UNMAPPED_FIT_CHUNKS	16

/**
 * struct unmapped_pcp - a CPU's free order-0 pages of one node
 * @lock: protects the fields below; taken by the CPU that owns the list on
 *	its allocations and frees, and by any CPU that drains it.
 * @pages: free order-0 pages, zeroed and unmapped, most recently freed
 *	first. They are off the node's free areas and count as taken from
 *	their blocks, which cannot be released while such a page is here.
 * @count: length of @pages.
 */
struct unmapped_pcp {
	spinlock_t lock;		/* see the comment above */
	struct list_head pages;
	unsigned int count;
};

/**
 * struct unmapped_node - the cache of one NUMA node
 * @lock: protects the fields below marked "lock".
 * @free_area: lists of free chunks, by order; lock.
 * @nr_free: number of chunks on each list; lock.
 * @blocks: the blocks of this node with pages in use; lock.
 * @free_blocks: the blocks of this node whose pages are all free, in the
 *	order they became free; lock. Releases take them from here, so that
 *	no pass walks the blocks in use.
 * @nr_blocks: length of @blocks and @free_blocks together; lock.
 * @empty: blocks left without pages (they went to hardware poison), which
 *	the release worker removes; lock.
 * @nr_free_blocks: length of @free_blocks; lock.
 * @partly_free: the blocks with pages both free and in use, by their
 *	number of free pages: list n holds those with 8n+1 to 8n+8; lock.
 * @partly_free_mask: which lists of @partly_free are not empty; lock.
 * @free_pages: free pages in the cache; lock (read locklessly by the
 *	shrinker and statistics).
 * @used_pages: pages of this node handed out and not yet freed, including
 *	pages of the per-page path.
 * @pcp: each CPU's list of free order-0 pages of this node.
 * @lock_count: how often allocations and frees took @lock; lock.
 * @hold_start: when the current hold of @lock began, 0 if it is not timed;
 *	lock.
 * @max_hold_ns: the longest hold of @lock since the benchmark asked for
 *	holds to be timed; lock.
 * @max_hold_ip: where that hold ended; lock.
 * @refill_lock: serialises refills and releases of this node.
 * @release_work: releases free blocks above the reserve.
 * @shrink_work: gives back what reclaim asked the shrinker for.
 * @shrink_target: pages reclaim asked for since @shrink_work last ran.
 * @shrink_requests: requests made of @shrink_work so far.
 * @shrink_done: the last request @shrink_work has finished.
 * @shrink_released: pages @shrink_work has given back so far.
 * @shrink_wait: reclaim waits here for @shrink_work.
 * @nid: the node.
 */
struct unmapped_node {
	spinlock_t lock;		/* see the comment above */
	struct list_head free_area[UNMAPPED_NR_ORDERS];
	unsigned long nr_free[UNMAPPED_NR_ORDERS];
	struct list_head blocks;
	struct list_head free_blocks;
	unsigned long nr_blocks;
	struct list_head empty;
	unsigned long nr_free_blocks;
	struct list_head partly_free[UNMAPPED_FILL_LISTS];
	DECLARE_BITMAP(partly_free_mask, UNMAPPED_FILL_LISTS);
	unsigned long free_pages;
	atomic_long_t used_pages;
	struct unmapped_pcp __percpu *pcp;
	unsigned long lock_count;
	u64 hold_start;
	u64 max_hold_ns;
	unsigned long max_hold_ip;
	struct mutex refill_lock;	/* see the comment above */
	struct work_struct release_work;
	struct work_struct shrink_work;
	atomic_long_t shrink_target;
	atomic_long_t shrink_requests;
	unsigned long shrink_done;
	atomic_long_t shrink_released;
	wait_queue_head_t shrink_wait;
	int nid;
};

static struct unmapped_node *unmapped_nodes[MAX_NUMNODES] __read_mostly;

/*
 * A node's lock is taken with interrupts off, by allocations and frees on
 * any CPU: no hold may grow with the size of the cache. The benchmark
 * measures the longest one (debugfs "bench", mode "hold"); holds are timed
 * only while it runs, so the key costs nothing otherwise.
 */
static DEFINE_STATIC_KEY_FALSE(unmapped_time_holds);

static inline void node_hold_start(struct unmapped_node *un)
{
	if (static_branch_unlikely(&unmapped_time_holds))
		un->hold_start = local_clock();
}

static inline void node_hold_end(struct unmapped_node *un, unsigned long ip)
{
	if (static_branch_unlikely(&unmapped_time_holds) && un->hold_start) {
		u64 held = local_clock() - un->hold_start;

		if (held > un->max_hold_ns) {
			un->max_hold_ns = held;
			un->max_hold_ip = ip;
		}
		un->hold_start = 0;
	}
}

#define node_lock(un)					\
	do {						\
		struct unmapped_node *__un = (un);	\
		spin_lock(&__un->lock);			\
		node_hold_start(__un);			\
	} while (0)
#define node_unlock(un)					\
	do {						\
		struct unmapped_node *__un = (un);	\
		node_hold_end(__un, _THIS_IP_);		\
		spin_unlock(&__un->lock);		\
	} while (0)
#define node_lock_irq(un)				\
	do {						\
		struct unmapped_node *__un = (un);	\
		spin_lock_irq(&__un->lock);		\
		node_hold_start(__un);			\
	} while (0)
#define node_unlock_irq(un)				\
	do {						\
		struct unmapped_node *__un = (un);	\
		node_hold_end(__un, _THIS_IP_);		\
		spin_unlock_irq(&__un->lock);		\
	} while (0)
#define node_lock_irqsave(un, flags)			\
	do {						\
		struct unmapped_node *__un = (un);	\
		spin_lock_irqsave(&__un->lock, flags);	\
		node_hold_start(__un);			\
	} while (0)
#define node_unlock_irqrestore(un, flags)		\
	do {						\
		struct unmapped_node *__un = (un);	\
		node_hold_end(__un, _THIS_IP_);		\
		spin_unlock_irqrestore(&__un->lock, flags); \
	} while (0)

static DEFINE_XARRAY(unmapped_blocks);
/*
 * Set with release semantics once unmapped_nodes[] and the zeroing slots
 * are set up; readers use acquire semantics before they touch either.
 */
static bool unmapped_ready __read_mostly;

/* The runtime switch: off sends requests down the per-page path. */
static DEFINE_STATIC_KEY_TRUE(unmapped_cache_on);
static bool unmapped_cache_param __initdata = true;

/*
 * Runs the work that changes the direct map on the cache's behalf; it can
 * make progress under memory pressure (WQ_MEM_RECLAIM), and reclaim waits
 * for the memory it gives back.
 */
static struct workqueue_struct *unmapped_wq __ro_after_init;

/* Most order-0 pages a CPU keeps on its list for a node; 0: no lists. */
static unsigned int unmapped_pcp_high = 3 * UNMAPPED_PCP_BATCH;

/* Free blocks each node keeps when it gives free blocks back. */
static unsigned int unmapped_reserve_blocks = 1;

/*
 * A node gives free blocks back, down to its reserve, only once it holds
 * more than its reserve plus this many more (at least one, and as many as
 * the reserve): a workload that allocates and frees across a block boundary
 * then neither refills (an unmap and an all-CPU flush) nor releases (a
 * collapse) each time, as the page allocator's per-CPU lists are drained
 * only above their high mark and then by a batch.
 */
static unsigned long unmapped_release_mark(void)
{
	unsigned long reserve = READ_ONCE(unmapped_reserve_blocks);

	return reserve + max(reserve, 1UL);
}
/* Requests fail while a hibernation image is prepared; see below. */
static bool unmapped_hibernating;

/* Pages of the per-page path waiting to be mapped again and freed. */
static DEFINE_SPINLOCK(unmapped_stock_lock);
static LIST_HEAD(unmapped_stock_list);
static void unmapped_stock_workfn(struct work_struct *work);
static DECLARE_WORK(unmapped_stock_work, unmapped_stock_workfn);

/* Pages freed where no lock may be taken, finished from an irq_work. */
static LLIST_HEAD(unmapped_deferred_frees);
static void unmapped_deferred_free_fn(struct irq_work *work);
static DEFINE_IRQ_WORK(unmapped_deferred_free_work, unmapped_deferred_free_fn);

/*
 * A CPU-local page of kernel address space used to zero pages that are
 * not in the direct map. Only the owning CPU uses it, with interrupts off,
 * and it flushes its own TLB entry after each use, like kmap_local_page()
 * on highmem systems: no other CPU ever accesses the address, so no other
 * CPU needs a flush.
 */
struct unmapped_zero_slot {
	unsigned long addr;
	pte_t *ptep;
};

static DEFINE_PER_CPU(struct unmapped_zero_slot, unmapped_zero_slot);

static int __init unmapped_alloc_setup(char *str)
{
	return kstrtobool(str, &unmapped_cache_param) == 0;
}
__setup("unmapped_alloc=", unmapped_alloc_setup);

static inline struct unmapped_block *unmapped_block_lookup(unsigned long pfn)
{
	return xa_load(&unmapped_blocks, pfn >> UNMAPPED_BLOCK_ORDER);
}

static inline unsigned long block_index(struct unmapped_block *block,
					unsigned long pfn)
{
	return pfn - block->pfn;
}

/*
 * The block whose pages include @pfn as one the cache holds, or NULL. A
 * block found this way stays alive while the caller holds that page (in
 * use, or free in the cache).
 */
static struct unmapped_block *unmapped_owner(unsigned long pfn)
{
	struct unmapped_block *block;

	rcu_read_lock();
	block = unmapped_block_lookup(pfn);
	if (block && !test_bit(block_index(block, pfn), block->owned))
		block = NULL;
	rcu_read_unlock();
	return block;
}

static void unmapped_set_flag(struct page *page, unsigned long nr, bool set)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		if (set)
			SetPageUnmapped(page + i);
		else
			ClearPageUnmapped(page + i);
	}
}

static void unmapped_clear_pages(struct page *page, unsigned long nr)
{
	struct unmapped_zero_slot *slot;
	unsigned long flags, i;

	for (i = 0; i < nr; i++) {
		local_irq_save(flags);
		slot = this_cpu_ptr(&unmapped_zero_slot);
		set_pte(slot->ptep, mk_pte(page + i, PAGE_KERNEL));
		clear_page((void *)slot->addr);
		pte_clear(&init_mm, slot->addr, slot->ptep);
		flush_tlb_one_kernel(slot->addr);
		local_irq_restore(flags);
	}
}

static inline bool block_all_free(struct unmapped_block *block)
{
	return block->nr_owned && block->nr_free == block->nr_owned;
}

/*
 * Which of the node's lists of partly free blocks @block belongs on: by its
 * number of free pages, the fullest blocks first; -1 if it has no free page,
 * or no page in use.
 */
static inline int block_fill(struct unmapped_block *block)
{
	if (!block->nr_free || block_all_free(block))
		return -1;
	return (block->nr_free - 1) >> UNMAPPED_FILL_SHIFT;
}

/* Move @block to the list of partly free blocks its counters call for. */
static void refile_block(struct unmapped_node *un, struct unmapped_block *block)
{
	int fill = block_fill(block);

	if (fill == block->fill)
		return;
	if (block->fill >= 0) {
		list_del(&block->fill_link);
		if (list_empty(&un->partly_free[block->fill]))
			__clear_bit(block->fill, un->partly_free_mask);
	}
	block->fill = fill;
	if (fill >= 0) {
		list_add(&block->fill_link, &un->partly_free[fill]);
		__set_bit(fill, un->partly_free_mask);
	}
}

/*
 * Keep the block on the right lists, and nr_free_blocks right, around a
 * change of its counters.
 */
static void account_block(struct unmapped_node *un, struct unmapped_block *block,
			  bool was_free)
{
	bool is_free = block_all_free(block);

	refile_block(un, block);

	if (was_free == is_free)
		return;
	if (is_free) {
		un->nr_free_blocks++;
		list_move_tail(&block->link, &un->free_blocks);
	} else {
		un->nr_free_blocks--;
		list_move_tail(&block->link, &un->blocks);
	}
}

/* Put a chunk on the free lists, merging it with free buddies. */
static void __free_chunk(struct unmapped_node *un, struct unmapped_block *block,
			 unsigned long pfn, unsigned int order)
{
	struct page *page;

	lockdep_assert_held(&un->lock);

	while (order < UNMAPPED_BLOCK_ORDER) {
		unsigned long buddy_pfn = pfn ^ (1UL << order);
		unsigned long idx = block_index(block, buddy_pfn);
		struct page *buddy = pfn_to_page(buddy_pfn);

		if (!test_bit(idx, block->free_head) ||
		    page_private(buddy) != order)
			break;
		__clear_bit(idx, block->free_head);
		list_del(&buddy->lru);
		un->nr_free[order]--;
		set_page_private(buddy, 0);
		pfn &= ~(1UL << order);
		order++;
	}

	page = pfn_to_page(pfn);
	set_page_private(page, order);
	__set_bit(block_index(block, pfn), block->free_head);
	list_add(&page->lru, &un->free_area[order]);
	un->nr_free[order]++;
}

/*
 * The smallest free chunk of at least @order among the first chunks of the
 * fullest blocks that have pages in use, or NULL. Taking from the fullest
 * blocks first fills them up and lets the others empty out and go back
 * whole, instead of spreading the pages in use over many blocks that the
 * shrinker would have to split. It looks at a bounded number of chunks,
 * however many blocks the node has.
 */
static struct page *__fullest_chunk(struct unmapped_node *un, unsigned int order)
{
	unsigned int fill, blocks = 0;

	for_each_set_bit(fill, un->partly_free_mask, UNMAPPED_FILL_LISTS) {
		struct unmapped_block *block;

		list_for_each_entry(block, &un->partly_free[fill], fill_link) {
			unsigned int chunks = 0, cur, best_order = UINT_MAX;
			struct page *best = NULL;
			unsigned long idx;

			for_each_set_bit(idx, block->free_head,
					 UNMAPPED_BLOCK_PAGES) {
				struct page *page = pfn_to_page(block->pfn + idx);

				cur = page_private(page);
				if (cur >= order && cur < best_order) {
					best = page;
					best_order = cur;
					if (cur == order)
						break;
				}
				if (++chunks == UNMAPPED_FIT_CHUNKS)
					break;
			}
			if (best)
				return best;
			if (++blocks == UNMAPPED_FIT_BLOCKS)
				return NULL;
		}
	}
	return NULL;
}

/*
 * Take a free chunk of @order, splitting a larger one if needed: from the
 * fullest blocks in use if they have one, else the first chunk of the
 * smallest order that has one.
 */
static struct page *__take_chunk(struct unmapped_node *un, unsigned int order)
{
	struct unmapped_block *block;
	struct page *page;
	unsigned long pfn;
	unsigned int cur;
	bool was_free;

	lockdep_assert_held(&un->lock);

	page = __fullest_chunk(un, order);
	for (cur = order; !page && cur < UNMAPPED_NR_ORDERS; cur++)
		page = list_first_entry_or_null(&un->free_area[cur],
						struct page, lru);
	if (!page)
		return NULL;

	cur = page_private(page);
	pfn = page_to_pfn(page);
	block = unmapped_block_lookup(pfn);
	list_del(&page->lru);
	un->nr_free[cur]--;
	__clear_bit(block_index(block, pfn), block->free_head);

	/* Give back the upper halves. */
	while (cur > order) {
		struct page *half;

		cur--;
		half = page + (1UL << cur);
		set_page_private(half, cur);
		__set_bit(block_index(block, pfn + (1UL << cur)),
			  block->free_head);
		list_add(&half->lru, &un->free_area[cur]);
		un->nr_free[cur]++;
	}
	set_page_private(page, 0);

	was_free = block_all_free(block);
	block->nr_free -= 1U << order;
	un->free_pages -= 1UL << order;
	account_block(un, block, was_free);
	return page;
}

/* The reverse of __take_chunk(): put a free chunk of @block back. */
static void __put_chunk(struct unmapped_node *un, struct unmapped_block *block,
			unsigned long pfn, unsigned int order)
{
	bool was_free = block_all_free(block);

	lockdep_assert_held(&un->lock);

	block->nr_free += 1U << order;
	un->free_pages += 1UL << order;
	__free_chunk(un, block, pfn, order);
	account_block(un, block, was_free);
}

/* Move up to a batch of order-0 pages from the node's free areas to @pcp. */
static void __pcp_fill(struct unmapped_node *un, struct unmapped_pcp *pcp)
{
	struct page *page;
	int i;

	lockdep_assert_held(&pcp->lock);

	node_lock(un);
	un->lock_count++;
	for (i = 0; i < UNMAPPED_PCP_BATCH; i++) {
		page = __take_chunk(un, 0);
		if (!page)
			break;
		list_add_tail(&page->lru, &pcp->pages);
		pcp->count++;
	}
	node_unlock(un);
}

/*
 * Move the @nr pages of @pcp freed longest ago back to the node's free
 * areas. Returns whether the node now has free blocks to give back.
 */
static bool __pcp_spill(struct unmapped_node *un, struct unmapped_pcp *pcp,
			unsigned int nr)
{
	bool release;

	lockdep_assert_held(&pcp->lock);

	node_lock(un);
	un->lock_count++;
	while (nr-- && pcp->count) {
		struct page *page = list_last_entry(&pcp->pages, struct page, lru);
		unsigned long pfn = page_to_pfn(page);

		list_del(&page->lru);
		pcp->count--;
		/* The block stays: this page was taken from it. */
		__put_chunk(un, unmapped_block_lookup(pfn), pfn, 0);
	}
	release = un->nr_free_blocks > unmapped_release_mark();
	node_unlock(un);
	return release;
}

/*
 * An order-0 page from this CPU's list, filled from the node's free areas
 * when empty. Any CPU's list would do: the lock, not the CPU, protects it,
 * so the task may move to another CPU between picking the list and taking
 * its lock.
 */
static struct page *unmapped_pcp_alloc(struct unmapped_node *un)
{
	struct unmapped_pcp *pcp = raw_cpu_ptr(un->pcp);
	struct page *page;
	unsigned long flags;

	spin_lock_irqsave(&pcp->lock, flags);
	if (!pcp->count && READ_ONCE(un->free_pages))
		__pcp_fill(un, pcp);
	page = list_first_entry_or_null(&pcp->pages, struct page, lru);
	if (page) {
		list_del(&page->lru);
		pcp->count--;
	}
	spin_unlock_irqrestore(&pcp->lock, flags);
	return page;
}

/*
 * Keep a freed order-0 page on this CPU's list; past the list's high mark
 * a batch goes back to the node. Returns false if there are no lists.
 */
static bool unmapped_pcp_free(struct unmapped_node *un, struct page *page)
{
	unsigned int high = READ_ONCE(unmapped_pcp_high);
	struct unmapped_pcp *pcp;
	unsigned long flags;
	bool release = false;

	if (!high)
		return false;
	pcp = raw_cpu_ptr(un->pcp);
	spin_lock_irqsave(&pcp->lock, flags);
	list_add(&page->lru, &pcp->pages);
	pcp->count++;
	if (pcp->count > high)
		release = __pcp_spill(un, pcp, UNMAPPED_PCP_BATCH);
	spin_unlock_irqrestore(&pcp->lock, flags);
	if (release)
		queue_work(unmapped_wq, &un->release_work);
	return true;
}

/* Move @cpu's pages of @un back to the node's free areas. */
static void unmapped_pcp_drain_cpu(struct unmapped_node *un, int cpu)
{
	struct unmapped_pcp *pcp = per_cpu_ptr(un->pcp, cpu);
	unsigned long flags;
	bool release = false;

	spin_lock_irqsave(&pcp->lock, flags);
	if (pcp->count)
		release = __pcp_spill(un, pcp, pcp->count);
	spin_unlock_irqrestore(&pcp->lock, flags);
	if (release)
		queue_work(unmapped_wq, &un->release_work);
}

/*
 * Move every CPU's pages of @un back to the node's free areas, for those
 * that need to see every free page there: releases that must not miss a
 * block, memory offline, hardware poison, hibernation.
 */
static void unmapped_pcp_drain(struct unmapped_node *un)
{
	int cpu;

	for_each_possible_cpu(cpu)
		unmapped_pcp_drain_cpu(un, cpu);
}

static struct page *unmapped_take(struct unmapped_node *un, unsigned int order)
{
	struct page *page;
	unsigned long flags;

	if (!order && READ_ONCE(unmapped_pcp_high)) {
		page = unmapped_pcp_alloc(un);
		if (!page)
			return NULL;
		mod_node_page_state(NODE_DATA(un->nid), NR_UNMAPPED_FREE, -1);
		/*
		 * memory_failure() drains the lists before it looks for a
		 * free page (unmapped_take_poisoned()); a page it missed,
		 * moved to a list meanwhile, is never handed out, and its
		 * block stays in the cache.
		 */
		if (unlikely(PageHWPoison(page))) {
			pr_warn_once("page %#lx with hardware poison kept out of use\n",
				     page_to_pfn(page));
			return NULL;
		}
		return page;
	}

	if (!READ_ONCE(un->free_pages))
		return NULL;

	node_lock_irqsave(un, flags);
	un->lock_count++;
	page = __take_chunk(un, order);
	node_unlock_irqrestore(un, flags);
	if (page)
		mod_node_page_state(NODE_DATA(un->nid), NR_UNMAPPED_FREE,
				    -(1L << order));
	return page;
}

/*
 * May the request use the memory of @zone's node? The zonelist walk applies
 * the request's node mask (for a task without one, its cpuset's nodes, see
 * prepare_alloc_pages()); ALLOC_CPUSET asks for the cpuset check per zone,
 * as get_page_from_freelist() makes it on its first attempt.
 */
static bool unmapped_zone_allowed(struct zone *zone, gfp_t gfp,
				  unsigned int alloc_flags)
{
	if (!unmapped_nodes[zone_to_nid(zone)])
		return false;
	return !(alloc_flags & ALLOC_CPUSET) ||
	       cpuset_zone_allowed(zone, gfp | __GFP_HARDWALL);
}

/*
 * Take a chunk from the caches of the nodes the request may use, nearest
 * first: the nodes of its zonelist in the order the page allocator walks
 * them (only the preferred node for __GFP_THISNODE).
 */
static struct page *unmapped_take_any(gfp_t gfp, unsigned int order,
				      const struct alloc_context *ac,
				      unsigned int alloc_flags)
{
	int nid, last = NUMA_NO_NODE;
	struct page *page;
	struct zoneref *z;
	struct zone *zone;

	for_each_zone_zonelist_nodemask(zone, z, ac->zonelist,
					ac->highest_zoneidx, ac->nodemask) {
		nid = zone_to_nid(zone);
		if (nid == last || !unmapped_zone_allowed(zone, gfp, alloc_flags))
			continue;
		last = nid;
		page = unmapped_take(unmapped_nodes[nid], order);
		if (page)
			return page;
	}
	return NULL;
}

/* The nearest node the request may use, or NUMA_NO_NODE. */
static int unmapped_nearest_node(gfp_t gfp, const struct alloc_context *ac,
				 unsigned int alloc_flags)
{
	struct zoneref *z;
	struct zone *zone;

	for_each_zone_zonelist_nodemask(zone, z, ac->zonelist,
					ac->highest_zoneidx, ac->nodemask)
		if (unmapped_zone_allowed(zone, gfp, alloc_flags))
			return zone_to_nid(zone);
	return NUMA_NO_NODE;
}

/* A test can stand in for it to look at the pages as they are mapped again. */
VISIBLE_IF_KUNIT void unmapped_restore_map(struct page *page, unsigned long nr)
{
	KUNIT_STATIC_STUB_REDIRECT(unmapped_restore_map, page, nr);
	/* Making entries present never allocates: this cannot fail. */
	WARN_ON_ONCE(set_direct_map_valid_noflush(page, nr, true));
}

/*
 * Undo a failed or abandoned unmap of @nr pages: map them again and merge
 * their region back if CPA split it on the way (a split that succeeded
 * before a later step failed).
 */
static void unmapped_undo_unmap(struct page *page, unsigned long nr)
{
	unsigned long addr = (unsigned long)page_address(page);

	unmapped_restore_map(page, nr);
	flush_tlb_kernel_range(addr, addr + (nr << PAGE_SHIFT));
	set_direct_map_collapse(ALIGN_DOWN(addr, PMD_SIZE), PTRS_PER_PTE);
	unmapped_set_flag(page, nr, false);
}

/*
 * unmapped_adopt(), and if @taken is not NULL, a free chunk of @want taken
 * for the caller in the same hold of the node's lock that adds the pages,
 * so that no other CPU can take them first; *@taken is NULL if there is
 * none (the refill failed) and must be NULL on entry.
 */
static int __unmapped_adopt(struct page *page, unsigned int order, bool split,
			    unsigned int want, struct page **taken)
{
	unsigned long pfn = page_to_pfn(page), nr = 1UL << order;
	unsigned long addr = (unsigned long)page_address(page);
	struct unmapped_node *un = unmapped_nodes[page_to_nid(page)];
	unsigned long index = pfn >> UNMAPPED_BLOCK_ORDER;
	struct unmapped_block *block, *new = NULL;
	bool was_free, created = false;
	unsigned long flags;
	int err;

	might_sleep();
	new = kzalloc_node(sizeof(*new), GFP_KERNEL, un->nid);
	if (!new) {
		err = -ENOMEM;
		goto free_pages;
	}
	INIT_LIST_HEAD(&new->link);
	INIT_LIST_HEAD(&new->fill_link);
	new->fill = -1;

	unmapped_set_flag(page, nr, true);
	err = set_direct_map_valid_noflush(page, split ? 1 : nr, false);
	if (!err && split)
		err = set_direct_map_valid_noflush(page + 1, nr - 1, false);
	if (err) {
		unmapped_undo_unmap(page, nr);
		goto free_block;
	}
	flush_tlb_kernel_range(addr, addr + (nr << PAGE_SHIFT));

	mutex_lock(&un->refill_lock);
	/*
	 * Memory offline or a contiguous allocation isolated the range after
	 * the page allocator handed the pages out: they must go back to it,
	 * which waits for them (see unmapped_alloc_isolated()).
	 */
	if (is_migrate_isolate_page(page)) {
		mutex_unlock(&un->refill_lock);
		unmapped_undo_unmap(page, nr);
		err = -EBUSY;
		goto free_block;
	}
	block = xa_load(&unmapped_blocks, index);
	if (!block) {
		new->pfn = ALIGN_DOWN(pfn, UNMAPPED_BLOCK_PAGES);
		new->nid = un->nid;
		new->map = (order == UNMAPPED_BLOCK_ORDER && !split) ?
			   UNMAPPED_MAP_BLOCK : UNMAPPED_MAP_4K;
		err = xa_err(xa_store(&unmapped_blocks, index, new, GFP_KERNEL));
		if (err) {
			mutex_unlock(&un->refill_lock);
			unmapped_undo_unmap(page, nr);
			goto free_block;
		}
		block = new;
		new = NULL;
		created = true;
	}

	unmapped_page_adopted(page, order);
	set_page_count(page, 0);
	node_lock_irqsave(un, flags);
	/* A new block, or one that lost all its pages to hardware poison. */
	if (!block->nr_owned) {
		list_move_tail(&block->link, &un->blocks);
		un->nr_blocks++;
	}
	if (order < UNMAPPED_BLOCK_ORDER || split)
		block->map = UNMAPPED_MAP_4K;
	was_free = block_all_free(block);
	bitmap_set(block->owned, block_index(block, pfn), nr);
	block->nr_owned += nr;
	block->nr_free += nr;
	un->free_pages += nr;
	__free_chunk(un, block, pfn, order);
	account_block(un, block, was_free);
	if (taken)
		*taken = __take_chunk(un, want);
	node_unlock_irqrestore(un, flags);
	mutex_unlock(&un->refill_lock);

	if (taken && *taken)
		nr -= 1UL << want;
	mod_node_page_state(NODE_DATA(un->nid), NR_UNMAPPED_FREE, nr);
	/*
	 * Count blocks, not adoptions, so that refills minus releases is the
	 * number of blocks held: pages added to a block already held are not
	 * a refill.
	 */
	if (created)
		count_vm_event(order == UNMAPPED_BLOCK_ORDER ? UNMAPPED_REFILL :
			       UNMAPPED_REFILL_FALLBACK);
	kfree(new);
	return 0;

free_block:
	kfree(new);
free_pages:
	__free_pages(page, order);
	return err;
}

/**
 * unmapped_adopt - make zeroed pages part of the cache
 * @page: first page, from the page allocator, zeroed, refcount 1
 * @order: order of the allocation
 * @split: unmap the first page on its own, so that a PMD mapping of the
 *	region is split (tests use this to exercise the 4K path on a PMD-sized
 *	block)
 *
 * Removes the pages from the direct map with one change and one TLB flush
 * and puts them on the free lists of their node. If they start a new
 * block, that counts as a refill (a whole block) or a fallback refill (a
 * smaller one).
 *
 * Context: Process context; takes the node's refill_lock.
 * Return: 0, or a negative errno with the pages freed again.
 */
int unmapped_adopt(struct page *page, unsigned int order, bool split)
{
	return __unmapped_adopt(page, order, split, 0, NULL);
}

/*
 * Refill the cache for a request of @order, preferring @nid, within the
 * request's @nodemask (and its cpuset, which the page allocator applies
 * itself). A PMD-sized block is tried first, without reclaim pressure
 * beyond one light attempt and without touching the atomic reserves. If
 * there is none, the request's own order is allocated with the caller's
 * flags, so the allocator's reclaim, compaction and failure reporting apply
 * as for the same request without __GFP_UNMAPPED. On success *@taken is a
 * free chunk of @order taken for the caller as the pages were added.
 */
static int unmapped_refill(gfp_t gfp, unsigned int order, int nid,
			   nodemask_t *nodemask, struct page **taken)
{
	gfp_t base = (gfp & GFP_RECLAIM_MASK) | (gfp & __GFP_THISNODE) |
		     __GFP_ZERO;
	gfp_t block_gfp = (base & ~(__GFP_HIGH | __GFP_MEMALLOC | __GFP_NOFAIL |
				    __GFP_RETRY_MAYFAIL)) |
			  __GFP_NOMEMALLOC | __GFP_NORETRY | __GFP_NOWARN;
	struct page *page;

	page = __alloc_pages(block_gfp, UNMAPPED_BLOCK_ORDER, nid, nodemask,
			     ALLOC_DEFAULT);
	if (page)
		return __unmapped_adopt(page, UNMAPPED_BLOCK_ORDER, false, order,
					taken);

	page = __alloc_pages(base, order, nid, nodemask, ALLOC_DEFAULT);
	if (!page)
		return -ENOMEM;
	return __unmapped_adopt(page, order, false, order, taken);
}

/*
 * The per-page path, used when the cache is switched off: allocate, take
 * the pages out of the direct map, flush.
 */
static struct page *unmapped_alloc_stock(gfp_t gfp, unsigned int order,
					 int nid, nodemask_t *nodemask,
					 unsigned int alloc_flags)
{
	unsigned long nr = 1UL << order, addr;
	struct page *page;

	if (!gfpflags_allow_blocking(gfp))
		return NULL;

	for (;;) {
		/* Frozen, as the page allocator returns them; charged to the caller. */
		page = __alloc_frozen_pages_noprof(gfp & ~(__GFP_UNMAPPED | __GFP_ACCOUNT),
						   order, nid, nodemask,
						   alloc_flags & ~ALLOC_CPUSET);
		if (!page)
			return NULL;

		unmapped_set_flag(page, nr, true);
		if (!set_direct_map_valid_noflush(page, nr, false))
			break;
		unmapped_undo_unmap(page, nr);
		free_frozen_pages(page, order);
		if (!(gfp & __GFP_NOFAIL))
			return NULL;
		/* No page table for the split: wait for reclaim to make one. */
		memalloc_retry_wait(gfp);
	}
	addr = (unsigned long)page_address(page);
	flush_tlb_kernel_range(addr, addr + (nr << PAGE_SHIFT));
	return page;
}

static void unmapped_stock_workfn(struct work_struct *work)
{
	struct page *page, *next;
	unsigned long flags;
	LIST_HEAD(pages);

	spin_lock_irqsave(&unmapped_stock_lock, flags);
	list_splice_init(&unmapped_stock_list, &pages);
	spin_unlock_irqrestore(&unmapped_stock_lock, flags);

	list_for_each_entry_safe(page, next, &pages, lru) {
		unsigned int order = page_private(page);
		unsigned long nr = 1UL << order;
		unsigned long addr = (unsigned long)page_address(page);

		list_del(&page->lru);
		set_page_private(page, 0);
		/*
		 * Clear the secret while the page is still out of the direct
		 * map, through this CPU's zeroing slot: once it is mapped
		 * again, any CPU can read it.
		 */
		unmapped_clear_pages(page, nr);
		unmapped_restore_map(page, nr);
		unmapped_set_flag(page, nr, false);
		unmapped_page_released(page, order);
		free_frozen_pages(page, order);
		/* The stock path split the region: merge it if it is whole. */
		set_direct_map_collapse(ALIGN_DOWN(addr, PMD_SIZE), PTRS_PER_PTE);
		cond_resched();
	}
}

/* Validate a request; warns once per kind of misuse. */
int unmapped_alloc_check(gfp_t gfp, unsigned int order, bool ready)
{
	if (gfp & (__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM)) {
		pr_warn_once("%s[%d]: __GFP_UNMAPPED with a zone modifier (%pGg): refused\n",
			     current->comm, task_pid_nr(current), &gfp);
		return -EINVAL;
	}
	if (gfp & __GFP_MOVABLE) {
		pr_warn_once("%s[%d]: __GFP_UNMAPPED pages cannot be movable (%pGg): refused\n",
			     current->comm, task_pid_nr(current), &gfp);
		return -EINVAL;
	}
	if (order > UNMAPPED_MAX_ORDER) {
		pr_warn_once("%s[%d]: __GFP_UNMAPPED request of order %u, above %u: refused\n",
			     current->comm, task_pid_nr(current), order,
			     UNMAPPED_MAX_ORDER);
		return -E2BIG;
	}
	if (!ready) {
		pr_warn_once("%s[%d]: __GFP_UNMAPPED request before the cache is initialised, or with a direct map that cannot change: refused\n",
			     current->comm, task_pid_nr(current));
		return -EAGAIN;
	}
	return 0;
}

#if IS_ENABLED(CONFIG_UNMAPPED_ALLOC_KUNIT_TEST)
void (*unmapped_refill_hook)(int nid);
#endif

/* For KUnit: where another CPU could take the pages a refill added. */
static inline void unmapped_after_refill(int nid)
{
#if IS_ENABLED(CONFIG_UNMAPPED_ALLOC_KUNIT_TEST)
	void (*hook)(int nid) = READ_ONCE(unmapped_refill_hook);

	if (hook)
		hook(nid);
#endif
}

/**
 * unmapped_alloc_pages - allocate pages that are not in the direct map
 * @gfp: GFP flags of the request, including __GFP_UNMAPPED
 * @order: order of the request, at most PMD order
 * @nodemask: allowed nodes as the caller passed them, or NULL
 * @ac: the request's allocation context, as prepare_alloc_pages() made it
 * @alloc_flags: ALLOC_* flags of the request; ALLOC_CPUSET asks for the
 *	cpuset check of each node
 *
 * Called by __alloc_frozen_pages_noprof() for __GFP_UNMAPPED requests.
 * Pages come from the nearest node the request may use, as for any other
 * allocation: its zonelist order, within its node mask and cpuset.
 * Requests that may not block are served only from pages the cache already
 * holds. __GFP_NOFAIL is honoured for requests that may block: refills and
 * direct-map changes that fail are retried until one succeeds.
 *
 * Return: the first page, frozen (reference count zero) and, for
 * __GFP_COMP, a compound page; NULL on failure or for a refused request.
 */
struct page *unmapped_alloc_pages(gfp_t gfp, unsigned int order,
				  nodemask_t *nodemask,
				  const struct alloc_context *ac,
				  unsigned int alloc_flags)
{
	struct page *page = NULL;
	int attempt, err, nid;

	might_alloc(gfp);
	/* Pairs with the release in unmapped_alloc_init(). */
	if (unmapped_alloc_check(gfp, order, smp_load_acquire(&unmapped_ready)))
		return NULL;
	if (unlikely(READ_ONCE(unmapped_hibernating))) {
		pr_warn_once("%s[%d]: __GFP_UNMAPPED request while a hibernation image is made: failed\n",
			     current->comm, task_pid_nr(current));
		goto fail;
	}
	nid = unmapped_nearest_node(gfp, ac, alloc_flags);
	if (nid == NUMA_NO_NODE)
		goto fail;

	if (!static_branch_likely(&unmapped_cache_on)) {
		page = unmapped_alloc_stock(gfp, order, nid, nodemask,
					    alloc_flags);
		if (page)
			goto out;
		goto fail;
	}

	/*
	 * A refill hands the request its chunk as it adds the pages, before
	 * another CPU can take them. It is tried again if its pages were in a
	 * range being isolated (-EBUSY), or for __GFP_NOFAIL until it works:
	 * at most three refills otherwise.
	 */
	for (attempt = 0; ; attempt++) {
		page = unmapped_take_any(gfp, order, ac, alloc_flags);
		if (page)
			break;
		if (!gfpflags_allow_blocking(gfp)) {
			if (gfp & __GFP_NOFAIL)
				pr_warn_once("%s[%d]: __GFP_NOFAIL without direct reclaim and an empty cache: failed\n",
					     current->comm, task_pid_nr(current));
			goto fail;
		}
		if (attempt == 3 && !(gfp & __GFP_NOFAIL))
			goto fail;
		err = unmapped_refill(gfp, order, nid, nodemask, &page);
		unmapped_after_refill(nid);
		if (page)
			break;
		/* -EBUSY: the pages were in a range being isolated; try again. */
		if (err && err != -EBUSY) {
			if (!(gfp & __GFP_NOFAIL))
				goto fail;
			memalloc_retry_wait(gfp);
		}
	}

	prep_unmapped_page(page, order, gfp, alloc_flags);
	if (IS_ENABLED(CONFIG_DEBUG_VM)) {
		unsigned long i;

		/* Pages keep PG_unmapped for as long as the cache holds them. */
		for (i = 0; i < (1UL << order); i++)
			VM_WARN_ON_ONCE_PAGE(!PageUnmapped(page + i) ||
					     kernel_page_present(page + i),
					     page + i);
	}
out:
	atomic_long_add(1L << order, &unmapped_nodes[page_to_nid(page)]->used_pages);
	mod_node_page_state(page_pgdat(page), NR_UNMAPPED_USED, 1L << order);
	return page;
fail:
	count_vm_event(UNMAPPED_ALLOC_FAIL);
	return NULL;
}

/**
 * unmapped_free_pages - take back pages freed with PG_unmapped set
 * @page: first page
 * @order: order of the freed range
 * @nolock: the caller may not take locks (free_pages_nolock())
 *
 * Called by __free_pages_prepare() from any context. Pages of the cache are
 * zeroed and merged into its free lists; pages of the per-page path are
 * mapped again and freed by a worker. A free that may not take a lock is
 * finished later from an irq_work.
 */
void unmapped_free_pages(struct page *page, unsigned int order, bool nolock)
{
	unsigned long pfn = page_to_pfn(page), nr = 1UL << order, flags;
	struct unmapped_node *un = unmapped_nodes[page_to_nid(page)];
	struct unmapped_block *block;
	bool release;

	if (unlikely(nolock)) {
		set_page_private(page, order);
		llist_add(&page->pcp_llist, &unmapped_deferred_frees);
		irq_work_queue(&unmapped_deferred_free_work);
		return;
	}

	atomic_long_sub(nr, &un->used_pages);
	mod_node_page_state(page_pgdat(page), NR_UNMAPPED_USED, -(long)nr);

	block = unmapped_owner(pfn);
	if (!block) {
		set_page_private(page, order);
		spin_lock_irqsave(&unmapped_stock_lock, flags);
		list_add_tail(&page->lru, &unmapped_stock_list);
		spin_unlock_irqrestore(&unmapped_stock_lock, flags);
		queue_work(unmapped_wq, &unmapped_stock_work);
		return;
	}

	/* The block cannot go away: the pages being freed are in use. */
	unmapped_clear_pages(page, nr);
	mod_node_page_state(page_pgdat(page), NR_UNMAPPED_FREE, nr);
	if (!order && unmapped_pcp_free(un, page))
		return;

	node_lock_irqsave(un, flags);
	un->lock_count++;
	__put_chunk(un, block, pfn, order);
	release = un->nr_free_blocks > unmapped_release_mark();
	node_unlock_irqrestore(un, flags);

	if (release)
		queue_work(unmapped_wq, &un->release_work);
}

static void unmapped_deferred_free_fn(struct irq_work *work)
{
	struct llist_node *list = llist_del_all(&unmapped_deferred_frees);
	struct page *page, *next;

	llist_for_each_entry_safe(page, next, list, pcp_llist)
		unmapped_free_pages(page, page_private(page), false);
}

/* Give back one chunk of a block: map it again and free it. */
static void unmapped_free_chunk_to_buddy(struct page *page, unsigned int order)
{
	unsigned long nr = 1UL << order;

	set_page_private(page, 0);
	unmapped_set_flag(page, nr, false);
	unmapped_page_released(page, order);
	free_frozen_pages(page, order);
}

/*
 * Release a block whose pages are all free and off the free lists: map
 * the pages again (they are zero, see unmapped_clear_pages()), collapse the
 * region, and give the pages back to the page allocator. Returns false,
 * with nothing changed, when mapping them needs a page table and there is
 * none; the caller puts the block back (__attach_block()).
 */
static bool unmapped_release_block(struct unmapped_node *un,
				   struct unmapped_block *block)
{
	unsigned long idx, nr = block->nr_owned;
	bool first = true;

	lockdep_assert_held(&un->refill_lock);

	/*
	 * A block that lost pages to hardware poison, or whose partial
	 * release found no page table, may still be mapped by its PMD while
	 * its free pages are several chunks: mapping the first splits the
	 * PMD, which can fail, and then nothing has changed. The others only
	 * change entries of that page table.
	 */
	for_each_set_bit(idx, block->free_head, UNMAPPED_BLOCK_PAGES) {
		struct page *page = pfn_to_page(block->pfn + idx);
		unsigned long chunk = 1UL << page_private(page);

		if (first && chunk < UNMAPPED_BLOCK_PAGES &&
		    set_direct_map_valid_noflush(page, chunk, true))
			return false;
		if (!first || chunk == UNMAPPED_BLOCK_PAGES)
			unmapped_restore_map(page, chunk);
		first = false;
	}
	set_direct_map_collapse((unsigned long)pfn_to_kaddr(block->pfn),
				UNMAPPED_BLOCK_PAGES);

	xa_erase(&unmapped_blocks, block->pfn >> UNMAPPED_BLOCK_ORDER);
	for_each_set_bit(idx, block->free_head, UNMAPPED_BLOCK_PAGES) {
		struct page *page = pfn_to_page(block->pfn + idx);
		unsigned int order = page_private(page);

		VM_WARN_ON_ONCE_PAGE(!kernel_page_present(page), page);
		unmapped_free_chunk_to_buddy(page, order);
	}
	mod_node_page_state(NODE_DATA(un->nid), NR_UNMAPPED_FREE, -(long)nr);
	count_vm_event(UNMAPPED_BLOCK_RELEASE);
	kfree_rcu(block, rcu);
	return true;
}

/* Put a detached block back: the reverse of __detach_block(). */
static void __attach_block(struct unmapped_node *un,
			   struct unmapped_block *block)
{
	unsigned long idx;

	lockdep_assert_held(&un->lock);

	for_each_set_bit(idx, block->free_head, UNMAPPED_BLOCK_PAGES) {
		struct page *page = pfn_to_page(block->pfn + idx);

		list_add(&page->lru, &un->free_area[page_private(page)]);
		un->nr_free[page_private(page)]++;
	}
	un->free_pages += block->nr_owned;
	un->nr_free_blocks++;
	un->nr_blocks++;
	list_add_tail(&block->link, &un->free_blocks);
}

/* Detach a block whose pages are all free from the free lists. */
static void __detach_block(struct unmapped_node *un,
			   struct unmapped_block *block)
{
	unsigned long idx;

	lockdep_assert_held(&un->lock);

	for_each_set_bit(idx, block->free_head, UNMAPPED_BLOCK_PAGES) {
		struct page *page = pfn_to_page(block->pfn + idx);

		list_del(&page->lru);
		un->nr_free[page_private(page)]--;
	}
	un->free_pages -= block->nr_owned;
	un->nr_free_blocks--;
	un->nr_blocks--;
	list_del_init(&block->link);
}

/* Take a free chunk of a block that keeps pages in use off the lists. */
static void __detach_chunk(struct unmapped_node *un, struct unmapped_block *block,
			   struct page *page, unsigned int order)
{
	unsigned long idx = block_index(block, page_to_pfn(page));

	lockdep_assert_held(&un->lock);

	list_del(&page->lru);
	un->nr_free[order]--;
	__clear_bit(idx, block->free_head);
	bitmap_clear(block->owned, idx, 1U << order);
	block->nr_owned -= 1U << order;
	block->nr_free -= 1U << order;
	block->map = UNMAPPED_MAP_4K;
	un->free_pages -= 1UL << order;
	refile_block(un, block);
}

/* Hold a detached chunk again, free: the reverse of __detach_chunk(). */
static void __attach_chunk(struct unmapped_node *un,
			   struct unmapped_block *block, unsigned long pfn,
			   unsigned int order)
{
	lockdep_assert_held(&un->lock);

	bitmap_set(block->owned, block_index(block, pfn), 1U << order);
	block->nr_owned += 1U << order;
	block->nr_free += 1U << order;
	un->free_pages += 1UL << order;
	__free_chunk(un, block, pfn, order);
	refile_block(un, block);
}

/*
 * Stop holding a page of @block that is neither free nor handed out any
 * more: a page with hardware poison. Its mapping may be split by
 * set_mce_nospec(), and the cache must never map it again. A block left
 * without pages goes to the node's empty list, for the release worker.
 * @was_free: whether the block's pages were all free before the caller
 * changed it. Returns whether the release worker has work: the node now
 * holds more free blocks than its mark, or an empty block.
 */
static bool __disown_page(struct unmapped_node *un,
			  struct unmapped_block *block, unsigned long pfn,
			  bool was_free)
{
	lockdep_assert_held(&un->lock);

	__clear_bit(block_index(block, pfn), block->owned);
	block->nr_owned--;
	block->map = UNMAPPED_MAP_4K;
	account_block(un, block, was_free);
	if (!block->nr_owned) {
		list_move_tail(&block->link, &un->empty);
		un->nr_blocks--;
		return true;
	}
	return un->nr_free_blocks > unmapped_release_mark();
}

/**
 * unmapped_take_poisoned - take a poisoned page off the cache's free lists
 * @page: a page memory_failure() has just marked with PG_hwpoison
 *
 * Called by memory_failure() before it looks at the page, in the way
 * take_page_off_buddy() takes a free page off the buddy. If the cache holds
 * @page free, it takes it out: the rest of its free chunk stays in the
 * cache, @page is never handed out, nor mapped again when its block goes
 * back, and it gets a reference, like a page taken off the buddy. It
 * counts as a page in use and keeps PG_unmapped, so that unpoison_memory()
 * frees it through the cache, which maps it again.
 *
 * Return: true if @page was a free page of the cache and is now taken out.
 */
bool unmapped_take_poisoned(struct page *page)
{
	unsigned long pfn = page_to_pfn(page), flags, head;
	struct unmapped_node *un = unmapped_nodes[page_to_nid(page)];
	struct unmapped_block *block;
	unsigned int order, cur;
	bool release, was_free;
	struct page *chunk;

	if (!un || !PageUnmapped(page))
		return false;

	/* A free order-0 page may be on a CPU's list. */
	unmapped_pcp_drain(un);
	node_lock_irqsave(un, flags);
	block = unmapped_block_lookup(pfn);
	for (order = 0; block && order <= UNMAPPED_BLOCK_ORDER; order++) {
		head = ALIGN_DOWN(pfn, 1UL << order);
		chunk = pfn_to_page(head);
		if (test_bit(block_index(block, head), block->free_head) &&
		    page_private(chunk) >= order)
			break;
	}
	if (!block || order > UNMAPPED_BLOCK_ORDER) {
		node_unlock_irqrestore(un, flags);
		return false;
	}

	/* Take the whole chunk, give back all of it but @page. */
	was_free = block_all_free(block);
	cur = page_private(chunk);
	__detach_chunk(un, block, chunk, cur);
	while (cur--) {
		unsigned long upper = head + (1UL << cur);

		if (pfn < upper) {
			__attach_chunk(un, block, upper, cur);
		} else {
			__attach_chunk(un, block, head, cur);
			head = upper;
		}
	}
	/* __detach_chunk() counted @page as no longer free: now not held. */
	__set_bit(block_index(block, pfn), block->owned);
	block->nr_owned++;
	release = __disown_page(un, block, pfn, was_free);
	node_unlock_irqrestore(un, flags);

	set_page_private(page, 0);
	/* memory_failure() owns it now; unpoison_memory() frees it. */
	unmapped_page_released(page, 0);
	set_page_count(page, 1);
	atomic_long_inc(&un->used_pages);
	mod_node_page_state(page_pgdat(page), NR_UNMAPPED_USED, 1);
	mod_node_page_state(page_pgdat(page), NR_UNMAPPED_FREE, -1);
	if (release)
		queue_work(unmapped_wq, &un->release_work);
	return true;
}

/**
 * unmapped_poisoned_freed - forget a poisoned page freed by its user
 * @page: a page with PG_unmapped and PG_hwpoison, freed
 *
 * Called by __free_pages_prepare(), which keeps poisoned pages out of the
 * page allocator for good. The cache stops holding @page, so that its block
 * can go back without it, and never maps it again.
 */
void unmapped_poisoned_freed(struct page *page)
{
	unsigned long pfn = page_to_pfn(page), flags;
	struct unmapped_node *un = unmapped_nodes[page_to_nid(page)];
	struct unmapped_block *block;
	bool release = false;

	atomic_long_dec(&un->used_pages);
	mod_node_page_state(page_pgdat(page), NR_UNMAPPED_USED, -1);

	node_lock_irqsave(un, flags);
	block = unmapped_block_lookup(pfn);
	if (block && test_bit(block_index(block, pfn), block->owned))
		release = __disown_page(un, block, pfn,
					block_all_free(block));
	node_unlock_irqrestore(un, flags);
	if (release)
		queue_work(unmapped_wq, &un->release_work);
}

/*
 * Map a detached chunk again and free it to the page allocator. Mapping
 * part of a block splits its PMD mapping (once: the block is then a 4K
 * block); the region is collapsed when the rest of the block is released.
 * Returns false, with the chunk back in the cache, when the split found no
 * memory for a page table.
 */
static bool unmapped_release_chunk(struct unmapped_node *un,
				   struct unmapped_block *block,
				   struct page *page, unsigned int order)
{
	unsigned long flags;

	if (set_direct_map_valid_noflush(page, 1U << order, true)) {
		node_lock_irqsave(un, flags);
		__attach_chunk(un, block, page_to_pfn(page), order);
		node_unlock_irqrestore(un, flags);
		return false;
	}
	mod_node_page_state(NODE_DATA(un->nid), NR_UNMAPPED_FREE,
			    -(1L << order));
	unmapped_free_chunk_to_buddy(page, order);
	return true;
}

/*
 * Give free chunks of blocks that are partly in use back to the page
 * allocator. Used only under memory pressure.
 */
static unsigned long unmapped_release_partial(struct unmapped_node *un,
					      unsigned long nr_to_scan)
{
	unsigned long released = 0, flags;

	lockdep_assert_held(&un->refill_lock);
	/* Splits allocate page tables: never from reclaim. */
	VM_WARN_ON_ONCE(current->flags & PF_MEMALLOC);

	while (released < nr_to_scan) {
		struct unmapped_block *block;
		struct page *page = NULL;
		unsigned int order = 0;
		int cur;

		node_lock_irqsave(un, flags);
		/*
		 * Whole free blocks are left to unmapped_release_blocks(),
		 * which has just given back all it could: a chunk of PMD
		 * order is one, and chunks of others are skipped here (there
		 * are none unless mapping one again failed).
		 */
		for (cur = UNMAPPED_BLOCK_ORDER - 1; cur >= 0 && !page; cur--) {
			struct page *chunk;

			list_for_each_entry(chunk, &un->free_area[cur], lru) {
				block = unmapped_block_lookup(page_to_pfn(chunk));
				if (!block_all_free(block)) {
					page = chunk;
					order = cur;
					break;
				}
			}
		}
		if (!page) {
			node_unlock_irqrestore(un, flags);
			break;
		}
		__detach_chunk(un, block, page, order);
		node_unlock_irqrestore(un, flags);

		/* No memory to split the mapping: keep the chunk. */
		if (!unmapped_release_chunk(un, block, page, order))
			break;
		count_vm_event(UNMAPPED_PARTIAL_RELEASE);
		released += 1UL << order;
	}
	return released;
}

/*
 * Give back whole free blocks of a node, those free longest first: keep
 * @keep free blocks, stop after about @nr_to_scan pages. Takes one block
 * at a time off the free list, so the node's lock is held for one block
 * however many the node has. Returns the pages given back.
 */
static unsigned long unmapped_release_blocks(struct unmapped_node *un,
					     unsigned long keep,
					     unsigned long nr_to_scan)
{
	unsigned long released = 0, nr;
	struct unmapped_block *block;

	lockdep_assert_held(&un->refill_lock);
	/* Collapse takes init_mm's mmap lock and flushes: never from reclaim. */
	VM_WARN_ON_ONCE(current->flags & PF_MEMALLOC);

	while (released < nr_to_scan) {
		node_lock_irq(un);
		block = NULL;
		if (un->nr_free_blocks > keep) {
			block = list_first_entry(&un->free_blocks,
						 struct unmapped_block, link);
			__detach_block(un, block);
		}
		node_unlock_irq(un);
		if (!block)
			break;
		/* Released, the block is freed after a grace period. */
		nr = block->nr_owned;
		if (!unmapped_release_block(un, block)) {
			/* No page table to map it: keep it for now. */
			node_lock_irq(un);
			__attach_block(un, block);
			node_unlock_irq(un);
			break;
		}
		released += nr;
		cond_resched();
	}
	return released;
}

/**
 * unmapped_release - give free memory of a node back to the page allocator
 * @un: the node's cache
 * @keep: number of whole free blocks to keep
 * @nr_to_scan: stop after about this many pages
 * @partial: also release free chunks of blocks that are partly in use
 *
 * Whole free blocks go first; they are collapsed to a large mapping.
 *
 * Context: Process context; takes the node's refill_lock.
 * Return: the number of pages given back.
 */
static unsigned long unmapped_release(struct unmapped_node *un,
				      unsigned long keep,
				      unsigned long nr_to_scan, bool partial)
{
	struct unmapped_block *block, *next;
	unsigned long released;
	LIST_HEAD(empty);

	lockdep_assert_held(&un->refill_lock);
	/* Only refills bring an empty block back, under refill_lock. */
	node_lock_irq(un);
	list_splice_init(&un->empty, &empty);
	node_unlock_irq(un);
	list_for_each_entry_safe(block, next, &empty, link) {
		list_del(&block->link);
		xa_erase(&unmapped_blocks, block->pfn >> UNMAPPED_BLOCK_ORDER);
		kfree_rcu(block, rcu);
	}

	released = unmapped_release_blocks(un, keep, nr_to_scan);
	if (partial && released < nr_to_scan)
		released += unmapped_release_partial(un, nr_to_scan - released);
	return released;
}

static void unmapped_release_workfn(struct work_struct *work)
{
	struct unmapped_node *un = container_of(work, struct unmapped_node,
						release_work);

	mutex_lock(&un->refill_lock);
	unmapped_release(un, READ_ONCE(unmapped_reserve_blocks), ULONG_MAX,
			 false);
	mutex_unlock(&un->refill_lock);
}

/**
 * unmapped_alloc_drain - give back every whole free block of a node
 * @nid: node
 *
 * The reserve is not kept. Waits for pages of the per-page path to be
 * given back first, and takes back the CPUs' lists of order-0 pages.
 *
 * Return: the number of pages given back.
 */
unsigned long unmapped_alloc_drain(int nid)
{
	struct unmapped_node *un = unmapped_nodes[nid];
	unsigned long released;

	if (!un)
		return 0;
	flush_work(&unmapped_stock_work);
	flush_work(&un->release_work);
	unmapped_pcp_drain(un);
	mutex_lock(&un->refill_lock);
	released = unmapped_release(un, 0, ULONG_MAX, false);
	mutex_unlock(&un->refill_lock);
	return released;
}

/*
 * Give back what the cache holds free of @un's block at @index, as far as
 * it lies in [@start_pfn, @end_pfn): the whole block if all of it is free,
 * else its free chunks in the range. Returns the pages given back.
 */
static unsigned long unmapped_release_isolated(struct unmapped_node *un,
					       unsigned long index,
					       unsigned long start_pfn,
					       unsigned long end_pfn)
{
	struct unmapped_block *block;
	struct page *page, *next;
	unsigned long released = 0, idx;
	LIST_HEAD(chunks);

	lockdep_assert_held(&un->refill_lock);

	rcu_read_lock();
	block = xa_load(&unmapped_blocks, index);
	if (block && block->nid != un->nid)
		block = NULL;
	rcu_read_unlock();
	/* Blocks of @un are freed only under its refill_lock. */
	if (!block)
		return 0;

	node_lock_irq(un);
	if (block_all_free(block)) {
		released = block->nr_owned;
		__detach_block(un, block);
		node_unlock_irq(un);
		if (!unmapped_release_block(un, block)) {
			node_lock_irq(un);
			__attach_block(un, block);
			node_unlock_irq(un);
			return 0;
		}
		count_vm_event(UNMAPPED_OFFLINE_RELEASE);
		return released;
	}
	for_each_set_bit(idx, block->free_head, UNMAPPED_BLOCK_PAGES) {
		unsigned long pfn = block->pfn + idx;

		page = pfn_to_page(pfn);
		if (pfn >= end_pfn || pfn + (1UL << page_private(page)) <= start_pfn)
			continue;
		__detach_chunk(un, block, page, page_private(page));
		list_add_tail(&page->lru, &chunks);
	}
	node_unlock_irq(un);

	list_for_each_entry_safe(page, next, &chunks, lru) {
		unsigned int order = page_private(page);

		list_del(&page->lru);
		if (unmapped_release_chunk(un, block, page, order))
			released += 1UL << order;
	}
	return released;
}

/**
 * unmapped_alloc_isolated - give back free cached pages of an isolated range
 * @start_pfn: first page frame of the range
 * @end_pfn: page frame after the range
 *
 * Memory offline and contiguous allocations isolate a range of pageblocks
 * and then wait for every page in it to be free in the page allocator.
 * Free pages of the cache have no references, so isolation lets them be,
 * but they are not free there: give back (mapped again, into the isolated
 * free lists) every block of the range that is all free, and the free
 * chunks in the range of blocks that still have pages in use. Those pages
 * come back to the cache when they are freed; offline_pages() calls this
 * again each time it finds the range still busy. A refill that got its
 * pages from the page allocator before the range was isolated does not
 * keep them (unmapped_adopt()).
 *
 * Context: Process context; takes the refill_lock of each node.
 * Return: the number of pages given back.
 */
unsigned long unmapped_alloc_isolated(unsigned long start_pfn,
				      unsigned long end_pfn)
{
	unsigned long first, last, index, released = 0;
	int nid;

	/* Pairs with the release in unmapped_alloc_init(). */
	if (!smp_load_acquire(&unmapped_ready) || start_pfn >= end_pfn)
		return 0;
	might_sleep();

	first = start_pfn >> UNMAPPED_BLOCK_ORDER;
	last = (end_pfn - 1) >> UNMAPPED_BLOCK_ORDER;
	for_each_node(nid) {
		struct unmapped_node *un = unmapped_nodes[nid];

		if (!un)
			continue;
		unmapped_pcp_drain(un);
		mutex_lock(&un->refill_lock);
		for (index = first; index <= last; index++) {
			released += unmapped_release_isolated(un, index,
							      start_pfn, end_pfn);
			cond_resched();
		}
		mutex_unlock(&un->refill_lock);
	}
	return released;
}

/*
 * Free pages of @un on its free areas and on the CPUs' lists (a CPU that
 * went offline has given its list back).
 */
static unsigned long unmapped_node_free(struct unmapped_node *un)
{
	unsigned long sum = READ_ONCE(un->free_pages);
	int cpu;

	for_each_online_cpu(cpu)	/* an estimate: lists change meanwhile */
		sum += data_race(per_cpu_ptr(un->pcp, cpu)->count);
	return sum;
}

static unsigned long unmapped_shrink_count(struct shrinker *shrinker,
					   struct shrink_control *sc)
{
	struct unmapped_node *un = unmapped_nodes[sc->nid];

	return un ? unmapped_node_free(un) : 0;
}

/*
 * What the shrinker asks for, done by a worker: give back whole free
 * blocks, then free parts of blocks in use. Returns the pages given back.
 */
static unsigned long unmapped_shrink_node(struct unmapped_node *un,
					  unsigned long nr_to_scan)
{
	unsigned long released;

	unmapped_pcp_drain(un);
	mutex_lock(&un->refill_lock);
	released = unmapped_release(un, 0, nr_to_scan, true);
	mutex_unlock(&un->refill_lock);
	if (released)
		count_vm_events(UNMAPPED_SHRINK_RELEASE, released);
	return released;
}

static void unmapped_shrink_workfn(struct work_struct *work)
{
	struct unmapped_node *un = container_of(work, struct unmapped_node,
						shrink_work);
	/* Requests up to this one have added their pages to the target. */
	unsigned long done = atomic_long_read(&un->shrink_requests);
	unsigned long target = atomic_long_xchg(&un->shrink_target, 0);

	if (target)
		atomic_long_add(unmapped_shrink_node(un, target),
				&un->shrink_released);
	/* Pairs with the smp_load_acquire() in unmapped_shrink_done(). */
	smp_store_release(&un->shrink_done, done);
	wake_up_all(&un->shrink_wait);
}

/* Whether the shrinker's worker has finished @request. */
static bool unmapped_shrink_done(struct unmapped_node *un,
				 unsigned long request)
{
	/* Pairs with the smp_store_release() in unmapped_shrink_workfn(). */
	return (long)(smp_load_acquire(&un->shrink_done) - request) >= 0;
}

/* How long reclaim waits for the shrinker's worker. */
#define UNMAPPED_SHRINK_WAIT	msecs_to_jiffies(100)

/*
 * Giving memory back changes the direct map: that takes init_mm's mmap lock
 * and CPA's locks, can allocate page tables, flushes the TLB of every CPU
 * and frees tables after an RCU grace period. None of it may happen in
 * reclaim, whose caller can hold init_mm's mmap lock (hugetlb vmemmap
 * remapping allocates under it). The shrinker hands the request to a
 * worker and waits for it, so that reclaim counts what the worker gave
 * back as its own progress (otherwise it can declare OOM while the worker
 * is still freeing). The wait is bounded: if the worker needs a lock this
 * task holds, reclaim goes on after UNMAPPED_SHRINK_WAIT without this
 * shrinker, and the worker finishes once the lock is free. The worker
 * itself, reclaiming for a split's page table, does not wait for itself.
 */
static unsigned long unmapped_shrink_scan(struct shrinker *shrinker,
					  struct shrink_control *sc)
{
	struct unmapped_node *un = unmapped_nodes[sc->nid];
	unsigned long released, request;

	if (!un || !unmapped_node_free(un))
		return SHRINK_STOP;
	released = atomic_long_read(&un->shrink_released);
	atomic_long_add(sc->nr_to_scan, &un->shrink_target);
	request = atomic_long_inc_return(&un->shrink_requests);
	queue_work(unmapped_wq, &un->shrink_work);
	if (current_work() == &un->shrink_work ||
	    !gfpflags_allow_blocking(sc->gfp_mask))
		return 0;
	if (!wait_event_timeout(un->shrink_wait,
				unmapped_shrink_done(un, request),
				UNMAPPED_SHRINK_WAIT))
		return SHRINK_STOP;
	released = atomic_long_read(&un->shrink_released) - released;
	mm_account_reclaimed_pages(released);
	return released;
}

/* For tests: what the shrinker's worker does, in the caller's context. */
unsigned long unmapped_alloc_shrink(int nid, unsigned long nr_to_scan)
{
	struct unmapped_node *un = unmapped_nodes[nid];

	return un ? unmapped_shrink_node(un, nr_to_scan) : 0;
}

/*
 * For tests: call the shrinker as reclaim does (PF_MEMALLOC set) and return
 * what it reports freed; unmapped_alloc_flush_shrink() waits for its worker.
 */
unsigned long unmapped_alloc_reclaim(int nid, unsigned long nr_to_scan)
{
	struct shrink_control sc = {
		.gfp_mask = GFP_KERNEL,
		.nid = nid,
		.nr_to_scan = nr_to_scan,
	};
	unsigned int noreclaim = memalloc_noreclaim_save();
	unsigned long freed = 0;

	if (unmapped_shrink_count(NULL, &sc))
		freed = unmapped_shrink_scan(NULL, &sc);
	memalloc_noreclaim_restore(noreclaim);
	return freed;
}

void unmapped_alloc_flush_shrink(int nid)
{
	struct unmapped_node *un = unmapped_nodes[nid];

	if (un)
		flush_work(&un->shrink_work);
}

/* For tests: wait for what @nid's release worker was asked to do. */
void unmapped_alloc_flush_release(int nid)
{
	struct unmapped_node *un = unmapped_nodes[nid];

	if (un)
		flush_work(&un->release_work);
}

/* Statistics and knobs for tests and debugfs. */
unsigned long unmapped_alloc_nr_free(int nid, unsigned int order)
{
	struct unmapped_node *un = unmapped_nodes[nid];

	return un ? READ_ONCE(un->nr_free[order]) : 0;
}

unsigned long unmapped_alloc_free_pages(int nid)
{
	struct unmapped_node *un = unmapped_nodes[nid];

	return un ? READ_ONCE(un->free_pages) : 0;
}

long unmapped_alloc_used_pages(int nid)
{
	struct unmapped_node *un = unmapped_nodes[nid];

	return un ? atomic_long_read(&un->used_pages) : 0;
}

unsigned long unmapped_alloc_nr_blocks(int nid)
{
	struct unmapped_node *un = unmapped_nodes[nid];

	return un ? READ_ONCE(un->nr_blocks) : 0;
}

/* One block's share of unmapped_alloc_verify(). */
static unsigned long verify_block(struct unmapped_block *block,
				  unsigned long *nr_free)
{
	unsigned long idx, free = 0, bad = 0;

	if (unmapped_block_lookup(block->pfn) != block || !block->nr_owned ||
	    bitmap_weight(block->owned, UNMAPPED_BLOCK_PAGES) != block->nr_owned ||
	    block->nr_free > block->nr_owned)
		bad++;
	for_each_set_bit(idx, block->free_head, UNMAPPED_BLOCK_PAGES) {
		unsigned int order = page_private(pfn_to_page(block->pfn + idx));

		if (order > UNMAPPED_BLOCK_ORDER || !IS_ALIGNED(idx, 1U << order) ||
		    find_next_zero_bit(block->owned, idx + (1U << order), idx) <
		    idx + (1U << order))
			bad++;
		else
			free += 1U << order;
	}
	if (free != block->nr_free)
		bad++;
	*nr_free += free;
	/* Whether free or in use, a page the cache holds is not mapped. */
	for_each_set_bit(idx, block->owned, UNMAPPED_BLOCK_PAGES) {
		struct page *page = pfn_to_page(block->pfn + idx);

		if (!PageUnmapped(page) || kernel_page_present(page))
			bad++;
	}
	return bad;
}

/**
 * unmapped_alloc_verify - check the cache of a node against its invariants
 * @nid: node
 *
 * Every block is in the lookup table, holds pages, and is on the node's
 * list of free blocks if and only if all its pages are free, on the list
 * of partly free blocks of its fill if and only if it has pages both free
 * and in use; its owned
 * pages are marked PG_unmapped and not present in the direct map; its free
 * chunks are aligned, lie in owned pages and add up to its free count; the
 * node's free pages, free blocks and free-list lengths match the blocks.
 * For tests: it walks every page of every block with interrupts off.
 *
 * Return: the number of violations found (0 if the cache is consistent).
 */
unsigned long unmapped_alloc_verify(int nid)
{
	struct unmapped_node *un = unmapped_nodes[nid];
	unsigned long bad = 0, free = 0, free_blocks = 0, blocks = 0;
	unsigned long chunks = 0, listed = 0;
	struct unmapped_block *block;
	struct list_head *lists[2];
	unsigned int order, i;
	struct page *page;

	if (!un)
		return 0;
	lists[0] = &un->blocks;
	lists[1] = &un->free_blocks;
	node_lock_irq(un);
	for (i = 0; i < ARRAY_SIZE(lists); i++) {
		list_for_each_entry(block, lists[i], link) {
			bad += verify_block(block, &free);
			/* On the free list if and only if all free. */
			bad += block_all_free(block) != (lists[i] == &un->free_blocks);
			/* On the list of its fill if and only if partly free. */
			bad += block->fill != block_fill(block);
			chunks += bitmap_weight(block->free_head,
						UNMAPPED_BLOCK_PAGES);
			free_blocks += block_all_free(block);
			blocks++;
		}
	}
	for (order = 0; order < UNMAPPED_NR_ORDERS; order++) {
		unsigned long n = 0;

		list_for_each_entry(page, &un->free_area[order], lru)
			n++;
		bad += n != un->nr_free[order];
		listed += n;
	}
	bad += free != un->free_pages;
	bad += free_blocks != un->nr_free_blocks;
	bad += blocks != un->nr_blocks;
	bad += chunks != listed;
	for (i = 0; i < UNMAPPED_FILL_LISTS; i++) {
		bad += list_empty(&un->partly_free[i]) ==
		       test_bit(i, un->partly_free_mask);
		list_for_each_entry(block, &un->partly_free[i], fill_link)
			bad += block->fill != i;
	}
	node_unlock_irq(un);
	if (bad)
		pr_err("node %d: %lu violations of the cache's invariants\n",
		       nid, bad);
	return bad;
}

bool unmapped_alloc_owns(struct page *page)
{
	return unmapped_owner(page_to_pfn(page));
}

bool unmapped_alloc_enabled(void)
{
	return static_branch_likely(&unmapped_cache_on);
}

int unmapped_alloc_set_enabled(bool on)
{
	if (on && debug_pagealloc_enabled())
		return -EOPNOTSUPP;
	if (on)
		static_branch_enable(&unmapped_cache_on);
	else
		static_branch_disable(&unmapped_cache_on);
	return 0;
}

unsigned int unmapped_alloc_set_reserve(unsigned int blocks)
{
	return xchg(&unmapped_reserve_blocks, blocks);
}

/*
 * Set how many order-0 pages each CPU keeps per node (0: none) and take
 * back what the lists hold. Returns the previous value.
 */
unsigned int unmapped_alloc_set_pcp_high(unsigned int high)
{
	unsigned int old = xchg(&unmapped_pcp_high, high);
	int nid;

	for_each_node(nid)
		if (unmapped_nodes[nid])
			unmapped_pcp_drain(unmapped_nodes[nid]);
	return old;
}

unsigned long unmapped_alloc_lock_count(int nid)
{
	struct unmapped_node *un = unmapped_nodes[nid];

	return un ? READ_ONCE(un->lock_count) : 0;
}

/*
 * Finish the frees that were deferred: those without locks, then those of
 * the per-page path, in the caller's context (a test can pin it to a CPU)
 * and then whatever the worker has in flight.
 */
void unmapped_alloc_flush_stock(void)
{
	irq_work_sync(&unmapped_deferred_free_work);
	unmapped_stock_workfn(NULL);
	flush_work(&unmapped_stock_work);
}

/*
 * For tests: while held, pages freed on the per-page path stay on the stock
 * list until unmapped_alloc_flush_stock() or the release of the hold.
 */
void unmapped_alloc_hold_stock(bool hold)
{
	if (hold) {
		disable_work_sync(&unmapped_stock_work);
		return;
	}
	enable_work(&unmapped_stock_work);
	queue_work(unmapped_wq, &unmapped_stock_work);
}

/* For tests: while held, @nid's shrinker worker does not run. */
void unmapped_alloc_hold_shrink(int nid, bool hold)
{
	struct unmapped_node *un = unmapped_nodes[nid];

	if (!un)
		return;
	if (hold) {
		disable_work_sync(&un->shrink_work);
		return;
	}
	enable_work(&un->shrink_work);
	queue_work(unmapped_wq, &un->shrink_work);
}

/*
 * Hibernation copies every page that the page allocator does not hold free
 * into its image, and maps each page that is not mapped for the copy, with
 * interrupts off: for a page of a cached block that means splitting a PMD
 * there, which allocates a page table. So before an image is made the
 * cache gives back everything it holds and serves nothing until hibernation
 * is over; pages in use refuse hibernation. memfd_secret, the cache's user,
 * refuses hibernation on its own while one of its files exists.
 */
static bool unmapped_holds_pages(void)
{
	int nid;

	for_each_node(nid) {
		struct unmapped_node *un = unmapped_nodes[nid];

		if (un && (READ_ONCE(un->nr_blocks) ||
			   atomic_long_read(&un->used_pages)))
			return true;
	}
	return false;
}

/**
 * unmapped_alloc_hibernate - prepare the cache for a hibernation image
 * @start: true before the image is made, false when hibernation is over
 *
 * With @start, __GFP_UNMAPPED requests fail from now on, and every node
 * gives back all free pages it holds. Without, requests are served again.
 *
 * Context: process context, may sleep.
 * Return: 0, or -EBUSY (requests are served again) if __GFP_UNMAPPED pages
 * are in use.
 */
int unmapped_alloc_hibernate(bool start)
{
	int nid;

	WRITE_ONCE(unmapped_hibernating, start);
	/* Pairs with the release in unmapped_alloc_init(). */
	if (!start || !smp_load_acquire(&unmapped_ready))
		return 0;
	/*
	 * A freed page-cache folio (memfd_secret) can still be held by the
	 * LRU batch of the CPU that added it, until that CPU drains it: let
	 * such pages come back first, or they would count as in use.
	 */
	lru_add_drain_all();
	for_each_node(nid)
		unmapped_alloc_drain(nid);
	if (!unmapped_holds_pages())
		return 0;
	WRITE_ONCE(unmapped_hibernating, false);
	pr_warn("hibernation refused: __GFP_UNMAPPED pages are in use\n");
	return -EBUSY;
}

#ifdef CONFIG_HIBERNATION
static int unmapped_pm_notify(struct notifier_block *nb, unsigned long action,
			      void *data)
{
	switch (action) {
	case PM_HIBERNATION_PREPARE:
	case PM_RESTORE_PREPARE:
		return notifier_from_errno(unmapped_alloc_hibernate(true));
	case PM_POST_HIBERNATION:
	case PM_POST_RESTORE:
		unmapped_alloc_hibernate(false);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block unmapped_pm_nb = {
	.notifier_call = unmapped_pm_notify,
};

/*
 * The last word, with one CPU left and interrupts off just before the
 * image is made (or restored): a request that passed its check before
 * unmapped_alloc_hibernate() closed the cache may have refilled since.
 */
static int unmapped_syscore_suspend(void *data)
{
	if (!READ_ONCE(unmapped_hibernating) || !unmapped_holds_pages())
		return 0;
	pr_warn("hibernation refused: the unmapped-page cache holds pages\n");
	return -EBUSY;
}

static const struct syscore_ops unmapped_syscore_ops = {
	.suspend = unmapped_syscore_suspend,
};

static struct syscore unmapped_syscore = {
	.ops = &unmapped_syscore_ops,
};

static void __init unmapped_hibernation_init(void)
{
	register_pm_notifier(&unmapped_pm_nb);
	register_syscore(&unmapped_syscore);
}
#else
static inline void unmapped_hibernation_init(void)
{
}
#endif

#ifdef CONFIG_DEBUG_FS
static int free_areas_show(struct seq_file *m, void *v)
{
	unsigned int order;
	int nid;

	seq_puts(m, "node");
	for (order = 0; order < UNMAPPED_NR_ORDERS; order++)
		seq_printf(m, " %6u", order);
	seq_puts(m, "   blocks free_blocks free_pages used_pages\n");
	for_each_node_state(nid, N_MEMORY) {
		struct unmapped_node *un = unmapped_nodes[nid];

		if (!un)
			continue;
		node_lock_irq(un);
		seq_printf(m, "%4d", nid);
		for (order = 0; order < UNMAPPED_NR_ORDERS; order++)
			seq_printf(m, " %6lu", un->nr_free[order]);
		seq_printf(m, " %8lu %11lu %10lu %10ld\n", un->nr_blocks,
			   un->nr_free_blocks, un->free_pages,
			   atomic_long_read(&un->used_pages));
		node_unlock_irq(un);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(free_areas);

static void blocks_show_one(struct seq_file *m, struct unmapped_block *block)
{
	seq_printf(m, "%4d %#8lx %5u %5u %s\n", block->nid, block->pfn,
		   block->nr_owned, block->nr_free,
		   block->map == UNMAPPED_MAP_BLOCK ? "block" : "4k");
}

static int blocks_show(struct seq_file *m, void *v)
{
	int nid;

	seq_puts(m, "node      pfn owned  free map\n");
	for_each_node_state(nid, N_MEMORY) {
		struct unmapped_node *un = unmapped_nodes[nid];
		struct unmapped_block *block;

		if (!un)
			continue;
		node_lock_irq(un);
		list_for_each_entry(block, &un->blocks, link)
			blocks_show_one(m, block);
		list_for_each_entry(block, &un->free_blocks, link)
			blocks_show_one(m, block);
		node_unlock_irq(un);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(blocks);

static int enabled_get(void *data, u64 *val)
{
	*val = unmapped_alloc_enabled();
	return 0;
}

static int enabled_set(void *data, u64 val)
{
	return unmapped_alloc_set_enabled(val);
}
DEFINE_DEBUGFS_ATTRIBUTE(enabled_fops, enabled_get, enabled_set, "%llu\n");

static int pcp_high_get(void *data, u64 *val)
{
	*val = READ_ONCE(unmapped_pcp_high);
	return 0;
}

/* Up to 8 blocks' worth per CPU and node: more only strands memory. */
static int pcp_high_set(void *data, u64 val)
{
	if (val > 8 * UNMAPPED_BLOCK_PAGES)
		return -EINVAL;
	unmapped_alloc_set_pcp_high(val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(pcp_high_fops, pcp_high_get, pcp_high_set, "%llu\n");

static int drain_set(void *data, u64 val)
{
	int nid;

	for_each_node_state(nid, N_MEMORY)
		unmapped_alloc_drain(nid);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(drain_fops, NULL, drain_set, "%llu\n");

/*
 * A microbenchmark, through whichever path the runtime switch selects:
 * "echo ORDER COUNT > bench" allocates COUNT blocks of ORDER with
 * __GFP_UNMAPPED, then frees them all and drains the cache, so every page
 * comes from a fresh block ("batch"); "echo ORDER COUNT loop > bench"
 * allocates and frees one block at a time ("loop", the steady state).
 * A fourth word "zeroed" does the same with GFP_KERNEL | __GFP_ZERO: the
 * baseline, a page cleared once and left in the direct map.
 * "echo 0 COUNT zero > bench" only zeroes one unmapped page COUNT times,
 * the part of the cost that no path can avoid. "echo 0 COUNT flap > bench"
 * drains the cache, holds one block's worth of pages, so that the cache has
 * no free page left, and then allocates and frees one page COUNT times: a
 * workload at a block boundary; it reports the refills and releases that
 * caused. "echo 0 COUNT hold > bench" grows the cache to COUNT pages and
 * back (bench_hold()) and reports the longest hold of a node's lock.
 * "echo 0 COUNT churn > bench" keeps half of COUNT pages in use through
 * random frees and allocations (bench_churn()), then has the shrinker give
 * back every free page: it reports the blocks the pages in use were spread
 * over and the partial releases and splits that took. Reading the file
 * shows the cost per operation and what happened to the direct map
 * meanwhile.
 */
static DEFINE_MUTEX(bench_lock);
static char bench_result[512];

static unsigned long bench_event(enum vm_event_item item)
{
	unsigned long *ev = kcalloc(NR_VM_EVENT_ITEMS, sizeof(*ev), GFP_KERNEL);
	unsigned long val = 0;

	if (ev) {
		all_vm_events(ev);
		val = ev[item];
		kfree(ev);
	}
	return val;
}

static unsigned long bench_refills(void)
{
	return bench_event(UNMAPPED_REFILL) +
	       bench_event(UNMAPPED_REFILL_FALLBACK);
}

static void bench_drain(void)
{
	int nid;

	unmapped_alloc_flush_stock();
	for_each_node_state(nid, N_MEMORY)
		unmapped_alloc_drain(nid);
}

/* Wait for the release workers, so that what they give back is counted. */
static void bench_flush_release(void)
{
	int nid;

	for_each_node_state(nid, N_MEMORY)
		unmapped_alloc_flush_release(nid);
}

/* Hold one block's worth of order-0 pages: the cache has none free. */
static struct page **bench_fill_block(void)
{
	struct page **held = kvcalloc(UNMAPPED_BLOCK_PAGES, sizeof(*held),
				      GFP_KERNEL);
	unsigned long i;

	bench_drain();
	for (i = 0; held && i < UNMAPPED_BLOCK_PAGES; i++)
		held[i] = alloc_page(GFP_KERNEL | __GFP_UNMAPPED);
	return held;
}

static void bench_free_held(struct page **held)
{
	unsigned long i;

	for (i = 0; held && i < UNMAPPED_BLOCK_PAGES; i++)
		if (held[i])
			__free_page(held[i]);
	kvfree(held);
}

/* Acquisitions of the nodes' locks by allocations and frees so far. */
static unsigned long bench_locks(void)
{
	unsigned long sum = 0;
	int nid;

	for_each_node(nid)
		sum += unmapped_alloc_lock_count(nid);
	return sum;
}

struct bench_worker {
	struct completion done;
	unsigned long count, got;
	bool started;
};

static int bench_worker_fn(void *data)
{
	struct bench_worker *w = data;

	for (w->got = 0; w->got < w->count; w->got++) {
		struct page *page = alloc_page(GFP_KERNEL | __GFP_UNMAPPED);

		if (!page)
			break;
		__free_page(page);
		cond_resched();
	}
	complete(&w->done);
	return 0;
}

/*
 * The order-0 loop in one kthread per online CPU, all at once. Returns the
 * allocate+free pairs done and sets *@threads.
 */
static unsigned long bench_threads(unsigned long count, unsigned int *threads)
{
	struct bench_worker *w = kcalloc(nr_cpu_ids, sizeof(*w), GFP_KERNEL);
	unsigned long got = 0;
	int cpu;

	*threads = 0;
	if (!w)
		return 0;
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct task_struct *t;

		init_completion(&w[cpu].done);
		w[cpu].count = count;
		t = kthread_create_on_cpu(bench_worker_fn, &w[cpu], cpu,
					  "unmapped_bench/%u");
		if (IS_ERR(t))
			continue;
		w[cpu].started = true;
		(*threads)++;
		wake_up_process(t);
	}
	/*
	 * Not held while waiting: a thread whose CPU goes away meanwhile
	 * finishes on another one, and a hotplug writer waiting for the lock
	 * would otherwise stall every later cpus_read_lock() behind it.
	 */
	cpus_read_unlock();
	for_each_possible_cpu(cpu) {
		if (!w[cpu].started)
			continue;
		wait_for_completion(&w[cpu].done);
		got += w[cpu].got;
	}
	kfree(w);
	return got;
}

/* Start timing the holds of the nodes' locks, from no hold. */
static void bench_hold_start(void)
{
	int nid;

	static_branch_enable(&unmapped_time_holds);
	/* A hold that began before the key was on is not timed. */
	for_each_node_state(nid, N_MEMORY) {
		struct unmapped_node *un = unmapped_nodes[nid];

		if (!un)
			continue;
		spin_lock_irq(&un->lock);
		un->hold_start = 0;
		un->max_hold_ns = 0;
		un->max_hold_ip = 0;
		spin_unlock_irq(&un->lock);
	}
}

/*
 * Stop timing; return the longest hold of any node's lock meanwhile, and
 * in *@ip where it ended.
 */
static u64 bench_hold_stop(unsigned long *ip)
{
	u64 longest = 0;
	int nid;

	for_each_node_state(nid, N_MEMORY) {
		struct unmapped_node *un = unmapped_nodes[nid];

		if (!un)
			continue;
		spin_lock_irq(&un->lock);
		if (un->max_hold_ns > longest) {
			longest = un->max_hold_ns;
			*ip = un->max_hold_ip;
		}
		spin_unlock_irq(&un->lock);
	}
	static_branch_disable(&unmapped_time_holds);
	return longest;
}

/* Allocate+free pairs between the halves of the "hold" job. */
#define BENCH_HOLD_PAIRS	1024

/*
 * The "hold" job: the cache grows to @count order-0 pages' worth of
 * blocks, every other page of them is freed, so that each block is partly
 * in use, then come allocate+free pairs, the shrinker's work on an eighth
 * of the pages (partial releases: no block is free), and at last the rest
 * is freed and the cache drained, one block release after the other.
 * Returns the pages allocated; *@blocks is the blocks refilled for them
 * (the cache is empty before).
 */
static unsigned long bench_hold(unsigned long count, struct page **pages,
				unsigned long *blocks)
{
	unsigned long got, i, refills = bench_refills();
	int nid;

	for (got = 0; got < count; got++) {
		pages[got] = alloc_page(GFP_KERNEL | __GFP_UNMAPPED);
		if (!pages[got])
			break;
		cond_resched();
	}
	*blocks = bench_refills() - refills;
	for (i = 1; i < got; i += 2)
		__free_page(pages[i]);
	for (i = 0; i < BENCH_HOLD_PAIRS; i++) {
		struct page *page = alloc_page(GFP_KERNEL | __GFP_UNMAPPED);

		if (page)
			__free_page(page);
		cond_resched();
	}
	for_each_node_state(nid, N_MEMORY)
		unmapped_alloc_shrink(nid, got / 8);
	for (i = 0; i < got; i += 2)
		__free_page(pages[i]);
	bench_drain();
	return got;
}

/* Frees and allocations of the "churn" job, per page it allocates first. */
#define BENCH_CHURN_ROUNDS	4

static int bench_cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* How many blocks the @nr pages of @pages are in; 0 without memory. */
static unsigned long bench_blocks_spanned(struct page **pages,
					  unsigned long nr)
{
	unsigned long *index = kvmalloc_array(nr, sizeof(*index), GFP_KERNEL);
	unsigned long i, blocks = 0;

	if (!index)
		return 0;
	for (i = 0; i < nr; i++)
		index[i] = page_to_pfn(pages[i]) >> UNMAPPED_BLOCK_ORDER;
	sort(index, nr, sizeof(*index), bench_cmp_ulong, NULL);
	for (i = 0; i < nr; i++)
		blocks += !i || index[i] != index[i - 1];
	kvfree(index);
	return blocks;
}

/*
 * The "churn" job: @count order-0 pages are allocated and a random half of
 * them freed; then, until BENCH_CHURN_ROUNDS times @count pages have been
 * freed, a random sixteenth of the pages in use is freed and as many are
 * allocated: a cache in use at a steady level, with the same random
 * sequence on every run. A burst larger than a CPU's list sends the pages
 * through the node's free areas, where the placement is decided, rather
 * than handing the page just freed straight back. Returns the
 * pages in use at the end, first in @pages; *@blocks is how many blocks
 * they are in. A placement that keeps the pages in use together leaves
 * the other blocks whole for the shrinker.
 */
static unsigned long bench_churn(unsigned long count, struct page **pages,
				 unsigned long *blocks)
{
	unsigned long got, held, burst, freed, i, j;
	struct rnd_state rnd;

	prandom_seed_state(&rnd, 42);
	for (got = 0; got < count; got++) {
		pages[got] = alloc_page(GFP_KERNEL | __GFP_UNMAPPED);
		if (!pages[got])
			break;
		cond_resched();
	}
	for (held = got; held > got / 2; held--) {
		j = prandom_u32_state(&rnd) % held;
		__free_page(pages[j]);
		pages[j] = pages[held - 1];
	}
	burst = max(held / 16, 1UL);
	for (freed = 0; held && freed < BENCH_CHURN_ROUNDS * got; freed += burst) {
		for (i = 0; i < burst && held; i++) {
			j = prandom_u32_state(&rnd) % held;
			__free_page(pages[j]);
			pages[j] = pages[--held];
		}
		for (i = 0; i < burst; i++) {
			struct page *page = alloc_page(GFP_KERNEL | __GFP_UNMAPPED);

			if (page)
				pages[held++] = page;
		}
		cond_resched();
	}
	*blocks = bench_blocks_spanned(pages, held);
	return held;
}

enum bench_mode {
	BENCH_BATCH, BENCH_LOOP, BENCH_ZERO, BENCH_FLAP, BENCH_THREADS,
	BENCH_HOLD, BENCH_CHURN,
};

static const char * const bench_modes[] = {
	[BENCH_BATCH] = "batch",
	[BENCH_LOOP] = "loop",
	[BENCH_ZERO] = "zero",
	[BENCH_FLAP] = "flap",
	[BENCH_THREADS] = "threads",
	[BENCH_HOLD] = "hold",
	[BENCH_CHURN] = "churn",
};

static ssize_t bench_write(struct file *file, const char __user *ubuf,
			   size_t len, loff_t *ppos)
{
	unsigned long flushes = 0, splits = 0, refills, releases, locks, partial;
	unsigned long count, i, got = 0, blocks = 0, hold_ip = 0;
	unsigned int threads = 1;
	u64 hold_ns = 0;
	gfp_t gfp = GFP_KERNEL | __GFP_UNMAPPED;
	struct page **pages = NULL, **held = NULL;
	ktime_t start, alloc_ns, free_ns = 0;
	char buf[48], mode_str[16] = "batch", gfp_str[16] = "unmapped";
	enum bench_mode mode;
	unsigned int order;
	int n;

	if (len >= sizeof(buf) || copy_from_user(buf, ubuf, len))
		return -EINVAL;
	buf[len] = 0;
	n = sscanf(buf, "%u %lu %15s %15s", &order, &count, mode_str, gfp_str);
	if (n < 2 || order > UNMAPPED_MAX_ORDER || !count ||
	    count > (1UL << 20))
		return -EINVAL;
	n = match_string(bench_modes, ARRAY_SIZE(bench_modes), mode_str);
	if (n < 0)
		return -EINVAL;
	mode = n;
	if (!strcmp(gfp_str, "zeroed") && mode <= BENCH_LOOP)
		gfp = GFP_KERNEL | __GFP_ZERO;
	else if (strcmp(gfp_str, "unmapped"))
		return -EINVAL;
	if (mode >= BENCH_ZERO && order)
		return -EINVAL;
	if (mode == BENCH_BATCH || mode >= BENCH_HOLD) {
		pages = kvcalloc(count, sizeof(*pages), GFP_KERNEL);
		if (!pages)
			return -ENOMEM;
	}

	mutex_lock(&bench_lock);
	if (mode == BENCH_FLAP)
		held = bench_fill_block();
#ifdef CONFIG_DEBUG_TLBFLUSH
	flushes = bench_event(NR_TLB_REMOTE_FLUSH);
#endif
#ifdef CONFIG_X86
	splits = bench_event(DIRECT_MAP_LEVEL2_SPLIT);
#endif
	refills = bench_refills();
	releases = bench_event(UNMAPPED_BLOCK_RELEASE);
	locks = bench_locks();
	partial = bench_event(UNMAPPED_PARTIAL_RELEASE);
	if (mode == BENCH_THREADS) {
		start = ktime_get();
		got = bench_threads(count, &threads);
		alloc_ns = ktime_sub(ktime_get(), start);
		goto done;
	}
	if (mode == BENCH_HOLD) {
		bench_drain();
		bench_hold_start();
		start = ktime_get();
		got = bench_hold(count, pages, &blocks);
		alloc_ns = ktime_sub(ktime_get(), start);
		hold_ns = bench_hold_stop(&hold_ip);
		goto done;
	}
	if (mode == BENCH_CHURN) {
		int nid;

		bench_drain();
		start = ktime_get();
		got = bench_churn(count, pages, &blocks);
		alloc_ns = ktime_sub(ktime_get(), start);
		/* Count the shrinker's partial releases and splits only. */
		partial = bench_event(UNMAPPED_PARTIAL_RELEASE);
#ifdef CONFIG_X86
		splits = bench_event(DIRECT_MAP_LEVEL2_SPLIT);
#endif
		unmapped_alloc_flush_stock();
		for_each_node_state(nid, N_MEMORY)
			unmapped_alloc_shrink(nid, ULONG_MAX);
		partial = bench_event(UNMAPPED_PARTIAL_RELEASE) - partial;
#ifdef CONFIG_X86
		splits = bench_event(DIRECT_MAP_LEVEL2_SPLIT) - splits;
#endif
		for (i = 0; i < got; i++)
			__free_page(pages[i]);
		bench_drain();
		goto done;
	}
	if (mode == BENCH_ZERO) {
		struct page *page = alloc_page(GFP_KERNEL | __GFP_UNMAPPED);

		start = ktime_get();
		for (i = 0; page && i < count; i++) {
			unmapped_clear_pages(page, 1);
			got++;
			cond_resched();
		}
		alloc_ns = ktime_sub(ktime_get(), start);
		if (page)
			__free_page(page);
		goto done;
	}

	start = ktime_get();
	for (i = 0; i < count; i++) {
		struct page *page = alloc_pages(gfp, order);

		if (!page)
			break;
		got++;
		if (mode == BENCH_BATCH)
			pages[i] = page;
		else
			__free_pages(page, order);
		cond_resched();
	}
	alloc_ns = ktime_sub(ktime_get(), start);
	start = ktime_get();
	for (i = 0; mode == BENCH_BATCH && i < got; i++)
		__free_pages(pages[i], order);
	/* The per-page path maps pages again in a worker: count it. */
	if (gfp & __GFP_UNMAPPED)
		unmapped_alloc_flush_stock();
	if (mode == BENCH_BATCH && (gfp & __GFP_UNMAPPED))
		bench_drain();
	free_ns = ktime_sub(ktime_get(), start);
	bench_flush_release();
done:
#ifdef CONFIG_DEBUG_TLBFLUSH
	flushes = bench_event(NR_TLB_REMOTE_FLUSH) - flushes;
#endif
#ifdef CONFIG_X86
	if (mode != BENCH_CHURN)
		splits = bench_event(DIRECT_MAP_LEVEL2_SPLIT) - splits;
#endif
	if (mode != BENCH_CHURN)
		partial = bench_event(UNMAPPED_PARTIAL_RELEASE) - partial;
	refills = bench_refills() - refills;
	releases = bench_event(UNMAPPED_BLOCK_RELEASE) - releases;
	locks = bench_locks() - locks;
	bench_free_held(held);
	snprintf(bench_result, sizeof(bench_result),
		 "cache=%s gfp=%s mode=%s order=%u count=%lu threads=%u allocated=%lu alloc_ns=%lld free_ns=%lld ns_per_op=%lld tlb_flushes=%lu level2_splits=%lu refills=%lu releases=%lu locks=%lu reserve=%u pcp_high=%u blocks=%lu partial=%lu hold_ns=%llu hold_site=%pS\n",
		 str_on_off(unmapped_alloc_enabled()),
		 gfp & __GFP_UNMAPPED ? "unmapped" : "zeroed",
		 bench_modes[mode], order, count, threads, got,
		 ktime_to_ns(alloc_ns), ktime_to_ns(free_ns),
		 got ? ktime_to_ns(ktime_add(alloc_ns, free_ns)) / got : 0,
		 flushes, splits, refills, releases, locks,
		 READ_ONCE(unmapped_reserve_blocks), READ_ONCE(unmapped_pcp_high),
		 blocks, partial, hold_ns, (void *)hold_ip);
	mutex_unlock(&bench_lock);
	kvfree(pages);
	return len;
}

static int bench_show(struct seq_file *m, void *v)
{
	mutex_lock(&bench_lock);
	seq_puts(m, bench_result);
	mutex_unlock(&bench_lock);
	return 0;
}

static int bench_open(struct inode *inode, struct file *file)
{
	return single_open(file, bench_show, NULL);
}

static const struct file_operations bench_fops = {
	.owner = THIS_MODULE,
	.open = bench_open,
	.read = seq_read,
	.write = bench_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int __init unmapped_alloc_debugfs_init(void)
{
	struct dentry *dir;

	/* Pairs with the release in unmapped_alloc_init(). */
	if (!smp_load_acquire(&unmapped_ready))
		return 0;
	dir = debugfs_create_dir("unmapped_alloc", NULL);

	debugfs_create_file("free_areas", 0400, dir, NULL, &free_areas_fops);
	debugfs_create_file("blocks", 0400, dir, NULL, &blocks_fops);
	debugfs_create_file_unsafe("enabled", 0600, dir, NULL, &enabled_fops);
	debugfs_create_file_unsafe("drain", 0200, dir, NULL, &drain_fops);
	debugfs_create_file("bench", 0600, dir, NULL, &bench_fops);
	debugfs_create_u32("reserve_blocks", 0600, dir,
			   &unmapped_reserve_blocks);
	debugfs_create_file_unsafe("pcp_high", 0600, dir, NULL, &pcp_high_fops);
	return 0;
}
late_initcall(unmapped_alloc_debugfs_init);
#endif

static int __init unmapped_slot_pte(pte_t *pte, unsigned long addr, void *data)
{
	*(pte_t **)data = pte;
	return 0;
}

static int __init unmapped_zero_slots_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct unmapped_zero_slot *slot = per_cpu_ptr(&unmapped_zero_slot,
							      cpu);
		struct vm_struct *area = get_vm_area(PAGE_SIZE, 0);

		if (!area)
			return -ENOMEM;
		slot->addr = (unsigned long)area->addr;
		if (apply_to_page_range(&init_mm, slot->addr, PAGE_SIZE,
					unmapped_slot_pte, &slot->ptep))
			return -ENOMEM;
	}
	return 0;
}

/* A CPU that went away leaves its order-0 pages to the nodes. */
static int unmapped_cpu_dead(unsigned int cpu)
{
	int nid;

	for_each_node(nid)
		if (unmapped_nodes[nid])
			unmapped_pcp_drain_cpu(unmapped_nodes[nid], cpu);
	return 0;
}

static int __init unmapped_alloc_init(void)
{
	struct shrinker *shrinker;
	int nid, order, cpu, fill;

	if (!can_set_direct_map()) {
		pr_info("the direct map cannot change: __GFP_UNMAPPED is refused\n");
		return 0;
	}
	if (unmapped_zero_slots_init())
		goto nomem;
	unmapped_wq = alloc_workqueue("unmapped_alloc",
				      WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!unmapped_wq)
		goto nomem;

	for_each_node(nid) {
		struct unmapped_node *un;

		un = kzalloc_node(sizeof(*un), GFP_KERNEL,
				  node_state(nid, N_MEMORY) ? nid : NUMA_NO_NODE);
		if (!un)
			goto nomem;
		spin_lock_init(&un->lock);
		un->pcp = alloc_percpu(struct unmapped_pcp);
		if (!un->pcp)
			goto nomem;
		for_each_possible_cpu(cpu) {
			struct unmapped_pcp *pcp = per_cpu_ptr(un->pcp, cpu);

			spin_lock_init(&pcp->lock);
			INIT_LIST_HEAD(&pcp->pages);
		}
		for (order = 0; order < UNMAPPED_NR_ORDERS; order++)
			INIT_LIST_HEAD(&un->free_area[order]);
		INIT_LIST_HEAD(&un->blocks);
		INIT_LIST_HEAD(&un->free_blocks);
		for (fill = 0; fill < UNMAPPED_FILL_LISTS; fill++)
			INIT_LIST_HEAD(&un->partly_free[fill]);
		INIT_LIST_HEAD(&un->empty);
		mutex_init(&un->refill_lock);
		INIT_WORK(&un->release_work, unmapped_release_workfn);
		INIT_WORK(&un->shrink_work, unmapped_shrink_workfn);
		init_waitqueue_head(&un->shrink_wait);
		un->nid = nid;
		unmapped_nodes[nid] = un;
	}

	shrinker = shrinker_alloc(SHRINKER_NUMA_AWARE, "unmapped_alloc");
	if (shrinker) {
		shrinker->count_objects = unmapped_shrink_count;
		shrinker->scan_objects = unmapped_shrink_scan;
		shrinker->batch = UNMAPPED_BLOCK_PAGES;
		shrinker_register(shrinker);
	}

	unmapped_hibernation_init();
	if (cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "mm/unmapped_alloc:dead",
				      NULL, unmapped_cpu_dead) < 0)
		pr_warn("no CPU hotplug callback: a removed CPU's pages wait for a drain\n");

	if (!unmapped_cache_param || debug_pagealloc_enabled()) {
		static_branch_disable(&unmapped_cache_on);
		pr_info("cache off%s: __GFP_UNMAPPED uses the per-page path\n",
			debug_pagealloc_enabled() ? " (debug_pagealloc)" : "");
	}
	/* Publish unmapped_nodes[] and the slots; see unmapped_ready. */
	smp_store_release(&unmapped_ready, true);
	return 0;

nomem:
	pr_err("out of memory at boot: __GFP_UNMAPPED is refused\n");
	return -ENOMEM;
}
core_initcall(unmapped_alloc_init);
