// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of a tree of processes (CHECKPOINT_TREE): a process
 * and all its descendants, zombies too, with their parent and child
 * links, process groups and sessions.
 *
 * Checkpoint takes the tree under tasklist_lock and parks every task of
 * it for the dump, as a self-checkpoint parks its own threads (task
 * work, on the way to user space): no task sees a signal or a stop, no
 * parent a SIGCHLD, and they go on after, also on failure.  A task
 * already stopped (job control, a tracer, the cgroup freezer) stays so.
 * Every task is checked for the right to read it before it is parked,
 * and again, with its address space taken, under its exec_update_lock,
 * as a single process is.  Descriptions the tree shares are written
 * once (files.c); a pipe with an end outside the tree is refused, with
 * the process that holds it named.
 *
 * Restart makes the tree from one restart(2): the caller becomes the
 * first process; past the point of no return each process, once its own
 * state is restored, makes its children in image order with
 * kernel_clone() and their pids (set_tid), and each child restores its
 * own state in its own context, reading its part of the image, then
 * makes its own.  A child that shares private memory copy-on-write
 * with its parent (CKPT_VMA_COW) is made by fork() from the parent's
 * restored memory and keeps what it shares of it; the others share the
 * parent's mm until they replace it.  Only one process reads the image at a time: a parent
 * waits for each child's subtree before it makes the next.  None returns
 * to user space before the whole tree is restored; a failure anywhere
 * kills every process made.
 *
 * What a crafted image could make this do: make processes, as clone()
 * would, charged to the caller's RLIMIT_NPROC, each with state the
 * caller could give it itself (what a single process may ask for, each
 * checks); ask for pids, which alloc_pid() grants only free and with
 * CAP_CHECKPOINT_RESTORE over the pid namespace; put its processes in
 * process groups and sessions of the tree's own, of ids it allocates as
 * pids (an exited leader's, with the same right), or the caller's own:
 * never another process's group or session.
 */
#include <linux/bsearch.h>
#include <linux/checkpoint.h>
#include <linux/completion.h>
#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/fs_struct.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ipc_namespace.h>
#include <linux/nsproxy.h>
#include <linux/perf_event.h>
#include <linux/security.h>
#include <linux/mman.h>
#include <linux/posix-timers.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/pipe_fs_i.h>
#include <linux/ptrace.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/sem.h>
#include <linux/shm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/tty.h>
#include <linux/utsname.h>
#include <uapi/linux/magic.h>

/* how often the tree is taken again when it changed while parked */
#define CKPT_TREE_TRIES		16

/*
 * Makes process @i the current one: its state comes into the context,
 * the current one's goes back to its struct ckpt_proc.  The operation
 * works on one process at a time, so the state of the current one is
 * only ever the context's.
 */
void ckpt_proc_switch(struct ckpt_ctx *ctx, unsigned int i)
{
	if (!ctx->procs || i == ctx->cur)
		return;
	ctx->procs[ctx->cur].st = ctx->p;
	ctx->p = ctx->procs[i].st;
	memset(&ctx->procs[i].st, 0, sizeof(ctx->procs[i].st));
	ctx->cur = i;
}

bool ckpt_proc_is_zombie(struct ckpt_ctx *ctx, unsigned int i)
{
	return ctx->procs[i].h.flags & CKPT_PROC_ZOMBIE;
}

static int ckpt_procs_alloc(struct ckpt_ctx *ctx, unsigned int nr)
{
	ctx->procs = kvcalloc(nr, sizeof(*ctx->procs), GFP_KERNEL_ACCOUNT);
	if (!ctx->procs)
		return -ENOMEM;
	ctx->nr_procs = nr;
	ctx->cur = 0;
	return 0;
}

/*
 * The processes of the tree of @root, breadth first: each one's children
 * follow one another, in the order of their parent's threads and then
 * of each thread's list, that of their fork()s.  Into @tasks, which has
 * room for @max, referenced, and their parents' indices into @parent;
 * returns how many, or more than @max when there was no room.  A child
 * being reaped is no longer one.
 */
static unsigned int ckpt_tree_walk(struct task_struct *root,
				   struct task_struct **tasks, int *parent,
				   unsigned int max)
{
	struct task_struct *t, *c;
	unsigned int i, n = 1;

	read_lock(&tasklist_lock);
	tasks[0] = get_task_struct(root);
	parent[0] = -1;
	for (i = 0; i < n && n <= max; i++) {
		for_each_thread(tasks[i], t) {
			list_for_each_entry(c, &t->children, sibling) {
				if (c->exit_state == EXIT_DEAD)
					continue;
				if (n < max) {
					tasks[n] = get_task_struct(c);
					parent[n] = i;
				}
				n++;
			}
		}
	}
	read_unlock(&tasklist_lock);
	return n;
}

static void ckpt_tasks_put(struct task_struct **tasks, unsigned int nr)
{
	while (nr)
		put_task_struct(tasks[--nr]);
}

/*
 * Orders the tree walked breadth first as restart makes it: a parent
 * before its children, each child's descendants before its next sibling.
 * Into @order, the breadth-first index of each.
 */
static int ckpt_tree_order(const int *parent, unsigned int nr,
			   unsigned int *order)
{
	unsigned int *stack, *first, top = 0, n = 0, i, c, last;

	stack = kvmalloc_array(nr, sizeof(*stack), GFP_KERNEL);
	first = kvmalloc_array(nr + 1, sizeof(*first), GFP_KERNEL);
	if (!stack || !first) {
		kvfree(first);
		kvfree(stack);
		return -ENOMEM;
	}
	/* each one's children are consecutive, in their parents' order */
	for (i = 0, c = 1; i < nr; i++) {
		first[i] = c;
		while (c < nr && parent[c] == i)
			c++;
	}
	first[nr] = nr;
	stack[top++] = 0;
	while (top) {
		i = stack[--top];
		order[n++] = i;
		last = i + 1 < nr ? first[i + 1] : nr;
		/* pushed last first */
		while (last > first[i])
			stack[top++] = --last;
	}
	kvfree(first);
	kvfree(stack);
	return 0;
}

/* What a process of the tree is that the tree cannot bring back, or NULL. */
static const char *ckpt_tree_unsupported(struct task_struct *root,
					 struct task_struct *p)
{
	const char *what = NULL;
	struct nsproxy *ns;

	if (p->exit_state && !thread_group_empty(p))
		return "a process whose first thread exited while others run";
	if (p->exit_state || p == root)
		return NULL;
	if (task_active_pid_ns(p) != task_active_pid_ns(root))
		return "a pid namespace of its own";
	task_lock(root);
	ns = root->nsproxy;
	if (ns)
		get_nsproxy(ns);
	task_unlock(root);
	task_lock(p);
	if (!p->nsproxy || !ns)
		what = "an exit under way";
	else if (p->nsproxy != ns)
		what = "namespaces of its own (unshare(), setns())";
	task_unlock(p);
	if (ns)
		put_nsproxy(ns);
	return what;
}

/* The ids of process @p in @ns, and its exit signal, into its record. */
static void ckpt_proc_record(struct ckpt_hdr_proc *h, struct task_struct *p,
			     struct pid_namespace *ns, bool first)
{
	rcu_read_lock();
	h->pid = task_tgid_nr_ns(p, ns);
	h->ppid = first ? task_ppid_nr_ns(p, ns) :
		  task_tgid_nr_ns(rcu_dereference(p->real_parent), ns);
	h->pgid = task_pgrp_nr_ns(p, ns);
	h->sid = task_session_nr_ns(p, ns);
	rcu_read_unlock();
	h->exit_signal = p->exit_signal < 0 ? 0 : p->exit_signal;
}

/*
 * Takes the tree: the processes, in image order, each with its threads,
 * into ctx->procs, referenced.
 */
static int ckpt_tree_take(struct ckpt_ctx *ctx)
{
	struct task_struct *root = ctx->p.task, **tasks = NULL;
	unsigned int nr, max = 16, *order = NULL, i;
	struct pid_namespace *ns;
	const char *what;
	int *parent = NULL, *index = NULL;
	int ret;

	for (;;) {
		ret = -ENOMEM;
		tasks = kvmalloc_array(max, sizeof(*tasks), GFP_KERNEL);
		parent = kvmalloc_array(max, sizeof(*parent), GFP_KERNEL);
		if (!tasks || !parent)
			goto out;
		nr = ckpt_tree_walk(root, tasks, parent, max);
		if (nr <= max)
			break;
		ckpt_tasks_put(tasks, max);
		kvfree(tasks);
		kvfree(parent);
		tasks = NULL;
		parent = NULL;
		if (nr > CKPT_PROCS_MAX) {
			ret = ckpt_refuse(ctx, -EOPNOTSUPP, -1,
					  "more than %u processes in the tree",
					  CKPT_PROCS_MAX);
			goto out;
		}
		max = nr + 16;
	}

	ns = task_active_pid_ns(root);
	ret = -ESRCH;
	if (!ns)
		goto put;
	/*
	 * The right to read each, zombies and stopped ones too, before
	 * anything of it is looked at or it is parked: the threads are
	 * checked as they are parked, and all again with each process's
	 * address space.
	 */
	for (i = 0; i < nr; i++) {
		if (!ptrace_may_access(tasks[i], PTRACE_MODE_ATTACH_REALCREDS)) {
			ret = -EPERM;
			goto put;
		}
	}
	for (i = 0; i < nr; i++) {
		what = ckpt_tree_unsupported(root, tasks[i]);
		if (what) {
			ret = ckpt_refuse(ctx, -EOPNOTSUPP, -1,
					  "process %d of the tree has %s: not supported yet",
					  task_tgid_nr_ns(tasks[i], ns), what);
			goto put;
		}
	}

	ret = -ENOMEM;
	order = kvmalloc_array(nr, sizeof(*order), GFP_KERNEL);
	index = kvmalloc_array(nr, sizeof(*index), GFP_KERNEL);
	if (!order || !index)
		goto put;
	ret = ckpt_tree_order(parent, nr, order);
	if (ret)
		goto put;
	ret = ckpt_procs_alloc(ctx, nr);
	if (ret)
		goto put;
	for (i = 0; i < nr; i++)
		index[order[i]] = i;
	/* the first process's state is the context's already */
	put_task_struct(tasks[0]);
	for (i = 0; i < nr; i++) {
		struct ckpt_proc *p = &ctx->procs[i];
		struct task_struct *t = tasks[order[i]];

		p->parent = i ? index[parent[order[i]]] : -1;
		if (i)
			p->st.task = t;
		ckpt_proc_record(&p->h, t, ns, !i);
		/* the first is checked as a target: a zombie's refused there */
		if (i && t->exit_state) {
			p->h.flags = CKPT_PROC_ZOMBIE;
			p->h.exit_code = READ_ONCE(t->exit_code);
		}
	}
	ret = 0;
	goto out;
put:
	ckpt_tasks_put(tasks, nr);
out:
	kvfree(index);
	kvfree(order);
	kvfree(parent);
	kvfree(tasks);
	return ret;
}

static int ckpt_cmp_ptr(const void *a, const void *b)
{
	const void *x = *(const void * const *)a, *y = *(const void * const *)b;

	return x < y ? -1 : x > y;
}

/* Whether the tree is still the one taken: the same processes. */
static bool ckpt_tree_same(struct ckpt_ctx *ctx)
{
	unsigned int nr = ctx->nr_procs, i, n;
	struct task_struct **tasks, **had;
	bool same = false;
	int *parent;

	tasks = kvmalloc_array(nr + 1, sizeof(*tasks), GFP_KERNEL);
	had = kvmalloc_array(nr, sizeof(*had), GFP_KERNEL);
	parent = kvmalloc_array(nr + 1, sizeof(*parent), GFP_KERNEL);
	if (tasks && had && parent) {
		n = ckpt_tree_walk(ctx->p.task, tasks, parent, nr + 1);
		for (i = 0; i < nr; i++)
			had[i] = i == ctx->cur ? ctx->p.task :
				 ctx->procs[i].st.task;
		if (n == nr) {
			sort(tasks, nr, sizeof(*tasks), ckpt_cmp_ptr, NULL);
			sort(had, nr, sizeof(*had), ckpt_cmp_ptr, NULL);
			same = !memcmp(tasks, had, nr * sizeof(*tasks));
		}
		ckpt_tasks_put(tasks, min(n, nr + 1));
	}
	kvfree(parent);
	kvfree(had);
	kvfree(tasks);
	return same;
}

/*
 * Parks the current process's threads, those not stopped already, which
 * hold still as they are.
 */
static int ckpt_proc_park(struct ckpt_ctx *ctx)
{
	unsigned int i;
	int ret;

	ret = ckpt_threads_get(ctx);
	if (ret)
		return ret;
	ctx->p.parked = !ckpt_task_is_stopped(ctx->p.task);
	if (ctx->p.parked) {
		ret = ckpt_park_add(ctx, ctx->p.task);
		ctx->p.parked = ctx->p.task != current;
	}
	for (i = 0; !ret && i < ctx->p.nr_threads; i++) {
		struct ckpt_thread_ref *t = &ctx->p.threads[i];

		t->parked = !ckpt_task_is_stopped(t->task);
		if (t->parked) {
			ret = ckpt_park_add(ctx, t->task);
			t->parked = t->task != current;
		}
	}
	return ret;
}

/* Drops every process but the first, parked tasks let go. */
static void ckpt_tree_put(struct ckpt_ctx *ctx)
{
	unsigned int i;

	ckpt_unpark(ctx);
	ckpt_proc_switch(ctx, 0);
	for (i = 1; i < ctx->nr_procs; i++) {
		if (ctx->procs[i].st.threads) {
			ckpt_proc_switch(ctx, i);
			ckpt_threads_put(ctx);
		}
		ckpt_proc_switch(ctx, 0);
		if (ctx->procs[i].st.task)
			put_task_struct(ctx->procs[i].st.task);
	}
	ckpt_threads_put(ctx);
	kvfree(ctx->procs);
	ctx->procs = NULL;
	ctx->nr_procs = 0;
	ctx->p.parked = false;
}

/* One description of an anonymous pipe that a process of the tree has. */
struct ckpt_pipe_ref {
	struct file *file;
	struct pipe_inode_info *pipe;
	int fd;
	unsigned int proc;
};

static int ckpt_cmp_pipe_ref(const void *a, const void *b)
{
	const struct ckpt_pipe_ref *x = a, *y = b;

	if (x->pipe != y->pipe)
		return x->pipe < y->pipe ? -1 : 1;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return 0;
}

static bool ckpt_is_anon_pipe(struct file *file)
{
	return get_pipe_info(file, false) &&
	       file_inode(file)->i_sb->s_magic == PIPEFS_MAGIC;
}

/*
 * The fds of the tree's processes on anonymous pipes, into *@refs.  Each
 * file is looked at under the RCU lock and let go: the tree holds still,
 * and its fds hold the files.
 */
static int ckpt_pipe_refs(struct ckpt_ctx *ctx, struct ckpt_pipe_ref **refs,
			  unsigned int *nr)
{
	unsigned int i, cap = 0, fd;
	struct file *file;
	int ret;

	*nr = 0;
	for (i = 0; i < ctx->nr_procs; i++) {
		struct task_struct *t = i == ctx->cur ? ctx->p.task :
					ctx->procs[i].st.task;

		if (ckpt_proc_is_zombie(ctx, i))
			continue;
		for (fd = 0;; fd++) {
			rcu_read_lock();
			file = task_lookup_next_fdget_rcu(t, &fd);
			rcu_read_unlock();
			if (!file)
				break;
			if (ckpt_is_anon_pipe(file)) {
				ret = ckpt_array_grow((void **)refs, &cap, *nr,
						      sizeof(**refs));
				if (ret) {
					fput(file);
					return ret;
				}
				(*refs)[*nr].file = file;
				(*refs)[*nr].pipe = get_pipe_info(file, false);
				(*refs)[*nr].fd = fd;
				(*refs)[*nr].proc = i;
				(*nr)++;
			}
			fput(file);
		}
	}
	return 0;
}

static bool ckpt_tree_has(struct ckpt_ctx *ctx, struct task_struct *p)
{
	unsigned int i;

	for (i = 0; i < ctx->nr_procs; i++)
		if (p == (i == ctx->cur ? ctx->p.task : ctx->procs[i].st.task))
			return true;
	return false;
}

/*
 * A process outside the tree with an fd on @pipe, referenced, or NULL:
 * one the caller may read, as /proc/PID/fd would show it.  Each process
 * is looked at in turn, referenced, its fds one by one.
 */
static struct task_struct *ckpt_pipe_outsider(struct ckpt_ctx *ctx,
					      struct pipe_inode_info *pipe)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct task_struct *p, *found = NULL;
	unsigned int fd;
	struct file *file;
	struct pid *pid;
	int nr = 1;

	while (!found && !fatal_signal_pending(current)) {
		rcu_read_lock();
		pid = find_ge_pid(nr, ns);
		p = pid ? pid_task(pid, PIDTYPE_TGID) : NULL;
		if (p)
			get_task_struct(p);
		if (pid)
			nr = pid_nr_ns(pid, ns) + 1;
		rcu_read_unlock();
		if (!pid)
			break;
		if (!p)
			continue;
		if (!(p->flags & PF_KTHREAD) && !ckpt_tree_has(ctx, p) &&
		    ptrace_may_access(p, PTRACE_MODE_READ_FSCREDS)) {
			for (fd = 0; !found; fd++) {
				rcu_read_lock();
				file = task_lookup_next_fdget_rcu(p, &fd);
				rcu_read_unlock();
				if (!file)
					break;
				if (get_pipe_info(file, false) == pipe)
					found = get_task_struct(p);
				fput(file);
				cond_resched();
			}
		}
		put_task_struct(p);
		cond_resched();
	}
	return found;
}

/*
 * An anonymous pipe of the tree must be the tree's alone: restart makes
 * it again for the tree, and a process outside that held one of its
 * descriptions, or another description of it, would be left with a pipe
 * no one of the tree reads or writes.  A description another holds more
 * references to than the tree's fds (an fd of another process, one in
 * flight in a unix socket), or a pipe with more ends than the tree's
 * descriptions, is refused, the holder named when it is a process.
 */
int ckpt_tree_pipes(struct ckpt_ctx *ctx)
{
	struct ckpt_pipe_ref *refs = NULL;
	unsigned int nr, i, j, k, readers, writers, fds;
	struct task_struct *out;
	int ret, pid;

	ret = ckpt_pipe_refs(ctx, &refs, &nr);
	if (ret)
		goto out;
	sort(refs, nr, sizeof(*refs), ckpt_cmp_pipe_ref, NULL);
	for (i = 0; i < nr; i = j) {
		struct pipe_inode_info *pipe = refs[i].pipe;
		bool leak = false;

		readers = 0;
		writers = 0;
		for (j = i; j < nr && refs[j].pipe == pipe; j = k) {
			for (k = j, fds = 0; k < nr && refs[k].file == refs[j].file;
			     k++)
				fds++;
			if (file_count(refs[j].file) != fds)
				leak = true;
			readers += !!(refs[j].file->f_mode & FMODE_READ);
			writers += !!(refs[j].file->f_mode & FMODE_WRITE);
		}
		pipe_lock(pipe);
		if (pipe->readers != readers || pipe->writers != writers)
			leak = true;
		pipe_unlock(pipe);
		if (!leak)
			continue;

		pid = ctx->procs[refs[i].proc].h.pid;
		out = ckpt_pipe_outsider(ctx, pipe);
		if (out) {
			ret = ckpt_refuse(ctx, -EOPNOTSUPP, refs[i].fd,
					  "fd %d of process %d: a pipe that process %d (%s), outside the tree, holds too: not supported",
					  refs[i].fd, pid, task_tgid_vnr(out),
					  out->comm);
			put_task_struct(out);
		} else {
			ret = ckpt_refuse(ctx, -EOPNOTSUPP, refs[i].fd,
					  "fd %d of process %d: a pipe held outside the tree too (by a process, in flight in a socket, or by the kernel): not supported",
					  refs[i].fd, pid);
		}
		goto out;
	}
out:
	kvfree(refs);
	return ret;
}

/*
 * What the processes share that threads share too: an fd table
 * (CLONE_FILES), a working directory and umask (CLONE_FS).  The first
 * process of each, in image order, writes it; the others name it.
 */
static void ckpt_tree_shares(struct ckpt_ctx *ctx)
{
	unsigned int i, j;

	for (i = 0; i < ctx->nr_procs; i++) {
		struct ckpt_proc *p = &ctx->procs[i];
		struct task_struct *t = i == ctx->cur ? ctx->p.task : p->st.task;

		if (ckpt_proc_is_zombie(ctx, i))
			continue;
		task_lock(t);
		p->files = t->files;
		p->fs = t->fs;
		task_unlock(t);
		for (j = 0; j < i && (!p->h.files_of || !p->h.fs_of); j++) {
			if (ckpt_proc_is_zombie(ctx, j))
				continue;
			if (!p->h.files_of && ctx->procs[j].files == p->files &&
			    !ctx->procs[j].h.files_of)
				p->h.files_of = j + 1;
			if (!p->h.fs_of && ctx->procs[j].fs == p->fs &&
			    !ctx->procs[j].h.fs_of)
				p->h.fs_of = j + 1;
		}
	}
}

/*
 * The processes to checkpoint: the target alone, or with
 * CHECKPOINT_TREE all its descendants too, their tasks parked, but those
 * stopped already.  A tree that changed before all were parked (a fork,
 * an exit) is taken again.
 */
int ckpt_tree_get(struct ckpt_ctx *ctx)
{
	unsigned int tries, i;
	int ret;

	if (!(ctx->flags & CHECKPOINT_TREE))
		return ckpt_procs_alloc(ctx, 1);

	/* as for one process: exiting, it does not hold still */
	if (ctx->p.task->exit_state || ctx->p.task->flags & PF_EXITING)
		return -EBUSY;
	for (tries = 0; tries < CKPT_TREE_TRIES; tries++) {
		if (fatal_signal_pending(current))
			return -EINTR;
		ret = ckpt_tree_take(ctx);
		if (ret)
			return ret;
		for (i = 0; !ret && i < ctx->nr_procs; i++) {
			if (ckpt_proc_is_zombie(ctx, i))
				continue;
			ckpt_proc_switch(ctx, i);
			ret = ckpt_proc_park(ctx);
		}
		ckpt_proc_switch(ctx, 0);
		if (!ret)
			ret = ckpt_park_wait(ctx);
		if (ret && ret != -EAGAIN)
			return ret;
		/* parked, they can neither fork nor exit */
		for (i = 0; !ret && i < ctx->nr_procs; i++) {
			if (ckpt_proc_is_zombie(ctx, i))
				continue;
			ckpt_proc_switch(ctx, i);
			if (!ckpt_threads_all(ctx))
				ret = -EAGAIN;
		}
		ckpt_proc_switch(ctx, 0);
		if (!ret && ckpt_tree_same(ctx))
			return 0;
		ckpt_tree_put(ctx);
	}
	return -EAGAIN;
}

/* Whether task @t, killed, has let go of its files: past exit_notify(). */
static int ckpt_wait_gone(struct task_struct *t)
{
	while (!READ_ONCE(t->exit_state)) {
		if (fatal_signal_pending(current))
			return -EINTR;
		schedule_timeout_killable(1);
	}
	return 0;
}

/*
 * CHECKPOINT_KILL: the image is whole; its processes are killed before
 * they run again (parked or stopped, as they were for the dump), as
 * kill(2) would, and waited for until each task of them has exited.
 */
int ckpt_tree_kill(struct ckpt_ctx *ctx)
{
	unsigned int i, j;
	int ret = 0;

	for (i = 0; !ret && i < ctx->nr_procs; i++) {
		if (ckpt_proc_is_zombie(ctx, i))
			continue;
		ckpt_proc_switch(ctx, i);
		ret = group_send_sig_info(SIGKILL, SEND_SIG_NOINFO, ctx->p.task,
					  PIDTYPE_TGID);
	}
	ckpt_unpark(ctx);
	for (i = 0; !ret && i < ctx->nr_procs; i++) {
		if (ckpt_proc_is_zombie(ctx, i))
			continue;
		ckpt_proc_switch(ctx, i);
		ret = ckpt_wait_gone(ctx->p.task);
		for (j = 0; !ret && j < ctx->p.nr_threads; j++)
			ret = ckpt_wait_gone(ctx->p.threads[j].task);
	}
	ckpt_proc_switch(ctx, 0);
	return ret;
}

/*
 * The tasks of the tree that use the current process's fd table, or its
 * fs_struct: each its process's threads.  More users than these are
 * outside the tree.
 */
unsigned int ckpt_tree_users(struct ckpt_ctx *ctx, bool fs)
{
	const struct ckpt_proc *me = &ctx->procs[ctx->cur];
	unsigned int i, n = 0;

	for (i = 0; i < ctx->nr_procs; i++)
		if (!ckpt_proc_is_zombie(ctx, i) &&
		    (fs ? ctx->procs[i].fs == me->fs :
			  ctx->procs[i].files == me->files))
			n += 1 + ctx->procs[i].h.nr_threads;
	return n;
}

/*
 * The records of the processes, once each holds still and is checked:
 * their ids and threads then, which no parked or stopped process of them
 * changes; and what they share.
 */
int ckpt_tree_records(struct ckpt_ctx *ctx)
{
	struct pid_namespace *ns = task_active_pid_ns(ctx->p.task);
	unsigned int i;

	if (!ns)
		return -ESRCH;
	for (i = 0; i < ctx->nr_procs; i++) {
		struct ckpt_hdr_proc *h = &ctx->procs[i].h;

		if (ckpt_proc_is_zombie(ctx, i))
			continue;
		ckpt_proc_switch(ctx, i);
		read_lock(&tasklist_lock);
		ckpt_proc_record(h, ctx->p.task, ns, !i);
		read_unlock(&tasklist_lock);
		h->nr_threads = ctx->p.nr_threads;
	}
	ckpt_proc_switch(ctx, 0);
	ckpt_tree_shares(ctx);
	return 0;
}

/*
 * A pid namespace whose init is the first process: the tree is the
 * container, and must hold every task of the namespace (one that
 * setns()ed in, or its children, would be left behind).
 */
/*
 * The ids of the tree's groups and sessions whose leaders were reaped:
 * no process has them, yet they stay allocated in the pid namespace.
 */
static int ckpt_tree_phantoms(struct ckpt_ctx *ctx, unsigned int *nr)
{
	unsigned int n = ctx->nr_procs, i, k = 0;
	int *pids, *ids, ret = -ENOMEM;

	*nr = 0;
	pids = kvmalloc_array(n, sizeof(*pids), GFP_KERNEL);
	ids = kvmalloc_array(2 * n, sizeof(*ids), GFP_KERNEL);
	if (!pids || !ids)
		goto out;
	for (i = 0; i < n; i++) {
		pids[i] = ctx->procs[i].h.pid;
		if (ctx->procs[i].h.pgid)
			ids[k++] = ctx->procs[i].h.pgid;
		if (ctx->procs[i].h.sid)
			ids[k++] = ctx->procs[i].h.sid;
	}
	sort(pids, n, sizeof(*pids), ckpt_cmp_int, NULL);
	sort(ids, k, sizeof(*ids), ckpt_cmp_int, NULL);
	for (i = 0; i < k; i++)
		if ((!i || ids[i] != ids[i - 1]) &&
		    !bsearch(&ids[i], pids, n, sizeof(*pids), ckpt_cmp_int))
			(*nr)++;
	ret = 0;
out:
	kvfree(ids);
	kvfree(pids);
	return ret;
}

static int ckpt_tree_pid_ns(struct ckpt_ctx *ctx, struct task_struct *root)
{
	struct pid_namespace *ns = task_active_pid_ns(root);
	unsigned int i, tasks = 0, used, phantoms;
	int ret;

	if (ns == task_active_pid_ns(current) || task_pid_nr_ns(root, ns) != 1)
		return 0;
	ret = ckpt_tree_phantoms(ctx, &phantoms);
	if (ret)
		return ret;
	tasks = phantoms;
	for (i = 0; i < ctx->nr_procs; i++)
		tasks += 1 + ctx->procs[i].h.nr_threads;
	used = READ_ONCE(ns->pid_allocated) & ~PIDNS_ADDING;
	if (used > tasks)
		return ckpt_refuse(ctx, -EOPNOTSUPP, -1,
				   "the pid namespace of the tree's init has %u pids in use, the tree %u: tasks outside the tree (setns()) are not supported",
				   used, tasks);
	ctx->tree_flags |= CKPT_TREE_PID_NS;
	return 0;
}

/*
 * The UTS and IPC namespaces of the tree (all its processes share the
 * first's nsproxy), when they are not the checkpointer's: the names of
 * the one, which restart gives a new one; the other must be empty of
 * SysV objects for now, and restart makes a new, empty one.  The other
 * namespaces are the restarter's: the mounts its paths are looked up
 * in, the network.  What a checkpointer reads of them is what uname(2)
 * tells the tree.
 */
static int ckpt_tree_uts_ipc(struct ckpt_ctx *ctx, struct task_struct *root)
{
	struct uts_namespace *uts = NULL;
	struct ipc_namespace *ipc = NULL;
	unsigned int i, in_use = 0;
	int ret = 0;

	task_lock(root);
	if (root->nsproxy) {
		uts = root->nsproxy->uts_ns;
		get_uts_ns(uts);
		ipc = get_ipc_ns(root->nsproxy->ipc_ns);
	}
	task_unlock(root);
	if (!uts)
		return -ESRCH;
	if (uts != current->nsproxy->uts_ns) {
		ctx->uts = kzalloc(sizeof(*ctx->uts), GFP_KERNEL);
		if (ctx->uts) {
			down_read(&uts_sem);
			strscpy_pad(ctx->uts->nodename, uts->name.nodename);
			strscpy_pad(ctx->uts->domainname, uts->name.domainname);
			up_read(&uts_sem);
			ctx->tree_flags |= CKPT_TREE_UTS_NS;
		} else {
			ret = -ENOMEM;
		}
	}
	if (!ret && ipc && ipc != current->nsproxy->ipc_ns) {
		for (i = 0; i < ARRAY_SIZE(ipc->ids); i++)
			in_use += READ_ONCE(ipc->ids[i].in_use);
#ifdef CONFIG_POSIX_MQUEUE
		in_use += READ_ONCE(ipc->mq_queues_count);
#endif
		if (in_use)
			ret = ckpt_refuse(ctx, -EOPNOTSUPP, -1,
					  "the tree's IPC namespace holds %u objects (SysV shared memory, semaphores, message queues, POSIX message queues): not supported yet",
					  in_use);
		else
			ctx->tree_flags |= CKPT_TREE_IPC_NS;
	}
	put_uts_ns(uts);
	if (ipc)
		put_ipc_ns(ipc);
	return ret;
}

static bool ckpt_task_in_ns(struct task_struct *t, struct nsproxy *ns)
{
	bool in;

	task_lock(t);
	in = t->nsproxy == ns;
	task_unlock(t);
	return in;
}

/*
 * Every task of the tree, threads too, in the first process's namespaces,
 * once all hold still: none left them (unshare(), setns()) since it was
 * taken.  A process or thread in others is refused, named.
 */
static int ckpt_tree_nsproxy(struct ckpt_ctx *ctx, struct task_struct *root)
{
	unsigned int i, j, cur = ctx->cur;
	struct nsproxy *ns;
	int ret = 0;

	task_lock(root);
	ns = root->nsproxy;
	if (ns)
		get_nsproxy(ns);
	task_unlock(root);
	if (!ns)
		return -ESRCH;
	for (i = 0; !ret && i < ctx->nr_procs; i++) {
		if (ckpt_proc_is_zombie(ctx, i))
			continue;
		ckpt_proc_switch(ctx, i);
		if (!ckpt_task_in_ns(ctx->p.task, ns))
			ret = ckpt_refuse(ctx, -EOPNOTSUPP, -1,
					  "process %d of the tree has namespaces of its own (unshare(), setns()): not supported yet",
					  ctx->procs[i].h.pid);
		for (j = 0; !ret && j < ctx->p.nr_threads; j++)
			if (!ckpt_task_in_ns(ctx->p.threads[j].task, ns))
				ret = ckpt_refuse(ctx, -EOPNOTSUPP, -1,
						  "a thread of process %d has namespaces of its own (unshare(), setns()): not supported yet",
						  ctx->procs[i].h.pid);
	}
	ckpt_proc_switch(ctx, cur);
	put_nsproxy(ns);
	return ret;
}

/* The tree record, one record for each process, and its namespaces. */
int checkpoint_tree(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_tree h = { .nr = ctx->nr_procs };
	struct task_struct *root = ctx->cur ? ctx->procs[0].st.task :
				   ctx->p.task;
	unsigned int i;
	int ret;

	ret = ckpt_tree_nsproxy(ctx, root);
	if (!ret)
		ret = ckpt_tree_pid_ns(ctx, root);
	if (!ret)
		ret = ckpt_tree_uts_ipc(ctx, root);
	if (ret)
		return ret;
	h.flags = ctx->tree_flags;
	ret = ckpt_write_obj(ctx, &h.h, CKPT_HDR_TREE, sizeof(h));
	for (i = 0; !ret && i < ctx->nr_procs; i++)
		ret = ckpt_write_obj(ctx, &ctx->procs[i].h.h, CKPT_HDR_PROC,
				     sizeof(ctx->procs[i].h));
	if (!ret && ctx->uts)
		ret = ckpt_write_obj(ctx, &ctx->uts->h, CKPT_HDR_UTS_NS,
				     sizeof(*ctx->uts));
	return ret;
}

/* Whether each process of the tree holds still, as ckpt_target_moved(). */
int ckpt_tree_moved(struct ckpt_ctx *ctx)
{
	unsigned int i, cur = ctx->cur;
	int ret = 0;

	for (i = 0; !ret && i < ctx->nr_procs; i++) {
		if (ckpt_proc_is_zombie(ctx, i))
			continue;
		ckpt_proc_switch(ctx, i);
		ret = ckpt_target_moved(ctx) ?: ckpt_threads_moved(ctx);
	}
	ckpt_proc_switch(ctx, ret ? ctx->cur : cur);
	return ret;
}

/*
 * Restart.  The tree read before the point of no return: the processes'
 * records checked, each of the others' state to be read after.
 */
struct ckpt_rst_tree {
	refcount_t users;		/* restart and each process made */
	int err;			/* the first failure */
	struct completion go;		/* all restored: to user space */
};

static void ckpt_rst_tree_put(struct ckpt_rst_tree *rt)
{
	if (refcount_dec_and_test(&rt->users))
		kfree(rt);
}

/* A wait status a zombie can have: exited with a status, or by a signal. */
static bool ckpt_exit_code_valid(u32 code)
{
	u32 sig = code & 0x7f;

	if (code >> 16)
		return false;
	if (!sig)
		return !(code & 0x80);
	return sig != 0x7f && valid_signal(sig) && !(code & 0xff00);
}

struct ckpt_pid_index {
	int pid;
	unsigned int index;
};

static int ckpt_cmp_pid_index(const void *a, const void *b)
{
	const struct ckpt_pid_index *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* The index of the process of pid @nr, or -1: once the tree is read. */
static int ckpt_proc_of(struct ckpt_ctx *ctx, int nr)
{
	struct ckpt_pid_index key = { .pid = nr }, *at;

	at = bsearch(&key, ctx->rst_pids, ctx->nr_procs, sizeof(key),
		     ckpt_cmp_pid_index);
	return at ? at->index : -1;
}

/*
 * The groups and sessions of the tree as the kernel keeps them: a session
 * leader leads its group; a group lies in one session; a process whose
 * pid names a group or session of the tree is in that session (it made
 * it); the ids the first process had from outside go together, and an
 * id not seen there (0) is only the first process's.  The first process
 * cannot be in a session one of its descendants made.
 */
static int ckpt_tree_ids_valid(struct ckpt_ctx *ctx)
{
	const struct ckpt_hdr_proc *first = &ctx->procs[0].h;
	struct ckpt_pid_index *by_pgid;
	unsigned int i, nr = ctx->nr_procs;
	int j, ret = -EBADMSG;

	if (first->sid != first->pid && ckpt_proc_of(ctx, first->sid) >= 0)
		return -EBADMSG;
	for (i = 0; i < nr; i++) {
		const struct ckpt_hdr_proc *h = &ctx->procs[i].h;

		if (h->pgid < 0 || h->sid < 0)
			return -EBADMSG;
		if ((!h->pgid && first->pgid) || (!h->sid && first->sid))
			return -EBADMSG;
		if (h->sid == h->pid && h->pgid != h->pid)
			return -EBADMSG;
		/* the first process's from outside, in its own session */
		if (h->pgid == first->pgid && h->sid != first->sid &&
		    ckpt_proc_of(ctx, h->pgid) < 0)
			return -EBADMSG;
		/* a group's leader, alive, is in the group's session */
		j = ckpt_proc_of(ctx, h->pgid);
		if (j >= 0 && ctx->procs[j].h.sid != h->sid)
			return -EBADMSG;
		j = ckpt_proc_of(ctx, h->sid);
		if (j >= 0 && ctx->procs[j].h.sid != h->sid)
			return -EBADMSG;
	}
	/* a group is in one session: sorted by group, the members agree */
	by_pgid = kvmalloc_array(nr, sizeof(*by_pgid), GFP_KERNEL_ACCOUNT);
	if (!by_pgid)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		by_pgid[i].pid = ctx->procs[i].h.pgid;
		by_pgid[i].index = i;
	}
	sort(by_pgid, nr, sizeof(*by_pgid), ckpt_cmp_pid_index, NULL);
	for (i = 1; i < nr; i++)
		if (by_pgid[i].pid == by_pgid[i - 1].pid &&
		    ctx->procs[by_pgid[i].index].h.sid !=
		    ctx->procs[by_pgid[i - 1].index].h.sid)
			goto out;
	ret = 0;
out:
	kvfree(by_pgid);
	return ret;
}

/* The tree's UTS names: each a string uname(2) could have given. */
static int restore_tree_uts(struct ckpt_ctx *ctx)
{
	int ret;

	BUILD_BUG_ON(__NEW_UTS_LEN + 1 > CKPT_UTS_LEN);
	ctx->uts = kmalloc(sizeof(*ctx->uts), GFP_KERNEL_ACCOUNT);
	if (!ctx->uts)
		return -ENOMEM;
	ret = ckpt_read_obj(ctx, &ctx->uts->h, CKPT_HDR_UTS_NS,
			    sizeof(*ctx->uts), sizeof(*ctx->uts));
	if (ret)
		return ret;
	if (!memchr(ctx->uts->nodename, '\0', __NEW_UTS_LEN + 1) ||
	    !memchr(ctx->uts->domainname, '\0', __NEW_UTS_LEN + 1))
		return -EBADMSG;
	return 0;
}

/*
 * Reads the tree records (version 7; an older image is one process) and
 * checks them: distinct pids, each parent an earlier process on the way
 * back up from the one before it (the path from the first process to the
 * one before is kept as a stack), zombies without children or threads.
 */
int restore_tree(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_tree h;
	unsigned int i, top = 0, *path;
	int ret;

	if (ctx->rst_version < 7) {
		ret = ckpt_procs_alloc(ctx, 1);
		if (!ret)
			ctx->procs[0].parent = -1;
		return ret;
	}
	ret = ckpt_read_obj(ctx, &h.h, CKPT_HDR_TREE, sizeof(h), sizeof(h));
	if (ret)
		return ret;
	if (!h.nr || h.nr > CKPT_PROCS_MAX || h.flags & ~CKPT_TREE_FLAGS_ALL ||
	    (h.nr > 1 && !(ctx->rst_hdr_flags & CHECKPOINT_TREE)))
		return -EBADMSG;
	ctx->tree_flags = h.flags;
	ret = ckpt_procs_alloc(ctx, h.nr);
	if (ret)
		return ret;
	path = kvmalloc_array(h.nr, sizeof(*path), GFP_KERNEL_ACCOUNT);
	if (!path)
		return -ENOMEM;

	for (i = 0; i < h.nr; i++) {
		struct ckpt_proc *p = &ctx->procs[i];

		ret = ckpt_read_obj(ctx, &p->h.h, CKPT_HDR_PROC, sizeof(p->h),
				    sizeof(p->h));
		if (ret)
			goto out;
		ret = -EBADMSG;
		if (p->h.pid <= 0 || p->h.flags & ~CKPT_PROC_ZOMBIE ||
		    !valid_signal(p->h.exit_signal) ||
		    p->h.nr_threads > CKPT_THREADS_MAX)
			goto out;
		if (p->h.flags & CKPT_PROC_ZOMBIE) {
			if (!i || p->h.nr_threads ||
			    !ckpt_exit_code_valid(p->h.exit_code))
				goto out;
		} else if (p->h.exit_code) {
			goto out;
		}
		/* an earlier live process's own, for each shared */
		if ((p->h.flags & CKPT_PROC_ZOMBIE &&
		     (p->h.files_of || p->h.fs_of)) ||
		    p->h.files_of > i || p->h.fs_of > i ||
		    (p->h.files_of &&
		     (ckpt_proc_is_zombie(ctx, p->h.files_of - 1) ||
		      ctx->procs[p->h.files_of - 1].h.files_of)) ||
		    (p->h.fs_of &&
		     (ckpt_proc_is_zombie(ctx, p->h.fs_of - 1) ||
		      ctx->procs[p->h.fs_of - 1].h.fs_of)))
			goto out;
		p->parent = -1;
		if (i) {
			/* on the way back up from the process before it */
			while (top &&
			       ctx->procs[path[top - 1]].h.pid != p->h.ppid)
				top--;
			if (!top || ckpt_proc_is_zombie(ctx, path[top - 1]))
				goto out;
			p->parent = path[top - 1];
		}
		path[top++] = i;
	}

	ret = -ENOMEM;
	ctx->rst_pids = kvmalloc_array(h.nr, sizeof(*ctx->rst_pids),
				       GFP_KERNEL_ACCOUNT);
	if (!ctx->rst_pids)
		goto out;
	for (i = 0; i < h.nr; i++) {
		ctx->rst_pids[i].pid = ctx->procs[i].h.pid;
		ctx->rst_pids[i].index = i;
	}
	sort(ctx->rst_pids, h.nr, sizeof(*ctx->rst_pids), ckpt_cmp_pid_index,
	     NULL);
	ret = -EBADMSG;
	for (i = 1; i < h.nr; i++)
		if (ctx->rst_pids[i].pid == ctx->rst_pids[i - 1].pid)
			goto out;
	ret = ckpt_tree_ids_valid(ctx);
	if (!ret && ctx->tree_flags & CKPT_TREE_PID_NS && ctx->procs[0].h.pid != 1)
		ret = -EBADMSG;
	if (!ret && ctx->tree_flags & CKPT_TREE_UTS_NS)
		ret = restore_tree_uts(ctx);
out:
	kvfree(path);
	return ret;
}

/*
 * Whether an id of the image's groups and sessions is one the tree makes
 * anew: not a process of it, not one the first process had from outside.
 */
static bool ckpt_id_is_phantom(struct ckpt_ctx *ctx, int nr, bool sid)
{
	const struct ckpt_hdr_proc *first = &ctx->procs[0].h;

	if (!nr || nr == (sid ? first->sid : first->pgid))
		return false;
	return ckpt_proc_of(ctx, nr) < 0;
}

/*
 * Each process's sections say what its tree record says: its pid, and
 * its threads; and no thread of one has the id of a process of the tree,
 * another thread, or a group or session the tree makes anew.
 */
int restore_tree_ids_check(struct ckpt_ctx *ctx)
{
	unsigned int i, k, nr = 0, cap = 0, nph = 0, cph = 0, n;
	int *ids = NULL, *ph = NULL, ret = 0;
	const pid_t *tids;

	if (ctx->rst_version < 7)
		return 0;
	for (i = 0; !ret && i < ctx->nr_procs; i++) {
		const struct ckpt_hdr_proc *h = &ctx->procs[i].h;
		int own[2] = { h->pgid, h->sid };

		for (k = 0; !ret && k < ARRAY_SIZE(own); k++) {
			if (!ckpt_id_is_phantom(ctx, own[k], k))
				continue;
			ret = ckpt_array_grow((void **)&ph, &cph, nph,
					      sizeof(*ph));
			if (!ret)
				ph[nph++] = own[k];
		}
		if (ret || ckpt_proc_is_zombie(ctx, i))
			continue;
		ckpt_proc_switch(ctx, i);
		if (ctx->p.rst_task->pid != h->pid ||
		    ctx->p.rst_task->tgid != h->pid) {
			ret = -EBADMSG;
			break;
		}
		n = restore_threads_tids(ctx, &tids);
		if (n != h->nr_threads) {
			ret = -EBADMSG;
			break;
		}
		for (k = 0; !ret && k <= n; k++) {
			ret = ckpt_array_grow((void **)&ids, &cap, nr,
					      sizeof(*ids));
			if (!ret)
				ids[nr++] = k < n ? tids[k] : h->pid;
		}
	}
	ckpt_proc_switch(ctx, 0);
	if (!ret && !ckpt_ints_distinct(ids, nr))
		ret = -EBADMSG;
	if (!ret && nph) {
		sort(ph, nph, sizeof(*ph), ckpt_cmp_int, NULL);
		for (i = 0; !ret && i < nr; i++)
			if (bsearch(&ids[i], ph, nph, sizeof(*ph),
				    ckpt_cmp_int))
				ret = -EBADMSG;
	}
	kvfree(ph);
	kvfree(ids);
	return ret;
}

/*
 * The tree's own UTS and IPC namespaces, made before the point of no
 * return as unshare(CLONE_NEWUTS | CLONE_NEWIPC) makes them, with its
 * right (CAP_SYS_ADMIN over the caller's user namespace, which owns
 * them), and named as sethostname(2) and setdomainname(2) would, which
 * that right allows.  Nothing sees them until the tree is made in them.
 */
static int restore_tree_ns_check(struct ckpt_ctx *ctx)
{
	unsigned long flags = 0;
	struct nsproxy *nsp;
	int ret;

	if (ctx->tree_flags & CKPT_TREE_UTS_NS)
		flags |= CLONE_NEWUTS;
	if (ctx->tree_flags & CKPT_TREE_IPC_NS)
		flags |= CLONE_NEWIPC;
	if (!flags)
		return 0;
	/* a verify makes nothing: the right alone */
	if (ctx->flags & RESTART_VERIFY)
		ret = ns_capable(current_user_ns(), CAP_SYS_ADMIN) ? 0 : -EPERM;
	else
		ret = unshare_nsproxy_namespaces(flags, &nsp, NULL, NULL);
	if (ret == -EPERM)
		return ckpt_refuse(ctx, ret, -1,
				   "the tree's own %s namespace needs CAP_SYS_ADMIN over the restarter's user namespace, as unshare() does",
				   flags & CLONE_NEWUTS ? "UTS" : "IPC");
	if (ret || ctx->flags & RESTART_VERIFY)
		return ret;
	if (ctx->uts) {
		down_write(&uts_sem);
		strscpy_pad(nsp->uts_ns->name.nodename, ctx->uts->nodename);
		strscpy_pad(nsp->uts_ns->name.domainname, ctx->uts->domainname);
		up_write(&uts_sem);
	}
	ctx->rst_nsproxy = nsp;
	return 0;
}

/*
 * At the point of no return, before any process of the tree is made:
 * the caller goes into the tree's namespaces, and its children after
 * it.  As unshare(CLONE_NEWIPC) does, it leaves its semaphore undo
 * list and its shared memory segments of the old IPC namespace.
 */
void restore_tree_ns_apply(struct ckpt_ctx *ctx)
{
	if (!ctx->rst_nsproxy)
		return;
	/* in the old namespace, whose objects they are: before the switch */
	if (ctx->tree_flags & CKPT_TREE_IPC_NS) {
		exit_sem(current);
		exit_shm(current);
		shm_init_task(current);
	}
	switch_task_namespaces(current, ctx->rst_nsproxy);
	ctx->rst_nsproxy = NULL;
	perf_event_namespaces(current);
}

/*
 * Before the point of no return, for a tree to restore: whether the
 * caller may make its processes with their pids, and the ids of the
 * groups and sessions whose leaders exited.  As clone3()'s set_tid has
 * it: CAP_CHECKPOINT_RESTORE over the pid namespace, and free ids.
 */
int restore_tree_check(struct ckpt_ctx *ctx)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	const struct ckpt_hdr_proc *first = &ctx->procs[0].h;
	unsigned int i, taken = 0, tasks = 0;
	char list[64] = "";
	int ret;

	ret = restore_tree_ns_check(ctx);
	if (ret)
		return ret;
	/* one process keeps the restarter's group and session */
	if (ctx->nr_procs == 1 || (ctx->flags & RESTART_VERIFY))
		return 0;
	if (task_pid_vnr(current) != first->pid)
		return ckpt_refuse(ctx, -EBUSY, -1,
				   "the tree's first process had pid %d, whose id it keeps with the others': it comes back only as pid %d, not %d",
				   first->pid, first->pid, task_pid_vnr(current));
	if (first->sid == first->pid) {
		rcu_read_lock();
		ret = pid_task(task_pid(current), PIDTYPE_PGID) ? -EPERM : 0;
		rcu_read_unlock();
		if (ret)
			return ckpt_refuse(ctx, ret, -1,
					   "the first process led its session: no process group may have the restarter's id (as for setsid())");
	}
	read_lock(&tasklist_lock);
	ret = list_empty(&current->children) ? 0 : -EBUSY;
	read_unlock(&tasklist_lock);
	if (ret)
		return ckpt_refuse(ctx, ret, -1,
				   "the restarter has children: the tree's first process would have them too");
	if (!checkpoint_restore_ns_capable(ns->user_ns))
		return ckpt_refuse(ctx, -EPERM, -1,
				   "the tree's pids need CAP_CHECKPOINT_RESTORE over the pid namespace, or a new user and pid namespace");
	if (current->nsproxy->pid_ns_for_children != ns)
		return ckpt_refuse(ctx, -EINVAL, -1,
				   "the restarter unshared its pid namespace: it can make no processes");

	for (i = 1; i < ctx->nr_procs; i++) {
		const struct ckpt_hdr_proc *h = &ctx->procs[i].h;
		int ids[3] = { h->pid, h->pgid, h->sid };
		unsigned int k;
		bool busy;

		tasks += 1 + h->nr_threads;
		for (k = 0; k < ARRAY_SIZE(ids); k++) {
			if (k && !ckpt_id_is_phantom(ctx, ids[k], k == 2))
				continue;
			if (ids[k] == 1 && k)
				return -EBADMSG;
			if (ids[k] >= READ_ONCE(pid_max))
				return ckpt_refuse(ctx, -EINVAL, -1,
						   "pid %d: above pid_max",
						   ids[k]);
			rcu_read_lock();
			busy = find_pid_ns(ids[k], ns);
			rcu_read_unlock();
			if (busy && taken++ < 4)
				snprintf(list + strlen(list),
					 sizeof(list) - strlen(list), "%s%d",
					 taken > 1 ? ", " : "", ids[k]);
		}
	}
	if (taken)
		return ckpt_refuse(ctx, -EEXIST, -1,
				   "pids the tree needs are taken: %s%s (%u in all)",
				   list, taken > 4 ? ", ..." : "", taken);
	/* as clone() counts them, under the caller's limit */
	if (ckpt_nproc_over(tasks + first->nr_threads) &&
	    !uid_eq(current_uid(), GLOBAL_ROOT_UID) &&
	    !capable(CAP_SYS_RESOURCE) && !capable(CAP_SYS_ADMIN))
		return ckpt_refuse(ctx, -EAGAIN, -1,
				   "the tree's %u processes and threads exceed the restarter's RLIMIT_NPROC",
				   tasks + first->nr_threads);

	ctx->rst_tree = kzalloc(sizeof(*ctx->rst_tree), GFP_KERNEL_ACCOUNT);
	ctx->rst_rlim = kmalloc(sizeof(current->signal->rlim), GFP_KERNEL);
	if (!ctx->rst_tree || !ctx->rst_rlim)
		return -ENOMEM;
	refcount_set(&ctx->rst_tree->users, 1);
	init_completion(&ctx->rst_tree->go);
	return 0;
}

/*
 * Once a tree's processes are read, before the point of no return: the
 * memory they will charge to the commit limit, checked at once (each
 * process's was, alone, as it was read; nothing is held meanwhile), and
 * the signal queue entries they will take for the caller's user.  Only
 * a strict policy (vm.overcommit_memory=2) adds the charges up: the
 * heuristic one checks each mapping alone, as fork() meets it, and 100
 * workers sharing 64 MiB copy-on-write are not 6.4 GiB to it.
 */
int restore_tree_charges_check(struct ckpt_ctx *ctx)
{
	unsigned long pages = ctx->rst_charged + ctx->rst_fork_charged;
	int ret;

	if (ctx->nr_procs <= 1 || (ctx->flags & RESTART_VERIFY))
		return 0;
	if (pages && READ_ONCE(sysctl_overcommit_memory) == OVERCOMMIT_NEVER) {
		if (security_vm_enough_memory_mm(current->mm, pages))
			return ckpt_refuse(ctx, -ENOMEM, -1,
					   "the tree's memory, %lu pages, is more than the commit limit allows",
					   pages);
		vm_unacct_memory(pages);
	}
	ret = restore_tree_sigpending_check(ctx);
	return ret;
}

/*
 * At the point of no return of a tree: the first process is the caller,
 * and the others start as the caller's children would, with its limits
 * (the first process's own come before it makes them).
 */
int restore_tree_ponr(struct ckpt_ctx *ctx)
{
	if (ctx->nr_procs <= 1)
		return 0;
	ctx->procs[0].made = get_task_struct(current);
	task_lock(current->group_leader);
	memcpy(ctx->rst_rlim, current->signal->rlim,
	       sizeof(current->signal->rlim));
	task_unlock(current->group_leader);
	return 0;
}

/* A process restart makes, its first steps in the kernel. */
struct ckpt_rst_child {
	struct ckpt_ctx *ctx;
	struct ckpt_rst_tree *rt;
	unsigned int index;
	int err;
	struct completion done;		/* its subtree is restored */
};

/*
 * A process made by restart: it restores itself, in its own context, and
 * makes its children, then says so and waits for the whole tree before
 * it leaves for user space.  A zombie exits at once, with its status,
 * quietly: its parent's SIGCHLD came before the checkpoint.  A failure,
 * or a fatal signal meanwhile, kills the process; restart kills the rest.
 */
static int restore_child_fn(void *arg)
{
	struct ckpt_rst_child *c = arg;
	struct ckpt_ctx *ctx = c->ctx;
	struct ckpt_rst_tree *rt = c->rt;
	struct ckpt_proc *p = &ctx->procs[c->index];
	sigset_t all;
	int ret;

	/* first, for its parent to kill it by */
	WRITE_ONCE(p->made, get_task_struct(current));
	sigfillset(&all);
	set_current_blocked(&all);
	if (p->h.flags & CKPT_PROC_ZOMBIE) {
		u32 code = p->h.exit_code;

		current->exit_signal = 0;
		complete(&c->done);
		ckpt_rst_tree_put(rt);
		do_exit(code);
	}
	if (!fatal_signal_pending(current))
		flush_signals(current);
	/* the restarter's limits, as its child would have them */
	task_lock(current->group_leader);
	memcpy(current->signal->rlim, ctx->rst_rlim,
	       sizeof(current->signal->rlim));
	task_unlock(current->group_leader);
	if (ctx->rst_rlim[RLIMIT_CPU].rlim_cur != RLIM_INFINITY)
		update_rlimit_cpu(current, ctx->rst_rlim[RLIMIT_CPU].rlim_cur);
	ckpt_proc_switch(ctx, c->index);
	ret = restart_proc_apply(ctx);
	if (!ret)
		ret = restore_ax_later(ctx->p.rst_retval);
	c->err = ret;
	if (ret)
		force_fatal_sig(SIGKILL);
	else if ((ctx->flags & RESTART_STOPPED) || ctx->p.rst_stop)
		send_sig(SIGSTOP, current, 1);
	complete(&c->done);
	if (!ret)
		wait_for_completion_killable(&rt->go);
	ckpt_rst_tree_put(rt);
	return 0;
}

/*
 * Past the point of no return, from the current process once its own
 * state is restored: makes each of its children, with its pid, and waits
 * until the child and its descendants are restored, before the next.
 * The current process is the caller's again after.
 */
int restore_children_apply(struct ckpt_ctx *ctx)
{
	unsigned int self = ctx->cur, i;
	struct ckpt_rst_child *c;
	int ret = 0;

	if (ctx->nr_procs <= 1)
		return 0;
	c = kmalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	for (i = self + 1; !ret && i < ctx->nr_procs; i++) {
		struct ckpt_proc *p = &ctx->procs[i];
		pid_t pid = p->h.pid;
		/*
		 * A process that shares private memory with this one since
		 * a fork() is made by fork(), from the memory restored:
		 * restore_mm_apply() keeps what it shares of it.  The others
		 * share this mm until they replace it.
		 */
		struct kernel_clone_args args = {
			.flags = CLONE_UNTRACED |
				 (restore_mm_forked(&p->st) ? 0 : CLONE_VM),
			.exit_signal = p->h.exit_signal,
			.fn = restore_child_fn,
			.fn_arg = c,
			.set_tid = &pid,
			.set_tid_size = 1,
		};
		unsigned int tries = 0;

		if (p->parent != self)
			continue;
		c->ctx = ctx;
		c->rt = ctx->rst_tree;
		c->index = i;
		c->err = 0;
		init_completion(&c->done);
		refcount_inc(&c->rt->users);
		for (;;) {
			ret = kernel_clone(&args);
			if (ret != -ERESTARTNOINTR || tries++ >= HZ * 5 ||
			    !restart_retry_read(ctx))
				break;
		}
		if (ret < 0) {
			ckpt_rst_tree_put(c->rt);
			break;
		}
		ret = 0;
		/* it took over the context meanwhile, and gives it back */
		if (wait_for_completion_killable(&c->done)) {
			/* it says who it is before anything that waits */
			while (!READ_ONCE(p->made))
				schedule_timeout_uninterruptible(1);
			send_sig(SIGKILL, p->made, 1);
			wait_for_completion(&c->done);
			c->err = c->err ?: -EINTR;
		}
		ckpt_proc_switch(ctx, self);
		ret = c->err;
	}
	kfree(c);
	return ret;
}

/*
 * The pid of group or session @nr of the image: the first process's own,
 * the restarter's for an id it had from outside, else the tree's.
 */
static struct pid *restore_id_pid(struct ckpt_ctx *ctx,
				  struct pid_namespace *ns, int nr, bool sid,
				  struct pid *out)
{
	const struct ckpt_hdr_proc *first = &ctx->procs[0].h;

	if (!nr)
		return out;
	if (nr == first->pid)
		return task_pid(current);
	if (nr == (sid ? first->sid : first->pgid) && ckpt_proc_of(ctx, nr) < 0)
		return out;
	return find_pid_ns(nr, ns);
}

/*
 * The process groups and sessions, once every process is made: each is
 * put in the group and session of its image, as setpgid(2) and setsid(2)
 * would have, but at once, in the kernel: the tree's own (named by one
 * of its processes, or by a leader that exited, whose id is allocated
 * again as a pid of no process) or the restarter's, for the ids the
 * first process had from outside.  A process that changes session loses
 * the restarter's controlling terminal.  The zombies get their exit
 * signal back, quiet until now.  A process of the tree killed meanwhile
 * (and perhaps reaped) fails the restore.
 */
int restore_tree_ids_apply(struct ckpt_ctx *ctx)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	unsigned int i, k, nr = 0, n = ctx->nr_procs;
	struct pid **phantom, **ids;
	int *want, ret = 0;

	phantom = kcalloc(2 * n, sizeof(*phantom), GFP_KERNEL);
	ids = kcalloc(2 * n, sizeof(*ids), GFP_KERNEL);
	want = kmalloc_array(2 * n, sizeof(*want), GFP_KERNEL);
	if (!phantom || !ids || !want) {
		ret = -ENOMEM;
		goto out;
	}
	/* the ids of no process: allocated as pids, attached to none yet */
	for (i = 0; i < n; i++)
		for (k = 0; k < 2; k++) {
			int id = k ? ctx->procs[i].h.sid : ctx->procs[i].h.pgid;

			if (ckpt_id_is_phantom(ctx, id, k))
				want[nr++] = id;
		}
	sort(want, nr, sizeof(*want), ckpt_cmp_int, NULL);
	for (i = 0, k = 0; !ret && i < nr; i++) {
		pid_t tid = want[i];
		struct pid *pid;

		if (i && want[i] == want[i - 1])
			continue;
		pid = alloc_pid(ns, &tid, 1);
		if (IS_ERR(pid))
			ret = PTR_ERR(pid);
		else
			phantom[k++] = pid;
	}
	nr = k;
	/* the zombies, on their way out, become so */
	for (i = 1; !ret && i < n; i++) {
		struct task_struct *t = ctx->procs[i].made;

		if (!ckpt_proc_is_zombie(ctx, i))
			continue;
		while (!ret && !READ_ONCE(t->exit_state)) {
			if (fatal_signal_pending(current))
				ret = -EINTR;
			else
				schedule_timeout_uninterruptible(1);
		}
	}
	/*
	 * Each one's group and session, found before the lock, held: a pid
	 * of the tree's stays in use while its process lives, which is
	 * checked under the lock; the restarter's while it is in them; a
	 * phantom, ours, until it is given.
	 */
	rcu_read_lock();
	for (i = 0; !ret && i < n; i++) {
		const struct ckpt_hdr_proc *h = &ctx->procs[i].h;

		ids[2 * i] = get_pid(restore_id_pid(ctx, ns, h->pgid, false,
						    task_pgrp(current)));
		ids[2 * i + 1] = get_pid(restore_id_pid(ctx, ns, h->sid, true,
							task_session(current)));
		if (!ids[2 * i] || !ids[2 * i + 1])
			ret = -ESRCH;
	}
	rcu_read_unlock();
	/*
	 * Under the lock that reaping takes: every process alive, and still
	 * its parent's child, before any moves; then each one's group and
	 * session given; and a phantom no one took freed.
	 */
	write_lock_irq(&tasklist_lock);
	for (i = 0; !ret && i < n; i++) {
		struct task_struct *t = i ? ctx->procs[i].made : current;
		bool zombie = ckpt_proc_is_zombie(ctx, i);
		int parent = ctx->procs[i].parent;

		if (!pid_alive(t) || t->exit_state == EXIT_DEAD ||
		    (!zombie && (t->exit_state || t->flags & PF_EXITING)) ||
		    (i && t->real_parent !=
			  (parent ? ctx->procs[parent].made : current)))
			ret = -ESRCH;
	}
	for (i = 0; !ret && i < n; i++) {
		struct task_struct *t = i ? ctx->procs[i].made : current;
		struct pid *pgrp = ids[2 * i], *session = ids[2 * i + 1];

		if (task_session(t) != session) {
			change_pid(t, PIDTYPE_SID, session);
			t->signal->leader = session == task_pid(t);
			t->signal->tty_old_pgrp = NULL;
			spin_lock(&t->sighand->siglock);
			tty_kref_put(t->signal->tty);
			t->signal->tty = NULL;
			spin_unlock(&t->sighand->siglock);
		}
		if (task_pgrp(t) != pgrp)
			change_pid(t, PIDTYPE_PGID, pgrp);
		if (ckpt_proc_is_zombie(ctx, i))
			t->exit_signal = ctx->procs[i].h.exit_signal;
	}
	for (i = 0; i < nr; i++) {
		bool used = false;

		for (k = PIDTYPE_PGID; k <= PIDTYPE_SID; k++)
			used |= pid_has_task(phantom[i], k);
		if (!used)
			free_pid(phantom[i]);
	}
	write_unlock_irq(&tasklist_lock);
	nr = 0;
out:
	/* allocated, and the lock not reached */
	for (i = 0; phantom && i < nr; i++)
		free_pid(phantom[i]);
	for (i = 0; ids && i < 2 * n; i++)
		put_pid(ids[i]);
	kfree(want);
	kfree(ids);
	kfree(phantom);
	return ret;
}

u32 restore_proc_files_of(struct ckpt_ctx *ctx)
{
	return ctx->procs ? ctx->procs[ctx->cur].h.files_of : 0;
}

u32 restore_proc_fs_of(struct ckpt_ctx *ctx)
{
	return ctx->procs ? ctx->procs[ctx->cur].h.fs_of : 0;
}

/* The process restored for the image's process @i, restored before. */
static struct task_struct *restore_tree_task(struct ckpt_ctx *ctx,
					     unsigned int i)
{
	return i ? ctx->procs[i].made : ctx->procs[0].st.task;
}

/*
 * Past the point of no return, for a process that shared an earlier
 * one's fd table: that table, as restored, becomes this one's too, as
 * clone(CLONE_FILES) would have it; the copy fork() gave it goes.
 */
int restore_share_files(struct ckpt_ctx *ctx)
{
	struct task_struct *from = restore_tree_task(ctx,
					restore_proc_files_of(ctx) - 1);
	struct files_struct *files, *old;

	task_lock(from);
	files = from->files;
	if (files)
		atomic_inc(&files->count);
	task_unlock(from);
	if (!files)
		return -ESRCH;
	task_lock(current);
	old = current->files;
	current->files = files;
	task_unlock(current);
	put_files_struct(old);
	return 0;
}

/* The same for the working directory, root and umask (CLONE_FS). */
int restore_share_fs(struct ckpt_ctx *ctx)
{
	struct task_struct *from = restore_tree_task(ctx,
					restore_proc_fs_of(ctx) - 1);
	struct fs_struct *fs, *old;
	bool last;

	task_lock(from);
	fs = from->fs;
	if (fs) {
		spin_lock(&fs->lock);
		/* as copy_fs() has it: not while an exec changes it */
		if (fs->in_exec)
			fs = ERR_PTR(-EAGAIN);
		else
			fs->users++;
		spin_unlock(&from->fs->lock);
	}
	task_unlock(from);
	if (IS_ERR_OR_NULL(fs))
		return fs ? PTR_ERR(fs) : -ESRCH;
	task_lock(current);
	old = current->fs;
	current->fs = fs;
	spin_lock(&old->lock);
	last = !--old->users;
	spin_unlock(&old->lock);
	task_unlock(current);
	if (last)
		free_fs_struct(old);
	return 0;
}

/* Once the whole tree is restored, or on a failure: go, or die. */
void restore_tree_end(struct ckpt_ctx *ctx, int err)
{
	unsigned int i;

	for (i = 1; i < ctx->nr_procs; i++)
		if (err && ctx->procs[i].made)
			send_sig(SIGKILL, ctx->procs[i].made, 1);
	if (ctx->rst_tree && !err)
		complete_all(&ctx->rst_tree->go);
}

void ckpt_tree_free(struct ckpt_ctx *ctx)
{
	unsigned int i;

	for (i = 0; ctx->procs && i < ctx->nr_procs; i++)
		if (ctx->procs[i].made)
			put_task_struct(ctx->procs[i].made);
	kvfree(ctx->procs);
	ctx->procs = NULL;
	ctx->nr_procs = 0;
	kvfree(ctx->rst_pids);
	ctx->rst_pids = NULL;
	kfree(ctx->rst_rlim);
	ctx->rst_rlim = NULL;
	kfree(ctx->uts);
	ctx->uts = NULL;
	if (ctx->rst_nsproxy)
		put_nsproxy(ctx->rst_nsproxy);
	ctx->rst_nsproxy = NULL;
	if (ctx->rst_tree)
		ckpt_rst_tree_put(ctx->rst_tree);
	ctx->rst_tree = NULL;
}
