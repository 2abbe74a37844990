/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal interface of the unmapped-page cache, for the page allocator and
 * the KUnit tests. See mm/unmapped_alloc.c.
 */
#ifndef __MM_UNMAPPED_ALLOC_H
#define __MM_UNMAPPED_ALLOC_H

#include <linux/bits.h>
#include <linux/gfp_types.h>
#include <linux/nodemask.h>
#include <linux/pgtable.h>
#include <linux/printk.h>

struct alloc_context;
struct page;

/* The cache manages PMD-sized blocks and serves orders up to PMD order. */
#define UNMAPPED_BLOCK_ORDER	PMD_ORDER
#define UNMAPPED_BLOCK_PAGES	BIT(UNMAPPED_BLOCK_ORDER)
#define UNMAPPED_NR_ORDERS	(UNMAPPED_BLOCK_ORDER + 1)
#define UNMAPPED_MAX_ORDER	UNMAPPED_BLOCK_ORDER

#ifdef CONFIG_UNMAPPED_ALLOC
void prep_unmapped_page(struct page *page, unsigned int order, gfp_t gfp,
			unsigned int alloc_flags);
void unmapped_page_adopted(struct page *page, unsigned int order);
void unmapped_page_released(struct page *page, unsigned int order);
struct page *unmapped_alloc_pages(gfp_t gfp, unsigned int order,
				  nodemask_t *nodemask,
				  const struct alloc_context *ac,
				  unsigned int alloc_flags);
void unmapped_free_pages(struct page *page, unsigned int order, bool nolock);
bool unmapped_take_poisoned(struct page *page);
void unmapped_poisoned_freed(struct page *page);

int unmapped_alloc_check(gfp_t gfp, unsigned int order, bool ready);
int unmapped_adopt(struct page *page, unsigned int order, bool split);
unsigned long unmapped_alloc_drain(int nid);
unsigned long unmapped_alloc_isolated(unsigned long start_pfn,
				      unsigned long end_pfn);
unsigned long unmapped_alloc_shrink(int nid, unsigned long nr_to_scan);
unsigned long unmapped_alloc_reclaim(int nid, unsigned long nr_to_scan);
void unmapped_alloc_flush_shrink(int nid);
void unmapped_alloc_flush_release(int nid);
void unmapped_alloc_hold_shrink(int nid, bool hold);
int unmapped_alloc_hibernate(bool start);
unsigned long unmapped_alloc_nr_free(int nid, unsigned int order);
unsigned long unmapped_alloc_free_pages(int nid);
long unmapped_alloc_used_pages(int nid);
unsigned long unmapped_alloc_nr_blocks(int nid);
unsigned long unmapped_alloc_verify(int nid);
bool unmapped_alloc_owns(struct page *page);
bool unmapped_alloc_enabled(void);
int unmapped_alloc_set_enabled(bool on);
unsigned int unmapped_alloc_set_reserve(unsigned int blocks);
unsigned int unmapped_alloc_set_pcp_high(unsigned int high);
unsigned long unmapped_alloc_lock_count(int nid);
void unmapped_alloc_flush_stock(void);
void unmapped_alloc_hold_stock(bool hold);
#if IS_ENABLED(CONFIG_KUNIT)
void unmapped_restore_map(struct page *page, unsigned long nr);
#endif
#if IS_ENABLED(CONFIG_UNMAPPED_ALLOC_KUNIT_TEST)
/* Called right after each refill of an allocation, when set. */
extern void (*unmapped_refill_hook)(int nid);
#endif
#else
static inline struct page *unmapped_alloc_pages(gfp_t gfp, unsigned int order,
						nodemask_t *nodemask,
						const struct alloc_context *ac,
						unsigned int alloc_flags)
{
	pr_warn_once("__GFP_UNMAPPED needs CONFIG_UNMAPPED_ALLOC: refused\n");
	return NULL;
}

static inline void unmapped_free_pages(struct page *page, unsigned int order,
				       bool nolock)
{
}

static inline bool unmapped_take_poisoned(struct page *page)
{
	return false;
}

static inline void unmapped_poisoned_freed(struct page *page)
{
}

static inline unsigned long unmapped_alloc_isolated(unsigned long start_pfn,
						    unsigned long end_pfn)
{
	return 0;
}
#endif

#endif /* __MM_UNMAPPED_ALLOC_H */
