// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of an address space: its layout (the mm's ranges and
 * auxv), every VMA, and the pages that exist.
 *
 * Only memory the process made is written: present pages of private
 * anonymous and shared anonymous memory, and of private file mappings
 * only the pages written since they were mapped.  Untouched memory and
 * unmodified file pages cost nothing; restart maps the files again.
 */
#include <linux/binfmts.h>
#include <linux/checkpoint.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/memfd.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagewalk.h>
#include <linux/personality.h>
#include <linux/pkeys.h>
#include <linux/resource.h>
#include <linux/rseq.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/security.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/userfaultfd_k.h>

/* One VMA as taken under the mmap lock, to be written after dropping it. */
struct ckpt_vma {
	unsigned long start, end, pgoff;
	vm_flags_t vm_flags;
	u32 kind;
	struct file *file;		/* referenced, for CKPT_VMA_FILE */
	struct file *shmem;		/* referenced, for CKPT_VMA_SHMEM */
	bool made;			/* @file is a memfd or deleted */
	bool anon;			/* it has an anon_vma: pages */
	bool cow;			/* the parent's too: CKPT_VMA_COW */
	int same_proc;			/* the earlier process whose ... */
	unsigned int same_vma;		/* ... VMA maps its shmem object */
};

/*
 * Shared anonymous memory a process of a tree maps first, as the others
 * may map it too (inherited): its object is written once, with that VMA.
 */
struct ckpt_shmem_def {
	unsigned int proc, vma;		/* the VMA */
	unsigned long pgoff, pages;	/* its range in the object */
	unsigned int next;		/* the next of the object, + 1 */
};

struct ckpt_vmas {
	struct ckpt_vma *vma;
	unsigned int nr;
};

static int ckpt_vma_kind(struct vm_area_struct *vma, u32 *kind)
{
	const char *name;

	/* a special mapping the kernel made: the vDSO and its data */
	if (!vma->vm_file && vma->vm_ops && vma->vm_ops->name) {
		name = vma->vm_ops->name(vma);
		if (name && !strcmp(name, "[vdso]")) {
			*kind = CKPT_VMA_VDSO;
			return 0;
		}
		if (name && !strcmp(name, "[vvar]")) {
			*kind = CKPT_VMA_VVAR;
			return 0;
		}
		return -EOPNOTSUPP;
	}

	if (vma->vm_flags & (VM_IO | VM_PFNMAP | VM_MIXEDMAP) ||
	    is_vm_hugetlb_page(vma))
		return -EOPNOTSUPP;

	if (vma_is_anonymous(vma)) {
		*kind = CKPT_VMA_ANON;
		return 0;
	}
	/*
	 * A memfd's mapping has the anonymous shared memory's operations
	 * (shmem_mmap() of an unlinked inode), as has one of a tmpfs file
	 * unlinked before it was mapped, but a file the process may hold,
	 * map elsewhere, seal: a file mapping of what restart makes again.
	 */
	if (vma->vm_file && ckpt_file_is_made(vma->vm_file)) {
		*kind = CKPT_VMA_FILE;
		return 0;
	}
	if (vma_is_anon_shmem(vma)) {
		*kind = CKPT_VMA_SHMEM;
		return 0;
	}
	if (vma->vm_file && S_ISREG(file_inode(vma->vm_file)->i_mode)) {
		*kind = CKPT_VMA_FILE;
		return 0;
	}
	return -EOPNOTSUPP;
}

/*
 * What a VMA may have that restart cannot give it again, and that a
 * program would see (in /proc/PID/smaps, or as it behaves): refused.
 */
static const char *const ckpt_vma_what[] = {
	[1] = "a name (PR_SET_VMA)",
	[2] = "KSM (MADV_MERGEABLE)",
	[3] = "lock on fault (MLOCK_ONFAULT)",
	[4] = "a protection key",
	[5] = "a userfaultfd",
};

static int ckpt_vma_unsupported(struct vm_area_struct *vma)
{
	if (IS_ENABLED(CONFIG_ANON_VMA_NAME) && anon_vma_name(vma))
		return 1;
	if (vma->vm_flags & VM_MERGEABLE)
		return 2;
	if (vma->vm_flags & VM_LOCKONFAULT)
		return 3;
	if (vma_pkey(vma))
		return 4;
	if (userfaultfd_armed(vma))
		return 5;
	return 0;
}

/*
 * The kinds of VMA whose pages go into the image: anonymous memory and the
 * private pages of private file mappings.
 */
static bool ckpt_vma_has_pages(u32 kind, bool shared)
{
	switch (kind) {
	case CKPT_VMA_ANON:
	case CKPT_VMA_SHMEM:
		return true;
	case CKPT_VMA_FILE:
		return !shared;
	default:
		return false;
	}
}

static void ckpt_vmas_free(struct ckpt_vmas *vmas)
{
	unsigned int i;

	for (i = 0; i < vmas->nr; i++) {
		if (vmas->vma[i].file)
			fput(vmas->vma[i].file);
		if (vmas->vma[i].shmem)
			fput(vmas->vma[i].shmem);
	}
	kvfree(vmas->vma);
}

/* The VM_* flags a VMA record carries one for one, both ways. */
static const struct {
	vm_flags_t vm;
	u64 ckpt;
} ckpt_vma_bits[] = {
	{ VM_SHARED, CKPT_VMA_SHARED },
	{ VM_GROWSDOWN, CKPT_VMA_GROWSDOWN },
	{ VM_LOCKED, CKPT_VMA_LOCKED },
	{ VM_DONTCOPY, CKPT_VMA_DONTCOPY },
	{ VM_DONTDUMP, CKPT_VMA_DONTDUMP },
	{ VM_NORESERVE, CKPT_VMA_NORESERVE },
	{ VM_WIPEONFORK, CKPT_VMA_WIPEONFORK },
	{ VM_SEQ_READ, CKPT_VMA_SEQ_READ },
	{ VM_RAND_READ, CKPT_VMA_RAND_READ },
	{ VM_HUGEPAGE, CKPT_VMA_HUGEPAGE },
	{ VM_NOHUGEPAGE, CKPT_VMA_NOHUGEPAGE },
};

/* The VM_* flags of the CKPT_VMA_* @flags that stand for one. */
static vm_flags_t ckpt_vm_flags(u64 flags)
{
	vm_flags_t vm_flags = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ckpt_vma_bits); i++)
		if (flags & ckpt_vma_bits[i].ckpt)
			vm_flags |= ckpt_vma_bits[i].vm;
	return vm_flags;
}

static u64 ckpt_vma_flags(vm_flags_t vm_flags)
{
	u64 flags = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ckpt_vma_bits); i++)
		if (vm_flags & ckpt_vma_bits[i].vm)
			flags |= ckpt_vma_bits[i].ckpt;
	if ((vm_flags & (VM_SHARED | VM_MAYWRITE)) == (VM_SHARED | VM_MAYWRITE))
		flags |= CKPT_VMA_MAYWRITE;
	return flags;
}

/*
 * In a tree, shared anonymous memory is one object for every process that
 * maps it: a VMA of it defines it, its pages written with it, and a VMA
 * of a later process (which inherited it) within the range of one of an
 * earlier process maps it again.  Each VMA of the first process to map
 * the object (split by mprotect(), say) is an object of its own, as for
 * a single process; a later process's VMA of it that no earlier one's
 * holds (the object split after the fork) is refused.
 */
static int ckpt_vma_shmem_def(struct ckpt_ctx *ctx, struct ckpt_vma *v,
			      unsigned int index)
{
	const void *key = file_inode(v->shmem);
	unsigned long pages = (v->end - v->start) >> PAGE_SHIFT;
	struct ckpt_shmem_def *d = NULL;
	u32 first, i;
	int ret;

	ret = ckpt_seen_get(ctx, key, &first);
	if (ret)
		return ret;
	for (i = first; i; i = d->next) {
		d = &ctx->shmem_defs[i - 1];
		if (d->proc == ctx->cur)
			break;
		if (v->pgoff >= d->pgoff &&
		    v->pgoff + pages <= d->pgoff + d->pages) {
			v->same_proc = d->proc;
			v->same_vma = d->vma;
			return 0;
		}
	}
	if (first && d->proc != ctx->cur)
		return ckpt_refuse(ctx, -EOPNOTSUPP, -1,
				   "a mapping at %#lx-%#lx of shared anonymous memory that process %d of the tree maps in other parts: not supported yet",
				   v->start, v->end,
				   ctx->procs[d->proc].h.pid);
	ret = ckpt_array_grow((void **)&ctx->shmem_defs, &ctx->cap_shmem_defs,
			      ctx->nr_shmem_defs, sizeof(*ctx->shmem_defs));
	if (ret)
		return ret;
	d = &ctx->shmem_defs[ctx->nr_shmem_defs++];
	d->proc = ctx->cur;
	d->vma = index;
	d->pgoff = v->pgoff;
	d->pages = pages;
	d->next = 0;
	/* the first process's VMAs of it, in a chain from the first */
	if (first) {
		for (i = first; ctx->shmem_defs[i - 1].next;
		     i = ctx->shmem_defs[i - 1].next)
			;
		ctx->shmem_defs[i - 1].next = ctx->nr_shmem_defs;
		return 0;
	}
	return ckpt_seen_put(ctx, key, ctx->nr_shmem_defs);
}

/*
 * Private memory that a process of a tree may share copy-on-write with
 * its parent since a fork(): a VMA that the parent has too, alike in all
 * that restart gives a VMA, and that fork() copies with its pages (not
 * VM_DONTCOPY or VM_WIPEONFORK, nor locked, which the copy is not).
 * Its pages that are the parent's, the same page in both, go into the
 * image once, with the parent's.  The parent's VMAs were taken before.
 */
static bool ckpt_vma_cow(struct ckpt_ctx *ctx, const struct ckpt_vma *v,
			 bool same_exe)
{
	const vm_flags_t prot = VM_READ | VM_WRITE | VM_EXEC;
	const struct ckpt_vmas *pv;
	const struct ckpt_vma *p;
	unsigned int lo = 0, hi, mid;

	if (!same_exe || !v->anon || v->made ||
	    (v->kind != CKPT_VMA_ANON && v->kind != CKPT_VMA_FILE) ||
	    v->vm_flags & (VM_MAYSHARE | VM_LOCKED_MASK | VM_DONTCOPY |
			   VM_WIPEONFORK))
		return false;
	pv = ctx->procs[ctx->procs[ctx->cur].parent].st.vmas;
	if (!pv)
		return false;
	hi = pv->nr;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (pv->vma[mid].start < v->start)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == pv->nr)
		return false;
	p = &pv->vma[lo];
	if (p->start != v->start || p->end != v->end || p->pgoff != v->pgoff ||
	    p->kind != v->kind || !p->anon || p->made ||
	    (p->vm_flags ^ v->vm_flags) & prot ||
	    ckpt_vma_flags(p->vm_flags) != ckpt_vma_flags(v->vm_flags))
		return false;
	if (v->kind == CKPT_VMA_FILE &&
	    (file_inode(p->file) != file_inode(v->file) ||
	     (p->file->f_mode ^ v->file->f_mode) & FMODE_WRITE))
		return false;
	return true;
}

/*
 * Whether a process of a tree runs its parent's program (it did not
 * execve() since the fork, or ran the same again): restart makes a
 * process with CKPT_VMA_COW VMAs by fork() and keeps the parent's.
 */
static bool ckpt_same_exe(struct ckpt_ctx *ctx, struct mm_struct *mm)
{
	struct file *exe, *pexe;
	bool same;

	if (!ctx->cur)
		return false;
	exe = get_mm_exe_file(mm);
	pexe = get_mm_exe_file(ctx->procs[ctx->procs[ctx->cur].parent].st.mm);
	same = exe && pexe && file_inode(exe) == file_inode(pexe);
	if (exe)
		fput(exe);
	if (pexe)
		fput(pexe);
	return same;
}

/* Takes the VMAs of @mm, whose mmap lock the caller holds. */
static int ckpt_vmas_get(struct ckpt_ctx *ctx, struct mm_struct *mm,
			 struct ckpt_vmas *vmas)
{
	VMA_ITERATOR(vmi, mm, 0);
	struct vm_area_struct *vma;
	bool same_exe;
	int ret;

	same_exe = ckpt_same_exe(ctx, mm);

	vmas->nr = 0;
	vmas->vma = kvmalloc_array(mm->map_count, sizeof(*vmas->vma),
				   GFP_KERNEL);
	if (!vmas->vma)
		return -ENOMEM;

	for_each_vma(vmi, vma) {
		struct ckpt_vma *v = &vmas->vma[vmas->nr];

		if (WARN_ON_ONCE(vmas->nr == mm->map_count))
			return -EINVAL;
		ret = ckpt_vma_kind(vma, &v->kind);
		if (ret)
			return ckpt_refuse(ctx, ret, -1,
					   "a mapping of a kind not supported at %#lx-%#lx",
					   vma->vm_start, vma->vm_end);
		ret = ckpt_vma_unsupported(vma);
		if (ret)
			return ckpt_refuse(ctx, -EOPNOTSUPP, -1,
					   "a mapping at %#lx-%#lx with %s: not supported",
					   vma->vm_start, vma->vm_end,
					   ckpt_vma_what[ret]);
		v->start = vma->vm_start;
		v->end = vma->vm_end;
		v->pgoff = vma->vm_pgoff;
		v->vm_flags = vma->vm_flags;
		v->file = v->kind == CKPT_VMA_FILE ? get_file(vma->vm_file) : NULL;
		v->made = v->file && ckpt_file_is_made(v->file);
		v->anon = vma->anon_vma;
		v->cow = ckpt_vma_cow(ctx, v, same_exe);
		v->shmem = v->kind == CKPT_VMA_SHMEM ? get_file(vma->vm_file) :
			   NULL;
		vmas->nr++;
		v->same_proc = -1;
		if (v->kind == CKPT_VMA_SHMEM && ctx->nr_procs > 1) {
			ret = ckpt_vma_shmem_def(ctx, v, vmas->nr - 1);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int checkpoint_mm_layout(struct ckpt_ctx *ctx, struct mm_struct *mm,
				unsigned int nr_vmas)
{
	struct ckpt_hdr_mm *h;
	unsigned int i;
	int ret;

	BUILD_BUG_ON(ARRAY_SIZE(h->auxv) < AT_VECTOR_SIZE);

	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;

	spin_lock(&mm->arg_lock);
	h->start_code = mm->start_code;
	h->end_code = mm->end_code;
	h->start_data = mm->start_data;
	h->end_data = mm->end_data;
	h->start_brk = mm->start_brk;
	h->brk = mm->brk;
	h->start_stack = mm->start_stack;
	h->arg_start = mm->arg_start;
	h->arg_end = mm->arg_end;
	h->env_start = mm->env_start;
	h->env_end = mm->env_end;
	spin_unlock(&mm->arg_lock);

	/* auxv up to and with its AT_NULL pair */
	for (i = 0; i + 1 < AT_VECTOR_SIZE; i += 2) {
		h->auxv[i] = mm->saved_auxv[i];
		h->auxv[i + 1] = mm->saved_auxv[i + 1];
		if (mm->saved_auxv[i] == AT_NULL)
			break;
	}
	h->nr_auxv = i / 2 + 1;
	h->nr_vmas = nr_vmas;

	ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_MM, sizeof(*h));
	kfree(h);
	return ret;
}

static int checkpoint_vma(struct ckpt_ctx *ctx, struct ckpt_vma *v)
{
	struct ckpt_hdr_vma_made made = {};
	struct ckpt_hdr_vma h = {};
	int ret;

	h.start = v->start;
	h.end = v->end;
	h.pgoff = v->pgoff;
	h.flags = ckpt_vma_flags(v->vm_flags);
	/*
	 * A shared mapping of a file open only for reading has VM_MAYSHARE
	 * without VM_SHARED: it is shared all the same.  (/dev/zero mapped
	 * so is private anonymous memory, and stays so.)
	 */
	if (v->kind == CKPT_VMA_FILE && (v->vm_flags & VM_MAYSHARE))
		h.flags |= CKPT_VMA_SHARED;
	if (v->file && (v->file->f_mode & FMODE_WRITE))
		h.flags |= CKPT_VMA_FILE_RDWR;
	h.prot = (v->vm_flags & VM_READ ? PROT_READ : 0) |
		 (v->vm_flags & VM_WRITE ? PROT_WRITE : 0) |
		 (v->vm_flags & VM_EXEC ? PROT_EXEC : 0);
	h.kind = v->kind;
	if (v->made) {
		/* its description, in the files section */
		made.file = ckpt_made_map_id(ctx, v->file);
		if (!made.file)
			return -EAGAIN;	/* mapped since */
		h.flags |= CKPT_VMA_MADE;
	}

	if (v->same_proc >= 0)
		h.flags |= CKPT_VMA_SAME_SHMEM;
	if (v->cow)
		h.flags |= CKPT_VMA_COW;

	ret = ckpt_write_obj(ctx, &h.h, CKPT_HDR_VMA, sizeof(h));
	if (!ret && v->same_proc >= 0) {
		struct ckpt_hdr_vma_shmem sh = {
			.proc = v->same_proc,
			.vma = v->same_vma,
		};

		ret = ckpt_write_obj(ctx, &sh.h, CKPT_HDR_VMA_SHMEM,
				     sizeof(sh));
	}
	if (!ret && v->made)
		ret = ckpt_write_obj(ctx, &made.h, CKPT_HDR_VMA_MADE,
				     sizeof(made));
	else if (!ret && v->file)
		ret = ckpt_write_file(ctx, CKPT_HDR_VMA_FILE, v->file, -1);
	return ret;
}

/* The pages of one VMA that go into the image, a batch at a time. */
struct ckpt_pagewalk {
	struct ckpt_hdr_pages *h;	/* addr[] collects the batch */
	bool anon_only;			/* a private file mapping */
	unsigned long next;		/* where a full batch stopped */
	unsigned long *own;		/* the anonymous page at each */
	struct page **got;		/* CKPT_VMA_COW: each, referenced */
	unsigned long *pfn;		/* the parent's page at each */
	struct ckpt_hdr_pages_keep *keep;	/* runs of them, to write */
	const struct ckpt_vma *keep_vma;	/* of the last run */
};

/*
 * A page at @addr exists: one more of the batch, or the batch is full.
 * @pfn is its page's when it is present and anonymous, else ULONG_MAX.
 * For a CKPT_VMA_COW VMA that page is held, with the page table lock
 * the caller holds, so that no other page has its pfn while it is
 * compared with the parent's.
 */
static int ckpt_walk_add(struct ckpt_pagewalk *pw, unsigned long addr,
			 unsigned long pfn)
{
	unsigned int n = pw->h->nr_pages;

	if (n == CKPT_PAGES_MAX) {
		pw->next = addr;
		return 1;
	}
	if (pw->got) {
		pw->got[n] = pfn == ULONG_MAX ? NULL : pfn_to_page(pfn);
		if (pw->got[n])
			get_page(pw->got[n]);
	}
	pw->own[n] = pfn;
	pw->h->addr[n] = addr;
	pw->h->nr_pages++;
	return 0;
}

static int ckpt_pte_entry(pte_t *pte, unsigned long addr, unsigned long end,
			  struct mm_walk *walk)
{
	struct ckpt_pagewalk *pw = walk->private;
	unsigned long pfn = ULONG_MAX;
	pte_t ptent = ptep_get(pte);

	if (pte_none(ptent))
		return 0;
	if (pte_present(ptent)) {
		struct page *page = vm_normal_page(walk->vma, addr, ptent);

		/* the zero page, or a file page never written privately */
		if (!page || (pw->anon_only && !PageAnon(page)))
			return 0;
		if (PageAnon(page))
			pfn = page_to_pfn(page);
	}
	/* present, or swapped or migrating: it exists */
	return ckpt_walk_add(pw, addr, pfn);
}

/*
 * A transparent huge page is taken whole, as the pages it holds: the walk
 * must not split it, for a checkpoint does not change its target.
 */
static int ckpt_pmd_entry(pmd_t *pmd, unsigned long addr, unsigned long end,
			  struct mm_walk *walk)
{
	struct ckpt_pagewalk *pw = walk->private;
	unsigned long pfn = ULONG_MAX;
	struct page *page = NULL;
	spinlock_t *ptl;		/* the huge pmd's, while it is read */
	int ret = 0;

	ptl = pmd_trans_huge_lock(pmd, walk->vma);
	if (!ptl)
		return 0;		/* a table: ckpt_pte_entry() */
	walk->action = ACTION_CONTINUE;
	if (pmd_present(*pmd)) {
		/* the huge zero page, or a file page never written */
		page = vm_normal_page_pmd(walk->vma, addr, *pmd);
		if (!page || (pw->anon_only && !PageAnon(page)))
			goto out;
		if (PageAnon(page))
			pfn = pmd_pfn(*pmd);
	}
	for (; !ret && addr < end; addr += PAGE_SIZE)
		ret = ckpt_walk_add(pw, addr, pfn == ULONG_MAX ? pfn : pfn +
				    ((addr & ~HPAGE_PMD_MASK) >> PAGE_SHIFT));
out:
	spin_unlock(ptl);
	return ret;
}

static const struct mm_walk_ops ckpt_walk_ops = {
	.pmd_entry = ckpt_pmd_entry,
	.pte_entry = ckpt_pte_entry,
	.walk_lock = PGWALK_RDLOCK,
};

/*
 * Takes a reference on the pages at @addr[0..@nr), ascending, with the
 * mmap lock of @mm held: one get_user_pages_remote() per contiguous run.
 * All of them or none.
 */
static int ckpt_pages_get(struct mm_struct *mm, const u64 *addr,
			  unsigned int nr, unsigned int gup_flags,
			  struct page **pages)
{
	unsigned int i = 0, run;
	long got;

	while (i < nr) {
		for (run = 1; i + run < nr; run++)
			if (addr[i + run] != addr[i] + run * PAGE_SIZE)
				break;
		got = get_user_pages_remote(mm, addr[i], run, gup_flags,
					    pages + i, NULL);
		if (got > 0)
			i += got;
		if (got != run) {
			while (i--)
				put_page(pages[i]);
			return got < 0 ? got : -EFAULT;
		}
	}
	return 0;
}

static void ckpt_pages_put(struct page **pages, unsigned int nr)
{
	while (nr--)
		put_page(pages[nr]);
}

/* Drops the pages of a CKPT_VMA_COW batch held from @i, @nr of them. */
static void ckpt_got_put(struct ckpt_pagewalk *pw, unsigned int i,
			 unsigned int nr)
{
	for (; nr--; i++) {
		if (pw->got[i])
			put_page(pw->got[i]);
		pw->got[i] = NULL;
	}
}

/*
 * The next batch of pages of a private VMA, from @*addr on, found in the
 * page tables, with a reference on each (but for a CKPT_VMA_COW VMA,
 * whose pages ckpt_cow_batch() takes).  Moves @*addr past the batch.
 */
static int ckpt_private_batch(struct mm_struct *mm, struct ckpt_vma *v,
			      unsigned long *addr, struct ckpt_pagewalk *pw,
			      struct page **pages)
{
	int ret;

	pw->anon_only = v->kind == CKPT_VMA_FILE;
	pw->h->nr_pages = 0;
	pw->next = v->end;
	pw->got = v->cow ? pages : NULL;

	mmap_read_lock(mm);
	ret = walk_page_range(mm, *addr, v->end, &ckpt_walk_ops, pw);
	if (ret >= 0 && !v->cow)
		ret = ckpt_pages_get(mm, pw->h->addr, pw->h->nr_pages,
				     FOLL_FORCE, pages);
	mmap_read_unlock(mm);
	if (ret < 0 && v->cow)
		ckpt_got_put(pw, 0, pw->h->nr_pages);
	*addr = pw->next;
	return ret < 0 ? ret : 0;
}

/*
 * Shared anonymous memory lives in its shmem object, not in the page
 * tables of one process that maps it: pages written through another
 * process's mapping, or swapped out, are in the object only.  So the
 * object is read, every page it holds in the range the VMA maps, a batch
 * from @*index on; @*index moves past the batch.  Large folios and swap
 * entries count a page each.  The indices are collected into addr[] and
 * made addresses once each page is taken.
 */
static int ckpt_shmem_batch(struct ckpt_vma *v, pgoff_t *index,
			    struct ckpt_pagewalk *pw, struct page **pages)
{
	struct inode *inode = file_inode(v->shmem);
	pgoff_t last = v->pgoff + ((v->end - v->start) >> PAGE_SHIFT) - 1;
	XA_STATE(xas, &inode->i_mapping->i_pages, *index);
	struct ckpt_hdr_pages *h = pw->h;
	unsigned int i, nr = 0;
	struct folio *folio;
	pgoff_t idx, base, end;
	void *entry;
	int ret = 0;

	rcu_read_lock();
	xas_for_each(&xas, entry, last) {
		if (xas_retry(&xas, entry))
			continue;
		end = 1UL << (xa_is_value(entry) ? xas_get_order(&xas) :
			      folio_order(entry));
		base = xas.xa_index & ~(end - 1);
		end += base;
		for (idx = max(base, *index); idx < end && idx <= last; idx++) {
			if (nr == CKPT_PAGES_MAX)
				goto full;
			h->addr[nr++] = idx;
		}
		*index = end;
	}
	*index = last + 1;
full:
	rcu_read_unlock();
	if (nr)
		*index = max_t(pgoff_t, *index, h->addr[nr - 1] + 1);

	h->nr_pages = 0;
	for (i = 0; i < nr; i++) {
		idx = h->addr[i];
		ret = shmem_get_folio(inode, idx, 0, &folio, SGP_READ);
		if (ret == -EINVAL) {		/* beyond its end now */
			ret = 0;
			continue;
		}
		if (ret)
			break;
		if (!folio)			/* a hole now */
			continue;
		pages[h->nr_pages] = folio_file_page(folio, idx);
		folio_unlock(folio);
		h->addr[h->nr_pages++] = v->start +
					 ((idx - v->pgoff) << PAGE_SHIFT);
	}
	if (ret)
		ckpt_pages_put(pages, h->nr_pages);
	return ret;
}

/* Where the parent's pages are: addresses, ascending, and their pfns. */
struct ckpt_pfnwalk {
	const u64 *addr;
	unsigned long *pfn;
	unsigned int i, nr;
};

/* The anonymous page @pfn is at @addr: one of the batch's, or past it. */
static int ckpt_pfn_at(struct ckpt_pfnwalk *w, unsigned long addr,
		       unsigned long pfn)
{
	while (w->i < w->nr && w->addr[w->i] < addr)
		w->i++;
	if (w->i < w->nr && w->addr[w->i] == addr)
		w->pfn[w->i++] = pfn;
	return w->i == w->nr;		/* the batch is done */
}

static int ckpt_pfn_pte(pte_t *pte, unsigned long addr, unsigned long end,
			struct mm_walk *walk)
{
	pte_t ptent = ptep_get(pte);
	struct page *page;

	if (!pte_present(ptent))
		return 0;
	page = vm_normal_page(walk->vma, addr, ptent);
	if (!page || !PageAnon(page))
		return 0;
	return ckpt_pfn_at(walk->private, addr, page_to_pfn(page));
}

static int ckpt_pfn_pmd(pmd_t *pmd, unsigned long addr, unsigned long end,
			struct mm_walk *walk)
{
	unsigned long pfn = 0;
	struct page *page;
	spinlock_t *ptl;		/* the huge pmd's, while it is read */
	int ret = 0;

	ptl = pmd_trans_huge_lock(pmd, walk->vma);
	if (!ptl)
		return 0;		/* a table: ckpt_pfn_pte() */
	if (pmd_present(*pmd)) {
		page = vm_normal_page_pmd(walk->vma, addr, *pmd);
		if (page && PageAnon(page))
			pfn = pmd_pfn(*pmd);
	}
	spin_unlock(ptl);
	walk->action = ACTION_CONTINUE;
	for (; pfn && !ret && addr < end; addr += PAGE_SIZE)
		ret = ckpt_pfn_at(walk->private, addr,
				  pfn + ((addr & ~HPAGE_PMD_MASK) >> PAGE_SHIFT));
	return ret;
}

static const struct mm_walk_ops ckpt_pfn_ops = {
	.pmd_entry = ckpt_pfn_pmd,
	.pte_entry = ckpt_pfn_pte,
	.walk_lock = PGWALK_RDLOCK,
};

/*
 * Which of the batch's pages the parent maps too, at the same address:
 * @pw->pfn[i] is the pfn of the anonymous page the parent has at
 * addr[i], or ULONG_MAX.  Its page tables are only read: the walk
 * faults nothing in, and a page the parent swapped out counts as
 * another.  The tree holds still, so a page both map now was in both
 * as the parent's pages were written, with what they hold: a write
 * since, by anyone, would have copied it.
 */
static int ckpt_parent_pfns(struct ckpt_ctx *ctx, struct ckpt_pagewalk *pw)
{
	struct mm_struct *mm = ctx->procs[ctx->procs[ctx->cur].parent].st.mm;
	struct ckpt_hdr_pages *h = pw->h;
	struct ckpt_pfnwalk w = {
		.addr = h->addr,
		.pfn = pw->pfn,
		.nr = h->nr_pages,
	};
	int ret;

	memset(pw->pfn, 0xff, h->nr_pages * sizeof(*pw->pfn));
	ret = mmap_read_lock_killable(mm);
	if (ret)
		return ret;
	ret = walk_page_range(mm, h->addr[0], h->addr[h->nr_pages - 1] +
			      PAGE_SIZE, &ckpt_pfn_ops, &w);
	mmap_read_unlock(mm);
	return ret < 0 ? ret : 0;
}

static int ckpt_keep_flush(struct ckpt_ctx *ctx, struct ckpt_pagewalk *pw)
{
	struct ckpt_hdr_pages_keep *k = pw->keep;
	int ret;

	if (!k->nr_runs)
		return 0;
	ret = ckpt_write_obj(ctx, &k->h, CKPT_HDR_PAGES_KEEP,
			     struct_size(k, run, k->nr_runs));
	k->nr_runs = 0;
	return ret;
}

/* The parent's page at @addr of @v is kept: a run grows, or one starts. */
static int ckpt_keep_add(struct ckpt_ctx *ctx, struct ckpt_pagewalk *pw,
			 const struct ckpt_vma *v, unsigned long addr)
{
	struct ckpt_hdr_pages_keep *k = pw->keep;
	struct ckpt_page_run *r;
	int ret;

	r = k->nr_runs ? &k->run[k->nr_runs - 1] : NULL;
	if (r && pw->keep_vma == v &&
	    r->addr + (r->nr_pages << PAGE_SHIFT) == addr) {
		r->nr_pages++;
		return 0;
	}
	if (k->nr_runs == CKPT_RUNS_MAX) {
		ret = ckpt_keep_flush(ctx, pw);
		if (ret)
			return ret;
	}
	k->run[k->nr_runs].addr = addr;
	k->run[k->nr_runs++].nr_pages = 1;
	pw->keep_vma = v;
	return 0;
}

/*
 * Writes @nr pages at @pw->h->addr[@i...], which the caller references,
 * after the runs before them.  Drops the references.
 */
static int ckpt_pages_write(struct ckpt_ctx *ctx, struct ckpt_pagewalk *pw,
			    unsigned int i, unsigned int nr,
			    struct page **pages)
{
	struct ckpt_hdr_pages *h = pw->h;
	int ret;

	ret = ckpt_keep_flush(ctx, pw);
	if (!ret) {
		/* to the front: what lies after @i + @nr stays */
		memmove(h->addr, h->addr + i, nr * sizeof(*h->addr));
		h->nr_pages = nr;
		/* a target that ran since fails the record: ckpt_write_obj() */
		ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_PAGES,
				     struct_size(h, addr, nr));
	}
	if (!ret)
		ret = ckpt_stream_pages(ctx, pages + i, nr);
	ckpt_pages_put(pages + i, nr);
	return ret;
}

/* The page at batch index @i is the parent's: the same in both. */
static bool ckpt_page_is_parents(const struct ckpt_pagewalk *pw,
				 unsigned int i)
{
	return pw->own[i] != ULONG_MAX && pw->own[i] == pw->pfn[i];
}

/*
 * A batch of a CKPT_VMA_COW VMA: the pages that are the parent's go as
 * runs, without being taken; the others are taken and go as they are,
 * in address order.
 */
static int ckpt_cow_batch(struct ckpt_ctx *ctx, struct mm_struct *mm,
			  const struct ckpt_vma *v, struct ckpt_pagewalk *pw,
			  struct page **pages)
{
	unsigned int nr = pw->h->nr_pages, i = 0, j;
	int ret;

	ret = ckpt_parent_pfns(ctx, pw);
	while (!ret && i < nr) {
		if (ckpt_page_is_parents(pw, i)) {
			ckpt_got_put(pw, i, 1);
			ret = ckpt_keep_add(ctx, pw, v, pw->h->addr[i++]);
			continue;
		}
		for (j = i + 1; j < nr; j++)
			if (ckpt_page_is_parents(pw, j))
				break;
		/* taken as any page is: a swapped one comes back */
		ckpt_got_put(pw, i, j - i);
		ret = mmap_read_lock_killable(mm);
		if (ret)
			break;
		ret = ckpt_pages_get(mm, pw->h->addr + i, j - i, FOLL_FORCE,
				     pages + i);
		mmap_read_unlock(mm);
		if (!ret)
			ret = ckpt_pages_write(ctx, pw, i, j - i, pages);
		i = j;
	}
	if (ret && i < nr)
		ckpt_got_put(pw, i, nr - i);
	return ret;
}

static int checkpoint_vma_pages(struct ckpt_ctx *ctx, struct mm_struct *mm,
				struct ckpt_vma *v, struct ckpt_pagewalk *pw,
				struct page **pages)
{
	pgoff_t end = v->pgoff + ((v->end - v->start) >> PAGE_SHIFT);
	unsigned long addr = v->start;
	pgoff_t index = v->pgoff;
	int ret;

	while (v->shmem ? index < end : addr < v->end) {
		if (v->shmem)
			ret = ckpt_shmem_batch(v, &index, pw, pages);
		else
			ret = ckpt_private_batch(mm, v, &addr, pw, pages);
		if (ret)
			return ret;
		if (!pw->h->nr_pages)
			continue;
		if (v->cow)
			ret = ckpt_cow_batch(ctx, mm, v, pw, pages);
		else
			ret = ckpt_pages_write(ctx, pw, 0, pw->h->nr_pages,
					       pages);
		if (ret)
			return ret;
	}
	return 0;
}

static int checkpoint_pages(struct ckpt_ctx *ctx, struct mm_struct *mm,
			    struct ckpt_vmas *vmas)
{
	struct ckpt_pagewalk pw = {};
	struct page **pages;
	unsigned int i;
	int ret = -ENOMEM;

	pw.h = kzalloc(struct_size(pw.h, addr, CKPT_PAGES_MAX), GFP_KERNEL);
	pw.keep = kzalloc(struct_size(pw.keep, run, CKPT_RUNS_MAX), GFP_KERNEL);
	pw.pfn = kmalloc_array(CKPT_PAGES_MAX, sizeof(*pw.pfn), GFP_KERNEL);
	pw.own = kmalloc_array(CKPT_PAGES_MAX, sizeof(*pw.own), GFP_KERNEL);
	pages = kmalloc_array(CKPT_PAGES_MAX, sizeof(*pages), GFP_KERNEL);
	if (!pw.h || !pw.keep || !pw.pfn || !pw.own || !pages)
		goto out;

	for (i = 0; i < vmas->nr; i++) {
		/* another process's object, written with it */
		if (vmas->vma[i].same_proc >= 0 ||
		    !ckpt_vma_has_pages(vmas->vma[i].kind,
					vmas->vma[i].vm_flags & VM_MAYSHARE))
			continue;
		ret = checkpoint_vma_pages(ctx, mm, &vmas->vma[i], &pw, pages);
		if (ret)
			goto out;
	}

	/* the end of memory */
	ret = ckpt_keep_flush(ctx, &pw);
	pw.h->nr_pages = 0;
	if (!ret)
		ret = ckpt_write_obj(ctx, &pw.h->h, CKPT_HDR_PAGES,
				     sizeof(*pw.h));
out:
	kfree(pages);
	kfree(pw.own);
	kfree(pw.pfn);
	kfree(pw.keep);
	kfree(pw.h);
	return ret;
}

/*
 * The address space taken with the right to read it (ckpt_ctx_set_target()):
 * that of the program the right was checked for, even if the target has
 * execve()d another since (which fails the checkpoint at its next write).
 */
int checkpoint_mm(struct ckpt_ctx *ctx)
{
	struct mm_struct *mm = ctx->p.mm;
	struct ckpt_vmas *vmas;
	unsigned int i;
	int ret;

	vmas = kzalloc(sizeof(*vmas), GFP_KERNEL);
	if (!vmas)
		return -ENOMEM;
	ctx->p.vmas = vmas;
	ret = mmap_read_lock_killable(mm);
	if (ret)
		return ret;
	ret = ckpt_vmas_get(ctx, mm, vmas);
	mmap_read_unlock(mm);
	if (ret)
		return ret;

	ret = checkpoint_mm_layout(ctx, mm, vmas->nr);
	for (i = 0; !ret && i < vmas->nr; i++)
		ret = checkpoint_vma(ctx, &vmas->vma[i]);
	return ret;
}

/*
 * The pages of the VMAs checkpoint_mm() took, after every process's
 * sections (the image's order, for restart to make a parent's memory
 * before its children).  The VMAs stay, for the children's to be
 * compared with.
 */
int checkpoint_mm_pages(struct ckpt_ctx *ctx)
{
	return checkpoint_pages(ctx, ctx->p.mm, ctx->p.vmas);
}

void checkpoint_mm_free(struct ckpt_ctx *ctx)
{
	if (!ctx->p.vmas)
		return;
	ckpt_vmas_free(ctx->p.vmas);
	kfree(ctx->p.vmas);
	ctx->p.vmas = NULL;
}

/* the VMA flags that mmap() cannot give, set after it, as madvise() does */
#define CKPT_VMA_SET_LATE	(CKPT_VMA_DONTCOPY | CKPT_VMA_DONTDUMP | \
				 CKPT_VMA_WIPEONFORK | CKPT_VMA_SEQ_READ | \
				 CKPT_VMA_RAND_READ)
#define CKPT_VMA_THP		(CKPT_VMA_HUGEPAGE | CKPT_VMA_NOHUGEPAGE)

/* What restart keeps of a VMA record, to map it and place its pages. */
struct ckpt_rvma {
	unsigned long start, end, pgoff;
	unsigned long orig_pgoff;	/* the image's, into the object */
	u64 flags;
	u32 prot, kind;
	struct file *file;		/* opened, for CKPT_VMA_FILE */
	struct file *shmem;		/* the object, once mapped */
	struct ckpt_rvma *same;		/* CKPT_VMA_SAME_SHMEM: its object's */
};

struct ckpt_rst_mm {
	struct ckpt_hdr_mm h;
	struct ckpt_rvma *vma;		/* grown as the records come */
	unsigned int nr, cap;		/* of vma[] read so far, room */
	struct mm_struct *mm;		/* the new one, until it is current's */
	bool cow;			/* a CKPT_VMA_COW VMA: made by fork() */
	unsigned long charged;		/* to the commit limit, in pages */
};

static bool ckpt_addr_ok(u64 addr)
{
	return addr <= TASK_SIZE && PAGE_ALIGNED(addr);
}

static int restore_mm_layout(struct ckpt_ctx *ctx, struct ckpt_hdr_mm *h)
{
	int ret;

	ret = ckpt_read_obj(ctx, &h->h, CKPT_HDR_MM, sizeof(*h), sizeof(*h));
	if (ret)
		return ret;
	if (!h->nr_vmas)
		return -EBADMSG;
	/* more than this machine allows a process */
	if (h->nr_vmas > sysctl_max_map_count)
		return -ENOMEM;
	if (!h->nr_auxv || h->nr_auxv > AT_VECTOR_SIZE / 2 ||
	    h->auxv[2 * (h->nr_auxv - 1)] != AT_NULL)
		return -EBADMSG;
	if (h->start_code > h->end_code || h->start_data > h->end_data ||
	    h->start_brk > h->brk || h->arg_start > h->arg_end ||
	    h->env_start > h->env_end || h->end_code > TASK_SIZE ||
	    h->end_data > TASK_SIZE || h->brk > TASK_SIZE ||
	    h->start_stack > TASK_SIZE || h->arg_end > TASK_SIZE ||
	    h->env_end > TASK_SIZE)
		return -EBADMSG;
	return 0;
}

/* Opens the file of a file VMA, as the mapping will need it. */
static int restore_vma_file(struct ckpt_ctx *ctx, struct ckpt_rvma *v)
{
	struct ckpt_hdr_file *h;
	struct file *file;
	int flags = O_RDONLY;

	h = ckpt_read_file(ctx, CKPT_HDR_VMA_FILE);
	if (IS_ERR(h))
		return PTR_ERR(h);
	if (!S_ISREG(h->mode)) {
		kfree(h);
		return -EBADMSG;
	}
	/*
	 * With the access the mapping's file had: it decides whether a
	 * shared mapping may be made writable, and the mode of its
	 * /proc/PID/map_files link.
	 */
	if (v->flags & CKPT_VMA_FILE_RDWR)
		flags = O_RDWR;
	file = ckpt_open_file(ctx, h, flags);
	kfree(h);
	if (IS_ERR(file))
		return PTR_ERR(file);
	v->file = file;
	if ((v->prot & PROT_EXEC) && path_noexec(&file->f_path))
		return -EACCES;
	return 0;
}

/*
 * The file of a mapping of a memfd or a deleted file: the description
 * of the files section it was made through, made again there, with the
 * access mmap(2) needs of it, and the seals a shared writable mapping
 * must not meet.  None for a verify, which made no such file.
 */
static int restore_vma_made(struct ckpt_ctx *ctx, struct ckpt_rvma *v)
{
	struct ckpt_hdr_vma_made h;
	struct file *file;
	long seals;
	bool rdwr;
	u32 acc;
	int ret;

	ret = ckpt_read_obj(ctx, &h.h, CKPT_HDR_VMA_MADE, sizeof(h),
			    sizeof(h));
	if (ret)
		return ret;
	if (h.pad)
		return -EBADMSG;
	file = restore_made_file(ctx, h.file, &acc);
	if (IS_ERR(file))
		return PTR_ERR(file);
	v->file = file;
	rdwr = acc == O_RDWR;
	if (acc == O_WRONLY || rdwr != !!(v->flags & CKPT_VMA_FILE_RDWR))
		return -EBADMSG;
	if (!file)
		return 0;
	if ((v->prot & PROT_EXEC) && path_noexec(&file->f_path))
		return -EACCES;
	seals = memfd_fcntl(file, F_GET_SEALS, 0);
	if ((v->flags & CKPT_VMA_SHARED) && (v->prot & PROT_WRITE) &&
	    seals > 0 && seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))
		return ckpt_refuse(ctx, -EPERM, -1,
				   "a shared writable mapping at %#lx of a memfd sealed against writes since: not supported",
				   v->start);
	return 0;
}

/*
 * The shared anonymous memory of an earlier process of the tree that @v
 * maps again: a VMA of that process's own object (not one it maps again
 * itself), whose range in it holds @v's.  Its object is made when that
 * process is restored, before this one.
 */
static int restore_vma_same(struct ckpt_ctx *ctx, struct ckpt_rvma *v)
{
	unsigned long pages = (v->end - v->start) >> PAGE_SHIFT, dpages;
	struct ckpt_hdr_vma_shmem h;
	struct ckpt_rst_mm *rm;
	struct ckpt_rvma *d;
	int ret;

	ret = ckpt_read_obj(ctx, &h.h, CKPT_HDR_VMA_SHMEM, sizeof(h),
			    sizeof(h));
	if (ret)
		return ret;
	if (h.proc >= ctx->cur || ckpt_proc_is_zombie(ctx, h.proc))
		return -EBADMSG;
	rm = ctx->procs[h.proc].st.rst_mm;
	if (!rm || h.vma >= rm->nr)
		return -EBADMSG;
	d = &rm->vma[h.vma];
	dpages = (d->end - d->start) >> PAGE_SHIFT;
	if (d->kind != CKPT_VMA_SHMEM || d->same ||
	    v->orig_pgoff < d->orig_pgoff ||
	    v->orig_pgoff + pages > d->orig_pgoff + dpages)
		return -EBADMSG;
	v->same = d;
	return 0;
}

/*
 * A CKPT_VMA_COW VMA: its process is made by fork() from its parent,
 * once that is restored, and keeps the parent's VMA of that range.  The
 * parent, which comes before it, must have one alike in all the record
 * says (but CKPT_VMA_COW, which says how the parent got it), of the same
 * file.  Its pages are the parent's, of the same image, where the
 * CKPT_HDR_PAGES_KEEP records say; none else of the parent's stays.
 */
static int restore_vma_cow(struct ckpt_ctx *ctx, const struct ckpt_rvma *v)
{
	const struct ckpt_rst_mm *pm;
	const struct ckpt_rvma *p;
	unsigned int lo = 0, hi, mid;

	pm = ctx->procs[ctx->procs[ctx->cur].parent].st.rst_mm;
	if (!pm)
		return -EBADMSG;
	hi = pm->nr;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (pm->vma[mid].start < v->start)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == pm->nr)
		return -EBADMSG;
	p = &pm->vma[lo];
	if (p->start != v->start || p->end != v->end ||
	    p->orig_pgoff != v->orig_pgoff || p->kind != v->kind ||
	    p->prot != v->prot || (p->flags ^ v->flags) & ~CKPT_VMA_COW)
		return -EBADMSG;
	if (v->kind == CKPT_VMA_FILE &&
	    (!p->file || !v->file || file_inode(p->file) != file_inode(v->file)))
		return -EBADMSG;
	return 0;
}

/* Checks a VMA record against the one before it: sorted, apart, sane. */
static int restore_vma(struct ckpt_ctx *ctx, struct ckpt_rvma *v,
		       const struct ckpt_rvma *prev)
{
	struct ckpt_hdr_vma h;
	int ret;

	ret = ckpt_read_obj(ctx, &h.h, CKPT_HDR_VMA, sizeof(h), sizeof(h));
	if (ret)
		return ret;
	/* before version 3, only a writable shared file mapping said so */
	if (ctx->rst_version < 3 && h.flags & CKPT_VMA_FILE_RDWR)
		return -EBADMSG;
	if (ctx->rst_version < 3 && h.kind == CKPT_VMA_FILE &&
	    h.flags & CKPT_VMA_MAYWRITE)
		h.flags |= CKPT_VMA_FILE_RDWR;
	if (!ckpt_addr_ok(h.start) || !ckpt_addr_ok(h.end) ||
	    h.start >= h.end || (prev && h.start < prev->end))
		return -EBADMSG;
	if (h.prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC) ||
	    h.flags & ~CKPT_VMA_FLAGS_ALL)
		return -EBADMSG;
	if (h.flags & CKPT_VMA_MADE &&
	    (ctx->rst_version < 6 || h.kind != CKPT_VMA_FILE))
		return -EBADMSG;
	if (h.flags & CKPT_VMA_SAME_SHMEM &&
	    (ctx->rst_version < 7 || h.kind != CKPT_VMA_SHMEM))
		return -EBADMSG;
	/* as ckpt_vma_cow() takes them, fork() copying them whole */
	if (h.flags & CKPT_VMA_COW &&
	    (ctx->rst_version < 7 || !ctx->cur ||
	     (h.kind != CKPT_VMA_ANON && h.kind != CKPT_VMA_FILE) ||
	     h.flags & (CKPT_VMA_SHARED | CKPT_VMA_LOCKED | CKPT_VMA_MADE |
			CKPT_VMA_DONTCOPY | CKPT_VMA_WIPEONFORK)))
		return -EBADMSG;
	if (h.pgoff > (ULONG_MAX >> PAGE_SHIFT) - ((h.end - h.start) >> PAGE_SHIFT))
		return -EBADMSG;
	/* as madvise() takes them: one of each pair, wipe for private anon */
	if ((h.flags & (CKPT_VMA_SEQ_READ | CKPT_VMA_RAND_READ)) ==
	    (CKPT_VMA_SEQ_READ | CKPT_VMA_RAND_READ) ||
	    (h.flags & CKPT_VMA_THP) == CKPT_VMA_THP ||
	    (h.flags & CKPT_VMA_WIPEONFORK && h.kind != CKPT_VMA_ANON))
		return -EBADMSG;
	/* a kernel without THP or madvise() has no such VMA */
	if (h.flags & CKPT_VMA_THP &&
	    !(IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE) &&
	      IS_ENABLED(CONFIG_ADVISE_SYSCALLS)))
		return -EOPNOTSUPP;

	v->start = h.start;
	v->end = h.end;
	v->pgoff = h.pgoff;
	v->orig_pgoff = h.pgoff;
	v->flags = h.flags;
	v->prot = h.prot;
	v->kind = h.kind;

	switch (h.kind) {
	case CKPT_VMA_ANON:
		if (h.flags & (CKPT_VMA_SHARED | CKPT_VMA_MAYWRITE |
			       CKPT_VMA_FILE_RDWR))
			return -EBADMSG;
		break;
	case CKPT_VMA_SHMEM:
		if (!(h.flags & CKPT_VMA_SHARED) ||
		    h.flags & (CKPT_VMA_GROWSDOWN | CKPT_VMA_FILE_RDWR))
			return -EBADMSG;
		if (h.flags & CKPT_VMA_SAME_SHMEM)
			return restore_vma_same(ctx, v);
		break;
	case CKPT_VMA_FILE:
		/* a shared mapping may write only to a file open for it */
		if (h.flags & CKPT_VMA_GROWSDOWN ||
		    (h.flags & CKPT_VMA_MAYWRITE && !(h.flags & CKPT_VMA_SHARED)) ||
		    (h.flags & CKPT_VMA_MAYWRITE &&
		     !(h.flags & CKPT_VMA_FILE_RDWR)))
			return -EBADMSG;
		/* a shared writable mapping needs the file open for writing */
		if ((h.flags & CKPT_VMA_SHARED) && (h.prot & PROT_WRITE) &&
		    !(h.flags & CKPT_VMA_MAYWRITE))
			return -EBADMSG;
		if (h.flags & CKPT_VMA_MADE)
			return restore_vma_made(ctx, v);
		return restore_vma_file(ctx, v);
	case CKPT_VMA_VDSO:
		/* mapped with its data, which lies right before it */
		if (!prev || prev->kind != CKPT_VMA_VVAR || prev->end != h.start)
			return -EBADMSG;
		fallthrough;
	case CKPT_VMA_VVAR:
		if (h.flags & ~CKPT_VMA_DONTDUMP)
			return -EBADMSG;
		return ckpt_arch_check_special(h.kind, h.start, h.end);
	default:
		return -EBADMSG;
	}
	return 0;
}

/*
 * The pages mmap() will charge to the commit limit for @v, if any: under
 * vm.overcommit_memory=2 it ignores MAP_NORESERVE.
 */
static unsigned long ckpt_vma_charge(const struct ckpt_rvma *v)
{
	if ((v->flags & CKPT_VMA_NORESERVE) &&
	    READ_ONCE(sysctl_overcommit_memory) != OVERCOMMIT_NEVER)
		return 0;
	/* an object another process made is charged once, there */
	if (v->same)
		return 0;
	if (v->kind == CKPT_VMA_SHMEM ||
	    ((v->kind == CKPT_VMA_ANON || v->kind == CKPT_VMA_FILE) &&
	     !(v->flags & CKPT_VMA_SHARED) && (v->prot & PROT_WRITE)))
		return (v->end - v->start) >> PAGE_SHIFT;
	return 0;
}

/*
 * Would the machine let the VMAs be mapped?  Each is charged in turn to
 * the commit limit, as mmap() will charge it after the point of no
 * return under the overcommit policy (vm.overcommit_memory), and all is
 * given back.  The caller's own memory still counts then: the check errs
 * on the safe side.
 */
static int restore_mm_commit_check(struct ckpt_ctx *ctx,
				   struct ckpt_rst_mm *rm)
{
	unsigned long pages, charged = 0;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < rm->nr; i++) {
		pages = ckpt_vma_charge(&rm->vma[i]);
		if (!pages)
			continue;
		ret = security_vm_enough_memory_mm(current->mm, pages);
		if (ret)
			break;
		charged += pages;
	}
	vm_unacct_memory(charged);
	/* a tree's, summed, are checked once for them all */
	ctx->rst_charged += charged;
	rm->charged = charged;
	return ret ? -ENOMEM : 0;
}

/*
 * What mmap() will check of the caller's limits as it maps the VMAs after
 * the point of no return (the image's limits are set after them): the
 * address space (RLIMIT_AS), the private writable memory (RLIMIT_DATA,
 * as may_expand_vm() counts it) and the locked memory (RLIMIT_MEMLOCK,
 * or CAP_IPC_LOCK, as MAP_LOCKED asks).  An image over them is refused
 * here, rather than killed there.
 */
static int restore_mm_limits_check(struct ckpt_rst_mm *rm, unsigned long total)
{
	unsigned long data = 0, locked = 0, len, lim;
	unsigned int i;

	for (i = 0; i < rm->nr; i++) {
		const struct ckpt_rvma *v = &rm->vma[i];

		len = v->end - v->start;
		if ((v->prot & PROT_WRITE) &&
		    !(v->flags & (CKPT_VMA_SHARED | CKPT_VMA_GROWSDOWN)))
			data += len;
		if (v->flags & CKPT_VMA_LOCKED)
			locked += len;
		/* the caller's PR_SET_MDWE, if the new mm inherits it, refuses */
		if ((v->prot & (PROT_WRITE | PROT_EXEC)) ==
		    (PROT_WRITE | PROT_EXEC) &&
		    mmf_init_flags(current->mm->flags) & MMF_HAS_MDWE_MASK)
			return -EPERM;
	}
	if (total > rlimit(RLIMIT_AS))
		return -ENOMEM;
	lim = rlimit(RLIMIT_DATA);
	if (data > lim && !(!lim && data <= rlimit_max(RLIMIT_DATA)))
		return -ENOMEM;
	if (locked) {
		if (!can_do_mlock())
			return -EPERM;
		if (locked > rlimit(RLIMIT_MEMLOCK) && !capable(CAP_IPC_LOCK))
			return -EAGAIN;
	}
	return 0;
}

/*
 * Reads the layout and the VMAs, opens their files, and checks what can be
 * known before the point of no return: the VMAs fit RLIMIT_AS and the
 * machine's commit limit, and lie above mmap_min_addr.  Keeps it all in
 * ctx->p.rst_mm.
 */
int restore_mm(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_mm *rm;
	unsigned long total = 0;
	unsigned int i;
	int ret;

	rm = kzalloc(sizeof(*rm), GFP_KERNEL_ACCOUNT);
	if (!rm)
		return -ENOMEM;
	ctx->p.rst_mm = rm;

	ret = restore_mm_layout(ctx, &rm->h);
	if (ret)
		return ret;
	for (i = 0; i < rm->h.nr_vmas; i++) {
		struct ckpt_rvma *v;

		ret = ckpt_array_grow((void **)&rm->vma, &rm->cap, i,
				      sizeof(*rm->vma));
		if (ret)
			return ret;
		v = &rm->vma[i];
		rm->nr++;
		ret = restore_vma(ctx, v, i ? v - 1 : NULL);
		if (!ret && v->flags & CKPT_VMA_COW) {
			ret = restore_vma_cow(ctx, v);
			rm->cow = true;
		}
		if (ret)
			return ret;
		if (v->start < mmap_min_addr)
			return -EPERM;
		total += v->end - v->start;
	}
	ret = restore_mm_limits_check(rm, total);
	if (!ret)
		ret = restore_mm_commit_check(ctx, rm);
	if (ret)
		return ret;
	if (rm->cow) {
		const struct ckpt_proc_state *ps =
			&ctx->procs[ctx->procs[ctx->cur].parent].st;

		/* its parent's program: it keeps the parent's exe_file */
		if (file_inode(ps->rst_exe) != file_inode(ctx->p.rst_exe))
			return -EBADMSG;
		/*
		 * fork() charges the parent's memory again until the child
		 * lets it go, before the next fork(): one at a time
		 */
		ctx->rst_fork_charged = max(ctx->rst_fork_charged,
					    ps->rst_mm->charged);
	}

	/* a process made by fork() edits the mm it is made with */
	if (ctx->flags & RESTART_VERIFY || rm->cow)
		return 0;
	rm->mm = mm_alloc();
	if (!rm->mm)
		return -ENOMEM;
	/* the caller's PR_SET_MEMORY_MERGE, which the image did not have */
	clear_bit(MMF_VM_MERGE_ANY, &rm->mm->flags);
	return set_mm_exe_file(rm->mm, ctx->p.rst_exe);
}

/* MADV_HUGEPAGE and MADV_NOHUGEPAGE, which khugepaged must hear of */
static int restore_vma_thp(struct ckpt_rvma *v)
{
#ifdef CONFIG_ADVISE_SYSCALLS
	if (v->flags & CKPT_VMA_THP)
		return do_madvise(current->mm, v->start, v->end - v->start,
				  v->flags & CKPT_VMA_HUGEPAGE ?
				  MADV_HUGEPAGE : MADV_NOHUGEPAGE);
#endif
	return 0;
}

/*
 * The flags mmap() cannot give, as madvise() sets them: on exactly the
 * record's range, where mmap() merged the new VMA with a neighbour (a
 * VMA a process made by fork() keeps, which has no anon_vma), that
 * neighbour split off rather than given them too.
 */
static int restore_vma_advise(struct ckpt_rvma *v)
{
#ifdef CONFIG_ADVISE_SYSCALLS
	static const struct {
		u64 flag;
		int advice;
	} late[] = {
		{ CKPT_VMA_DONTCOPY, MADV_DONTFORK },
		{ CKPT_VMA_DONTDUMP, MADV_DONTDUMP },
		{ CKPT_VMA_WIPEONFORK, MADV_WIPEONFORK },
		{ CKPT_VMA_SEQ_READ, MADV_SEQUENTIAL },
		{ CKPT_VMA_RAND_READ, MADV_RANDOM },
	};
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < ARRAY_SIZE(late); i++)
		if (v->flags & late[i].flag)
			ret = do_madvise(current->mm, v->start, v->end - v->start,
					 late[i].advice);
	return ret;
#else
	return -EOPNOTSUPP;	/* no madvise(), no such flags to give */
#endif
}

static int restore_vma_map(struct ckpt_rvma *v)
{
	unsigned long flags = MAP_FIXED_NOREPLACE, addr, off = 0;
	struct file *file = NULL;
	struct vm_area_struct *vma;
	bool merged = false;
	vm_flags_t set;
	int ret;

	switch (v->kind) {
	case CKPT_VMA_ANON:
		flags |= MAP_PRIVATE | MAP_ANONYMOUS;
		if (v->flags & CKPT_VMA_GROWSDOWN)
			flags |= MAP_GROWSDOWN;
		break;
	case CKPT_VMA_SHMEM:
		flags |= MAP_SHARED;
		if (!v->same) {
			flags |= MAP_ANONYMOUS;
			break;
		}
		/* the object the other process made, at this one's part */
		file = v->same->shmem;
		if (!file)
			return -EINVAL;
		off = (v->same->pgoff + v->orig_pgoff - v->same->orig_pgoff) <<
		      PAGE_SHIFT;
		break;
	case CKPT_VMA_FILE:
		flags |= v->flags & CKPT_VMA_SHARED ? MAP_SHARED : MAP_PRIVATE;
		file = v->file;
		off = v->pgoff << PAGE_SHIFT;
		break;
	case CKPT_VMA_VVAR:
		return ckpt_arch_map_special(v->kind, v->start);
	default:
		return 0;	/* the vDSO came with its vvar */
	}
	if (v->flags & CKPT_VMA_NORESERVE)
		flags |= MAP_NORESERVE;
	if (v->flags & CKPT_VMA_LOCKED)
		flags |= MAP_LOCKED;

	addr = vm_mmap(file, v->start, v->end - v->start, v->prot, flags, off);
	if (IS_ERR_VALUE(addr))
		return addr;
	if (addr != v->start)
		return -EINVAL;

	set = ckpt_vm_flags(v->flags & CKPT_VMA_SET_LATE);
	mmap_write_lock(current->mm);
	vma = vma_lookup(current->mm, v->start);
	if (vma && set) {
		merged = vma->vm_start != v->start || vma->vm_end != v->end;
		if (!merged)
			vm_flags_set(vma, set);
	}
	if (vma && v->kind == CKPT_VMA_SHMEM) {
		/* a new object: its pages start at the mapping's start */
		v->shmem = get_file(vma->vm_file);
		v->pgoff = vma->vm_pgoff;
	}
	mmap_write_unlock(current->mm);
	if (!vma)
		return -EFAULT;
	if (merged) {
		ret = restore_vma_advise(v);
		if (ret)
			return ret;
	}
	return restore_vma_thp(v);
}

/*
 * A process made by fork() from its restored parent, whose mm it has a
 * copy of: of it, only the CKPT_VMA_COW VMAs stay, with their pages;
 * the rest of the address space goes, the vDSO too (mapped again where
 * the image has it).  The executable is the parent's, the same file
 * (restore_mm() checked), held against writes since the fork.
 */
static int restore_mm_cow_apply(struct ckpt_ctx *ctx, struct ckpt_rst_mm *rm)
{
	unsigned long from = 0, to;
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i <= rm->nr; i++) {
		if (i < rm->nr && !(rm->vma[i].flags & CKPT_VMA_COW))
			continue;
		to = i < rm->nr ? rm->vma[i].start : TASK_SIZE;
		if (to > from)
			ret = vm_munmap(from, to - from);
		if (i < rm->nr)
			from = rm->vma[i].end;
	}
	if (ret)
		return ret;
	for (i = 0; i < rm->nr; i++)
		if (rm->vma[i].kind == CKPT_VMA_VVAR)
			return 0;
	ckpt_arch_forget_special();
	return 0;
}

/*
 * Past the point of no return: makes the new mm current's, as execve()
 * does, maps every VMA at its address and sets the mm's layout.  A
 * process made by fork() keeps the VMAs it shares with its parent.
 */
int restore_mm_apply(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_mm *rm = ctx->p.rst_mm;
	struct ckpt_hdr_mm *h = &rm->h;
	struct mm_struct *mm = rm->mm;
	struct rlimit rlim_stack;
	unsigned int i, pass;
	int ret;

	task_lock(current->group_leader);
	rlim_stack = current->signal->rlim[RLIMIT_STACK];
	task_unlock(current->group_leader);

	if (rm->cow) {
		mm = current->mm;
		ret = restore_mm_cow_apply(ctx, rm);
	} else {
		ret = exec_restart_mmap(mm);
		if (!ret)
			rm->mm = NULL;	/* current's now */
	}
	if (ret)
		return ret;
	rseq_execve(current);		/* it pointed into the old mm */
	/*
	 * The image's personality lays the address space out, and none
	 * adds to the protections the image gives: READ_IMPLIES_EXEC, the
	 * caller's or the image's, would make PROT_READ mappings
	 * executable.  restore_task_apply() sets it whole.
	 */
	set_personality(ctx->p.rst_attr->personality & ~READ_IMPLIES_EXEC);
	mm->task_size = TASK_SIZE;
	arch_pick_mmap_layout(mm, &rlim_stack);
	arch_setup_new_exec();

	/*
	 * mmap() merges a VMA with a neighbour of the same flags, and the
	 * flags mmap() cannot give (VM_DONTCOPY, VM_DONTDUMP) are set after
	 * it: the VMAs that have them are mapped first, so that no neighbour
	 * is there to merge with and take them too.  Mapped later, a
	 * neighbour finds their flags different and stays apart.
	 */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < rm->nr; i++) {
			if (!!(rm->vma[i].flags & CKPT_VMA_SET_LATE) == pass ||
			    rm->vma[i].flags & CKPT_VMA_COW)
				continue;
			ret = restore_vma_map(&rm->vma[i]);
			if (ret)
				return ret;
		}
	}

	mmap_write_lock(mm);
	mm->start_code = h->start_code;
	mm->end_code = h->end_code;
	mm->start_data = h->start_data;
	mm->end_data = h->end_data;
	mm->start_brk = h->start_brk;
	mm->brk = h->brk;
	mm->start_stack = h->start_stack;
	spin_lock(&mm->arg_lock);
	mm->arg_start = h->arg_start;
	mm->arg_end = h->arg_end;
	mm->env_start = h->env_start;
	mm->env_end = h->env_end;
	spin_unlock(&mm->arg_lock);
	memset(mm->saved_auxv, 0, sizeof(mm->saved_auxv));
	memcpy(mm->saved_auxv, h->auxv, h->nr_auxv * 2 * sizeof(u64));
	mmap_write_unlock(mm);
	return 0;
}

/* Checks a batch of page addresses: ascending, each inside a VMA with pages. */
static int restore_pages_check(struct ckpt_rst_mm *rm,
			       struct ckpt_hdr_pages *h, u64 *last,
			       unsigned int *v)
{
	unsigned int i;

	for (i = 0; i < h->nr_pages; i++) {
		u64 addr = h->addr[i];

		if (!PAGE_ALIGNED(addr) || (*last && addr <= *last))
			return -EBADMSG;
		while (*v < rm->nr && rm->vma[*v].end <= addr)
			(*v)++;
		if (*v == rm->nr || addr < rm->vma[*v].start ||
		    rm->vma[*v].same ||
		    !ckpt_vma_has_pages(rm->vma[*v].kind,
					rm->vma[*v].flags & CKPT_VMA_SHARED))
			return -EBADMSG;
		*last = addr;
	}
	return 0;
}

/*
 * Shared anonymous memory is written into its shmem object, whatever the
 * protection of the mapping: the page of the object, allocated as a
 * fault would (and charged so), gets the image's data.  Not by write(2):
 * the object may be larger than 2 GiB, and the caller's RLIMIT_FSIZE is
 * no limit on memory.
 */
static int restore_shmem_page(struct ckpt_ctx *ctx, struct ckpt_rvma *v,
			      u64 addr, void *buf)
{
	pgoff_t index = ((addr - v->start) >> PAGE_SHIFT) + v->pgoff;
	struct folio *folio;
	int ret;

	ret = ckpt_read_page(ctx, buf);
	if (ret)
		return ret;
	ret = shmem_get_folio(file_inode(v->shmem), index, 0, &folio,
			      SGP_CACHE);
	if (ret)
		return ret;
	memcpy_to_page(folio_file_page(folio, index), 0, buf, PAGE_SIZE);
	folio_mark_dirty(folio);
	folio_unlock(folio);
	folio_put(folio);
	return 0;
}

/*
 * Private memory: the pages are made present and private, as a debugger's
 * write would make them, and the image is read straight into them.
 */
static int restore_private_pages(struct ckpt_ctx *ctx, u64 *addr,
				 unsigned int nr, struct page **pages)
{
	struct mm_struct *mm = current->mm;
	int ret;

	mmap_read_lock(mm);
	ret = ckpt_pages_get(mm, addr, nr, FOLL_WRITE | FOLL_FORCE, pages);
	mmap_read_unlock(mm);
	if (ret)
		return ret;

	ret = ckpt_stream_pages(ctx, pages, nr);
	ckpt_pages_put(pages, nr);
	return ret;
}

/*
 * Of a process made by fork(), the parent's pages that are not to stay:
 * those of the CKPT_VMA_COW VMAs from @z->from to @to, which no
 * CKPT_HDR_PAGES_KEEP run names, go as MADV_DONTNEED would take them.
 * The process's own pages are written there after, into new pages.
 */
struct ckpt_cow_zap {
	unsigned long from;		/* what lies below is done */
	unsigned int v;			/* the VMA record it is in, or after */
};

static void restore_cow_zap(struct ckpt_rst_mm *rm, struct ckpt_cow_zap *z,
			    unsigned long to)
{
	VMA_ITERATOR(vmi, current->mm, 0);
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned long s, e;

	if (!rm->cow || to <= z->from)
		return;
	mmap_read_lock(mm);
	for (; z->v < rm->nr && rm->vma[z->v].start < to; z->v++) {
		const struct ckpt_rvma *rv = &rm->vma[z->v];

		if (!(rv->flags & CKPT_VMA_COW) || rv->end <= z->from)
			continue;
		s = max(z->from, rv->start);
		e = min(to, rv->end);
		vma_iter_set(&vmi, s);
		for_each_vma_range(vmi, vma, e)
			zap_page_range_single(vma, max(s, vma->vm_start),
					      min(e, vma->vm_end) -
					      max(s, vma->vm_start), NULL);
		if (rv->end > to)
			break;		/* the rest of it later */
	}
	mmap_read_unlock(mm);
	z->from = to;
}

/*
 * Checks a CKPT_HDR_PAGES_KEEP record: runs ascending after what came
 * before, each in one CKPT_VMA_COW VMA; and lets the parent's pages
 * between them go.
 */
static int restore_pages_keep(struct ckpt_ctx *ctx, struct ckpt_rst_mm *rm,
			      struct ckpt_hdr_pages_keep *k, u64 *last,
			      unsigned int *v, struct ckpt_cow_zap *z)
{
	const struct ckpt_rvma *rv;
	unsigned int i;

	if (k->h.len != struct_size(k, run, k->nr_runs) || !k->nr_runs ||
	    k->pad)
		return -EBADMSG;
	for (i = 0; i < k->nr_runs; i++) {
		u64 addr = k->run[i].addr, nr = k->run[i].nr_pages;

		if (!PAGE_ALIGNED(addr) || (*last && addr <= *last) || !nr ||
		    addr >= TASK_SIZE || nr > (TASK_SIZE - addr) >> PAGE_SHIFT)
			return -EBADMSG;
		while (*v < rm->nr && rm->vma[*v].end <= addr)
			(*v)++;
		rv = &rm->vma[*v];
		if (*v == rm->nr || addr < rv->start ||
		    addr + (nr << PAGE_SHIFT) > rv->end ||
		    !(rv->flags & CKPT_VMA_COW))
			return -EBADMSG;
		if (!(ctx->flags & RESTART_VERIFY))
			restore_cow_zap(rm, z, addr);
		z->from = addr + (nr << PAGE_SHIFT);
		*last = z->from - PAGE_SIZE;
	}
	return 0;
}

/*
 * Reads the page records up to the one that ends them.  With
 * RESTART_VERIFY the data is only read; else it goes into the new mm.
 */
int restore_mm_pages(struct ckpt_ctx *ctx)
{
	bool verify = ctx->flags & RESTART_VERIFY;
	struct ckpt_rst_mm *rm = ctx->p.rst_mm;
	size_t max = max(struct_size_t(struct ckpt_hdr_pages, addr,
				       CKPT_PAGES_MAX),
			 struct_size_t(struct ckpt_hdr_pages_keep, run,
				       CKPT_RUNS_MAX));
	struct ckpt_cow_zap zap = {};
	struct ckpt_hdr_pages *h;
	struct ckpt_rvma *rv;
	unsigned int i, j, v = 0;
	struct page **pages;
	u64 last = 0;
	void *buf;
	int ret = -ENOMEM;

	h = kmalloc(max, GFP_KERNEL);
	pages = kmalloc_array(CKPT_PAGES_MAX, sizeof(*pages), GFP_KERNEL);
	buf = (void *)__get_free_page(GFP_KERNEL);
	if (!h || !pages || !buf)
		goto out;

	for (;;) {
		ret = ckpt_read_obj_of(ctx, &h->h, CKPT_HDR_PAGES,
				       ctx->rst_version >= 7 ?
				       CKPT_HDR_PAGES_KEEP : 0,
				       sizeof(*h), max);
		if (ret)
			break;
		if (h->h.type == CKPT_HDR_PAGES_KEEP) {
			ret = restore_pages_keep(ctx, rm, (void *)h, &last, &v,
						 &zap);
			if (ret)
				break;
			continue;
		}
		ret = -EBADMSG;
		if (h->h.len != struct_size(h, addr, h->nr_pages) ||
		    h->nr_pages > CKPT_PAGES_MAX || h->pad)
			break;
		ret = 0;
		if (!h->nr_pages) {
			/* none of the parent's pages stays after the last */
			if (!verify)
				restore_cow_zap(rm, &zap, TASK_SIZE);
			break;
		}
		/* the batch starts in or after the VMA the last one ended in */
		rv = &rm->vma[v];
		ret = restore_pages_check(rm, h, &last, &v);
		if (ret)
			break;

		/* runs of pages in one VMA */
		for (i = 0; !ret && i < h->nr_pages; i = j) {
			while (rv->end <= h->addr[i])
				rv++;
			for (j = i + 1; j < h->nr_pages; j++)
				if (h->addr[j] >= rv->end)
					break;

			if (verify) {
				for (; !ret && i < j; i++)
					ret = ckpt_read_page(ctx, buf);
			} else if (rv->kind == CKPT_VMA_SHMEM) {
				for (; !ret && i < j; i++)
					ret = restore_shmem_page(ctx, rv,
								 h->addr[i],
								 buf);
			} else {
				/* the parent's page there goes first */
				restore_cow_zap(rm, &zap,
						h->addr[j - 1] + PAGE_SIZE);
				ret = restore_private_pages(ctx, h->addr + i,
							    j - i, pages);
			}
		}
		if (ret)
			break;
	}
out:
	free_page((unsigned long)buf);
	kfree(pages);
	kfree(h);
	return ret;
}

/* Whether the process of @st is made by fork(), for CKPT_VMA_COW. */
bool restore_mm_forked(const struct ckpt_proc_state *st)
{
	return st->rst_mm && st->rst_mm->cow;
}

void restore_mm_free(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_mm *rm = ctx->p.rst_mm;
	unsigned int i;

	if (!rm)
		return;
	for (i = 0; i < rm->nr; i++) {
		if (rm->vma[i].file)
			fput(rm->vma[i].file);
		if (rm->vma[i].shmem)
			fput(rm->vma[i].shmem);
	}
	kvfree(rm->vma);
	if (rm->mm)
		mmput(rm->mm);
	kfree(rm);
}
