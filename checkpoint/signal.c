// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of signals and interval timers: dispositions, the
 * blocked mask, the alternate stack, pending signals with their siginfo,
 * and the setitimer(2) timers.
 *
 * Pending signals are written in the order they were queued and sent
 * again, to the restored process itself, in that order: what the process
 * would have seen next, it sees next.  The restarter's own pending
 * signals, handlers and timers do not survive, as the restarter's
 * address space does not.
 */
#include <linux/checkpoint.h>
#include <linux/cred.h>
#include <linux/pid_namespace.h>
#include <linux/posix-timers.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/time.h>
#include <linux/user_namespace.h>

/* What restart keeps between reading the signals and applying them. */
struct ckpt_rst_signals {
	struct ckpt_hdr_signals h;
	struct ckpt_hdr_itimers timers;
	unsigned int nr, cap;
	struct ckpt_hdr_siginfo *info;	/* grown as the records come */
	struct ckpt_hdr_posix_timers ptimers;
	unsigned int pt_cap;
	struct ckpt_hdr_posix_timer *pt;
};

/*
 * A target killed during the checkpoint may be reaped, and lose its
 * sighand, under the checkpointer: each look at it takes the sighand
 * through lock_task_sighand(), and finding none is -ESRCH.
 */
static int checkpoint_sigactions(struct task_struct *task,
				 struct ckpt_hdr_signals *h)
{
	unsigned long irqflags;
	struct k_sigaction *k;
	unsigned int i;

	BUILD_BUG_ON(ARRAY_SIZE(h->action) != _NSIG || _NSIG_WORDS != 1);

	if (!lock_task_sighand(task, &irqflags))
		return -ESRCH;
	k = task->sighand->action;
	for (i = 0; i < _NSIG; i++) {
		h->action[i].handler = (unsigned long)k[i].sa.sa_handler;
		h->action[i].flags = k[i].sa.sa_flags & UAPI_SA_FLAGS;
#ifdef __ARCH_HAS_SA_RESTORER
		h->action[i].restorer = (unsigned long)k[i].sa.sa_restorer;
#endif
		h->action[i].mask = k[i].sa.sa_mask.sig[0];
	}
	h->blocked = task->blocked.sig[0];
	h->altstack_sp = task->sas_ss_sp;
	h->altstack_size = task->sas_ss_size;
	h->altstack_flags = task->sas_ss_flags;
	unlock_task_sighand(task, &irqflags);
	return 0;
}

/*
 * Copies the pending signals of @task into @info, which has room for
 * @max: the queued ones with their siginfo, the task's own first, then
 * with @shared the process's; then those pending without a queue entry
 * (the kernel keeps none when it cannot allocate one), as sent by the
 * kernel.  Returns their count, which is more than @max when they did
 * not fit, or -ESRCH.
 */
static int ckpt_pending(struct task_struct *task, bool shared,
			struct ckpt_hdr_siginfo *info, unsigned int max)
{
	struct sigpending *lists[] = { &task->pending,
				       &task->signal->shared_pending };
	unsigned int i, n = 0, nr_lists = shared ? 2 : 1;
	unsigned long irqflags;
	struct sigqueue *q;
	sigset_t queued;
	int sig;

	sigemptyset(&queued);
	if (!lock_task_sighand(task, &irqflags))
		return -ESRCH;
	/* killed or exiting meanwhile: its SIGKILL is no state to restore */
	if (ckpt_task_dying(task)) {
		unlock_task_sighand(task, &irqflags);
		return -ESRCH;
	}
	for (i = 0; i < nr_lists; i++) {
		list_for_each_entry(q, &lists[i]->list, list) {
			sigaddset(&queued, q->info.si_signo);
			/* a live POSIX timer's own: in its record */
			if (q->flags & SIGQUEUE_PREALLOC)
				continue;
			if (n < max) {
				kernel_siginfo_t ki = q->info;

				/* the kernel's own, never shown to the process */
				if (ki.si_code == SI_TIMER)
					ki.si_sys_private = 0;
				memset(&info[n], 0, sizeof(info[n]));
				copy_siginfo_to_external((void *)info[n].info,
							 &ki);
				info[n].flags = i ? CKPT_SIGINFO_SHARED : 0;
			}
			n++;
		}
	}
	for (i = 0; i < nr_lists; i++) {
		for (sig = 1; sig <= _NSIG; sig++) {
			kernel_siginfo_t ki;

			if (!sigismember(&lists[i]->signal, sig) ||
			    sigismember(&queued, sig))
				continue;
			if (n < max) {
				clear_siginfo(&ki);
				ki.si_signo = sig;
				ki.si_code = SI_KERNEL;
				memset(&info[n], 0, sizeof(info[n]));
				copy_siginfo_to_external((void *)info[n].info,
							 &ki);
				info[n].flags = i ? CKPT_SIGINFO_SHARED : 0;
			}
			n++;
		}
	}
	unlock_task_sighand(task, &irqflags);
	return n;
}

/* The pending signals, into an array the caller kvfree()s. */
static struct ckpt_hdr_siginfo *ckpt_pending_get(struct task_struct *task,
						 bool shared, unsigned int *nr)
{
	struct ckpt_hdr_siginfo *info = NULL;
	unsigned int max = 0;
	int n;

	/* a signal may come between counting and copying: count again */
	for (;;) {
		n = ckpt_pending(task, shared, info, max);
		if (n < 0) {
			kvfree(info);
			return ERR_PTR(n);
		}
		if ((unsigned int)n <= max)
			break;
		kvfree(info);
		max = n + 8;
		info = kvmalloc_array(max, sizeof(*info), GFP_KERNEL);
		if (!info)
			return ERR_PTR(-ENOMEM);
	}
	*nr = n;
	return info;
}

static int checkpoint_itimers(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_itimers h = {};
	struct ckpt_itimer *t[] = { &h.real, &h.virt, &h.prof };
	struct itimerspec64 v;
	int i;

	BUILD_BUG_ON(ITIMER_REAL != 0 || ITIMER_VIRTUAL != 1 ||
		     ITIMER_PROF != 2);

	if (IS_ENABLED(CONFIG_POSIX_TIMERS)) {
		for (i = 0; i < ARRAY_SIZE(t); i++) {
			if (itimer_get(ctx->p.task, i, &v))
				return -ESRCH;
			t[i]->value = timespec64_to_ns(&v.it_value);
			t[i]->interval = timespec64_to_ns(&v.it_interval);
		}
	}
	return ckpt_write_obj(ctx, &h.h, CKPT_HDR_ITIMERS, sizeof(h));
}

/*
 * The record of a POSIX timer: a SIGEV_THREAD_ID timer names its thread
 * by id, which the thread keeps; one whose thread exited signals no one,
 * and is refused rather than restored signalling another.
 */
static int ckpt_posix_timer_rec(struct ckpt_ctx *ctx,
				const struct posix_timer_image *img,
				struct ckpt_hdr_posix_timer *t)
{
	struct task_struct *tsk;

	memset(t, 0, sizeof(*t));
	if (img->notify & SIGEV_THREAD_ID) {
		rcu_read_lock();
		tsk = pid_task(img->pid, PIDTYPE_PID);
		if (tsk && same_thread_group(tsk, ctx->p.task) &&
		    task_active_pid_ns(ctx->p.task))
			t->tid = pid_nr_ns(img->pid,
					   task_active_pid_ns(ctx->p.task));
		rcu_read_unlock();
		if (t->tid <= 0)
			return ckpt_refuse(ctx, -EOPNOTSUPP, -1,
					   "POSIX timer %d signals a thread that has exited",
					   img->id);
	}
	t->id = img->id;
	t->clockid = img->clock;
	t->notify = img->notify;
	t->signo = img->signo;
	t->sigval = (unsigned long)img->value.sival_ptr;
	t->value = timespec64_to_ns(&img->spec.it_value);
	t->interval = timespec64_to_ns(&img->spec.it_interval);
	t->overrun = clamp_t(s64, img->overrun, -1, INT_MAX);
	t->overrun_last = clamp_t(s64, img->overrun_last, -1, INT_MAX);
	t->queued_overrun = max(img->queued_overrun, 0);
	t->flags = (img->abstime ? CKPT_TIMER_ABSTIME : 0) |
		   (img->queued ? CKPT_TIMER_QUEUED : 0) |
		   (img->rearm ? CKPT_TIMER_REARM : 0);
	return 0;
}

/*
 * The POSIX timers, in ascending order of id, each read under its lock
 * as timer_gettime(2) reads it.  The target is stopped and cannot make
 * or delete one; a timer firing meanwhile only moves its overrun.  The
 * ids are taken in one walk of the list and sorted, then each timer is
 * found by its id: the cost grows as N log N, not N squared.
 */
static int checkpoint_posix_timers(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_posix_timers h = {};
	struct ckpt_hdr_posix_timer *t = NULL;
	struct posix_timer_image img;
	timer_t *ids = NULL;
	unsigned int i;
	int nr, ret = 0;

	if (!IS_ENABLED(CONFIG_POSIX_TIMERS))
		goto write;
	nr = posix_timers_ids(ctx->p.task, NULL, 0);
	if (nr <= 0) {
		ret = nr;
		goto write;
	}
	if (nr > CKPT_TIMERS_MAX)
		return ckpt_refuse(ctx, -EOPNOTSUPP, -1,
				   "%d POSIX timers: more than %u", nr,
				   CKPT_TIMERS_MAX);
	ids = kvmalloc_array(nr, sizeof(*ids), GFP_KERNEL);
	t = kvcalloc(nr, sizeof(*t), GFP_KERNEL);
	ret = -ENOMEM;
	if (!ids || !t)
		goto out;
	/* stopped, it made none meanwhile */
	ret = posix_timers_ids(ctx->p.task, ids, nr);
	if (ret >= 0 && ret != nr)
		ret = -EAGAIN;
	if (ret < 0)
		goto out;
	BUILD_BUG_ON(sizeof(*ids) != sizeof(int));
	sort(ids, nr, sizeof(*ids), ckpt_cmp_int, NULL);
	for (i = 0; i < nr; i++) {
		if (!(i & 255)) {
			cond_resched();
			ret = -EINTR;
			if (fatal_signal_pending(current))
				goto out;
		}
		ret = posix_timer_checkpoint(ctx->p.task, ids[i], &img);
		/* only the process's exit deletes one now */
		if (ret == -ENOENT)
			ret = -ESRCH;
		/* the CPU clocks are negative, as are the fd-based ones (3) */
		if (ret == -EOPNOTSUPP && img.clock < 0 && (img.clock & 7) != 3)
			ret = ckpt_refuse(ctx, ret, -1,
					  "POSIX timer %d on a CPU-time clock: not supported",
					  img.id);
		else if (ret == -EOPNOTSUPP)
			ret = ckpt_refuse(ctx, ret, -1,
					  "POSIX timer %d on clock %d: not supported",
					  img.id, img.clock);
		if (!ret)
			ret = ckpt_posix_timer_rec(ctx, &img, &t[i]);
		put_pid(img.pid);
		if (ret)
			goto out;
	}
	h.nr = nr;
write:
	if (ret)
		goto out;
	if (IS_ENABLED(CONFIG_POSIX_TIMERS))
		h.next_id = READ_ONCE(ctx->p.task->signal->next_posix_timer_id);
	ret = ckpt_write_obj(ctx, &h.h, CKPT_HDR_POSIX_TIMERS, sizeof(h));
	for (i = 0; !ret && i < h.nr; i++)
		ret = ckpt_write_obj(ctx, &t[i].h, CKPT_HDR_POSIX_TIMER,
				     sizeof(t[i]));
out:
	kvfree(ids);
	kvfree(t);
	return ret;
}

int checkpoint_signals(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_siginfo *info;
	struct ckpt_hdr_signals *h;
	unsigned int i, nr;
	int ret;

	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	info = ckpt_pending_get(ctx->p.task, true, &nr);
	ret = PTR_ERR(info);
	if (IS_ERR(info))
		goto out;

	ret = checkpoint_sigactions(ctx->p.task, h);
	h->nr_siginfo = nr;
	if (!ret)
		ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_SIGNALS, sizeof(*h));
	for (i = 0; !ret && i < nr; i++)
		ret = ckpt_write_obj(ctx, &info[i].h, CKPT_HDR_SIGINFO,
				     sizeof(info[i]));
	kvfree(info);
	if (!ret)
		ret = checkpoint_itimers(ctx);
	if (!ret)
		ret = checkpoint_posix_timers(ctx);
out:
	kfree(h);
	return ret;
}

/*
 * The signal state of thread @t besides the leading one: its mask, its
 * alternate stack and the signals pending for it alone, which @h counts
 * and the returned array, kvfree()d by the caller, holds.
 */
struct ckpt_hdr_siginfo *checkpoint_thread_signals(struct task_struct *t,
						   struct ckpt_hdr_thread *h)
{
	struct ckpt_hdr_siginfo *info;
	unsigned long irqflags;

	info = ckpt_pending_get(t, false, &h->nr_siginfo);
	if (IS_ERR(info))
		return info;
	if (!lock_task_sighand(t, &irqflags)) {
		kvfree(info);
		return ERR_PTR(-ESRCH);
	}
	h->blocked = t->blocked.sig[0];
	h->altstack_sp = t->sas_ss_sp;
	h->altstack_size = t->sas_ss_size;
	h->altstack_flags = t->sas_ss_flags;
	unlock_task_sighand(t, &irqflags);
	return info;
}

static bool ckpt_sigaction_valid(int sig, const struct ckpt_sigaction *a)
{
	if (a->flags & ~(u64)UAPI_SA_FLAGS)
		return false;
	if (sig_kernel_only(sig))
		return !a->handler && !a->flags && !a->restorer && !a->mask;
#ifndef __ARCH_HAS_SA_RESTORER
	if (a->restorer)
		return false;
#endif
	return a->handler < TASK_SIZE && a->restorer < TASK_SIZE;
}

/*
 * As sigaltstack(2) would take it.  The size check reads the FPU state
 * permissions, which siglock serializes.
 */
static bool ckpt_altstack_valid(u64 sp, u64 size, u32 flags)
{
	bool ok;

	if (flags == SS_DISABLE)
		return !sp && !size;
	if (flags & ~SS_AUTODISARM)
		return false;
	if (size < MINSIGSTKSZ || sp >= TASK_SIZE || size > TASK_SIZE - sp)
		return false;
	spin_lock_irq(&current->sighand->siglock);
	ok = sigaltstack_size_valid(size);
	spin_unlock_irq(&current->sighand->siglock);
	return ok;
}

/* At most what the caller may queue, and one of each without a queue entry. */
static unsigned long ckpt_pending_max(void)
{
	return min(task_rlimit(current, RLIMIT_SIGPENDING), 1UL << 16) +
	       2 * _NSIG;
}

/* The siginfo of a pending signal: one the process could queue itself. */
static bool ckpt_siginfo_valid(const struct ckpt_hdr_siginfo *s, bool shared)
{
	const kernel_siginfo_t *ki = (const void *)s->info;

	BUILD_BUG_ON(sizeof(s->info) != sizeof(siginfo_t));

	if (s->flags & ~(shared ? CKPT_SIGINFO_SHARED : 0) || s->pad)
		return false;
	if (memchr_inv(s->info + sizeof(*ki), 0,
		       sizeof(s->info) - sizeof(*ki)))
		return false;
	return ki->si_signo > 0 && ki->si_signo <= _NSIG &&
	       ki->si_signo != SIGKILL;
}

static int ckpt_itimers_check(const struct ckpt_hdr_itimers *h)
{
	const struct ckpt_itimer *t[] = { &h->real, &h->virt, &h->prof };
	int i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		if (t[i]->value > KTIME_MAX || t[i]->interval > KTIME_MAX)
			return -EBADMSG;
		/* without POSIX timers, no process has an interval timer */
		if (!IS_ENABLED(CONFIG_POSIX_TIMERS) &&
		    (t[i]->value || t[i]->interval))
			return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * A POSIX timer's record, as timer_create(2) and timer_settime(2) would
 * take it from the caller: a clock whose timers are hrtimers, a sigevent
 * timer_create(2) accepts (the thread of SIGEV_THREAD_ID is checked once
 * the threads are read), times and overruns a timer can have.
 */
static bool ckpt_posix_timer_valid(const struct ckpt_hdr_posix_timer *t,
				   s32 prev_id)
{
	bool sig_none = t->notify == SIGEV_NONE;

	if (t->id <= prev_id || t->pad || t->flags & ~CKPT_TIMER_FLAGS)
		return false;
	switch (t->clockid) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
	case CLOCK_TAI:
		break;
	default:
		return false;
	}
	switch (t->notify) {
	case SIGEV_NONE:
		break;
	case SIGEV_SIGNAL:
	case SIGEV_THREAD:
	case SIGEV_SIGNAL | SIGEV_THREAD_ID:
		if (t->signo <= 0 || t->signo > SIGRTMAX)
			return false;
		break;
	default:
		return false;
	}
	if (!(t->notify & SIGEV_THREAD_ID) != !t->tid || t->tid < 0)
		return false;
	if (t->value < 0 || t->value > KTIME_MAX ||
	    t->interval < 0 || t->interval > KTIME_MAX)
		return false;
	if (t->overrun < -1 || t->overrun > INT_MAX ||
	    t->overrun_last < -1 || t->overrun_last > INT_MAX ||
	    t->queued_overrun < 0)
		return false;
	if ((t->flags & CKPT_TIMER_ABSTIME) && t->clockid != CLOCK_REALTIME &&
	    t->clockid != CLOCK_TAI)
		return false;
	if ((t->flags & CKPT_TIMER_QUEUED) && sig_none)
		return false;
	/* a signal that rearms its timer is that of a repeating one */
	if ((t->flags & CKPT_TIMER_REARM) &&
	    (!(t->flags & CKPT_TIMER_QUEUED) || !t->value || !t->interval))
		return false;
	return true;
}

/*
 * Reads and checks the POSIX timers (version 5).  Each holds a signal
 * queue entry charged to RLIMIT_SIGPENDING, as timer_create(2) charges
 * it: no more than the caller may have.
 */
static int restore_posix_timers(struct ckpt_ctx *ctx,
				struct ckpt_rst_signals *rs)
{
	struct ckpt_hdr_posix_timers *h = &rs->ptimers;
	unsigned int i;
	int ret;

	if (ctx->rst_version < 5)
		return 0;
	ret = ckpt_read_obj(ctx, &h->h, CKPT_HDR_POSIX_TIMERS, sizeof(*h),
			    sizeof(*h));
	if (ret)
		return ret;
	if (h->nr > min_t(unsigned long, task_rlimit(current, RLIMIT_SIGPENDING),
			  CKPT_TIMERS_MAX) || h->next_id < 0)
		return -EBADMSG;
	if (h->nr && !IS_ENABLED(CONFIG_POSIX_TIMERS))
		return -EOPNOTSUPP;
	for (i = 0; i < h->nr; i++) {
		ret = ckpt_array_grow((void **)&rs->pt, &rs->pt_cap, i,
				      sizeof(*rs->pt));
		if (ret)
			return ret;
		ret = ckpt_read_obj(ctx, &rs->pt[i].h, CKPT_HDR_POSIX_TIMER,
				    sizeof(*rs->pt), sizeof(*rs->pt));
		if (ret)
			return ret;
		if (!ckpt_posix_timer_valid(&rs->pt[i],
					    i ? rs->pt[i - 1].id : -1))
			return -EBADMSG;
	}
	return 0;
}

/*
 * Whether @need more signal queue entries fit under the limit @lim of the
 * caller's user, in its user namespace and in each one above, as
 * inc_rlimit_get_ucounts() counts them when they are allocated.  Those
 * the caller holds now count: the point of no return frees its own
 * pending signals and timers, but those of the user's other processes
 * stay.
 */
static bool ckpt_sigpending_fit(unsigned long lim, unsigned long need)
{
	long max = min_t(unsigned long, lim, LONG_MAX);
	struct ucounts *iter;

	for (iter = current_ucounts(); iter; iter = iter->ns->ucounts) {
		long val = get_rlimit_value(iter, UCOUNT_RLIMIT_SIGPENDING);

		if (val < 0 || need > max || val > max - need)
			return false;
		max = get_userns_rlimit_max(iter->ns, UCOUNT_RLIMIT_SIGPENDING);
	}
	return true;
}

/*
 * Once the threads are read: whether the thread each SIGEV_THREAD_ID
 * timer signals is in the image, and whether the timers and the pending
 * signals of all threads fit under RLIMIT_SIGPENDING, the caller's and
 * the image's, which is the restored process's when they are made: a
 * queue entry that could not be had past the point of no return would
 * kill the process.  Other processes of the user may still take entries
 * meanwhile; then the restored process dies, as on any allocation
 * failure past that point.
 */
int restore_posix_timers_check(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_signals *rs = ctx->p.rst_sig;
	unsigned long lim, need;
	unsigned int i;

	for (i = 0; i < rs->ptimers.nr; i++)
		if (rs->pt[i].tid && !restore_thread_is(ctx, rs->pt[i].tid))
			return -EBADMSG;
	if (ctx->flags & RESTART_VERIFY)
		return 0;
	need = rs->ptimers.nr + restore_threads_signals_nr(ctx);
	lim = min_t(u64, task_rlimit(current, RLIMIT_SIGPENDING),
		    ctx->p.rst_attr->rlim[RLIMIT_SIGPENDING].cur);
	if (need && !ckpt_sigpending_fit(lim, need))
		return ckpt_refuse(ctx, -EAGAIN, -1,
				   "%u POSIX timers and %lu pending signals: more signal queue entries than RLIMIT_SIGPENDING leaves the restarter's user",
				   rs->ptimers.nr, need - rs->ptimers.nr);
	return 0;
}

/*
 * A tree's processes each queue their timers and pending signals for the
 * caller's user: together within its RLIMIT_SIGPENDING, as one process's
 * are (restore_posix_timers_check()).
 */
int restore_tree_sigpending_check(struct ckpt_ctx *ctx)
{
	unsigned long need = 0, lim = task_rlimit(current, RLIMIT_SIGPENDING);
	unsigned int i;

	/*
	 * each queues them under its own image's limit, in an order of the
	 * tree's: all of them under the least of those, and the caller's
	 */
	for (i = 0; i < ctx->nr_procs; i++) {
		if (ckpt_proc_is_zombie(ctx, i))
			continue;
		ckpt_proc_switch(ctx, i);
		need += ctx->p.rst_sig->ptimers.nr +
			restore_threads_signals_nr(ctx);
		lim = min_t(u64, lim,
			    ctx->p.rst_attr->rlim[RLIMIT_SIGPENDING].cur);
	}
	ckpt_proc_switch(ctx, 0);
	if (need && !ckpt_sigpending_fit(lim, need))
		return ckpt_refuse(ctx, -EAGAIN, -1,
				   "the tree's %lu POSIX timers and pending signals: more signal queue entries than RLIMIT_SIGPENDING leaves the restarter's user",
				   need);
	return 0;
}

/*
 * Reads and checks @nr pending signals into *@info, which has room for
 * *@cap and grows as they come: with @shared, one may be pending for the
 * process rather than for its thread alone.
 */
int restore_siginfos(struct ckpt_ctx *ctx, struct ckpt_hdr_siginfo **info,
		     unsigned int *cap, unsigned int nr, bool shared)
{
	struct ckpt_hdr_siginfo *s;
	unsigned int i;
	int ret;

	for (i = 0; i < nr; i++) {
		ret = ckpt_array_grow((void **)info, cap, i, sizeof(**info));
		if (ret)
			return ret;
		s = &(*info)[i];
		ret = ckpt_read_obj(ctx, &s->h, CKPT_HDR_SIGINFO, sizeof(*s),
				    sizeof(*s));
		if (ret)
			return ret;
		if (!ckpt_siginfo_valid(s, shared))
			return -EBADMSG;
	}
	return 0;
}

/*
 * Sends the @nr pending signals @info to current again, in their order:
 * each to the thread, or with CKPT_SIGINFO_SHARED to the process.
 */
static int ckpt_send_siginfos(const struct ckpt_hdr_siginfo *info,
			      unsigned int nr)
{
	kernel_siginfo_t ki;
	unsigned int i;
	int ret;

	for (i = 0; i < nr; i++) {
		memcpy(&ki, info[i].info, sizeof(ki));
		ret = do_send_sig_info(ki.si_signo, &ki, current,
				       info[i].flags & CKPT_SIGINFO_SHARED ?
				       PIDTYPE_TGID : PIDTYPE_PID);
		if (ret)
			return ret;
	}
	return 0;
}

/* The process's pending signals and its leading thread's, as read. */
unsigned long restore_signals_nr(struct ckpt_ctx *ctx)
{
	return ctx->p.rst_sig->nr;
}

/*
 * The signal state of a thread record, as restore_signals() checks it:
 * with the process's and those of the threads before it, counted in
 * *@total, no more pending signals than the caller could queue.
 */
bool ckpt_thread_signals_valid(const struct ckpt_hdr_thread *h,
			       unsigned long *total)
{
	*total += h->nr_siginfo;
	return *total <= ckpt_pending_max() &&
	       ckpt_altstack_valid(h->altstack_sp, h->altstack_size,
				   h->altstack_flags);
}

/*
 * Reads and checks the signal state.  The number of pending signals is
 * bounded by what the caller may queue: RLIMIT_SIGPENDING, and one per
 * signal that needs no queue entry.
 */
int restore_signals(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_signals *rs;
	struct ckpt_hdr_signals *h;
	unsigned int i;
	int ret;

	rs = kzalloc(sizeof(*rs), GFP_KERNEL_ACCOUNT);
	if (!rs)
		return -ENOMEM;
	ctx->p.rst_sig = rs;
	h = &rs->h;
	ret = ckpt_read_obj(ctx, &h->h, CKPT_HDR_SIGNALS, sizeof(*h),
			    sizeof(*h));
	if (ret)
		return ret;

	if (h->nr_siginfo > ckpt_pending_max() ||
	    !ckpt_altstack_valid(h->altstack_sp, h->altstack_size,
				 h->altstack_flags))
		return -EBADMSG;
	for (i = 0; i < _NSIG; i++)
		if (!ckpt_sigaction_valid(i + 1, &h->action[i]))
			return -EBADMSG;

	ret = restore_siginfos(ctx, &rs->info, &rs->cap, h->nr_siginfo, true);
	if (ret)
		return ret;
	rs->nr = h->nr_siginfo;

	ret = ckpt_read_obj(ctx, &rs->timers.h, CKPT_HDR_ITIMERS,
			    sizeof(rs->timers), sizeof(rs->timers));
	if (ret)
		return ret;
	ret = ckpt_itimers_check(&rs->timers);
	return ret ?: restore_posix_timers(ctx, rs);
}

/* The mask and the alternate stack of current, one thread. */
static void restore_mask(u64 mask, u64 sp, u64 size, u32 flags)
{
	struct task_struct *tsk = current;
	sigset_t blocked;

	blocked.sig[0] = mask;
	sigdelsetmask(&blocked, sigmask(SIGKILL) | sigmask(SIGSTOP));
	set_current_blocked(&blocked);

	/* under siglock, as sigaltstack(2) sets it */
	spin_lock_irq(&tsk->sighand->siglock);
	tsk->sas_ss_sp = sp;
	tsk->sas_ss_size = size;
	tsk->sas_ss_flags = flags;
	spin_unlock_irq(&tsk->sighand->siglock);
}

static void restore_sigactions(struct ckpt_hdr_signals *h)
{
	struct k_sigaction ka;
	int sig;

	for (sig = 1; sig <= _NSIG; sig++) {
		struct ckpt_sigaction *a = &h->action[sig - 1];

		if (sig_kernel_only(sig))
			continue;
		memset(&ka, 0, sizeof(ka));
		ka.sa.sa_handler = (__sighandler_t)(unsigned long)a->handler;
		ka.sa.sa_flags = a->flags;
#ifdef __ARCH_HAS_SA_RESTORER
		ka.sa.sa_restorer = (__sigrestore_t)(unsigned long)a->restorer;
#endif
		ka.sa.sa_mask.sig[0] = a->mask;
		sigdelsetmask(&ka.sa.sa_mask, sigmask(SIGKILL) | sigmask(SIGSTOP));
		do_sigaction(sig, &ka, NULL);
	}
}

/*
 * At the point of no return, before the caller's pending signals go: its
 * timers, which would signal the restored process, go first, as they go
 * at execve() (begin_new_exec()), and its setitimer(2) timers too.
 */
void restore_signals_ponr(void)
{
	struct itimerspec64 off = {};
	int i;

	if (!IS_ENABLED(CONFIG_POSIX_TIMERS))
		return;
	exit_itimers(current);
	flush_itimer_signals();
	for (i = ITIMER_REAL; i <= ITIMER_PROF; i++)
		do_setitimer(i, &off, NULL);
}

/*
 * The POSIX timers, made again under their ids once the threads they
 * may signal are.  A timer's pending signal is queued again after the
 * other pending signals.
 */
static int restore_posix_timers_apply(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_signals *rs = ctx->p.rst_sig;
	struct posix_timer_image img;
	unsigned int i;
	int ret;

	if (!IS_ENABLED(CONFIG_POSIX_TIMERS))
		return 0;
	for (i = 0; i < rs->ptimers.nr; i++) {
		const struct ckpt_hdr_posix_timer *t = &rs->pt[i];

		memset(&img, 0, sizeof(img));
		img.id = t->id;
		img.clock = t->clockid;
		img.notify = t->notify;
		img.signo = t->signo;
		img.value.sival_ptr = (void __user *)(unsigned long)t->sigval;
		/*
		 * The leading thread of a single-threaded process comes
		 * back under the caller's pid, its others under their own
		 */
		img.tid = t->tid == ctx->p.rst_task->pid ? task_pid_vnr(current) :
			  t->tid;
		img.abstime = t->flags & CKPT_TIMER_ABSTIME;
		img.queued = t->flags & CKPT_TIMER_QUEUED;
		img.rearm = t->flags & CKPT_TIMER_REARM;
		img.queued_overrun = t->queued_overrun;
		img.spec.it_value = ns_to_timespec64(t->value);
		img.spec.it_interval = ns_to_timespec64(t->interval);
		img.overrun = t->overrun;
		img.overrun_last = t->overrun_last;
		ret = posix_timer_restore(&img);
		if (ret)
			return ret;
	}
	if (rs->ptimers.nr || rs->ptimers.next_id)
		posix_timers_set_next_id(rs->ptimers.next_id);
	return 0;
}

static int restore_itimers(struct ckpt_hdr_itimers *h)
{
	struct ckpt_itimer *t[] = { &h->real, &h->virt, &h->prof };
	struct itimerspec64 v;
	int i, ret;

	if (!IS_ENABLED(CONFIG_POSIX_TIMERS))
		return 0;
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		v.it_value = ns_to_timespec64(t[i]->value);
		v.it_interval = ns_to_timespec64(t[i]->interval);
		/*
		 * A repeating real timer that expired is armed again only
		 * when its SIGALRM is taken: caught in between, with the
		 * signal pending, it reads as nothing left.  Set so, it
		 * would stop; it gets one period, as taking the signal
		 * would have given it at most.
		 */
		if (i == ITIMER_REAL && !t[i]->value && t[i]->interval)
			v.it_value = v.it_interval;
		ret = do_setitimer(i, &v, NULL);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Past the point of no return, before the threads are made: the
 * restarter's handlers give way to the image's, so that the signals the
 * threads are sent again meet the image's dispositions, not the
 * restarter's.
 */
int restore_sigactions_apply(struct ckpt_ctx *ctx)
{
	flush_signal_handlers(current, 0);
	restore_sigactions(&ctx->p.rst_sig->h);
	return 0;
}

/*
 * Past the point of no return, once the threads are made: the leading
 * thread's mask and alternate stack, the pending signals, and the
 * timers.  Its pending signals went at that point (restart_image()); a
 * fatal one stayed, so that the restored process dies as the restarter
 * would have.  Signals sent during the restore stay pending too, queued
 * before the image's.
 */
int restore_signals_apply(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_signals *rs = ctx->p.rst_sig;
	int ret;

	restore_mask(rs->h.blocked, rs->h.altstack_sp, rs->h.altstack_size,
		     rs->h.altstack_flags);
	ret = ckpt_send_siginfos(rs->info, rs->nr);
	if (!ret)
		ret = restore_itimers(&rs->timers);
	return ret ?: restore_posix_timers_apply(ctx);
}

/*
 * Past the point of no return, in thread @h's own context: its mask, its
 * alternate stack and the signals pending for it alone, sent again.
 */
int restore_thread_signals(const struct ckpt_hdr_thread *h,
			   const struct ckpt_hdr_siginfo *info)
{
	restore_mask(h->blocked, h->altstack_sp, h->altstack_size,
		     h->altstack_flags);
	/* none is the process's: restore_siginfos() saw to it */
	return ckpt_send_siginfos(info, h->nr_siginfo);
}

void restore_signals_free(struct ckpt_ctx *ctx)
{
	if (ctx->p.rst_sig) {
		kvfree(ctx->p.rst_sig->info);
		kvfree(ctx->p.rst_sig->pt);
	}
	kfree(ctx->p.rst_sig);
}
