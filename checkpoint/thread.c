// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of a process's threads besides the one that leads
 * it.  They share the address space, the files, the signal handlers and
 * the process's pending signals and timers, which the leading thread's
 * records carry once; each has its own registers, mask, alternate stack,
 * pending signals, user addresses (rseq, robust list, clear_child_tid),
 * name, nice value and timer slack, and the call it was stopped in.
 *
 * Restart reads and checks every thread before its point of no return.
 * Past it, once the leading thread (the caller) has restored everything
 * the threads share, it makes each thread with kernel_clone(), with the
 * thread's own id (clone3's set_tid, with its rules), starting in the
 * kernel; each thread loads its own state in its own context.  None goes
 * back to user space before every thread is restored: one failure kills
 * them all, and nothing half-restored runs.
 *
 * What a hostile image could make this do: make threads of the caller's
 * own process with state the caller could give its threads itself
 * (registers checked as sigreturn checks them, masks, addresses below
 * TASK_SIZE); ask for ids, which alloc_pid() grants only with
 * CAP_CHECKPOINT_RESTORE over the pid namespace, and only free ones; ask
 * for many threads, each costing the caller memory charged to it, and a
 * task counted against its RLIMIT_NPROC as clone() would.
 */
#include <linux/checkpoint.h>
#include <linux/capability.h>
#include <linux/completion.h>
#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/ptrace.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/bsearch.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/user_namespace.h>

/* How often clone() is tried again, a tick apart, when a trap cuts it short */
#define CKPT_CLONE_TRIES	(5 * HZ)

/* One thread, read before the point of no return. */
struct ckpt_rst_thread {
	struct ckpt_hdr_thread h;
	struct ckpt_hdr_siginfo *info;	/* h.nr_siginfo pending signals */
	unsigned int cap;
	void *cpu;			/* its registers, the architecture's */
	struct ckpt_rst_threads *rt;
	struct ckpt_rst_sched *sched;	/* its policy and CPUs */
};

/*
 * All of them, shared with the threads restart makes: each holds a
 * reference until it leaves for user space.
 */
struct ckpt_rst_threads {
	refcount_t users;
	unsigned int nr, cap;
	struct ckpt_rst_thread *t;
	pid_t *tids;			/* theirs, sorted */
	unsigned long nr_siginfo;	/* pending signals, in all */
	atomic_t left;			/* threads not restored yet */
	int err;			/* the first thread's failure */
	struct completion restored;	/* the last thread says so */
	struct completion go;		/* they may return to user space */
};

static int checkpoint_thread(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_hdr_thread h = {};
	struct ckpt_hdr_siginfo *info;
	struct pid_namespace *ns;
	unsigned int i;
	u32 resume;
	int ret;

	ret = checkpoint_thread_check(ctx, t);
	if (ret)
		return ret;
	rcu_read_lock();
	ns = task_active_pid_ns(ctx->p.task);
	if (ns)
		h.tid = task_pid_nr_ns(t, ns);
	rcu_read_unlock();
	if (h.tid <= 0)
		return -ESRCH;
	h.nice = task_nice(t);
	h.timer_slack_ns = t->timer_slack_ns;
	resume = checkpoint_thread_state(t, &h.t);
	info = checkpoint_thread_signals(t, &h);
	if (IS_ERR(info))
		return PTR_ERR(info);

	ret = ckpt_write_obj(ctx, &h.h, CKPT_HDR_THREAD, sizeof(h));
	if (!ret)
		ret = checkpoint_sched(ctx, t);
	for (i = 0; !ret && i < h.nr_siginfo; i++)
		ret = ckpt_write_obj(ctx, &info[i].h, CKPT_HDR_SIGINFO,
				     sizeof(info[i]));
	kvfree(info);
	if (!ret)
		ret = ckpt_arch_checkpoint_cpu(ctx, t, resume);
	return ret;
}

/*
 * The threads section.  Each thread was checked to be stopped and off
 * its CPU when the dump began; the records written before a thread ran
 * again do not make an image, whose tail needs them all still stopped
 * (ckpt_threads_moved()).
 */
int checkpoint_threads(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_threads h = { .nr = ctx->p.nr_threads };
	unsigned int i;
	int ret;

	ret = ckpt_write_obj(ctx, &h.h, CKPT_HDR_THREADS, sizeof(h));
	for (i = 0; !ret && i < ctx->p.nr_threads; i++)
		ret = checkpoint_thread(ctx, ctx->p.threads[i].task);
	return ret ?: ckpt_threads_moved(ctx);
}

/*
 * A process that checkpoints itself parks its other threads for the
 * dump, as a core dump stops them, and lets them go on after: each takes
 * task work on its way to user space (TWA_SIGNAL cuts a blocking call
 * short, as a stop does) and waits there, in the kernel, its user state
 * saved, until the dump is done.  An interrupted call is then made again
 * as after a stop; epoll_wait() returns EINTR, as after a stop.  No
 * thread sees a signal, nor its parent a stop.
 */
struct ckpt_park {
	refcount_t users;		/* the dump and each thread asked */
	atomic_t left;			/* threads not parked yet */
	struct completion parked;	/* the last one says so */
	struct completion release;
	struct task_struct **tasks;	/* asked: the operation holds them */
	unsigned int nr, cap;
};

struct ckpt_park_work {
	struct callback_head work;
	struct ckpt_park *park;
};

static void ckpt_park_put(struct ckpt_park *p)
{
	if (refcount_dec_and_test(&p->users))
		kfree(p);
}

/* Task work: a thread parked, until the dump is done or it is killed. */
static void ckpt_park_fn(struct callback_head *work)
{
	struct ckpt_park_work *w = container_of(work, struct ckpt_park_work,
						work);
	struct ckpt_park *p = w->park;

	kfree(w);
	if (atomic_dec_and_test(&p->left))
		complete(&p->parked);
	wait_for_completion_state(&p->release, CKPT_PARK_STATE);
	ckpt_park_put(p);
}

/* Lets the parked threads go on. */
void ckpt_unpark(struct ckpt_ctx *ctx)
{
	if (!ctx->park)
		return;
	complete_all(&ctx->park->release);
	kvfree(ctx->park->tasks);
	ctx->park->tasks = NULL;
	ckpt_park_put(ctx->park);
	ctx->park = NULL;
}

static bool ckpt_parkable(struct task_struct *t)
{
	return t != current && !(t->flags & (PF_IO_WORKER | PF_USER_WORKER));
}

/*
 * Asks task @t, which the operation holds, to park: for the dump of its
 * own process, or of a tree, which the caller must have the right to
 * read (a task of another user is not held up before that is known).
 */
int ckpt_park_add(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_park_work *w;
	struct ckpt_park *p = ctx->park;
	int ret;

	if (!ckpt_parkable(t))
		return 0;
	if (!ptrace_may_access(t, PTRACE_MODE_ATTACH_REALCREDS))
		return -EPERM;
	if (!p) {
		p = kzalloc(sizeof(*p), GFP_KERNEL);
		if (!p)
			return -ENOMEM;
		refcount_set(&p->users, 1);
		/* held until all are asked: none completes early */
		atomic_set(&p->left, 1);
		init_completion(&p->parked);
		init_completion(&p->release);
		ctx->park = p;
	}
	ret = ckpt_array_grow((void **)&p->tasks, &p->cap, p->nr,
			      sizeof(*p->tasks));
	if (ret)
		return ret;
	w = kmalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	w->park = p;
	init_task_work(&w->work, ckpt_park_fn);
	refcount_inc(&p->users);
	atomic_inc(&p->left);
	if (task_work_add(t, &w->work, TWA_SIGNAL)) {
		/* exiting: it parks nowhere */
		atomic_dec(&p->left);
		refcount_dec(&p->users);
		kfree(w);
		return -EAGAIN;
	}
	p->tasks[p->nr++] = t;
	return 0;
}

/*
 * Waits until parked task @t is off its CPU, asleep in ckpt_park_fn():
 * it may be on its way there still.
 */
static int ckpt_parked(struct task_struct *t)
{
	while (!wait_task_inactive(t, CKPT_PARK_STATE)) {
		if (ckpt_task_dying(t) || fatal_signal_pending(current))
			return -ESRCH;
		schedule_timeout_uninterruptible(1);
	}
	return 0;
}

/* A task asked that is not parked yet, or NULL. */
static struct task_struct *ckpt_park_stuck(struct ckpt_park *p)
{
	unsigned int i;

	for (i = 0; i < p->nr; i++)
		if (READ_ONCE(p->tasks[i]->__state) != CKPT_PARK_STATE)
			return p->tasks[i];
	return NULL;
}

/* how long a task may stay unparked before the parking gives up */
#define CKPT_PARK_STUCK_MS	1000
#define CKPT_PARK_LOOK_MS	100

/*
 * Waits until each task asked is parked and off its CPU.  A signal for
 * the caller ends the wait: the checkpoint is made again, or fails.
 */
int ckpt_park_wait(struct ckpt_ctx *ctx)
{
	struct ckpt_park *p = ctx->park;
	struct task_struct *t, *stuck;
	unsigned int i, looks;

	if (!p)
		return 0;
	if (atomic_dec_and_test(&p->left))
		complete(&p->parked);
	/*
	 * A task stopped by its tracer runs no task work until the tracer
	 * lets it go, which may be never, and nor does a vfork() parent
	 * or a task in a wait no signal ends: the checkpoint gives up on
	 * one seen unparked for a second, rather than wait for it.  A stop
	 * of a moment (a tracer's syscall stop) is waited out.
	 */
	for (stuck = NULL, looks = 0;;) {
		long left = wait_for_completion_interruptible_timeout(&p->parked,
				msecs_to_jiffies(CKPT_PARK_LOOK_MS));

		if (left > 0)
			break;
		if (left < 0 || signal_pending(current))
			return -ERESTARTSYS;
		t = ckpt_park_stuck(p);
		looks = t && t == stuck ? looks + 1 : 0;
		stuck = t;
		if (looks * CKPT_PARK_LOOK_MS < CKPT_PARK_STUCK_MS)
			continue;
		if (task_is_traced(t) || task_is_stopped(t))
			return ckpt_refuse(ctx, -EBUSY, -1,
					   "thread %d is stopped, by its tracer: a process checkpoints itself when its other threads can be parked",
					   task_pid_vnr(t));
		return ckpt_refuse(ctx, -EBUSY, -1,
				   "task %d does not stop for the checkpoint: a vfork() parent, or in a wait no signal ends",
				   task_pid_vnr(t));
	}

	for (i = 0; i < p->nr; i++)
		if (ckpt_parked(p->tasks[i]))
			return -ESRCH;
	return 0;
}

/*
 * Parks the threads of ctx->p.threads and the leading one, but the caller,
 * and waits until each is parked and off its CPU.
 */
int ckpt_park(struct ckpt_ctx *ctx)
{
	unsigned int i;
	int ret;

	ret = ckpt_park_add(ctx, ctx->p.task);
	for (i = 0; !ret && i < ctx->p.nr_threads; i++)
		ret = ckpt_park_add(ctx, ctx->p.threads[i].task);
	return ret ?: ckpt_park_wait(ctx);
}

static void ckpt_rst_threads_put(struct ckpt_rst_threads *rt)
{
	unsigned int i;

	if (!refcount_dec_and_test(&rt->users))
		return;
	for (i = 0; i < rt->nr; i++) {
		kvfree(rt->t[i].info);
		kfree(rt->t[i].sched);
		ckpt_arch_restore_cpu_free(rt->t[i].cpu);
	}
	kvfree(rt->t);
	kvfree(rt->tids);
	kfree(rt);
}

static int restore_thread(struct ckpt_ctx *ctx, struct ckpt_rst_thread *t)
{
	struct ckpt_hdr_thread *h = &t->h;
	void *cpu;
	int ret;

	ret = ckpt_read_obj(ctx, &h->h, CKPT_HDR_THREAD, sizeof(*h),
			    sizeof(*h));
	if (ret)
		return ret;
	if (h->tid <= 0 || h->nice < MIN_NICE || h->nice > MAX_NICE ||
	    !ckpt_thread_state_valid(&h->t, ctx->rst_version) ||
	    !ckpt_thread_signals_valid(h, &t->rt->nr_siginfo))
		return -EBADMSG;
	/* what setpriority(2) would refuse the caller */
	if (h->nice < task_nice(current) && !can_nice(current, h->nice))
		return -EPERM;

	ret = restore_sched(ctx, h->nice, false, &t->sched);
	if (!ret)
		ret = restore_siginfos(ctx, &t->info, &t->cap, h->nr_siginfo,
				       false);
	if (ret)
		return ret;

	cpu = ckpt_arch_restore_cpu(ctx);
	if (IS_ERR(cpu))
		return PTR_ERR(cpu);
	t->cpu = cpu;
	return ckpt_thread_resume_valid(&h->t, cpu) ? 0 : -EBADMSG;
}

/*
 * Whether @nr tasks more would be over the caller's RLIMIT_NPROC, in its
 * user namespace or one above it, as is_rlimit_overlimit() finds for
 * clone().
 */
bool ckpt_nproc_over(unsigned int nr)
{
	struct ucounts *iter;
	long max = min_t(unsigned long, rlimit(RLIMIT_NPROC), LONG_MAX);

	for (iter = task_ucounts(current); iter; iter = iter->ns->ucounts) {
		long val = get_rlimit_value(iter, UCOUNT_RLIMIT_NPROC);

		if (val < 0 || val > max - (long)nr)
			return true;
		max = get_userns_rlimit_max(iter->ns, UCOUNT_RLIMIT_NPROC);
	}
	return false;
}

/*
 * The ids of the threads, which glibc keeps (pthread_kill(), robust and
 * PI mutexes): they come back with them or not at all.  The caller must
 * have the process's pid already (the restart tool makes it with clone3's
 * set_tid), and the others must be free in its pid namespace and the
 * caller may ask for them, as clone3's set_tid rules have it.  Which ids
 * are taken is said.  A verify does not check the ids: they are the
 * restarter's, not the image's.
 */
static int restore_threads_ids(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_threads *rt = ctx->p.rst_threads;
	pid_t pid = ctx->p.rst_task->pid, *tids;
	struct pid_namespace *ns = task_active_pid_ns(current);
	unsigned int i, taken = 0;
	char list[64] = "";

	if (!rt->nr)
		return 0;
	if (pid != ctx->p.rst_task->tgid)
		return -EBADMSG;
	tids = kvmalloc_array(rt->nr, sizeof(*tids), GFP_KERNEL_ACCOUNT);
	if (!tids)
		return -ENOMEM;
	for (i = 0; i < rt->nr; i++)
		tids[i] = rt->t[i].h.tid;
	rt->tids = tids;
	/* sorted by ckpt_ints_distinct(), for the lookups below */
	if (!ckpt_ints_distinct(tids, rt->nr) ||
	    bsearch(&pid, tids, rt->nr, sizeof(*tids), ckpt_cmp_int))
		return -EBADMSG;
	if (ctx->flags & RESTART_VERIFY)
		return 0;

	/* another process of a tree gets its pid as it is made */
	if (!ctx->cur && task_pid_vnr(current) != pid)
		return ckpt_refuse(ctx, -EBUSY, -1,
				   "the process had pid %d and %u more threads, whose ids it keeps: it comes back only as pid %d, not %d",
				   pid, rt->nr, pid, task_pid_vnr(current));
	if (!checkpoint_restore_ns_capable(ns->user_ns))
		return ckpt_refuse(ctx, -EPERM, -1,
				   "thread ids need CAP_CHECKPOINT_RESTORE over the pid namespace, or a new user and pid namespace");
	/* clone() makes no thread once the caller unshared its pid namespace */
	if (current->nsproxy->pid_ns_for_children != ns)
		return ckpt_refuse(ctx, -EINVAL, -1,
				   "the restarter unshared its pid namespace: it can make no threads");
	/* as clone() counts them, under the caller's limit */
	if (ckpt_nproc_over(rt->nr) &&
	    !uid_eq(current_uid(), GLOBAL_ROOT_UID) &&
	    !capable(CAP_SYS_RESOURCE) && !capable(CAP_SYS_ADMIN))
		return ckpt_refuse(ctx, -EAGAIN, -1,
				   "%u threads more exceed the restarter's RLIMIT_NPROC",
				   rt->nr);
	for (i = 0; i < rt->nr; i++) {
		bool busy;

		if (tids[i] >= READ_ONCE(pid_max))
			return ckpt_refuse(ctx, -EINVAL, -1,
					   "thread id %d: above pid_max",
					   tids[i]);
		rcu_read_lock();
		busy = find_pid_ns(tids[i], ns);
		rcu_read_unlock();
		if (!busy)
			continue;
		if (taken++ < 4)
			snprintf(list + strlen(list), sizeof(list) - strlen(list),
				 "%s%d", taken > 1 ? ", " : "", tids[i]);
	}
	if (taken)
		return ckpt_refuse(ctx, -EEXIST, -1,
				   "thread ids taken: %s%s (%u in all)", list,
				   taken > 4 ? ", ..." : "", taken);
	return 0;
}

/* Whether @tid is the id of a thread of the image, once they are read. */
bool restore_thread_is(struct ckpt_ctx *ctx, pid_t tid)
{
	struct ckpt_rst_threads *rt = ctx->p.rst_threads;

	return tid == ctx->p.rst_task->pid ||
	       (rt->tids && bsearch(&tid, rt->tids, rt->nr, sizeof(tid),
				    ckpt_cmp_int));
}

/* The ids of the current process's other threads, sorted, and how many. */
unsigned int restore_threads_tids(struct ckpt_ctx *ctx, const pid_t **tids)
{
	struct ckpt_rst_threads *rt = ctx->p.rst_threads;

	*tids = rt ? rt->tids : NULL;
	return rt && rt->tids ? rt->nr : 0;
}

/* The pending signals of the image, its threads' with the process's. */
unsigned long restore_threads_signals_nr(struct ckpt_ctx *ctx)
{
	return ctx->p.rst_threads->nr_siginfo;
}

/*
 * Reads and checks the threads section (version 4; an older image has a
 * single thread), and whether the threads can have their ids.
 */
int restore_threads(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_threads *rt;
	struct ckpt_hdr_threads h;
	unsigned int i;
	int ret;

	rt = kzalloc(sizeof(*rt), GFP_KERNEL_ACCOUNT);
	if (!rt)
		return -ENOMEM;
	refcount_set(&rt->users, 1);
	init_completion(&rt->restored);
	init_completion(&rt->go);
	ctx->p.rst_threads = rt;

	if (!ckpt_thread_resume_valid(&ctx->p.rst_task->t, ctx->p.rst_arch))
		return -EBADMSG;
	rt->nr_siginfo = restore_signals_nr(ctx);
	if (ctx->rst_version < 4)
		return 0;
	ret = ckpt_read_obj(ctx, &h.h, CKPT_HDR_THREADS, sizeof(h), sizeof(h));
	if (ret)
		return ret;
	if (h.nr > CKPT_THREADS_MAX || h.pad)
		return -EBADMSG;

	for (i = 0; i < h.nr; i++) {
		ret = ckpt_array_grow((void **)&rt->t, &rt->cap, i,
				      sizeof(*rt->t));
		if (ret)
			return ret;
		rt->nr = i + 1;
		rt->t[i].rt = rt;
		ret = restore_thread(ctx, &rt->t[i]);
		if (ret)
			return ret;
	}
	return restore_threads_ids(ctx);
}

/*
 * A thread made by kernel_clone() with a function to run leaves for user
 * space with its ax cleared, after the function: the restored ax is set
 * by task work, which runs on the way out, before any signal is taken.
 */
struct ckpt_thread_ax {
	struct callback_head work;
	long ax;
};

static void restore_thread_ax(struct callback_head *work)
{
	struct ckpt_thread_ax *a = container_of(work, struct ckpt_thread_ax,
						work);

	if (!(current->flags & PF_EXITING))
		current_pt_regs()->ax = a->ax;
	kfree(a);
}

/*
 * Sets @ax, the return register of a task restart made, as it leaves for
 * user space (task work, before any signal is taken).
 */
int restore_ax_later(long ax)
{
	struct ckpt_thread_ax *a;
	int ret;

	a = kmalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	a->ax = ax;
	init_task_work(&a->work, restore_thread_ax);
	ret = task_work_add(current, &a->work, TWA_SIGNAL);
	if (ret)
		kfree(a);
	return ret;
}

static int restore_thread_apply(struct ckpt_rst_thread *t)
{
	struct ckpt_hdr_thread *h = &t->h;
	struct task_struct *tsk = current;
	long ax;
	int ret;

	ret = ckpt_arch_restore_cpu_apply(t->cpu, &ax);
	if (!ret)
		ret = restore_thread_state(&h->t);
	if (!ret) {
		set_user_nice(tsk, h->nice);
		tsk->timer_slack_ns = h->timer_slack_ns ?:
				      tsk->default_timer_slack_ns;
		ret = restore_sched_apply(t->sched);
	}
	if (!ret)
		ret = restore_thread_signals(h, t->info);
	return ret ?: restore_ax_later(ax);
}

/*
 * A restored thread's first steps, in the kernel, in its own context:
 * it loads its state, says so, and waits for every other thread before
 * it leaves for user space.  A failure, or a fatal signal meanwhile,
 * kills the whole process, this thread on its way out.
 */
static int restore_thread_fn(void *arg)
{
	struct ckpt_rst_thread *t = arg;
	struct ckpt_rst_threads *rt = t->rt;
	int ret;

	ret = restore_thread_apply(t);
	if (ret) {
		cmpxchg(&rt->err, 0, ret);
		force_fatal_sig(SIGKILL);
	}
	if (atomic_dec_and_test(&rt->left))
		complete(&rt->restored);
	wait_for_completion_killable(&rt->go);
	ckpt_rst_threads_put(rt);
	return 0;
}

/*
 * Past the point of no return, once the address space, the files and
 * the caller's own state are restored, while every signal is blocked:
 * makes the other threads, each with its id, and waits until they are
 * restored.  They wait for restore_threads_go().  An error is the
 * caller's to kill the process for.
 */
int restore_threads_apply(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_threads *rt = ctx->p.rst_threads;
	unsigned int i, tries = 0;
	pid_t pid;

	if (!rt->nr)
		return 0;
	atomic_set(&rt->left, rt->nr);
	for (i = 0; i < rt->nr; i++) {
		pid_t tid = rt->t[i].h.tid;
		struct kernel_clone_args args = {
			.flags = CLONE_VM | CLONE_FS | CLONE_FILES |
				 CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
				 CLONE_UNTRACED,
			.fn = restore_thread_fn,
			.fn_arg = &rt->t[i],
			.set_tid = &tid,
			.set_tid_size = 1,
		};

		refcount_inc(&rt->users);
		pid = kernel_clone(&args);
		if (pid < 0)
			ckpt_rst_threads_put(rt);
		/*
		 * A stop or task work for the caller cuts clone() short:
		 * they wait for the restored process, as during the reads,
		 * and the same thread is made again.  A trap (a debugger's
		 * PTRACE_INTERRUPT, the cgroup freezer) keeps cutting it
		 * short until it is taken, which only user space does: that
		 * is given up after a while, and the restore with it.
		 */
		if (pid == -ERESTARTNOINTR && tries++ < CKPT_CLONE_TRIES &&
		    restart_retry_read(ctx)) {
			i--;
			continue;
		}
		if (pid < 0)
			return pid;
		tries = 0;
	}
	if (wait_for_completion_killable(&rt->restored))
		return -EINTR;
	return READ_ONCE(rt->err);
}

/* Once the whole process is restored: its threads may leave for user space. */
void restore_threads_go(struct ckpt_ctx *ctx)
{
	if (ctx->p.rst_threads)
		complete_all(&ctx->p.rst_threads->go);
}

void restore_threads_free(struct ckpt_ctx *ctx)
{
	if (ctx->p.rst_threads)
		ckpt_rst_threads_put(ctx->p.rst_threads);
}
