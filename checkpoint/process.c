// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of a task's identity and attributes: its ids, name,
 * credentials, executable, limits, working directory and the like.
 *
 * Ids are written as the task sees them, in its own pid and user
 * namespaces.  Restart never takes credentials from the image: the
 * restored process runs with the restarter's, and the image's are there
 * to be compared with them.
 */
#include <linux/capability.h>
#include <linux/checkpoint.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/futex.h>
#include <linux/namei.h>
#include <linux/oom.h>
#include <linux/personality.h>
#include <linux/ptrace.h>
#include <linux/resource.h>
#include <linux/seccomp.h>
#include <linux/hrtimer.h>
#include <linux/mm.h>
#include <linux/pid_namespace.h>
#include <linux/poll.h>
#include <linux/rseq.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/thread_info.h>
#include <linux/time_namespace.h>
#include <linux/timekeeping.h>
#include <linux/tty.h>
#include <linux/uidgid.h>
#include <uapi/linux/futex.h>
#include <uapi/linux/rseq.h>

#include <asm/syscall.h>

static int checkpoint_ids(struct ckpt_ctx *ctx, struct ckpt_hdr_task *h)
{
	struct task_struct *task = ctx->p.task;
	struct pid_namespace *ns;
	const struct cred *cred;
	struct user_namespace *uns;

	rcu_read_lock();
	ns = task_active_pid_ns(task);
	if (ns) {
		h->pid = task_pid_nr_ns(task, ns);
		h->tgid = task_tgid_nr_ns(task, ns);
	}
	rcu_read_unlock();
	if (!ns || !h->pid || !h->tgid)
		return -ESRCH;

	cred = get_task_cred(task);
	uns = cred->user_ns;
	h->uid = from_kuid_munged(uns, cred->uid);
	h->euid = from_kuid_munged(uns, cred->euid);
	h->suid = from_kuid_munged(uns, cred->suid);
	h->fsuid = from_kuid_munged(uns, cred->fsuid);
	h->gid = from_kgid_munged(uns, cred->gid);
	h->egid = from_kgid_munged(uns, cred->egid);
	h->sgid = from_kgid_munged(uns, cred->sgid);
	h->fsgid = from_kgid_munged(uns, cred->fsgid);
	put_cred(cred);
	return 0;
}

/* The user addresses the kernel keeps for a thread and writes to itself. */
static void checkpoint_user_addrs(struct task_struct *task,
				  struct ckpt_thread *h)
{
	h->clear_child_tid = (unsigned long)task->clear_child_tid;
#ifdef CONFIG_FUTEX
	if (task->robust_list) {
		h->robust_list = (unsigned long)task->robust_list;
		h->robust_list_len = sizeof(*task->robust_list);
	}
#endif
#ifdef CONFIG_RSEQ
	h->rseq = (unsigned long)task->rseq;
	h->rseq_len = task->rseq_len;
	h->rseq_sig = task->rseq_sig;
#endif
}

/* The clocks whose sleeps hrtimer_nanosleep() resumes. */
static bool ckpt_sleep_clock(clockid_t clockid, ktime_t *now)
{
	switch (clockid) {
	case CLOCK_REALTIME:
		*now = ktime_get_real();
		return true;
	case CLOCK_MONOTONIC:
		*now = ktime_get();
		return true;
	case CLOCK_BOOTTIME:
		*now = ktime_get_boottime();
		return true;
	case CLOCK_TAI:
		*now = ktime_get_clocktai();
		return true;
	}
	return false;
}

static long ckpt_nanosleep_restart(struct restart_block *rb);
#ifdef CONFIG_FUTEX
static long ckpt_futex_restart(struct restart_block *rb);

/*
 * A futex wait with a timeout: the kind of resume it needs.  A relative
 * wait (FUTEX_WAIT) keeps the time it had left on its restart block; one
 * until a deadline (FUTEX_WAIT_BITSET) is made again from its registers,
 * whose deadline stays what it was.  Its registers still hold the call's
 * arguments when it resumes through restart_syscall(2).
 */
static u32 checkpoint_resume_futex(struct task_struct *task,
				   struct ckpt_thread *h)
{
	struct restart_block *rb = &task->restart_block;
	unsigned long args[6];

	syscall_get_arguments(task, task_pt_regs(task), args);
	switch (args[1] & FUTEX_CMD_MASK) {
	case FUTEX_WAIT:
		/*
		 * With FUTEX_CLOCK_REALTIME, which glibc never asks of it,
		 * made again from its registers, with its whole timeout
		 */
		if (args[1] & FUTEX_CLOCK_REALTIME)
			return CKPT_RESUME_REPEAT;
		h->resume_clockid = CLOCK_MONOTONIC;
		h->resume_ns = max_t(s64, 0, rb->futex.time -
					     ktime_to_ns(ktime_get()));
		return CKPT_RESUME_FUTEX;
	case FUTEX_WAIT_BITSET:
		return CKPT_RESUME_REPEAT;
	}
	return CKPT_RESUME_NONE;
}

static bool ckpt_is_futex_wait(struct restart_block *rb)
{
	return rb->fn == futex_wait_restart || rb->fn == ckpt_futex_restart;
}
#else
static u32 checkpoint_resume_futex(struct task_struct *task,
				   struct ckpt_thread *h)
{
	return CKPT_RESUME_NONE;
}

static bool ckpt_is_futex_wait(struct restart_block *rb)
{
	return false;
}
#endif

/*
 * A thread stopped in a call that resumes through its restart block when
 * continued, by the function the block names, the call's own or the one
 * a restart gave it: nanosleep() and a futex wait with a timeout.  The
 * image keeps the time it had left, so that restart can resume it too.
 * Other calls resumed through a restart block return EINTR instead (the
 * architecture's part).  Returns how the call resumes.
 */
static u32 checkpoint_resume(struct task_struct *task, struct ckpt_thread *h)
{
	struct pt_regs *regs = task_pt_regs(task);
	struct restart_block *rb = &task->restart_block;
	long nr = syscall_get_nr(task, regs);
	ktime_t now;

	if (task == current || nr < 0 ||
	    syscall_get_error(task, regs) != -ERESTART_RESTARTBLOCK)
		return CKPT_RESUME_NONE;
	if (ckpt_is_futex_wait(rb)) {
		h->resume = checkpoint_resume_futex(task, h);
		return h->resume;
	}
	/* poll(2): its fds and their count are its registers still */
	if (rb->fn == do_restart_poll) {
		h->resume = CKPT_RESUME_POLL;
		h->resume_clockid = -1;
		if (rb->poll.has_timeout) {
			struct timespec64 end = {
				.tv_sec = rb->poll.tv_sec,
				.tv_nsec = rb->poll.tv_nsec,
			};

			h->resume_clockid = CLOCK_MONOTONIC;
			h->resume_ns = max_t(s64, 0, timespec64_to_ns(&end) -
						     ktime_to_ns(ktime_get()));
		}
		return h->resume;
	}
	if (rb->fn != hrtimer_nanosleep_restart &&
	    rb->fn != ckpt_nanosleep_restart)
		return CKPT_RESUME_NONE;
	if (!ckpt_sleep_clock(rb->nanosleep.clockid, &now))
		return CKPT_RESUME_NONE;

	h->resume = CKPT_RESUME_NANOSLEEP;
	h->resume_clockid = rb->nanosleep.clockid;
	h->resume_ns = max_t(s64, 0, rb->nanosleep.expires - ktime_to_ns(now));
	if (rb->nanosleep.type == TT_NATIVE)
		h->resume_rmtp = (unsigned long)rb->nanosleep.rmtp;
	return h->resume;
}

/*
 * The state of thread @task the kernel keeps besides its registers and
 * signals, into @h; returns how its system call resumes (CKPT_RESUME_*).
 */
u32 checkpoint_thread_state(struct task_struct *task, struct ckpt_thread *h)
{
	u32 resume;

	get_task_comm(h->comm, task);
	checkpoint_user_addrs(task, h);
	resume = checkpoint_resume(task, h);
	/* made again from its registers: nothing to keep */
	if (h->resume == CKPT_RESUME_REPEAT)
		h->resume = CKPT_RESUME_NONE;
	return resume;
}

static int checkpoint_exe(struct ckpt_ctx *ctx)
{
	struct file *exe;
	int ret;

	exe = get_mm_exe_file(ctx->p.mm);
	if (!exe)
		return -ESRCH;
	ret = ckpt_write_file(ctx, CKPT_HDR_EXE, exe, -1);
	fput(exe);
	return ret;
}

static int checkpoint_cred(struct ckpt_ctx *ctx)
{
	const struct cred *cred = get_task_cred(ctx->p.task);
	struct group_info *gi = cred->group_info;
	struct ckpt_hdr_cred *h;
	unsigned int i;
	int ret;

	ret = -EOPNOTSUPP;
	if (gi->ngroups > CKPT_NGROUPS_MAX) {
		ckpt_refuse(ctx, ret, -1, "more than %d supplementary groups",
			    CKPT_NGROUPS_MAX);
		goto out;
	}
	ret = -ENOMEM;
	h = kzalloc(struct_size(h, groups, gi->ngroups), GFP_KERNEL);
	if (!h)
		goto out;
	h->cap_inheritable = cred->cap_inheritable.val;
	h->cap_permitted = cred->cap_permitted.val;
	h->cap_effective = cred->cap_effective.val;
	h->cap_bset = cred->cap_bset.val;
	h->cap_ambient = cred->cap_ambient.val;
	h->securebits = cred->securebits;
	h->ngroups = gi->ngroups;
	for (i = 0; i < gi->ngroups; i++)
		h->groups[i] = from_kgid_munged(cred->user_ns, gi->gid[i]);
	ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_CRED,
			     struct_size(h, groups, gi->ngroups));
	kfree(h);
out:
	put_cred(cred);
	return ret;
}

static int checkpoint_attr(struct ckpt_ctx *ctx)
{
	struct task_struct *task = ctx->p.task;
	struct ckpt_hdr_attr h = {};
	unsigned int i;

	BUILD_BUG_ON(RLIM_NLIMITS != CKPT_RLIM_NLIMITS);

	h.personality = task->personality;
	h.nice = task_nice(task);
	h.pdeath_signal = task->pdeath_signal;
	h.no_new_privs = task_no_new_privs(task);
	h.dumpable = get_dumpable(ctx->p.mm);
	h.coredump_filter = (ctx->p.mm->flags & MMF_DUMP_FILTER_MASK) >>
			    MMF_DUMP_FILTER_SHIFT;
	if (test_bit(MMF_DISABLE_THP, &ctx->p.mm->flags))
		h.flags |= CKPT_ATTR_THP_DISABLE;
	if (task->flags & PF_MCE_PROCESS)
		h.flags |= CKPT_ATTR_MCE_PROCESS;
	if (task->flags & PF_MCE_EARLY)
		h.flags |= CKPT_ATTR_MCE_EARLY;
	h.timer_slack_ns = task->timer_slack_ns;

	task_lock(task);
	if (task->fs)
		h.umask = task->fs->umask;
	task_unlock(task);

	task_lock(task->group_leader);
	for (i = 0; i < RLIM_NLIMITS; i++) {
		h.rlim[i].cur = task->signal->rlim[i].rlim_cur;
		h.rlim[i].max = task->signal->rlim[i].rlim_max;
	}
	h.oom_score_adj = task->signal->oom_score_adj;
	if (task->signal->is_child_subreaper)
		h.flags |= CKPT_ATTR_SUBREAPER;
	task_unlock(task->group_leader);

	return ckpt_write_obj(ctx, &h.h, CKPT_HDR_ATTR, sizeof(h));
}

static int checkpoint_cwd(struct ckpt_ctx *ctx)
{
	struct task_struct *task = ctx->p.task;
	struct path pwd = {};
	int ret;

	task_lock(task);
	if (task->fs)
		get_fs_pwd(task->fs, &pwd);
	task_unlock(task);
	if (!pwd.mnt)
		return -ESRCH;		/* it is exiting */

	ret = ckpt_write_path(ctx, CKPT_HDR_CWD, &pwd, -1);
	path_put(&pwd);
	return ret;
}

/*
 * Whether a process other than @task's uses @mm (CLONE_VM without
 * CLONE_THREAD, a vfork() child): it would change the memory under the
 * dump, and would not share it after restart.  Kernel threads that
 * borrow an mm for a while do not count.
 */
static bool ckpt_mm_shared(struct task_struct *task, struct mm_struct *mm)
{
	struct task_struct *p;
	bool shared = false;

	rcu_read_lock();
	for_each_process(p) {
		if (same_thread_group(p, task) || p->flags & PF_KTHREAD)
			continue;
		if (process_shares_mm(p, mm)) {
			shared = true;
			break;
		}
	}
	rcu_read_unlock();
	return shared;
}

/* as prctl(PR_SET_IO_FLUSHER) sets it */
#define CKPT_IO_FLUSHER	(PF_MEMALLOC_NOIO | PF_LOCAL_THROTTLE)

/*
 * A setting of @task's or @mm's that a program can read back or relies on
 * and that restart cannot make again: its name, or NULL.
 */
static const char *ckpt_task_setting(struct task_struct *task,
				     struct mm_struct *mm)
{
#ifdef CONFIG_NUMA
	if (task->mempolicy)
		return "a NUMA memory policy (set_mempolicy)";
#endif
#ifdef CONFIG_SECCOMP
	if (task->seccomp.mode != SECCOMP_MODE_DISABLED)
		return "a seccomp filter or strict mode";
#endif
	if (task->policy == SCHED_DEADLINE)
		return "SCHED_DEADLINE";
	if ((task->flags & CKPT_IO_FLUSHER) == CKPT_IO_FLUSHER)
		return "PR_SET_IO_FLUSHER";
	if (task_spec_ssb_disable(task) || task_spec_ssb_noexec(task) ||
	    task_spec_ssb_force_disable(task) || task_spec_ib_disable(task) ||
	    task_spec_ib_force_disable(task))
		return "a speculation control (PR_SET_SPECULATION_CTRL)";
#ifdef CONFIG_GENERIC_ENTRY
	if (test_task_syscall_work(task, SYSCALL_USER_DISPATCH))
		return "syscall user dispatch";
#endif
#ifdef CONFIG_SCHED_CORE
	if (task->core_cookie)
		return "a core scheduling cookie";
#endif
#ifdef CONFIG_MEMBARRIER
	if (atomic_read(&mm->membarrier_state))
		return "a membarrier(2) registration";
#endif
	if (test_bit(MMF_HAS_MDWE, &mm->flags))
		return "memory-deny-write-execute (PR_SET_MDWE)";
	if (test_bit(MMF_VM_MERGE_ANY, &mm->flags))
		return "KSM for the whole process (PR_SET_MEMORY_MERGE)";
	return NULL;
}

/*
 * What the target is or has that restart cannot bring back, and that a
 * program would miss: refused by name rather than dropped.  Its children
 * would be gone, its wait() ECHILD; its controlling terminal would not
 * be; the settings below read back otherwise.
 */
static int ckpt_task_unsupported(struct ckpt_ctx *ctx)
{
	struct task_struct *task = ctx->p.task, *child, *t;
	unsigned int nr = 0, traced = 0;
	unsigned long irqflags;
	struct tty_struct *tty;
	char name[64] = "";
	const char *what;

	if (atomic_read(&ctx->p.mm->mm_users) > 2 &&
	    ckpt_mm_shared(task, ctx->p.mm))
		return ckpt_refuse(ctx, -EOPNOTSUPP, -1,
				   "the address space is shared with another process (CLONE_VM, vfork()): not supported");

	/* each thread has its own children and tracees */
	read_lock(&tasklist_lock);
	for_each_thread(task, t) {
		list_for_each_entry(child, &t->children, sibling)
			nr++;
		list_for_each_entry(child, &t->ptraced, ptrace_entry)
			traced++;
	}
	read_unlock(&tasklist_lock);
	/* a tree's processes have theirs in the tree */
	if (nr && !(ctx->flags & CHECKPOINT_TREE))
		return ckpt_refuse(ctx, -EOPNOTSUPP, -1,
				   "the process has %u children (or zombies): checkpoint the tree (CHECKPOINT_TREE)",
				   nr);
	if (traced)
		return ckpt_refuse(ctx, -EOPNOTSUPP, -1,
				   "the process traces %u others: not supported",
				   traced);
	/*
	 * In a tree, what a process shares with another one of it would
	 * come back apart, each its own (its threads share them all).
	 */
	if (ctx->flags & CHECKPOINT_TREE) {
		bool fs, sighand;

		task_lock(task);
		fs = task->fs && task->fs->users > ckpt_tree_users(ctx, true);
		task_unlock(task);
		sighand = refcount_read(&task->sighand->count) >
			  1 + ctx->p.nr_threads;
		if (fs)
			return ckpt_refuse(ctx, -EOPNOTSUPP, -1,
					   "the working directory and umask are shared with a process outside the tree (CLONE_FS): not supported");
		if (sighand)
			return ckpt_refuse(ctx, -EOPNOTSUPP, -1,
					   "the signal handlers are shared with another process (CLONE_SIGHAND): not supported yet");
	}

	if (!lock_task_sighand(task, &irqflags))
		return -ESRCH;
	tty = tty_kref_get(task->signal->tty);
	unlock_task_sighand(task, &irqflags);
	if (tty) {
		strscpy(name, tty_name(tty));
		tty_kref_put(tty);
		return ckpt_refuse(ctx, -EOPNOTSUPP, -1,
				   "the process has a controlling terminal (%s): not supported yet",
				   name);
	}

	what = ckpt_task_setting(task, ctx->p.mm);
	if (what)
		return ckpt_refuse(ctx, -EOPNOTSUPP, -1, "%s: not supported",
				   what);
#ifdef CONFIG_TIME_NS
	/* its clocks are offset: the image's times would be the host's */
	task_lock(task);
	what = task->nsproxy && task->nsproxy->time_ns != &init_time_ns ?
	       "a time namespace (CLONE_NEWTIME)" : NULL;
	task_unlock(task);
	if (what)
		return ckpt_refuse(ctx, -EOPNOTSUPP, -1,
				   "%s: not supported yet", what);
#endif
	return 0;
}

static bool ckpt_groups_same(const struct group_info *a,
			     const struct group_info *b)
{
	int i;

	if (a->ngroups != b->ngroups)
		return false;
	for (i = 0; i < a->ngroups; i++)
		if (!gid_eq(a->gid[i], b->gid[i]))
			return false;
	return true;
}

/* Whether two threads' credentials are the same, as a program sees them. */
static bool ckpt_cred_same(const struct cred *a, const struct cred *b)
{
	return uid_eq(a->uid, b->uid) && uid_eq(a->euid, b->euid) &&
	       uid_eq(a->suid, b->suid) && uid_eq(a->fsuid, b->fsuid) &&
	       gid_eq(a->gid, b->gid) && gid_eq(a->egid, b->egid) &&
	       gid_eq(a->sgid, b->sgid) && gid_eq(a->fsgid, b->fsgid) &&
	       a->user_ns == b->user_ns && a->securebits == b->securebits &&
	       cap_isidentical(a->cap_inheritable, b->cap_inheritable) &&
	       cap_isidentical(a->cap_permitted, b->cap_permitted) &&
	       cap_isidentical(a->cap_effective, b->cap_effective) &&
	       cap_isidentical(a->cap_bset, b->cap_bset) &&
	       cap_isidentical(a->cap_ambient, b->cap_ambient) &&
	       ckpt_groups_same(a->group_info, b->group_info);
}

/*
 * What thread @t has that the image keeps once, for the process, and
 * that it does not share with the leading thread, or a setting of its own
 * restart cannot make again: refused by name.  The credentials are
 * those the right to checkpoint was checked against, for each thread.
 */
int checkpoint_thread_check(struct ckpt_ctx *ctx, struct task_struct *t)
{
	const struct cred *a, *b;
	const char *what;
	bool same;

	if (t->flags & PF_IO_WORKER)
		return ckpt_refuse(ctx, -EOPNOTSUPP, -1,
				   "thread %d is an io_uring worker: not supported",
				   task_pid_vnr(t));
	if (t->flags & PF_USER_WORKER)
		return ckpt_refuse(ctx, -EOPNOTSUPP, -1,
				   "thread %d is a kernel worker of the process (vhost): not supported",
				   task_pid_vnr(t));
	/* stopped, it cannot unshare them: they stay as they are now */
	task_lock(t);
	same = t->files == ctx->p.task->files && t->fs == ctx->p.task->fs;
	task_unlock(t);
	if (!same)
		return ckpt_refuse(ctx, -EOPNOTSUPP, -1,
				   "thread %d has a file descriptor table or working directory of its own (unshare()): not supported",
				   task_pid_vnr(t));

	a = get_task_cred(ctx->p.task);
	b = get_task_cred(t);
	same = ckpt_cred_same(a, b);
	put_cred(b);
	put_cred(a);
	if (!same)
		return ckpt_refuse(ctx, -EOPNOTSUPP, -1,
				   "thread %d has credentials other than the process's: not supported",
				   task_pid_vnr(t));
	if (task_no_new_privs(t) != task_no_new_privs(ctx->p.task))
		return ckpt_refuse(ctx, -EOPNOTSUPP, -1,
				   "thread %d differs in no_new_privs: not supported",
				   task_pid_vnr(t));
	what = ckpt_task_setting(t, ctx->p.mm);
	if (what)
		return ckpt_refuse(ctx, -EOPNOTSUPP, -1,
				   "thread %d: %s: not supported",
				   task_pid_vnr(t), what);
	return 0;
}

int checkpoint_task(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_task h = {};
	int ret;

	ret = ckpt_task_unsupported(ctx);
	if (ret)
		return ret;
	ret = checkpoint_ids(ctx, &h);
	if (ret)
		return ret;
	ctx->p.resume = checkpoint_thread_state(ctx->p.task, &h.t);

	ret = ckpt_write_obj(ctx, &h.h, CKPT_HDR_TASK, sizeof(h));
	if (!ret)
		ret = checkpoint_exe(ctx);
	if (!ret)
		ret = checkpoint_cred(ctx);
	if (!ret)
		ret = checkpoint_attr(ctx);
	if (!ret)
		ret = checkpoint_sched(ctx, ctx->p.task);
	if (!ret)
		ret = checkpoint_cwd(ctx);
	return ret;
}

static bool ckpt_id_valid(u32 id)
{
	return id != (u32)-1;
}

static bool ckpt_user_addrs_valid(const struct ckpt_thread *h)
{
	if (h->clear_child_tid >= TASK_SIZE || h->robust_list >= TASK_SIZE ||
	    h->rseq >= TASK_SIZE)
		return false;
	if (h->robust_list_len !=
	    (h->robust_list ? sizeof(struct robust_list_head) : 0))
		return false;
	if (!h->rseq)
		return !h->rseq_len && !h->rseq_sig;
	/* as rseq(2) takes them */
	return IS_ALIGNED(h->rseq, __alignof__(struct rseq)) &&
	       h->rseq_len >= offsetofend(struct rseq, flags) &&
	       h->rseq_len <= TASK_SIZE - h->rseq;
}

static bool ckpt_resume_valid(const struct ckpt_thread *h, u32 version)
{
	ktime_t now;

	switch (h->resume) {
	case CKPT_RESUME_NONE:
		return !h->resume_clockid && !h->resume_ns && !h->resume_rmtp;
	case CKPT_RESUME_NANOSLEEP:
		return ckpt_sleep_clock(h->resume_clockid, &now) &&
		       h->resume_ns >= 0 && h->resume_rmtp < TASK_SIZE;
	case CKPT_RESUME_FUTEX:
		return version >= 4 && h->resume_clockid == CLOCK_MONOTONIC &&
		       h->resume_ns >= 0 && !h->resume_rmtp;
	case CKPT_RESUME_POLL:
		return version >= 4 && !h->resume_rmtp &&
		       ((h->resume_clockid == CLOCK_MONOTONIC &&
			 h->resume_ns >= 0) ||
			(h->resume_clockid == -1 && !h->resume_ns));
	}
	return false;
}

/* Whether @h is the state of a thread: its name and what it resumes. */
bool ckpt_thread_state_valid(const struct ckpt_thread *h, u32 version)
{
	return strnlen(h->comm, sizeof(h->comm)) < sizeof(h->comm) &&
	       ckpt_user_addrs_valid(h) && ckpt_resume_valid(h, version);
}

static long ckpt_nanosleep_restart(struct restart_block *rb)
{
	return hrtimer_nanosleep(rb->nanosleep.expires, HRTIMER_MODE_ABS,
				 rb->nanosleep.clockid);
}

#ifdef CONFIG_FUTEX
/*
 * A relative futex wait, resumed until the deadline restart gave it:
 * do_futex() takes the deadline, as futex(2) hands it on.  Interrupted
 * again, futex_wait() keeps it in the restart block, as for any wait.
 */
static long ckpt_futex_restart(struct restart_block *rb)
{
	ktime_t t = rb->futex.time;

	rb->fn = do_no_restart_syscall;
	return do_futex(rb->futex.uaddr, rb->futex.flags, rb->futex.val, &t,
			NULL, 0, FUTEX_BITSET_MATCH_ANY);
}

/*
 * The futex wait the thread's registers make again, as futex(2) took
 * them: FUTEX_WAIT, private or not, on an aligned word.  Its checks run
 * again when it does.
 */
static bool ckpt_futex_args_valid(const unsigned long *args)
{
	return (args[1] & ~FUTEX_PRIVATE_FLAG) == FUTEX_WAIT &&
	       args[0] < TASK_SIZE && IS_ALIGNED(args[0], sizeof(u32));
}
#endif

/*
 * Whether the call thread @h resumes is one its registers @cpu make: for
 * a futex wait, the arguments restore_resume() takes from them.
 */
bool ckpt_thread_resume_valid(const struct ckpt_thread *h, const void *cpu)
{
	unsigned long args[6];

	if (h->resume == CKPT_RESUME_POLL) {
		ckpt_arch_syscall_args(cpu, args);
		return args[0] < TASK_SIZE && (u32)args[1] <= INT_MAX;
	}
	if (h->resume != CKPT_RESUME_FUTEX)
		return true;
	ckpt_arch_syscall_args(cpu, args);
#ifdef CONFIG_FUTEX
	return ckpt_futex_args_valid(args);
#else
	return false;
#endif
}

/*
 * The restored registers go back into the call; this is what it resumes.
 * A futex wait takes its arguments from them: they are set already.
 */
static int restore_resume(const struct ckpt_thread *h)
{
	struct restart_block *rb = &current->restart_block;
	unsigned long args[6];
	ktime_t now;

	rb->fn = do_no_restart_syscall;
	switch (h->resume) {
	case CKPT_RESUME_NANOSLEEP:
		ckpt_sleep_clock(h->resume_clockid, &now);
		rb->nanosleep.clockid = h->resume_clockid;
		rb->nanosleep.type = h->resume_rmtp ? TT_NATIVE : TT_NONE;
		rb->nanosleep.rmtp = u64_to_user_ptr(h->resume_rmtp);
		rb->nanosleep.expires = ktime_add_safe(now, h->resume_ns);
		rb->fn = ckpt_nanosleep_restart;
		break;
	case CKPT_RESUME_POLL:
		syscall_get_arguments(current, current_pt_regs(), args);
		rb->poll.ufds = (struct pollfd __user *)args[0];
		rb->poll.nfds = args[1];
		rb->poll.has_timeout = h->resume_clockid == CLOCK_MONOTONIC;
		if (rb->poll.has_timeout) {
			ktime_t t = ktime_add_safe(ktime_get(), h->resume_ns);
			struct timespec64 end = ktime_to_timespec64(t);

			rb->poll.tv_sec = end.tv_sec;
			rb->poll.tv_nsec = end.tv_nsec;
		}
		rb->fn = do_restart_poll;
		break;
#ifdef CONFIG_FUTEX
	case CKPT_RESUME_FUTEX:
		syscall_get_arguments(current, current_pt_regs(), args);
		if (!ckpt_futex_args_valid(args))
			return -EBADMSG;
		rb->futex.uaddr = (u32 __user *)args[0];
		rb->futex.flags = args[1];
		rb->futex.val = args[2];
		rb->futex.time = ktime_add_safe(ktime_get(), h->resume_ns);
		rb->fn = ckpt_futex_restart;
		break;
#endif
	}
	return 0;
}

/*
 * Past the point of no return, in the thread's own context, its
 * registers set: its name, the user addresses the kernel keeps for it,
 * and the call it resumes.
 */
int restore_thread_state(const struct ckpt_thread *h)
{
	struct task_struct *tsk = current;

	set_task_comm(tsk, h->comm);
	tsk->clear_child_tid = u64_to_user_ptr(h->clear_child_tid);
#ifdef CONFIG_FUTEX
	tsk->robust_list = u64_to_user_ptr(h->robust_list);
#endif
#ifdef CONFIG_RSEQ
	tsk->rseq = u64_to_user_ptr(h->rseq);
	tsk->rseq_len = h->rseq_len;
	tsk->rseq_sig = h->rseq_sig;
	if (tsk->rseq)
		rseq_set_notify_resume(tsk);
#endif
	return restore_resume(h);
}

/* Whether the image's ids, groups and capabilities are the caller's. */
static bool ckpt_cred_is_callers(const struct ckpt_hdr_task *t,
				 const struct ckpt_hdr_cred *c)
{
	const struct cred *cred = current_cred();
	struct user_namespace *ns = cred->user_ns;
	struct group_info *gi = cred->group_info;
	unsigned int i;

	if (t->uid != from_kuid_munged(ns, cred->uid) ||
	    t->euid != from_kuid_munged(ns, cred->euid) ||
	    t->suid != from_kuid_munged(ns, cred->suid) ||
	    t->fsuid != from_kuid_munged(ns, cred->fsuid) ||
	    t->gid != from_kgid_munged(ns, cred->gid) ||
	    t->egid != from_kgid_munged(ns, cred->egid) ||
	    t->sgid != from_kgid_munged(ns, cred->sgid) ||
	    t->fsgid != from_kgid_munged(ns, cred->fsgid))
		return false;
	if (c->cap_inheritable != cred->cap_inheritable.val ||
	    c->cap_permitted != cred->cap_permitted.val ||
	    c->cap_effective != cred->cap_effective.val ||
	    c->cap_bset != cred->cap_bset.val ||
	    c->cap_ambient != cred->cap_ambient.val ||
	    c->securebits != cred->securebits)
		return false;
	if (c->ngroups != gi->ngroups)
		return false;
	for (i = 0; i < gi->ngroups; i++)
		if (c->groups[i] != from_kgid_munged(ns, gi->gid[i]))
			return false;
	return true;
}

/*
 * The restored process runs with the caller's credentials, whatever the
 * image says.  An image of other credentials is another user's process,
 * or one with other rights: only a caller trusted to restore any process
 * in its user namespace may run it as itself.
 */
static int restore_cred(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_cred *h;
	int ret = 0;

	h = ckpt_read_obj_alloc(ctx, CKPT_HDR_CRED, sizeof(*h),
				struct_size(h, groups, CKPT_NGROUPS_MAX));
	if (IS_ERR(h))
		return PTR_ERR(h);
	if (h->h.len != struct_size(h, groups, h->ngroups))
		ret = -EBADMSG;
	else if (!ckpt_cred_is_callers(ctx->p.rst_task, h) &&
		 !checkpoint_restore_ns_capable(current_user_ns()))
		ret = -EPERM;
	kfree(h);
	return ret;
}

static int restore_attr(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_attr *h;
	unsigned int i;

	h = ckpt_read_obj_alloc(ctx, CKPT_HDR_ATTR, sizeof(*h), sizeof(*h));
	if (IS_ERR(h))
		return PTR_ERR(h);
	ctx->p.rst_attr = h;

	if (h->personality == 0xffffffff || h->umask & ~0777 ||
	    h->nice < MIN_NICE || h->nice > MAX_NICE ||
	    (h->pdeath_signal && !valid_signal(h->pdeath_signal)) ||
	    h->dumpable > SUID_DUMP_ROOT || h->no_new_privs > 1)
		return -EBADMSG;
	if (h->oom_score_adj < OOM_SCORE_ADJ_MIN ||
	    h->oom_score_adj > OOM_SCORE_ADJ_MAX ||
	    h->flags & ~CKPT_ATTR_FLAGS_ALL ||
	    ((h->flags & CKPT_ATTR_MCE_EARLY) &&
	     !(h->flags & CKPT_ATTR_MCE_PROCESS)) ||
	    h->coredump_filter >> MMF_DUMP_FILTER_BITS || h->pad)
		return -EBADMSG;
	/* as a write to /proc/PID/oom_score_adj would refuse the caller */
	if (h->oom_score_adj < current->signal->oom_score_adj_min &&
	    !capable(CAP_SYS_RESOURCE))
		return -EPERM;
	for (i = 0; i < RLIM_NLIMITS; i++)
		if (h->rlim[i].cur > h->rlim[i].max)
			return -EBADMSG;

	/* what setpriority(2) and setrlimit(2) would refuse the caller */
	if (h->nice < task_nice(current) && !can_nice(current, h->nice))
		return -EPERM;
	for (i = 0; i < RLIM_NLIMITS; i++)
		if (h->rlim[i].max > rlimit_max(i) &&
		    !capable(CAP_SYS_RESOURCE))
			return -EPERM;
	if (h->rlim[RLIMIT_NOFILE].max > sysctl_nr_open)
		return -EPERM;
	return 0;
}

static int restore_cwd(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_file *h;
	struct file *file;

	h = ckpt_read_file(ctx, CKPT_HDR_CWD);
	if (IS_ERR(h))
		return PTR_ERR(h);
	if (!S_ISDIR(h->mode)) {
		kfree(h);
		return -EBADMSG;
	}
	file = ckpt_open_file(ctx, h, O_PATH | O_DIRECTORY);
	kfree(h);
	if (IS_ERR(file))
		return PTR_ERR(file);
	ctx->p.rst_cwd = file;
	/* as chdir(2) checks it */
	return path_permission(&file->f_path, MAY_EXEC | MAY_CHDIR);
}

/*
 * Programs and people trust /proc/PID/exe to say what a process runs
 * (auditing, polkit, a debugger): mainline lets a process name another
 * file there only with CAP_SYS_RESOURCE (PR_SET_MM_EXE_FILE) or
 * CAP_CHECKPOINT_RESTORE over its user namespace (PR_SET_MM_MAP).  So
 * does restart.  Without either, the image's executable must be the
 * caller's own, the file it runs: a program restarts itself.
 */
static int restore_exe_allowed(struct file *exe)
{
	struct file *own = get_mm_exe_file(current->mm);
	bool same = own && file_inode(own) == file_inode(exe);

	if (own)
		fput(own);
	if (same || checkpoint_restore_ns_capable(current_user_ns()) ||
	    capable(CAP_SYS_RESOURCE))
		return 0;
	return -EPERM;
}

/*
 * Reads and checks the task's identity, and opens its executable.  The
 * restored process keeps the restarter's pid and credentials.
 */
int restore_task(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_task *h;
	struct ckpt_hdr_file *exe;
	struct file *file;
	int ret;

	h = ckpt_read_obj_alloc(ctx, CKPT_HDR_TASK, sizeof(*h), sizeof(*h));
	if (IS_ERR(h))
		return PTR_ERR(h);
	ctx->p.rst_task = h;

	if (h->pid <= 0 || h->tgid <= 0)
		return -EBADMSG;
	if (!ckpt_id_valid(h->uid) || !ckpt_id_valid(h->euid) ||
	    !ckpt_id_valid(h->suid) || !ckpt_id_valid(h->fsuid) ||
	    !ckpt_id_valid(h->gid) || !ckpt_id_valid(h->egid) ||
	    !ckpt_id_valid(h->sgid) || !ckpt_id_valid(h->fsgid))
		return -EBADMSG;
	if (!ckpt_thread_state_valid(&h->t, ctx->rst_version))
		return -EBADMSG;

	exe = ckpt_read_file(ctx, CKPT_HDR_EXE);
	if (IS_ERR(exe))
		return PTR_ERR(exe);
	/* a regular file, before anything opens what the record names */
	if (!S_ISREG(exe->mode)) {
		kfree(exe);
		return -EBADMSG;
	}
	file = ckpt_open_file(ctx, exe, O_RDONLY);
	kfree(exe);
	if (IS_ERR(file))
		return PTR_ERR(file);
	ctx->p.rst_exe = file;

	/*
	 * It becomes /proc/PID/exe: only a program the restarter could
	 * execute itself, as prctl(PR_SET_MM_EXE_FILE) demands.
	 */
	if (!S_ISREG(file_inode(file)->i_mode) || path_noexec(&file->f_path))
		return -EACCES;
	ret = file_permission(file, MAY_EXEC);
	if (!ret) {
		ret = restore_exe_allowed(file);
		if (ret)
			ckpt_refuse(ctx, ret, -1,
				    "the image runs %pD, not the restarter's program: that needs CAP_CHECKPOINT_RESTORE or CAP_SYS_RESOURCE",
				    file);
	}
	if (!ret)
		ret = restore_cred(ctx);
	if (!ret)
		ret = restore_attr(ctx);
	if (!ret)
		ret = restore_sched(ctx, ctx->p.rst_attr->nice, true,
				    &ctx->p.rst_sched);
	if (!ret)
		ret = restore_cwd(ctx);
	return ret;
}

/* Who may read the restored process: never more than could the caller. */
static int ckpt_dumpable(int image, int caller)
{
	if (image == SUID_DUMP_DISABLE || caller == SUID_DUMP_DISABLE)
		return SUID_DUMP_DISABLE;
	if (image == SUID_DUMP_ROOT || caller == SUID_DUMP_ROOT)
		return SUID_DUMP_ROOT;
	return SUID_DUMP_USER;
}

/*
 * The settings a process makes with prctl(2) and /proc/PID/ for itself,
 * each as that interface sets it.  The new mm took the caller's flags:
 * PR_SET_MDWE, a restriction that cannot be taken back, stays as
 * PR_SET_NO_NEW_PRIVS does.
 */
static void restore_settings(const struct ckpt_hdr_attr *h)
{
	struct task_struct *tsk = current;
	struct mm_struct *mm = tsk->mm;
	unsigned int i;

	for (i = 0; i < MMF_DUMP_FILTER_BITS; i++) {
		if (h->coredump_filter & (1U << i))
			set_bit(i + MMF_DUMP_FILTER_SHIFT, &mm->flags);
		else
			clear_bit(i + MMF_DUMP_FILTER_SHIFT, &mm->flags);
	}
	if (h->flags & CKPT_ATTR_THP_DISABLE)
		set_bit(MMF_DISABLE_THP, &mm->flags);
	else
		clear_bit(MMF_DISABLE_THP, &mm->flags);

	tsk->flags &= ~(PF_MCE_PROCESS | PF_MCE_EARLY);
	if (h->flags & CKPT_ATTR_MCE_PROCESS)
		tsk->flags |= PF_MCE_PROCESS;
	if (h->flags & CKPT_ATTR_MCE_EARLY)
		tsk->flags |= PF_MCE_EARLY;
	tsk->timer_slack_ns = h->timer_slack_ns ?: tsk->default_timer_slack_ns;

	spin_lock_irq(&tsk->sighand->siglock);
	tsk->signal->oom_score_adj = h->oom_score_adj;
	tsk->signal->is_child_subreaper = !!(h->flags & CKPT_ATTR_SUBREAPER);
	spin_unlock_irq(&tsk->sighand->siglock);
}

/*
 * Past the point of no return: the limits, as setrlimit(2) sets them;
 * with @nproc RLIMIT_NPROC alone, once the threads are made, which the
 * image's would count against, else every other, before the fds are
 * installed, which RLIMIT_NOFILE bounds.
 */
int restore_rlimits_apply(struct ckpt_ctx *ctx, bool nproc)
{
	struct ckpt_hdr_attr *h = ctx->p.rst_attr;
	struct rlimit r;
	unsigned int i;
	int ret;

	for (i = 0; i < RLIM_NLIMITS; i++) {
		bool is_nproc = i == RLIMIT_NPROC;

		if (is_nproc != nproc)
			continue;
		r.rlim_cur = h->rlim[i].cur;
		r.rlim_max = h->rlim[i].max;
		ret = do_prlimit(current, i, &r, NULL);
		if (ret)
			return ret;
	}
	return 0;
}

static int restore_attr_apply(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_attr *h = ctx->p.rst_attr;
	struct task_struct *tsk = current;

	set_personality(h->personality);
	set_user_nice(tsk, h->nice);
	tsk->pdeath_signal = h->pdeath_signal;
	restore_settings(h);
	/* it cannot be taken back: a caller that has it keeps it */

	/* the restarter's: a child made by fork() has its parent's mm */
	set_dumpable(tsk->mm, ckpt_dumpable(h->dumpable, ctx->rst_dumpable));

	/* an earlier process's, which it shares (CLONE_FS), restored */
	if (restore_proc_fs_of(ctx))
		return restore_share_fs(ctx);
	/* the tree's own: the caller's may be shared with another */
	if (ctx->nr_procs > 1) {
		int ret = unshare_fs_struct();

		if (ret)
			return ret;
	}
	spin_lock(&tsk->fs->lock);
	tsk->fs->umask = h->umask;
	spin_unlock(&tsk->fs->lock);
	set_fs_pwd(tsk->fs, &ctx->p.rst_cwd->f_path);
	return 0;
}

/*
 * Past the point of no return, once its children are made, which would
 * inherit it, and before its threads, which do: no_new_privs.  It cannot
 * be taken back: a caller that has it keeps it.
 */
void restore_nnp_apply(struct ckpt_ctx *ctx)
{
	if (ctx->p.rst_attr->no_new_privs)
		task_set_no_new_privs(current);
}

/*
 * Past the point of no return: the task's attributes, working directory,
 * name and the addresses the kernel keeps for it.
 */
int restore_task_apply(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_task *h = ctx->p.rst_task;
	int ret;

	ret = restore_attr_apply(ctx);
	if (ret)
		return ret;
	return restore_thread_state(&h->t);
}

void restore_task_free(struct ckpt_ctx *ctx)
{
	if (ctx->p.rst_cwd)
		fput(ctx->p.rst_cwd);
	if (ctx->p.rst_exe)
		fput(ctx->p.rst_exe);
	kfree(ctx->p.rst_sched);
	kfree(ctx->p.rst_attr);
	kfree(ctx->p.rst_task);
}
