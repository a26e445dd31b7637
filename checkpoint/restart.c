// SPDX-License-Identifier: GPL-2.0
/*
 * Restart: the image reader.  Every byte of an image is untrusted: each
 * record is read only as far as its length, which is checked against the
 * bounds the caller expects before anything is read into a buffer, and
 * each record's fields are checked once, by the function that restores
 * it.
 *
 * Errors that say what is wrong with an image:
 *   -ENOEXEC          not an image, or one for another architecture
 *   -EPROTONOSUPPORT  an image format version this kernel does not know
 *   -EINVAL           not the crid that restart(2) asked for
 *   -EBADMSG          a malformed or corrupted record, a bad checksum
 *   -ENODATA          the image ends early
 *   -ESTALE           a file the image names is not the one it saw
 */
#include <linux/checkpoint.h>
#include <linux/file.h>
#include <linux/io_uring.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/namei.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/task_work.h>
#include <linux/uio.h>

static int ckpt_read_nocsum(struct ckpt_ctx *ctx, void *buf, size_t len)
{
	struct kvec kv = { .iov_base = buf, .iov_len = len };
	struct iov_iter iter;

	iov_iter_kvec(&iter, ITER_DEST, &kv, 1, len);
	return ckpt_stream(ctx, &iter);
}

/* Reads exactly @len bytes of the image; an early end is -ENODATA. */
int ckpt_read(struct ckpt_ctx *ctx, void *buf, size_t len)
{
	int ret = ckpt_read_nocsum(ctx, buf, len);

	if (!ret)
		xxh64_update(&ctx->csum, buf, len);
	return ret;
}

/* Reads one page of page data, which the checksum covers on request. */
int ckpt_read_page(struct ckpt_ctx *ctx, void *buf)
{
	int ret = ckpt_read_nocsum(ctx, buf, PAGE_SIZE);

	if (!ret && ctx->csum_pages)
		xxh64_update(&ctx->csum, buf, PAGE_SIZE);
	return ret;
}

static int ckpt_read_padding(struct ckpt_ctx *ctx, u32 len)
{
	u8 pad[CKPT_ALIGN];
	u32 n = ALIGN(len, CKPT_ALIGN) - len;
	int ret;

	if (!n)
		return 0;
	ret = ckpt_read(ctx, pad, n);
	if (ret)
		return ret;
	return memchr_inv(pad, 0, n) ? -EBADMSG : 0;
}

/* The header of a record of @type, or of @alt where that is not 0. */
static int ckpt_read_hdr_of(struct ckpt_ctx *ctx, struct ckpt_hdr *h,
			    u32 type, u32 alt, u32 min, u32 max)
{
	int ret;

	ret = ckpt_read(ctx, h, sizeof(*h));
	if (ret)
		return ret;
	/* the image of a checkpoint that failed ends with why */
	if (h->type == CKPT_HDR_ERROR && type != CKPT_HDR_ERROR)
		return -ENODATA;
	if ((h->type != type && (!alt || h->type != alt)) || h->len < min ||
	    h->len > max)
		return -EBADMSG;
	return 0;
}

static int ckpt_read_hdr(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 type,
			 u32 min, u32 max)
{
	return ckpt_read_hdr_of(ctx, h, type, 0, min, max);
}

/*
 * Reads a record of @type or @alt, whose length, header included, must
 * lie in [@min, @max], into @h, which has room for @max bytes.  The
 * caller checks the length against the type read.
 */
int ckpt_read_obj_of(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 type,
		     u32 alt, u32 min, u32 max)
{
	int ret;

	if (WARN_ON_ONCE(min < sizeof(*h) || min > max || max > CKPT_REC_MAX))
		return -EINVAL;

	ret = ckpt_read_hdr_of(ctx, h, type, alt, min, max);
	if (ret)
		return ret;
	ret = ckpt_read(ctx, h + 1, h->len - sizeof(*h));
	if (ret)
		return ret;
	return ckpt_read_padding(ctx, h->len);
}

/*
 * Reads a record of @type, whose length, header included, must lie in
 * [@min, @max], into @h, which has room for @max bytes.
 */
int ckpt_read_obj(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 type,
		  u32 min, u32 max)
{
	return ckpt_read_obj_of(ctx, h, type, 0, min, max);
}

/*
 * As ckpt_read_obj(), into a buffer sized by the record's checked length
 * and followed by one NUL byte, so that a string payload can always be
 * parsed safely.  The caller kfree()s it.
 */
void *ckpt_read_obj_alloc(struct ckpt_ctx *ctx, u32 type, u32 min, u32 max)
{
	struct ckpt_hdr hdr, *h;
	int ret;

	if (WARN_ON_ONCE(min < sizeof(hdr) || min > max || max > CKPT_REC_MAX))
		return ERR_PTR(-EINVAL);

	ret = ckpt_read_hdr(ctx, &hdr, type, min, max);
	if (ret)
		return ERR_PTR(ret);

	h = kmalloc(hdr.len + 1, GFP_KERNEL_ACCOUNT);
	if (!h)
		return ERR_PTR(-ENOMEM);
	*h = hdr;
	((char *)h)[hdr.len] = '\0';

	ret = ckpt_read(ctx, h + 1, hdr.len - sizeof(hdr));
	if (!ret)
		ret = ckpt_read_padding(ctx, hdr.len);
	if (ret) {
		kfree(h);
		return ERR_PTR(ret);
	}
	return h;
}

/*
 * Makes room for element @i in the array *@arr of @size-byte elements,
 * which has room for *@cap.  An array that an image sizes grows as its
 * records arrive, never by a count the image declares, and is charged to
 * the restarter, as the memory of the process it becomes will be.  New
 * elements are zeroed.
 */
int ckpt_array_grow(void **arr, unsigned int *cap, unsigned int i,
		    size_t size)
{
	unsigned int n = *cap;
	void *p;

	if (i < n)
		return 0;
	while (n <= i) {
		if (n > INT_MAX / 2)
			return -ENOMEM;
		n = n ? n * 2 : 16;
	}
	p = kvrealloc(*arr, array_size(n, size), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	memset(p + *cap * size, 0, (n - *cap) * size);
	*arr = p;
	*cap = n;
	return 0;
}

int ckpt_cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

/*
 * Whether the @nr ids @v, which an image gives, are all different: @v is
 * sorted for the check, and stays so.
 */
bool ckpt_ints_distinct(int *v, unsigned int nr)
{
	unsigned int i;

	sort(v, nr, sizeof(*v), ckpt_cmp_int, NULL);
	for (i = 1; i < nr; i++)
		if (v[i] == v[i - 1])
			return false;
	return true;
}

/*
 * Reads a file record of @type and checks its path: absolute,
 * NUL-terminated, with no NUL inside.  The caller kfree()s it.
 */
struct ckpt_hdr_file *ckpt_read_file(struct ckpt_ctx *ctx, u32 type)
{
	struct ckpt_hdr_file *h;
	size_t len;

	h = ckpt_read_obj_alloc(ctx, type, sizeof(*h) + 2,
				sizeof(*h) + PATH_MAX);
	if (IS_ERR(h))
		return h;

	len = h->h.len - sizeof(*h);
	if (h->path[0] != '/' || strnlen(h->path, len) != len - 1) {
		kfree(h);
		return ERR_PTR(-EBADMSG);
	}
	return h;
}

/*
 * A device is the same device wherever its node is: /dev/console on the
 * rootfs and on devtmpfs are one.  Only a regular file's size and mtime
 * count: a directory's change with its entries, those of a FIFO or a
 * terminal as it is used.  A file the process only wrote to (a log) may
 * have grown since, when @grown allows it.
 */
static bool ckpt_same_inode(struct inode *inode, const struct ckpt_hdr_file *h)
{
	if (S_ISCHR(inode->i_mode) || S_ISBLK(inode->i_mode))
		return (inode->i_mode & S_IFMT) == (h->mode & S_IFMT) &&
		       new_encode_dev(inode->i_rdev) == h->rdev;
	return new_encode_dev(inode->i_sb->s_dev) == h->dev &&
	       inode->i_ino == h->ino && inode->i_mode == h->mode && !h->rdev;
}

static bool ckpt_same_file(struct inode *inode, const struct ckpt_hdr_file *h,
			   bool grown)
{
	struct timespec64 mtime = inode_get_mtime(inode);

	if (!ckpt_same_inode(inode, h))
		return false;
	if (!S_ISREG(inode->i_mode))
		return true;
	if (grown)
		return i_size_read(inode) >= h->size;
	return i_size_read(inode) == h->size &&
	       mtime.tv_sec == h->mtime_sec && mtime.tv_nsec == h->mtime_nsec;
}

/* Whether @err says a signal cut the call short, not why it failed. */
static bool ckpt_interrupted(long err)
{
	return err == -EINTR || err == -ERESTARTSYS ||
	       err == -ERESTARTNOINTR || err == -ERESTARTNOHAND;
}

/* Looks @h's path up from the restarter's root: why not, when it is not. */
static int ckpt_lookup_path(struct ckpt_ctx *ctx,
			    const struct ckpt_hdr_file *h, unsigned int lookup,
			    struct path *path)
{
	int ret;

	ret = vfs_path_lookup(ctx->p.root.dentry, ctx->p.root.mnt, h->path,
			      lookup, path);
	if (ret && !ckpt_interrupted(ret))
		ckpt_refuse(ctx, ret, -1, "%s: %s", h->path,
			    ret == -ENOENT ? "not there" :
			    "cannot be looked up");
	return ret;
}

/*
 * Looks up the file of record @h by its path, from the restarter's root
 * and with its rights, a last symlink not followed, and checks it is the
 * inode the image saw, whatever its size and mtime now (a watched file
 * changes): another one is -ESTALE.  Into @path, which the caller puts.
 */
int ckpt_lookup_file(struct ckpt_ctx *ctx, const struct ckpt_hdr_file *h,
		     struct path *path)
{
	int ret;

	ret = ckpt_lookup_path(ctx, h, 0, path);
	if (ret)
		return ret;
	if (!ckpt_same_inode(d_inode(path->dentry), h)) {
		path_put(path);
		return ckpt_refuse(ctx, -ESTALE, -1,
				   "%s: not the file the image saw", h->path);
	}
	return 0;
}

/*
 * Opens the file of record @h by its path, from the restarter's root and
 * with the restarter's rights, and checks it is the file the image saw:
 * another one, or one changed since, is -ESTALE.  The path is looked up
 * and the inode checked before anything opens it, so that a hostile image
 * or a file replaced meanwhile cannot make restart open what it did not
 * name: a FIFO where a file was (whose open would block), or a device.
 * The open is then of exactly that inode, with open(2)'s checks.
 */
struct file *ckpt_open_file_grown(struct ckpt_ctx *ctx,
				  const struct ckpt_hdr_file *h, int flags,
				  bool grown)
{
	unsigned int lookup = flags & O_NOFOLLOW ? 0 : LOOKUP_FOLLOW;
	struct file *file;
	struct path path;
	int ret;

	ret = ckpt_lookup_path(ctx, h, lookup, &path);
	if (ret)
		return ERR_PTR(ret);
	if (!ckpt_same_file(d_inode(path.dentry), h, grown)) {
		path_put(&path);
		ckpt_refuse(ctx, -ESTALE, -1,
			    "%s: not the file the image saw, or changed since",
			    h->path);
		return ERR_PTR(-ESTALE);
	}
	/*
	 * An empty name opens the root it is given: that inode.  Never as
	 * a controlling terminal: the caller keeps its own, or none.
	 */
	file = file_open_root(&path, "", flags | O_LARGEFILE | O_NOCTTY, 0);
	path_put(&path);
	if (IS_ERR(file) && !ckpt_interrupted(PTR_ERR(file)))
		ckpt_refuse(ctx, PTR_ERR(file), -1, "%s: cannot be opened %s",
			    h->path, (flags & O_ACCMODE) == O_RDONLY ?
			    "for reading" : (flags & O_ACCMODE) == O_WRONLY ?
			    "for writing" : "for reading and writing");
	return file;
}

struct file *ckpt_open_file(struct ckpt_ctx *ctx,
			    const struct ckpt_hdr_file *h, int flags)
{
	return ckpt_open_file_grown(ctx, h, flags, false);
}

static int restore_header(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_header h;
	int ret;

	ret = ckpt_read_obj(ctx, &h.h, CKPT_HDR_HEADER, sizeof(h), sizeof(h));
	if (ret == -EBADMSG)
		return -ENOEXEC;	/* the first record is not a header */
	if (ret)
		return ret;

	if (memcmp(h.magic, CKPT_MAGIC_HEAD, sizeof(h.magic)))
		return -ENOEXEC;
	/*
	 * Each version adds records to the one before: version 2 is 3
	 * without file locks and mapped files' access, 3 is 4 without
	 * threads and event fds, 4 is 5 without POSIX timers, 5 is 6
	 * without inotify.
	 */
	if (h.version < 2 || h.version > CKPT_VERSION)
		return -EPROTONOSUPPORT;
	if (h.arch != ckpt_arch_id() || h.page_size != PAGE_SIZE)
		return -ENOEXEC;
	if (h.crid <= 0 || h.flags & ~CHECKPOINT_FLAGS_ALL)
		return -EBADMSG;
	/* the release is for people; the format version governs */
	if (!memchr(h.release, '\0', sizeof(h.release)))
		return -EBADMSG;
	if (ctx->crid && h.crid != ctx->crid)
		return -EINVAL;

	ctx->crid = h.crid;
	ctx->rst_version = h.version;
	ctx->rst_hdr_flags = h.flags;
	ctx->csum_pages = h.flags & CHECKPOINT_CSUM_PAGES;
	return 0;
}

static int restore_tail(struct ckpt_ctx *ctx)
{
	u64 checksum = xxh64_digest(&ctx->csum);
	struct ckpt_hdr_tail h;
	int ret;

	ret = ckpt_read_obj(ctx, &h.h, CKPT_HDR_TAIL, sizeof(h), sizeof(h));
	if (ret)
		return ret;
	if (h.magic != CKPT_MAGIC_TAIL || h.checksum != checksum)
		return -EBADMSG;
	return 0;
}

/*
 * Past the point of no return every signal but SIGKILL and SIGSTOP is
 * blocked, and still a read from a pipe or a socket may be cut short: by
 * a SIGSTOP, by task work queued with TWA_SIGNAL (io_uring), or by a trap
 * the task is to take on its way to user space (a debugger's
 * PTRACE_INTERRUPT, the cgroup freezer).  None of them may end the
 * restore, which only a fatal signal ends.  A SIGSTOP is taken off, to be
 * sent again once the process is whole; task work runs now; a trap keeps
 * the task's signal flag up until it is taken, so the read is tried again
 * a tick later, until the data comes, and the trap waits for the restored
 * process.  Returns whether the read may be tried again.
 */
bool restart_retry_read(struct ckpt_ctx *ctx)
{
	kernel_siginfo_t info;
	enum pid_type type;
	sigset_t mask;
	int sig;

	if (!ctx->rst_ponr || fatal_signal_pending(current))
		return false;
	if (test_thread_flag(TIF_NOTIFY_SIGNAL)) {
		clear_notify_signal();
		if (task_work_pending(current))
			task_work_run();
	}
	/* dequeue_signal() takes the signals outside @mask: SIGSTOP only */
	siginitsetinv(&mask, sigmask(SIGSTOP));
	spin_lock_irq(&current->sighand->siglock);
	sig = dequeue_signal(&mask, &info, &type);
	spin_unlock_irq(&current->sighand->siglock);
	if (sig == SIGSTOP) {
		ctx->p.rst_stop = true;
	} else if (signal_pending(current)) {
		/*
		 * Not freezable: the restore holds the image's f_pos lock.
		 * A system suspend waits for the data, or gives up.
		 */
		schedule_timeout_killable(1);
	}
	return !fatal_signal_pending(current);
}

/* Restart is exec-like: only a single-threaded caller may become another. */
static int restart_may_replace_caller(void)
{
	if (!thread_group_empty(current))
		return -EBUSY;
	if (fatal_signal_pending(current))
		return -EINTR;
	return 0;
}

/* Reads and checks the current process's sections, up to its memory. */
static int restart_proc_prepare(struct ckpt_ctx *ctx)
{
	int ret;

	ret = restore_task(ctx);
	if (ret)
		return ret;
	ret = restore_signals(ctx);
	if (ret)
		return ret;
	ret = restore_files(ctx);
	if (ret)
		return ret;
	ctx->p.rst_arch = ckpt_arch_restore_cpu(ctx);
	if (IS_ERR(ctx->p.rst_arch)) {
		ret = PTR_ERR(ctx->p.rst_arch);
		ctx->p.rst_arch = NULL;
		return ret;
	}
	ret = restore_threads(ctx);
	if (!ret)
		ret = restore_posix_timers_check(ctx);
	if (ret)
		return ret;
	return restore_mm(ctx);
}

/* Reads and checks the whole image up to its memory. */
static int restart_prepare(struct ckpt_ctx *ctx)
{
	unsigned int i;
	int ret;

	ctx->rst_dumpable = get_dumpable(current->mm);
	ret = restore_header(ctx);
	if (!ret)
		ret = restore_tree(ctx);
	/* what the tree asks of the caller, before its sections are read */
	if (!ret)
		ret = restore_tree_check(ctx);
	for (i = 0; !ret && i < ctx->nr_procs; i++) {
		if (ckpt_proc_is_zombie(ctx, i))
			continue;
		if (i) {
			/* paths are looked up from the restarter's root */
			ckpt_proc_switch(ctx, i);
			ctx->p.root = ctx->procs[0].st.root;
			path_get(&ctx->p.root);
		}
		ret = restart_proc_prepare(ctx);
	}
	if (ret)
		return ret;
	ckpt_proc_switch(ctx, 0);
	ret = restore_tree_ids_check(ctx);
	if (!ret)
		ret = restore_tree_charges_check(ctx);
	if (ret)
		return ret;

	if (ctx->flags & RESTART_VERIFY) {
		for (i = 0; !ret && i < ctx->nr_procs; i++) {
			if (ckpt_proc_is_zombie(ctx, i))
				continue;
			ckpt_proc_switch(ctx, i);
			ret = restore_mm_pages(ctx);
		}
		ckpt_proc_switch(ctx, 0);
		return ret ? ret : restore_tail(ctx);
	}
	return restart_may_replace_caller();
}

/*
 * Past the point of no return, in the current process's own context:
 * replaces its address space, registers and task state with the image's,
 * and makes its threads and children.
 */
int restart_proc_apply(struct ckpt_ctx *ctx)
{
	int ret;

	ret = restore_mm_apply(ctx);
	if (!ret)
		ret = restore_mm_pages(ctx);
	/* one process's image ends with its pages; a tree's after all */
	if (!ret && ctx->nr_procs == 1)
		ret = restore_tail(ctx);
	if (!ret)
		ret = ckpt_arch_restore_cpu_apply(ctx->p.rst_arch,
						  &ctx->p.rst_retval);
	if (!ret)
		ret = restore_task_apply(ctx);
	if (!ret)
		ret = restore_rlimits_apply(ctx, false);
	if (!ret)
		ret = restore_files_apply(ctx);
	/*
	 * The other threads are made with the image's handlers in place,
	 * which the signals they are sent again meet, while every signal
	 * is still blocked for this one and none pending (clone() would be
	 * cut short), and while the caller's own RLIMIT_NPROC holds (the
	 * image's could refuse them): only then this thread's signals and
	 * the process's pending ones, and RLIMIT_NPROC.  The children are
	 * made from the memory restored, with every signal blocked, before
	 * no_new_privs, which they would inherit, and the threads, which
	 * must.
	 */
	if (!ret)
		ret = restore_sigactions_apply(ctx);
	if (!ret)
		ret = restore_children_apply(ctx);
	if (!ret) {
		restore_nnp_apply(ctx);
		ret = restore_threads_apply(ctx);
	}
	if (!ret)
		ret = restore_signals_apply(ctx);
	if (!ret)
		ret = restore_rlimits_apply(ctx, true);
	/* last, that a policy of SCHED_IDLE does not slow the restore */
	if (!ret)
		ret = restore_sched_apply(ctx->p.rst_sched);
	return ret;
}

/*
 * Reads and checks the whole image up to its memory, then, past the point
 * of no return, replaces the caller's address space, registers and task
 * state, and makes the rest of the tree.  Before that point an error
 * leaves the caller as it was; after it, an error kills the caller and
 * every process made: a half-restored process never runs.
 *
 * A signal may interrupt a read from a pipe or a socket before that point
 * (-EINTR, or the call is restarted if nothing was read yet).  After it,
 * signals other than SIGKILL and SIGSTOP are blocked until the image's
 * mask is set: they wait for the restored process, and a SIGSTOP stops
 * it once it is whole.  The caller's pending signals go at that point,
 * with the rest of it.
 */
static int restart_image(struct ckpt_ctx *ctx)
{
	unsigned int i;
	sigset_t all;
	int ret;

	ret = restart_prepare(ctx);
	if (ret || (ctx->flags & RESTART_VERIFY))
		return ret;

	/* the point of no return */
	ctx->rst_ponr = true;
	/* as execve(): the caller's io_uring requests end with it */
	io_uring_task_cancel();
	sigfillset(&all);
	set_current_blocked(&all);
	restore_signals_ponr();
	if (!fatal_signal_pending(current))
		flush_signals(current);
	restore_tree_ns_apply(ctx);
	ret = restore_tree_ponr(ctx);
	if (!ret)
		ret = restart_proc_apply(ctx);
	if (!ret && ctx->nr_procs > 1)
		ret = restore_tree_ids_apply(ctx);
	if (!ret && ctx->nr_procs > 1)
		ret = restore_tail(ctx);
	/* every process mapped its memory: the seals that waited for it */
	if (!ret)
		ret = restore_files_seals(ctx);
	if (ret) {
		restore_tree_end(ctx, ret);
		force_fatal_sig(SIGKILL);
		return ret;
	}
	/*
	 * It stops before it runs, for a debugger or a tool to take over, or
	 * for the SIGSTOP that came during the restore: its threads too,
	 * which take the stop on their way to user space.
	 */
	if ((ctx->flags & RESTART_STOPPED) || ctx->p.rst_stop)
		send_sig(SIGSTOP, current, 1);
	for (i = 0; i < ctx->nr_procs; i++) {
		ckpt_proc_switch(ctx, i);
		restore_threads_go(ctx);
	}
	ckpt_proc_switch(ctx, 0);
	restore_tree_end(ctx, 0);
	return 0;
}

long do_restart(struct ckpt_ctx *ctx)
{
	int ret = restart_image(ctx);
	unsigned int i;
	long retval;

	for (i = 0; i < max(ctx->nr_procs, 1U); i++) {
		ckpt_proc_switch(ctx, i);
		ckpt_arch_restore_cpu_free(ctx->p.rst_arch);
		ctx->p.rst_arch = NULL;
		restore_threads_free(ctx);
		restore_mm_free(ctx);
		restore_signals_free(ctx);
		restore_files_free(ctx);
		restore_task_free(ctx);
	}
	ckpt_proc_switch(ctx, 0);
	retval = ctx->p.rst_retval;
	restore_descs_free(ctx);
	if (ret || (ctx->flags & RESTART_VERIFY))
		return ret;
	return retval;
}
