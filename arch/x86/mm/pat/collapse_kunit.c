// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for set_direct_map_collapse().
 *
 * Each test takes 2 MiB blocks of memory from the page allocator, splits
 * their direct mapping with CPA, restores it, and checks what collapsing
 * does: the mapping level, the vmstat counters, DirectMap4k/2M/1G and the
 * freeing of the page table; the cases it must refuse; the 1 GiB cases;
 * and collapse racing with CPA changes and with lockless walkers.
 *
 * Collapse compares entries exactly, so a page is restored the way the
 * direct map's users restore it: set_direct_map_default_noflush(), which
 * makes its entry PAGE_KERNEL again.
 *
 * Run with: tools/testing/kunit/kunit.py run --arch=x86_64 \
 *		--kunitconfig=arch/x86/mm/pat
 */
#include <kunit/test.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/proc_fs.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/seqlock.h>
#include <linux/set_memory.h>
#include <linux/stop_machine.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>
#include <linux/pgtable.h>
#include <linux/rcupdate.h>
#include <linux/sched/clock.h>
#include <asm/tlbflush.h>

#define BLOCK_ORDER	(PMD_SHIFT - PAGE_SHIFT)
#define BLOCK_PAGES	BIT(BLOCK_ORDER)

static unsigned long vm_event(struct kunit *test, enum vm_event_item item)
{
	unsigned long *ev = kunit_kcalloc(test, NR_VM_EVENT_ITEMS,
					  sizeof(*ev), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ev);
	all_vm_events(ev);
	return ev[item];
}

/*
 * The direct_map_* events count only once the system is running (splits
 * always have, collapses do the same): when the suite runs at boot, they
 * must not move. The guest plan runs the suite again after boot.
 */
static unsigned long events(unsigned long n)
{
	return system_state == SYSTEM_RUNNING ? n : 0;
}

/* DirectMap4k, DirectMap2M and DirectMap1G of /proc/meminfo, in kB. */
struct direct_map {
	unsigned long k4, m2, g1;
};

static struct direct_map direct_map(struct kunit *test)
{
	struct direct_map dm = {};
	struct seq_file m = { .size = PAGE_SIZE };
	char *line;

	m.buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m.buf);
	arch_report_meminfo(&m);
	while ((line = strsep(&m.buf, "\n")) && *line) {
		if (sscanf(line, "DirectMap4k: %lu", &dm.k4) == 1 ||
		    sscanf(line, "DirectMap2M: %lu", &dm.m2) == 1 ||
		    sscanf(line, "DirectMap1G: %lu", &dm.g1) == 1)
			continue;
	}
	return dm;
}

/* Under RCU: a concurrent collapse frees tables after a grace period. */
static unsigned int map_level(unsigned long addr)
{
	unsigned int level;
	pte_t *pte;

	rcu_read_lock();
	pte = lookup_address(addr, &level);
	rcu_read_unlock();
	return pte ? level : PG_LEVEL_NONE;
}

static void free_block(void *addr)
{
	free_pages((unsigned long)addr, BLOCK_ORDER);
}

/*
 * A 2 MiB block of memory from @gfp whose direct mapping is a large page
 * of at most @max_level; it is freed when the test ends. Blocks that do
 * not qualify (e.g. left split on purpose by earlier tests) are kept
 * until the test ends, so that the page allocator does not hand them out
 * again.
 */
static unsigned long __get_block(struct kunit *test, gfp_t gfp,
				 unsigned int max_level)
{
	unsigned long addr;
	int tries;

	for (tries = 0; tries < 16; tries++) {
		addr = __get_free_pages(gfp | GFP_KERNEL | __GFP_NOWARN, BLOCK_ORDER);
		if (!addr)
			break;
		KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, free_block,
								   (void *)addr));
		if (map_level(addr) == PG_LEVEL_4K)
			set_direct_map_collapse(addr, BLOCK_PAGES);
		if (map_level(addr) != PG_LEVEL_4K && map_level(addr) <= max_level)
			return addr;
	}
	kunit_skip(test, "no free 2 MiB block mapped by a large page");
	return 0;
}

static unsigned long get_block(struct kunit *test)
{
	return __get_block(test, 0, PG_LEVEL_1G);
}

/* The page table that maps @addr with 4K PTEs. */
static struct page *pte_table(unsigned long addr)
{
	unsigned int level;
	pte_t *pte = lookup_address(addr, &level);

	return level == PG_LEVEL_4K ? virt_to_page(pte) : NULL;
}

/* Give the page at @addr the direct map's default protections again. */
static int restore_default(unsigned long addr)
{
	return set_direct_map_default_noflush(virt_to_page((void *)addr));
}

/* Split the block around @addr by making its page read-only, restore it. */
static int split_and_restore(unsigned long addr)
{
	return set_memory_ro(addr, 1) ?: restore_default(addr);
}

/*
 * Split by changing one page's protection, restore it, collapse; the PTE
 * table is freed after an RCU grace period (a reference of the test's
 * own keeps the page from being handed out again meanwhile).
 */
static void collapse_after_restore(struct kunit *test)
{
	unsigned long addr = get_block(test), page = addr + 5 * PAGE_SIZE;
	unsigned int level = map_level(addr);
	unsigned long splits, collapses;
	struct direct_map dm0, dm1, dm2;
	struct page *table;

	memset((void *)addr, 0x5a, PMD_SIZE);
	splits = vm_event(test, DIRECT_MAP_LEVEL2_SPLIT);
	dm0 = direct_map(test);

	KUNIT_ASSERT_EQ(test, 0, set_memory_ro(page, 1));
	KUNIT_EXPECT_EQ(test, map_level(addr), PG_LEVEL_4K);
	KUNIT_EXPECT_EQ(test, vm_event(test, DIRECT_MAP_LEVEL2_SPLIT),
			splits + events(1));
	table = pte_table(addr);
	KUNIT_ASSERT_NOT_NULL(test, table);
	KUNIT_EXPECT_EQ(test, page_ref_count(table), 1);
	dm1 = direct_map(test);
	KUNIT_EXPECT_EQ(test, dm1.k4, dm0.k4 + PMD_SIZE / SZ_1K);

	KUNIT_ASSERT_EQ(test, 0, restore_default(page));
	collapses = vm_event(test, DIRECT_MAP_LEVEL2_COLLAPSE);
	get_page(table);
	KUNIT_EXPECT_GE(test, set_direct_map_collapse(addr, BLOCK_PAGES), 1);

	KUNIT_EXPECT_EQ(test, map_level(addr), level);
	KUNIT_EXPECT_EQ(test, vm_event(test, DIRECT_MAP_LEVEL2_COLLAPSE),
			collapses + events(1));
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, page_ref_count(table), 1);
	put_page(table);
	dm2 = direct_map(test);
	KUNIT_EXPECT_EQ(test, dm2.k4, dm0.k4);
	KUNIT_EXPECT_EQ(test, dm2.m2, dm0.m2);
	KUNIT_EXPECT_EQ(test, dm2.g1, dm0.g1);
	KUNIT_EXPECT_TRUE(test, !memchr_inv((void *)addr, 0x5a, PMD_SIZE));
}

/*
 * A reader inside rcu_read_lock(), as kernel_page_present() is, keeps the
 * table that a collapse replaced from being freed: it may still be
 * walking it. Once the reader is done and callbacks have run, the table
 * is released (a reference of the test's own keeps the page from being
 * handed out again meanwhile).
 *
 * Without preemptible RCU the reader spins with preemption off, and
 * whatever needs its CPU meanwhile waits: a stop_machine() (a clocksource
 * change at boot makes one) would wait for the reader, the reader for the
 * test, and the test for the CPU that the stopper holds. The reader
 * therefore leaves after READER_SPIN_NS; a round in which it had to is not
 * judged, and the test runs another.
 */
#define READER_SPIN_NS	(2 * NSEC_PER_SEC)
#define READER_ROUNDS	3

struct rcu_reader {
	bool locked, done, left_early;
};

static int rcu_reader(void *data)
{
	struct rcu_reader *r = data;
	u64 deadline;

	rcu_read_lock();
	deadline = local_clock() + READER_SPIN_NS;
	WRITE_ONCE(r->locked, true);
	while (!READ_ONCE(r->done)) {
		if (local_clock() > deadline) {
			WRITE_ONCE(r->left_early, true);
			break;
		}
		cpu_relax();
	}
	rcu_read_unlock();
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

static struct task_struct *start_reader(struct kunit *test, struct rcu_reader *r)
{
	struct task_struct *task;

	memset(r, 0, sizeof(*r));
	task = kthread_run(rcu_reader, r, "cpa-rcu-reader");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	while (!READ_ONCE(r->locked))
		schedule_timeout_uninterruptible(1);
	return task;
}

static void free_after_grace_period(struct kunit *test)
{
	unsigned long addr = get_block(test), page = addr + 11 * PAGE_SIZE;
	struct task_struct *task;
	struct rcu_reader *r;
	struct page *table;
	int collapsed, round;
	bool held;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	for (round = 0; round < READER_ROUNDS; round++) {
		KUNIT_ASSERT_EQ(test, 0, split_and_restore(page));
		table = pte_table(addr);
		KUNIT_ASSERT_NOT_NULL(test, table);

		task = start_reader(test, r);
		collapsed = set_direct_map_collapse(addr, BLOCK_PAGES);
		/* Not freed while the reader may walk it. */
		held = page_ref_count(table) == 1 && PageTable(table);
		if (held)
			get_page(table);
		WRITE_ONCE(r->done, true);
		kthread_stop(task);
		if (!READ_ONCE(r->left_early))
			break;
		kunit_info(test, "round %d: the reader had to leave early, not judged\n",
			   round);
		rcu_barrier();
		if (held)
			put_page(table);
	}
	KUNIT_ASSERT_LT_MSG(test, round, READER_ROUNDS,
			    "the reader had to leave early in every round");

	KUNIT_EXPECT_GE(test, collapsed, 1);
	KUNIT_ASSERT_TRUE_MSG(test, held,
			      "the table was freed while a reader was inside rcu_read_lock()");
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, page_ref_count(table), 1);
	put_page(table);
}

static int stop_nothing(void *unused)
{
	return 0;
}

/*
 * The reader of free_after_grace_period() does not hold up a
 * stop_machine() for longer than READER_SPIN_NS (before it left on its
 * own, the test and the stopper waited for each other for good). With
 * preemptible RCU the stopper simply preempts the reader, which then need
 * not leave early.
 */
static void reader_lets_stop_machine_run(struct kunit *test)
{
	struct task_struct *task;
	struct rcu_reader *r;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	task = start_reader(test, r);
	KUNIT_EXPECT_EQ(test, stop_machine(stop_nothing, NULL, NULL), 0);
	if (!IS_ENABLED(CONFIG_PREEMPT_RCU))
		KUNIT_EXPECT_TRUE(test, READ_ONCE(r->left_early));
	WRITE_ONCE(r->done, true);
	kthread_stop(task);
}

/*
 * A block with one page of other protections is not collapsed. Flags are
 * compared exactly: set_memory_rw() does not give back the Dirty bit that
 * set_memory_ro() took, so the block stays split until the page is
 * restored to the default.
 */
static void refuse_other_protection(struct kunit *test)
{
	unsigned long addr = get_block(test), page = addr + 9 * PAGE_SIZE;

	KUNIT_ASSERT_EQ(test, 0, set_memory_ro(page, 1));
	KUNIT_EXPECT_EQ(test, set_direct_map_collapse(addr, BLOCK_PAGES), 0);
	KUNIT_EXPECT_EQ(test, map_level(addr), PG_LEVEL_4K);
	KUNIT_ASSERT_EQ(test, 0, set_memory_rw(page, 1));
	KUNIT_EXPECT_EQ(test, set_direct_map_collapse(addr, BLOCK_PAGES), 0);
	KUNIT_EXPECT_EQ(test, map_level(addr), PG_LEVEL_4K);
	KUNIT_ASSERT_EQ(test, 0, restore_default(page));
	KUNIT_EXPECT_GE(test, set_direct_map_collapse(addr, BLOCK_PAGES), 1);
}

/*
 * set_memory_np() and then set_memory_p() (clear_mce_nospec() after a
 * machine check) give the page its protections back in full: CPA drops
 * _PAGE_GLOBAL from an entry that is not present, and set_memory_p() sets
 * it again, so the block can be collapsed.
 */
static void collapse_after_np_p(struct kunit *test)
{
	unsigned long addr = get_block(test), page = addr + 3 * PAGE_SIZE;

	KUNIT_ASSERT_EQ(test, 0, set_memory_np(page, 1));
	KUNIT_EXPECT_EQ(test, map_level(addr), PG_LEVEL_4K);
	KUNIT_ASSERT_EQ(test, 0, set_memory_p(page, 1));
	KUNIT_EXPECT_GE(test, set_direct_map_collapse(addr, BLOCK_PAGES), 1);
	KUNIT_EXPECT_NE(test, map_level(addr), PG_LEVEL_4K);
}

/*
 * A page given its default protections back without a flush
 * (set_direct_map_default_noflush() after set_memory_ro()) can leave
 * other CPUs with a read-only 4K entry for it. The collapse flushes all
 * TLBs before it merges, so that no CPU holds entries of two sizes with
 * different protections, and again before it frees the table: two
 * all-CPU flushes (counted in nr_tlb_remote_flush with
 * CONFIG_DEBUG_TLBFLUSH).
 */
static void flush_before_merge(struct kunit *test)
{
#ifdef CONFIG_DEBUG_TLBFLUSH
	unsigned long addr = get_block(test), page = addr + 13 * PAGE_SIZE;
	unsigned long flushes;

	KUNIT_ASSERT_EQ(test, 0, set_memory_ro(page, 1));
	KUNIT_ASSERT_EQ(test, 0, restore_default(page));
	flushes = vm_event(test, NR_TLB_REMOTE_FLUSH);
	KUNIT_EXPECT_GE(test, set_direct_map_collapse(addr, BLOCK_PAGES), 1);
	KUNIT_EXPECT_GE(test, vm_event(test, NR_TLB_REMOTE_FLUSH), flushes + 2);
#else
	kunit_skip(test, "needs CONFIG_DEBUG_TLBFLUSH");
#endif
}

/* A block with one page not present is not collapsed. */
static void refuse_not_present(struct kunit *test)
{
	unsigned long addr = get_block(test), page = addr + 7 * PAGE_SIZE;

	KUNIT_ASSERT_EQ(test, 0, set_direct_map_invalid_noflush(virt_to_page(page)));
	flush_tlb_kernel_range(page, page + PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, set_direct_map_collapse(addr, BLOCK_PAGES), 0);
	KUNIT_EXPECT_EQ(test, map_level(addr), PG_LEVEL_4K);
	KUNIT_ASSERT_EQ(test, 0, set_direct_map_default_noflush(virt_to_page(page)));
	KUNIT_EXPECT_GE(test, set_direct_map_collapse(addr, BLOCK_PAGES), 1);
}

/*
 * set_memory_4k() marks its range: never collapsed, whether it split the
 * block itself or the block was split already (KFENCE's pool). The block
 * stays split when it goes back to the page allocator; that is the point.
 * So take blocks that a 2 MiB page maps (below 4 GiB): a marked block
 * inside a 1 GiB mapping would keep that 1 GiB from ever being one page
 * again, and collapse_1g needs one.
 */
static void refuse_deliberate_4k(struct kunit *test)
{
	unsigned long a = __get_block(test, GFP_DMA32, PG_LEVEL_2M);
	unsigned long b = __get_block(test, GFP_DMA32, PG_LEVEL_2M);

	KUNIT_ASSERT_EQ(test, 0, set_memory_4k(a + 3 * PAGE_SIZE, 1));
	KUNIT_EXPECT_EQ(test, map_level(a), PG_LEVEL_4K);
	KUNIT_EXPECT_EQ(test, set_direct_map_collapse(a, BLOCK_PAGES), 0);
	KUNIT_EXPECT_EQ(test, map_level(a), PG_LEVEL_4K);

	KUNIT_ASSERT_EQ(test, 0, split_and_restore(b));
	KUNIT_ASSERT_EQ(test, 0, set_memory_4k(b + 3 * PAGE_SIZE, 1));
	KUNIT_EXPECT_EQ(test, set_direct_map_collapse(b, BLOCK_PAGES), 0);
	KUNIT_EXPECT_EQ(test, map_level(b), PG_LEVEL_4K);
}

/*
 * Memory hot-remove frees the direct map's page tables under
 * mem_hotplug_lock, not the CPA locks. While hotplug runs (the lock held
 * for write, as offline_pages() and arch_remove_memory() run), a collapse
 * changes nothing and says so, without waiting for it; afterwards it works.
 */
static void refuse_during_hotplug(struct kunit *test)
{
	unsigned long addr = get_block(test);
	unsigned int level;
	int ret;

	if (!IS_ENABLED(CONFIG_MEMORY_HOTPLUG))
		kunit_skip(test, "no memory hotplug");
	KUNIT_ASSERT_EQ(test, 0, split_and_restore(addr));
	mem_hotplug_begin();
	ret = set_direct_map_collapse(addr, BLOCK_PAGES);
	level = map_level(addr);
	mem_hotplug_done();
	KUNIT_EXPECT_EQ(test, ret, -EBUSY);
	KUNIT_EXPECT_EQ(test, level, PG_LEVEL_4K);
	KUNIT_EXPECT_GE(test, set_direct_map_collapse(addr, BLOCK_PAGES), 1);
	KUNIT_EXPECT_NE(test, map_level(addr), PG_LEVEL_4K);
}

#ifdef CONFIG_FAIL_CPA_SPLIT
/*
 * A split whose page-table allocation fails (the first fail_cpa_split
 * injection point this task reaches) fails the CPA call and leaves the
 * block mapped as it was, writable.
 */
static void split_failure(struct kunit *test)
{
	unsigned long addr = get_block(test), page = addr + 3 * PAGE_SIZE;
	unsigned int level = map_level(addr);
	int err;

	current->fail_nth = 1;
	err = set_memory_ro(page, 1);
	current->fail_nth = 0;
	KUNIT_EXPECT_EQ(test, err, -ENOMEM);
	KUNIT_EXPECT_EQ(test, map_level(addr), level);
	memset((void *)page, 0x5a, PAGE_SIZE);

	KUNIT_ASSERT_EQ(test, 0, set_memory_ro(page, 1));
	KUNIT_EXPECT_EQ(test, map_level(addr), PG_LEVEL_4K);
	KUNIT_ASSERT_EQ(test, 0, restore_default(page));
	KUNIT_EXPECT_GE(test, set_direct_map_collapse(addr, BLOCK_PAGES), 1);
}
#endif

/* Misaligned ranges and addresses outside the direct map are refused. */
static void refuse_bad_range(struct kunit *test)
{
	unsigned long addr = get_block(test);
	void *vaddr;

	KUNIT_EXPECT_EQ(test, set_direct_map_collapse(addr + PAGE_SIZE, BLOCK_PAGES),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, set_direct_map_collapse(addr, BLOCK_PAGES - 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, set_direct_map_collapse(addr, 0), -EINVAL);

	vaddr = vmalloc(PMD_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, vaddr);
	KUNIT_EXPECT_EQ(test, set_direct_map_collapse(ALIGN((unsigned long)vaddr,
							    PMD_SIZE), BLOCK_PAGES),
			-EINVAL);
	vfree(vaddr);
	KUNIT_EXPECT_EQ(test, set_direct_map_collapse(__START_KERNEL_map, BLOCK_PAGES),
			-EINVAL);
}

/* A free block inside a 1 GiB mapping, or skip. */
static unsigned long get_block_1g(struct kunit *test)
{
	int i;

	if (!direct_gbpages)
		kunit_skip(test, "no 1 GiB pages (CPU without pdpe1gb)");
	for (i = 0; i < 64; i++) {
		unsigned long addr = get_block(test);

		if (map_level(addr) == PG_LEVEL_1G)
			return addr;
	}
	kunit_skip(test, "no free block in a 1 GiB mapping (needs 1 GiB of RAM)");
	return 0;
}

/* A block inside a 1 GiB mapping: split twice, collapse twice. */
static void collapse_1g(struct kunit *test)
{
	unsigned long addr = get_block_1g(test), splits, collapses;
	struct direct_map dm0;

	splits = vm_event(test, DIRECT_MAP_LEVEL3_SPLIT);
	collapses = vm_event(test, DIRECT_MAP_LEVEL3_COLLAPSE);
	dm0 = direct_map(test);

	KUNIT_ASSERT_EQ(test, 0, set_memory_ro(addr, 1));
	KUNIT_EXPECT_EQ(test, map_level(addr), PG_LEVEL_4K);
	KUNIT_EXPECT_EQ(test, vm_event(test, DIRECT_MAP_LEVEL3_SPLIT), splits + events(1));
	KUNIT_ASSERT_EQ(test, 0, restore_default(addr));

	KUNIT_EXPECT_EQ(test, set_direct_map_collapse(addr, BLOCK_PAGES), 2);
	KUNIT_EXPECT_EQ(test, map_level(addr), PG_LEVEL_1G);
	KUNIT_EXPECT_EQ(test, vm_event(test, DIRECT_MAP_LEVEL3_COLLAPSE),
			collapses + events(1));
	KUNIT_EXPECT_EQ(test, direct_map(test).g1, dm0.g1);
	KUNIT_EXPECT_EQ(test, direct_map(test).m2, dm0.m2);
	KUNIT_EXPECT_EQ(test, direct_map(test).k4, dm0.k4);
}

/*
 * A block inside a 1 GiB mapping made invalid and valid again as a whole
 * (set_direct_map_valid_noflush() on 2 MiB): the 1 GiB page is split into
 * 512 PMD leaves and the block comes back as one leaf, so there is no
 * PMD to collapse; the PUD still collapses.
 */
static void collapse_1g_over_leaves(struct kunit *test)
{
	unsigned long addr = get_block_1g(test), collapses;
	struct page *page = virt_to_page((void *)addr);

	collapses = vm_event(test, DIRECT_MAP_LEVEL3_COLLAPSE);
	KUNIT_ASSERT_EQ(test, 0, set_direct_map_valid_noflush(page, BLOCK_PAGES, false));
	flush_tlb_kernel_range(addr, addr + PMD_SIZE);
	KUNIT_EXPECT_EQ(test, map_level(addr), PG_LEVEL_2M);
	KUNIT_EXPECT_FALSE(test, kernel_page_present(page));
	KUNIT_ASSERT_EQ(test, 0, set_direct_map_valid_noflush(page, BLOCK_PAGES, true));
	KUNIT_EXPECT_EQ(test, map_level(addr), PG_LEVEL_2M);

	KUNIT_EXPECT_EQ(test, set_direct_map_collapse(addr, BLOCK_PAGES), 1);
	KUNIT_EXPECT_EQ(test, map_level(addr), PG_LEVEL_1G);
	KUNIT_EXPECT_EQ(test, vm_event(test, DIRECT_MAP_LEVEL3_COLLAPSE),
			collapses + events(1));
}

/*
 * vfree() of an area with VM_FLUSH_RESET_PERMS resets the direct map of
 * its pages to the default and collapses their blocks: the split made by
 * set_memory_ro() on the area (through its direct-map alias) is undone.
 */
#define VM_PAGES	16

static void collapse_on_vfree_reset_perms(struct kunit *test)
{
	unsigned long block[VM_PAGES], splits, collapses;
	struct direct_map dm0, dm1, dm2;
	void *area;
	int i;

	area = vmalloc(VM_PAGES * PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, area);
	set_vm_flush_reset_perms(area);
	for (i = 0; i < VM_PAGES; i++) {
		block[i] = (unsigned long)page_address(vmalloc_to_page(area + i * PAGE_SIZE));
		block[i] &= PMD_MASK;
		if (map_level(block[i]) == PG_LEVEL_4K)
			set_direct_map_collapse(block[i], BLOCK_PAGES);
		if (map_level(block[i]) == PG_LEVEL_4K) {
			vfree(area);
			kunit_skip(test, "a page of the area lies in a block split for good");
		}
	}

	dm0 = direct_map(test);
	splits = vm_event(test, DIRECT_MAP_LEVEL2_SPLIT);
	collapses = vm_event(test, DIRECT_MAP_LEVEL2_COLLAPSE);
	KUNIT_ASSERT_EQ(test, 0, set_memory_ro((unsigned long)area, VM_PAGES));
	for (i = 0; i < VM_PAGES; i++)
		KUNIT_EXPECT_EQ(test, map_level(block[i]), PG_LEVEL_4K);
	dm1 = direct_map(test);
	KUNIT_EXPECT_GE(test, vm_event(test, DIRECT_MAP_LEVEL2_SPLIT), splits + events(1));

	vfree(area);
	dm2 = direct_map(test);
	for (i = 0; i < VM_PAGES; i++)
		KUNIT_EXPECT_NE(test, map_level(block[i]), PG_LEVEL_4K);
	KUNIT_EXPECT_GE(test, vm_event(test, DIRECT_MAP_LEVEL2_COLLAPSE),
			collapses + events(1));
	KUNIT_EXPECT_EQ(test, dm2.k4, dm0.k4);
	kunit_info(test, "DirectMap4k %lu, ro %lu, vfree %lu kB; splits +%lu, collapses +%lu\n",
		   dm0.k4, dm1.k4, dm2.k4,
		   vm_event(test, DIRECT_MAP_LEVEL2_SPLIT) - splits,
		   vm_event(test, DIRECT_MAP_LEVEL2_COLLAPSE) - collapses);
}

/*
 * Collapse racing with CPA. Flipper threads make odd pages of the blocks
 * read-only and restore them (splitting blocks), a collapser thread
 * collapses the blocks, and a writer fills and checks the even pages.
 * Afterwards every page must map its own frame, writable and NX, the
 * even pages must hold what was written, and every block collapses.
 */
#define RACE_BLOCKS	4
#define RACE_FLIPPERS	2

struct race {
	unsigned long block[RACE_BLOCKS];
	atomic_t errors;
	atomic_t collapses;
	atomic_t rounds;
};

static int race_flipper(void *data)
{
	struct race *r = data;

	while (!kthread_should_stop()) {
		unsigned long page = r->block[get_random_u32_below(RACE_BLOCKS)] +
			(2 * get_random_u32_below(BLOCK_PAGES / 2) + 1) * PAGE_SIZE;

		if (split_and_restore(page))
			atomic_inc(&r->errors);
		cond_resched();
	}
	return 0;
}

static int race_collapser(void *data)
{
	struct race *r = data;
	int i, ret;

	while (!kthread_should_stop()) {
		for (i = 0; i < RACE_BLOCKS; i++) {
			ret = set_direct_map_collapse(r->block[i], BLOCK_PAGES);
			if (ret < 0)
				atomic_inc(&r->errors);
			else
				atomic_add(ret, &r->collapses);
		}
		cond_resched();
	}
	return 0;
}

static int race_writer(void *data)
{
	struct race *r = data;
	unsigned long i, p;
	u8 round;

	while (!kthread_should_stop()) {
		round = atomic_inc_return(&r->rounds);
		for (i = 0; i < RACE_BLOCKS; i++)
			for (p = 0; p < BLOCK_PAGES; p += 2)
				memset((void *)(r->block[i] + p * PAGE_SIZE), round, 64);
		for (i = 0; i < RACE_BLOCKS; i++)
			for (p = 0; p < BLOCK_PAGES; p += 2)
				if (memchr_inv((void *)(r->block[i] + p * PAGE_SIZE), round, 64))
					atomic_inc(&r->errors);
		cond_resched();
	}
	return 0;
}

static void collapse_race(struct kunit *test)
{
	struct task_struct *task[RACE_FLIPPERS + 2];
	unsigned long end, p;
	struct race *r;
	int i, started;

	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	for (i = 0; i < RACE_BLOCKS; i++)
		r->block[i] = get_block(test);

	for (i = 0; i < ARRAY_SIZE(task); i++) {
		if (i < RACE_FLIPPERS)
			task[i] = kthread_run(race_flipper, r, "cpa-flipper/%d", i);
		else if (i == RACE_FLIPPERS)
			task[i] = kthread_run(race_collapser, r, "cpa-collapser");
		else
			task[i] = kthread_run(race_writer, r, "cpa-writer");
		if (IS_ERR(task[i]))
			break;
	}
	if (i == ARRAY_SIZE(task)) {
		end = jiffies + 2 * HZ;
		while (time_before(jiffies, end))
			schedule_timeout_interruptible(HZ / 10);
	}
	started = i;
	while (i--)
		kthread_stop(task[i]);
	KUNIT_ASSERT_EQ(test, started, ARRAY_SIZE(task));

	kunit_info(test, "%d writer rounds, %d collapses during the race\n",
		   atomic_read(&r->rounds), atomic_read(&r->collapses));
	KUNIT_EXPECT_EQ(test, atomic_read(&r->errors), 0);
	KUNIT_EXPECT_GT(test, atomic_read(&r->collapses), 0);
	for (i = 0; i < RACE_BLOCKS; i++) {
		for (p = 0; p < BLOCK_PAGES; p++) {
			unsigned long addr = r->block[i] + p * PAGE_SIZE;
			unsigned int level;
			pte_t *pte = lookup_address(addr, &level);
			unsigned long pfn;

			KUNIT_ASSERT_NOT_NULL(test, pte);
			pfn = pte_pfn(*pte);
			if (level == PG_LEVEL_2M)
				pfn += (addr & ~PMD_MASK) >> PAGE_SHIFT;
			else if (level == PG_LEVEL_1G)
				pfn += (addr & ~PUD_MASK) >> PAGE_SHIFT;
			KUNIT_EXPECT_EQ(test, pfn, PHYS_PFN(__pa(addr)));
			KUNIT_EXPECT_TRUE(test, pte_present(*pte) && pte_write(*pte));
		}
		KUNIT_EXPECT_GE(test, set_direct_map_collapse(r->block[i], BLOCK_PAGES), 0);
		KUNIT_EXPECT_NE(test, map_level(r->block[i]), PG_LEVEL_4K);
	}
}

/*
 * Lockless walkers against split and collapse. A reader thread spins on
 * kernel_page_present() for the first page of a block while this thread
 * changes the block's mapping around that page: the whole block is made
 * not present (a not-present PMD leaf), the rest of the block present
 * again (a split: the PMD becomes a table entry, which has _PAGE_PRESENT
 * set), the first page present, and the block collapsed (the table entry
 * becomes a leaf again). The two steps that change the first page itself
 * are write sections of @seq; whenever the reader's call ran wholly
 * outside them, its answer must be @present. A walker that reads the PMD
 * a second time calls the page present after the split, and after the
 * collapse follows the (zeroed) page as a page table and calls it not
 * present.
 */
struct walk_race {
	struct page *page;
	seqcount_t seq;		/* odd while the first page changes */
	bool present;		/* the first page, between changes */
	atomic_long_t reads, wrong;
};

static int walk_reader(void *data)
{
	struct walk_race *w = data;
	unsigned int seq;
	bool present, want;

	while (!kthread_should_stop()) {
		/* Never waits on an odd count: the writer sleeps in CPA. */
		seq = raw_read_seqcount(&w->seq);
		want = READ_ONCE(w->present);
		present = kernel_page_present(w->page);
		if (!(seq & 1) && !read_seqcount_retry(&w->seq, seq)) {
			atomic_long_inc(&w->reads);
			if (present != want)
				atomic_long_inc(&w->wrong);
		}
		cond_resched();
	}
	return 0;
}

/* Make the first page of the block present or not present. */
static int walk_set_first(struct walk_race *w, unsigned long addr,
			  int numpages, bool present)
{
	int err;

	raw_write_seqcount_begin(&w->seq);
	err = present ? set_memory_p(addr, numpages) :
			set_memory_np(addr, numpages);
	WRITE_ONCE(w->present, present);
	raw_write_seqcount_end(&w->seq);
	return err;
}

static void walker_race(struct kunit *test)
{
	unsigned long addr = get_block(test), end, rounds = 0, collapsed = 0;
	struct task_struct *reader;
	struct walk_race *w;

	w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	w->page = virt_to_page((void *)addr);
	seqcount_init(&w->seq);
	w->present = true;
	/* What a walker that follows the leaf as a table would read. */
	memset((void *)addr, 0, PMD_SIZE);

	reader = kthread_run(walk_reader, w, "cpa-walker");
	KUNIT_ASSERT_FALSE(test, IS_ERR(reader));
	end = jiffies + 3 * HZ;
	while (time_before(jiffies, end)) {
		if (walk_set_first(w, addr, BLOCK_PAGES, false))
			break;
		/* The first page stays absent while its PMD is split. */
		if (set_memory_p(addr + PAGE_SIZE, BLOCK_PAGES - 1))
			break;
		if (walk_set_first(w, addr, 1, true))
			break;
		/* ... and present while the block is collapsed. */
		collapsed += set_direct_map_collapse(addr, BLOCK_PAGES) > 0;
		rounds++;
	}
	kthread_stop(reader);

	kunit_info(test, "%lu rounds, %lu collapses, %ld settled reads, %ld wrong\n",
		   rounds, collapsed, atomic_long_read(&w->reads),
		   atomic_long_read(&w->wrong));
	/* The block as it was: present, global, one large page. */
	KUNIT_EXPECT_EQ(test, 0, set_memory_p(addr, BLOCK_PAGES));
	KUNIT_EXPECT_EQ(test, 0, set_memory_global(addr, BLOCK_PAGES));
	set_direct_map_collapse(addr, BLOCK_PAGES);
	KUNIT_EXPECT_GT(test, rounds, 0);
	KUNIT_EXPECT_EQ(test, collapsed, rounds);
	KUNIT_EXPECT_GT(test, atomic_long_read(&w->reads), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&w->wrong), 0);
}

static int collapse_test_init(struct kunit *test)
{
	if (!boot_cpu_has(X86_FEATURE_PSE) || debug_pagealloc_enabled()) {
		KUNIT_EXPECT_EQ(test, set_direct_map_collapse(PAGE_OFFSET, BLOCK_PAGES),
				-EOPNOTSUPP);
		kunit_skip(test, "no large pages in the direct map (no PSE, or debug_pagealloc)");
	}
	return 0;
}

static struct kunit_case collapse_test_cases[] = {
	KUNIT_CASE(collapse_after_restore),
	KUNIT_CASE(free_after_grace_period),
	KUNIT_CASE(reader_lets_stop_machine_run),
	KUNIT_CASE(refuse_other_protection),
	KUNIT_CASE(collapse_after_np_p),
	KUNIT_CASE(flush_before_merge),
	KUNIT_CASE(refuse_not_present),
	KUNIT_CASE(refuse_deliberate_4k),
	KUNIT_CASE(refuse_during_hotplug),
	KUNIT_CASE(refuse_bad_range),
#ifdef CONFIG_FAIL_CPA_SPLIT
	KUNIT_CASE(split_failure),
#endif
	KUNIT_CASE(collapse_1g),
	KUNIT_CASE(collapse_1g_over_leaves),
	KUNIT_CASE(collapse_on_vfree_reset_perms),
	KUNIT_CASE_SLOW(collapse_race),
	KUNIT_CASE_SLOW(walker_race),
	{}
};

static struct kunit_suite collapse_test_suite = {
	.name = "x86_cpa_collapse",
	.init = collapse_test_init,
	.test_cases = collapse_test_cases,
};

kunit_test_suite(collapse_test_suite);

MODULE_DESCRIPTION("KUnit tests for x86 direct-map collapse");
MODULE_LICENSE("GPL");
