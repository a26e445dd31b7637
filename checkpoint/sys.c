// SPDX-License-Identifier: GPL-2.0
/*
 * The checkpoint(2) and restart(2) system calls: argument and permission
 * checks, the checkpoint id, and the context that carries one operation.
 *
 * Everything a context points to is a reference it owns, so every error
 * path, early or late, ends in ckpt_ctx_free() and leaks nothing.
 */
#include <linux/bvec.h>
#include <linux/checkpoint.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/highmem.h>
#include <linux/limits.h>
#include <linux/pid_namespace.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/syscalls.h>
#include <linux/uio.h>

/*
 * Starts an operation on the image file @file, which must be open for
 * @mode, as write(2) or read(2) would want it.
 */
static struct ckpt_ctx *ckpt_ctx_alloc(struct file *file, fmode_t mode,
				       enum ckpt_kind kind, unsigned long flags)
{
	struct ckpt_ctx *ctx;

	if (!file || !(file->f_mode & mode))
		return ERR_PTR(-EBADF);

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return ERR_PTR(-ENOMEM);

	ctx->kind = kind;
	ctx->flags = flags;
	ctx->file = get_file(file);
	/* the caller holds the file's f_pos lock, as write(2) would */
	ctx->ppos = (file->f_mode & FMODE_STREAM) ? NULL : &file->f_pos;
	ctx->err_fd = -1;
	xxh64_reset(&ctx->csum, 0);
	return ctx;
}

/*
 * Moves all of @iter to or from the image, at the file's position, as
 * write(2) and read(2) would: vfs_iter_write() and vfs_iter_read() take
 * any file with ->write_iter() or ->read_iter(), pipes and sockets too.
 * The image is a stream: an early end on reading is -ENODATA.
 */
int ckpt_stream(struct ckpt_ctx *ctx, struct iov_iter *iter)
{
	bool out = iov_iter_rw(iter) == WRITE;
	size_t len = iov_iter_count(iter);
	ssize_t n;

	while (iov_iter_count(iter)) {
		n = out ? vfs_iter_write(ctx->file, iter, ctx->ppos, 0) :
			  vfs_iter_read(ctx->file, iter, ctx->ppos, 0);
		if ((n == -ERESTARTSYS || n == -EINTR) &&
		    restart_retry_read(ctx))
			continue;
		if (n < 0)
			return n;
		if (!n)
			return out ? -EIO : -ENODATA;
	}
	ctx->bytes += len;
	return 0;
}

/*
 * Page data is the process's own bytes, which restart copies but never
 * parses: a damaged page can harm that process only, as a damaged file
 * would.  So it is checksummed only on request (CHECKPOINT_CSUM_PAGES).
 * Hashing costs about a third of writing, and memory that the target
 * shares with running processes may change between the hash and the
 * write, which would fail a sound image.
 */
static void ckpt_csum_pages(struct ckpt_ctx *ctx, struct page **pages,
			    unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		void *p = kmap_local_page(pages[i]);

		xxh64_update(&ctx->csum, p, PAGE_SIZE);
		kunmap_local(p);
	}
}

/*
 * Moves @nr whole pages straight between the image and @pages, pinned by
 * the caller: out of them on checkpoint, into them on restart.
 */
int ckpt_stream_pages(struct ckpt_ctx *ctx, struct page **pages,
		      unsigned int nr)
{
	unsigned int dir = ctx->kind == CKPT_CTX_CHECKPOINT ? ITER_SOURCE :
							       ITER_DEST;
	struct iov_iter iter;
	struct bio_vec *bv;
	unsigned int i;
	int ret;

	bv = kmalloc_array(nr, sizeof(*bv), GFP_KERNEL);
	if (!bv)
		return -ENOMEM;
	for (i = 0; i < nr; i++)
		bvec_set_page(&bv[i], pages[i], PAGE_SIZE, 0);
	iov_iter_bvec(&iter, dir, bv, nr, (size_t)nr * PAGE_SIZE);
	ret = ckpt_stream(ctx, &iter);
	if (!ret && ctx->csum_pages)
		ckpt_csum_pages(ctx, pages, nr);
	kfree(bv);
	return ret;
}

/*
 * A call interrupted by a signal is restarted only if it moved nothing
 * yet: part of a stream, a pipe's or a socket's, cannot be moved again.
 */
static long ckpt_no_restart(struct ckpt_ctx *ctx, long ret)
{
	switch (ret) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
	case -ERESTART_RESTARTBLOCK:
		return ctx->bytes ? -EINTR : ret;
	}
	return ret;
}

void ckpt_threads_put(struct ckpt_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i < ctx->p.nr_threads; i++) {
		if (ctx->p.threads[i].stack)
			put_task_stack(ctx->p.threads[i].task);
		put_task_struct(ctx->p.threads[i].task);
	}
	kvfree(ctx->p.threads);
	ctx->p.threads = NULL;
	ctx->p.nr_threads = 0;
}

/* Drops what the current process's state holds. */
static void ckpt_proc_put(struct ckpt_ctx *ctx)
{
	ckpt_threads_put(ctx);
	ckpt_made_maps_put(ctx);
	checkpoint_mm_free(ctx);
	if (ctx->p.mm)
		mmput(ctx->p.mm);
	if (ctx->p.stack)
		put_task_stack(ctx->p.task);
	if (ctx->p.root.mnt)
		path_put(&ctx->p.root);
	if (ctx->p.task)
		put_task_struct(ctx->p.task);
	memset(&ctx->p, 0, sizeof(ctx->p));
}

static void ckpt_ctx_free(struct ckpt_ctx *ctx)
{
	unsigned int i;

	ckpt_unpark(ctx);
	for (i = 0; i < ctx->nr_procs; i++) {
		ckpt_proc_switch(ctx, i);
		ckpt_proc_put(ctx);
	}
	ckpt_proc_put(ctx);
	ckpt_tree_free(ctx);
	checkpoint_files_free(ctx);
	kvfree(ctx->shmem_defs);
	kfree(ctx->err_msg);
	fput(ctx->file);
	kfree(ctx);
}

/*
 * A crid names a checkpoint within the pid namespace of the task it was
 * taken of, the container, so that containers neither share nor learn
 * each other's numbers.  It is never zero: a restarted self-checkpoint
 * sees zero.  After INT_MAX it starts again at one.
 */
static int ckpt_crid_alloc(struct pid_namespace *ns)
{
	int old = atomic_read(&ns->ckpt_crid);
	int new;

	do {
		new = old == INT_MAX ? 1 : old + 1;
	} while (!atomic_try_cmpxchg(&ns->ckpt_crid, &old, new));
	return new;
}

/*
 * A target other than the caller must hold still for the whole dump: in a
 * job-control or ptrace stop, or frozen by its cgroup.
 */
bool ckpt_task_is_stopped(struct task_struct *task)
{
	if (task_is_stopped_or_traced(task))
		return true;
#ifdef CONFIG_CGROUPS
	/*
	 * In the cgroup freezer's trap.  task->frozen alone is not enough:
	 * a vfork() parent sets it while it waits for its child, which runs
	 * on in the same memory.  It is a bit-field, read without the lock
	 * it is set under: a task that thaws is no longer inactive.
	 */
	if (data_race((bool)task->frozen) &&
	    READ_ONCE(task->jobctl) & JOBCTL_TRAP_FREEZE)
		return true;
#endif
	return false;
}

/*
 * Waits until a stopped target is off its CPU (a task that has just
 * stopped may still be on its way into schedule()), and returns its count
 * of context switches then, as ptrace does before it looks; 0 if it is
 * not stopped, or was woken meanwhile.
 */
static unsigned long ckpt_target_inactive(struct task_struct *task,
					  bool parked)
{
	unsigned int state = READ_ONCE(task->__state);

	/* a parked task leaves its park only killed */
	if (parked)
		return wait_task_inactive(task, CKPT_PARK_STATE);
	if (!ckpt_task_is_stopped(task))
		return 0;
	return wait_task_inactive(task, state);
}

/*
 * Killed or exiting: SIGKILL pending, or a group exit under way (a dying
 * task takes SIGKILL off its own queue, not off the shared one kill()
 * put it in), or past exit_signals().
 */
bool ckpt_task_dying(struct task_struct *task)
{
	return __fatal_signal_pending(task) ||
	       READ_ONCE(task->signal->flags) & SIGNAL_GROUP_EXIT ||
	       task->flags & PF_EXITING;
}

/*
 * A target other than the caller must not run, be killed or exit while it
 * is checkpointed, or its image could mix two moments.  A task that ran
 * was switched in and out since, or is not stopped now.  Returns -ESRCH
 * if it was killed or exited, -EBUSY if it ran, else 0.
 */
int ckpt_target_moved(struct ckpt_ctx *ctx)
{
	struct task_struct *task = ctx->p.task;

	if (ctx->p.self)
		return 0;
	if (ckpt_task_dying(task))
		return -ESRCH;
	if (ckpt_target_inactive(task, ctx->p.parked) != ctx->p.switches)
		return -EBUSY;
	return 0;
}

/*
 * Every thread of a target other than the caller must hold still, off
 * its CPU, as the leading one.  A thread that ran since the start, or a
 * thread more or fewer, is -EBUSY; a target killed meanwhile -ESRCH.
 * Checked before the image's tail, not at every record: a thread that
 * runs meanwhile (a debugger may continue one alone) can change only
 * what the image holds, never what the caller may read, since the
 * address space is the one the right was checked for, and an execve()
 * kills the leading thread, which each record checks.
 */
int ckpt_threads_moved(struct ckpt_ctx *ctx)
{
	struct task_struct *task = ctx->p.task;
	unsigned int i;

	/* the caller's own are parked, and hold still */
	if (ctx->p.self)
		return 0;
	if (READ_ONCE(task->signal->nr_threads) != ctx->p.nr_threads + 1)
		return ckpt_task_dying(task) ? -ESRCH : -EBUSY;
	for (i = 0; i < ctx->p.nr_threads; i++) {
		struct ckpt_thread_ref *t = &ctx->p.threads[i];

		if (ckpt_task_dying(t->task))
			return -ESRCH;
		if (ckpt_target_inactive(t->task, t->parked) != t->switches)
			return -EBUSY;
	}
	return 0;
}

/*
 * Takes the target's other threads, with its siglock held while they are
 * counted and taken, so that none comes or goes between the two.
 */
int ckpt_threads_get(struct ckpt_ctx *ctx)
{
	struct task_struct *task = ctx->p.task, *t;
	unsigned long irqflags;
	unsigned int n, i;

	for (;;) {
		if (fatal_signal_pending(current))
			return -EINTR;
		n = READ_ONCE(task->signal->nr_threads) - 1;
		if (n > CKPT_THREADS_MAX)
			return -EOPNOTSUPP;
		ctx->p.threads = kvcalloc(max(n, 1U),
					  sizeof(*ctx->p.threads), GFP_KERNEL);
		if (!ctx->p.threads)
			return -ENOMEM;
		if (!lock_task_sighand(task, &irqflags))
			return -ESRCH;
		if (task->signal->nr_threads - 1 == n)
			break;
		unlock_task_sighand(task, &irqflags);
		kvfree(ctx->p.threads);
		ctx->p.threads = NULL;
	}
	i = 0;
	for_each_thread(task, t) {
		if (t == task || i == n)
			continue;
		ctx->p.threads[i++].task = get_task_struct(t);
	}
	unlock_task_sighand(task, &irqflags);
	ctx->p.nr_threads = i;
	return 0;
}

/*
 * The right to read thread @task, its being stopped and off its CPU (the
 * caller's own threads are parked), and its kernel stack, where its
 * registers are, pinned: a target killed meanwhile may exit and free it
 * while the dump reads them.  An io_uring or other kernel worker of the
 * process is refused by checkpoint_thread_check(), with the reason.
 */
static int ckpt_thread_check(struct ckpt_ctx *ctx, struct task_struct *task,
			     unsigned long *switches, bool *stack, bool parked)
{
	if (!ptrace_may_access(task, PTRACE_MODE_ATTACH_REALCREDS))
		return -EPERM;
	if (!ctx->p.self && !(task->flags & (PF_IO_WORKER | PF_USER_WORKER))) {
		*switches = ckpt_target_inactive(task, parked);
		if (!*switches)
			return -EBUSY;
	}
	*stack = try_get_task_stack(task);
	return *stack ? 0 : -ESRCH;
}

/*
 * Whether the caller's own threads, taken and parked, are all of them:
 * one made or gone before it was parked is not.
 */
bool ckpt_threads_all(struct ckpt_ctx *ctx)
{
	struct task_struct *task = ctx->p.task;
	unsigned long irqflags;
	unsigned int i;
	bool all;

	if (!lock_task_sighand(task, &irqflags))
		return false;
	all = task->signal->nr_threads == ctx->p.nr_threads + 1 &&
	      !(task->flags & PF_EXITING);
	for (i = 0; all && i < ctx->p.nr_threads; i++)
		all = !(ctx->p.threads[i].task->flags & PF_EXITING);
	unlock_task_sighand(task, &irqflags);
	return all;
}

/*
 * The caller's other threads, parked for the dump.  Parked, they can
 * neither make threads nor exit: once all that were taken are parked and
 * none came meanwhile, they stay so.  Else they go on and it is tried
 * again.
 */
static int ckpt_park_all(struct ckpt_ctx *ctx)
{
	int tries, ret;

	for (tries = 0; tries < 16; tries++) {
		ret = ckpt_threads_get(ctx);
		if (!ret)
			ret = ckpt_park(ctx);
		if (!ret && ckpt_threads_all(ctx))
			return 0;
		ckpt_unpark(ctx);
		ckpt_threads_put(ctx);
		if (ret && ret != -EAGAIN)
			return ret;
	}
	return -EAGAIN;
}

/*
 * With the target's exec_update_lock held: the right to read each of its
 * threads, their being stopped, and its address space.  The caller's own
 * threads were parked before.
 */
static int ckpt_target_check(struct ckpt_ctx *ctx)
{
	struct task_struct *task = ctx->p.task;
	unsigned int i;
	int ret;

	ret = ckpt_thread_check(ctx, task, &ctx->p.switches, &ctx->p.stack,
				ctx->p.parked);
	if (ret)
		return ret;
	/* those of the caller's own process, or of a tree, are taken */
	if (!ctx->p.threads) {
		ret = ckpt_threads_get(ctx);
		if (ret)
			return ret;
	}
	for (i = 0; i < ctx->p.nr_threads; i++) {
		struct ckpt_thread_ref *t = &ctx->p.threads[i];

		ret = ckpt_thread_check(ctx, t->task, &t->switches, &t->stack,
					t->parked);
		if (ret)
			return ret;
	}
	ctx->p.mm = get_task_mm(task);
	if (!ctx->p.mm)
		return -ESRCH;		/* it is exiting */
	return 0;
}

/*
 * Takes the target of a checkpoint: the caller for @pid == 0, else the
 * task @pid names in the caller's pid namespace.  Checking it needs the
 * right a debugger needs to attach.  Paths in the image are the target's,
 * resolved against its root, since the checkpointer usually lives outside
 * the target's container.
 *
 * The right is checked, and the address space taken, together under the
 * target's exec_update_lock, as mm_access() does for /proc/PID/mem: the
 * mm is the one of the program the right was checked for, whatever the
 * target execve()s later, and the dump reads that mm only.  Everything
 * else is read from the task as the dump goes, and a target that ran
 * since (an execve() runs it) fails every record after (ckpt_write_obj()):
 * nothing the image holds was taken after the target ran.  The lock is
 * not held across the dump, which waits on the image's stream as long
 * as its reader likes: the target's execve(), and every reader of
 * /proc/PID/ behind it, would wait as long.
 */
/*
 * Checks the current process of the operation as its target, with its
 * threads stopped or parked, and takes its address space and root.
 */
static int ckpt_proc_target(struct ckpt_ctx *ctx)
{
	struct task_struct *task = ctx->p.task;
	int ret;

	ctx->p.self = same_thread_group(task, current);
	if (ctx->p.self && (ctx->flags & CHECKPOINT_KILL))
		return -EINVAL;
	/* the right to kill it, as kill(2) has it, before anything */
	if (ctx->flags & CHECKPOINT_KILL) {
		ret = group_send_sig_info(0, SEND_SIG_NOINFO, task,
					  PIDTYPE_TGID);
		if (ret)
			return ret;
	}
	if (ctx->p.self && !thread_group_empty(current) && !ctx->park) {
		ret = ckpt_park_all(ctx);
		if (ret)
			return ret;
	}
	ret = down_read_killable(&task->signal->exec_update_lock);
	if (ret)
		return ret;
	ret = ckpt_target_check(ctx);
	up_read(&task->signal->exec_update_lock);
	if (ret)
		return ret;

	task_lock(task);
	if (task->fs)
		get_fs_root(task->fs, &ctx->p.root);
	task_unlock(task);
	if (!ctx->p.root.mnt)
		return -ESRCH;		/* it is exiting */
	return 0;
}

static int ckpt_ctx_set_target(struct ckpt_ctx *ctx, pid_t pid)
{
	struct pid_namespace *ns;
	struct task_struct *task;
	unsigned int i;
	int ret;

	if (pid < 0)
		return -EINVAL;

	/* a thread's id names its process, as kill(2) has it */
	rcu_read_lock();
	task = pid ? find_task_by_vpid(pid) : current;
	if (task)
		task = get_task_struct(task->group_leader);
	rcu_read_unlock();
	if (!task)
		return -ESRCH;
	ctx->p.task = task;

	if (task->flags & PF_KTHREAD)
		return -EPERM;
	ret = ckpt_tree_get(ctx);
	for (i = 0; !ret && i < ctx->nr_procs; i++) {
		if (ctx->procs[i].h.flags & CKPT_PROC_ZOMBIE)
			continue;
		ckpt_proc_switch(ctx, i);
		ret = ckpt_proc_target(ctx);
	}
	if (ret)
		return ret;
	ckpt_proc_switch(ctx, 0);
	ret = ckpt_tree_records(ctx);
	if (ret)
		return ret;
	/* what the tree shares with others, once each may be read */
	if (ctx->flags & CHECKPOINT_TREE) {
		ret = ckpt_tree_pipes(ctx);
		if (ret)
			return ret;
	}

	rcu_read_lock();
	ns = task_active_pid_ns(ctx->p.task);
	if (ns)
		ctx->crid = ckpt_crid_alloc(ns);
	rcu_read_unlock();
	return ns ? 0 : -ESRCH;
}

/**
 * sys_checkpoint - write the image of a process
 * @pid: the process, in the caller's pid namespace; 0 for the caller
 * @fd: where to write the image, a stream open for writing
 * @flags: CHECKPOINT_* flags
 *
 * Return: the checkpoint id (crid), positive, or a negative errno.
 */
SYSCALL_DEFINE3(checkpoint, pid_t, pid, int, fd, unsigned long, flags)
{
	struct ckpt_ctx *ctx;
	struct fd f;
	long ret;

	if (flags & ~CHECKPOINT_FLAGS_ALL)
		return -EINVAL;

	f = fdget_pos(fd);
	ctx = ckpt_ctx_alloc(fd_file(f), FMODE_WRITE, CKPT_CTX_CHECKPOINT,
			     flags);
	ret = PTR_ERR(ctx);
	if (IS_ERR(ctx))
		goto out_fdput;

	ctx->csum_pages = flags & CHECKPOINT_CSUM_PAGES;
	ret = ckpt_ctx_set_target(ctx, pid);
	if (!ret)
		ret = do_checkpoint(ctx);
	else if (ctx->err_msg)
		checkpoint_error(ctx, ret);
	if (!ret && (flags & CHECKPOINT_KILL))
		ret = ckpt_tree_kill(ctx);
	if (!ret)
		ret = ctx->crid;
	ret = ckpt_no_restart(ctx, ret);

	ckpt_ctx_free(ctx);
out_fdput:
	fdput_pos(f);
	return ret;
}

/* Whether @logfd is open for writing. */
static bool restart_log_ok(int logfd)
{
	struct fd f = fdget(logfd);
	bool ok = fd_file(f) && (fd_file(f)->f_mode & FMODE_WRITE);

	fdput(f);
	return ok;
}

/*
 * Writes why the restart was refused to @logfd, one line, as write(2)
 * would: the caller's fd, in the caller's table, which a refused restart
 * left as it was.  A log that went meanwhile gets nothing.
 */
static void restart_log(int logfd, const char *msg)
{
	struct fd f = fdget_pos(logfd);
	struct file *file = fd_file(f);
	char *line;
	loff_t pos;

	if (!file)
		return;
	line = kasprintf(GFP_KERNEL, "%s\n", msg);
	if (line && (file->f_mode & FMODE_WRITE)) {
		pos = file->f_pos;
		if (kernel_write(file, line, strlen(line),
				 file->f_mode & FMODE_STREAM ? NULL : &pos) > 0 &&
		    !(file->f_mode & FMODE_STREAM))
			file->f_pos = pos;
	}
	kfree(line);
	fdput_pos(f);
}

/**
 * sys_restart - become the process stored in an image
 * @crid: the checkpoint id the image must carry; 0 accepts any
 * @fd: where to read the image from, a stream open for reading
 * @flags: RESTART_* flags
 * @logfd: with RESTART_LOG, an fd open for writing, where a refusal says
 *	why when it can; else ignored
 *
 * Return: does not return on success, like execve(); 0 with
 * RESTART_VERIFY for a sound image; else a negative errno, with the
 * caller as it was.
 */
SYSCALL_DEFINE4(restart, int, crid, int, fd, unsigned long, flags, int, logfd)
{
	struct ckpt_ctx *ctx;
	struct fd f;
	long ret;

	if (flags & ~RESTART_FLAGS_ALL)
		return -EINVAL;
	if (crid < 0)
		return -EINVAL;
	if ((flags & RESTART_LOG) && !restart_log_ok(logfd))
		return -EBADF;

	f = fdget_pos(fd);
	ctx = ckpt_ctx_alloc(fd_file(f), FMODE_READ, CKPT_CTX_RESTART, flags);
	ret = PTR_ERR(ctx);
	if (IS_ERR(ctx))
		goto out_fdput;

	ctx->crid = crid;
	ctx->p.task = get_task_struct(current);
	get_fs_root(current->fs, &ctx->p.root);

	ret = do_restart(ctx);
	/* past the point of no return it is the restored process's ax */
	if (!ctx->rst_ponr)
		ret = ckpt_no_restart(ctx, ret);

	/*
	 * The restored process's fds replaced the caller's, @fd too, whose
	 * file the context still holds.
	 */
	fdput_pos(f);
	if (ret < 0 && !ctx->rst_ponr && (flags & RESTART_LOG) && ctx->err_msg)
		restart_log(logfd, ctx->err_msg);
	ckpt_ctx_free(ctx);
	return ret;

out_fdput:
	fdput_pos(f);
	return ret;
}
