// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of a thread's scheduling: its policy and real-time
 * priority, and the CPUs it asked to run on (sched_setaffinity(2)).  Its
 * nice value is in the attr and thread records.
 *
 * A thread never bound by sched_setaffinity(2), or bound to every CPU
 * there was, is written unbound and comes back on the restarter's CPUs,
 * as a program the restarter ran would; a bound one comes back bound to
 * its CPUs, of which the restarter must be allowed some (its cpuset and
 * the CPUs online): a thread that could run nowhere is refused.
 *
 * What a crafted image could make restart do: set, in the restored
 * thread's own context, what sched_setscheduler(2) and
 * sched_setaffinity(2) let the restarter set on itself, with their own
 * checks then: a real-time policy only with CAP_SYS_NICE or within
 * RLIMIT_RTPRIO (the caller's and the image's), which is also checked
 * before the point of no return.  SCHED_DEADLINE is refused at
 * checkpoint, with the settings restart cannot make again.  What a
 * checkpointer reads: what sched_getscheduler(2) and
 * sched_getaffinity(2) tell anyone.
 */
#include <linux/bitmap.h>
#include <linux/capability.h>
#include <linux/checkpoint.h>
#include <linux/cpumask.h>
#include <linux/cpuset.h>
#include <linux/sched.h>
#include <linux/sched/prio.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <uapi/linux/sched.h>
#include <uapi/linux/sched/types.h>

struct ckpt_rst_sched {
	u32 policy;			/* with SCHED_RESET_ON_FORK */
	u32 priority;
	bool all;			/* not bound to CPUs */
	unsigned long cpus[];		/* cpumask_size() bytes */
};

static bool ckpt_rt_policy(u32 policy)
{
	return policy == SCHED_FIFO || policy == SCHED_RR;
}

/* The sched record of thread @t, stopped. */
int checkpoint_sched(struct ckpt_ctx *ctx, struct task_struct *t)
{
	unsigned int bits = round_up(nr_cpu_ids, 64);
	struct ckpt_hdr_sched *h;
	unsigned long flags;
	int ret;

	/* SCHED_DEADLINE was refused with the other settings */
	if (WARN_ON_ONCE(t->policy == SCHED_DEADLINE))
		return -EOPNOTSUPP;
	h = kzalloc(sizeof(*h) + bits / 8, GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	h->policy = t->policy;
	if (t->sched_reset_on_fork)
		h->policy |= SCHED_RESET_ON_FORK;
	if (ckpt_rt_policy(t->policy))
		h->priority = t->rt_priority;
	/* what it asked for, which its cpuset may narrow */
	raw_spin_lock_irqsave(&t->pi_lock, flags);
	if (t->user_cpus_ptr &&
	    !cpumask_subset(cpu_possible_mask, t->user_cpus_ptr)) {
		bitmap_to_arr64(h->cpus, cpumask_bits(t->user_cpus_ptr),
				nr_cpu_ids);
		h->nr_cpus = bits;
	} else {
		h->flags = CKPT_SCHED_ALL_CPUS;
	}
	raw_spin_unlock_irqrestore(&t->pi_lock, flags);
	ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_SCHED,
			     sizeof(*h) + h->nr_cpus / 8);
	kfree(h);
	return ret;
}

/* Whether some CPU of @want is one the caller may run on. */
static int ckpt_cpus_usable(const struct cpumask *want)
{
	cpumask_var_t allowed;
	bool some;

	if (!alloc_cpumask_var(&allowed, GFP_KERNEL))
		return -ENOMEM;
	cpuset_cpus_allowed(current, allowed);
	cpumask_and(allowed, allowed, cpu_active_mask);
	some = cpumask_intersects(allowed, want);
	free_cpumask_var(allowed);
	return some ? 0 : -EINVAL;
}

/*
 * What sched_setscheduler(2) would refuse a thread that sets @h's policy
 * from the one it starts with, the restarter's, its nice value @nice set
 * already: without CAP_SYS_NICE, a real-time priority above
 * RLIMIT_RTPRIO, leaving SCHED_IDLE above RLIMIT_NICE, and for the
 * @leader, the restarter itself (the others start without it, as
 * fork() leaves them), dropping SCHED_RESET_ON_FORK.  The limits are the
 * caller's and the image's, which are the thread's when it sets them.
 * The LSM's say (security_task_setscheduler()) comes only then.
 */
static int ckpt_sched_allowed(struct ckpt_ctx *ctx,
			      const struct ckpt_hdr_sched *h, int nice,
			      bool leader)
{
	const struct ckpt_rlimit *rl = ctx->p.rst_attr->rlim;
	u32 policy = h->policy & ~SCHED_RESET_ON_FORK;
	const char *why = NULL;

	if (capable(CAP_SYS_NICE))
		return 0;
	if (ckpt_rt_policy(policy) &&
	    h->priority > min_t(u64, rlimit(RLIMIT_RTPRIO),
				rl[RLIMIT_RTPRIO].cur))
		why = "a real-time priority above RLIMIT_RTPRIO";
	else if (current->policy == SCHED_IDLE && policy != SCHED_IDLE &&
		 nice_to_rlimit(nice) > min_t(u64, rlimit(RLIMIT_NICE),
					      rl[RLIMIT_NICE].cur))
		why = "leaving the restarter's SCHED_IDLE, above RLIMIT_NICE";
	else if (leader && current->sched_reset_on_fork &&
		 !(h->policy & SCHED_RESET_ON_FORK))
		why = "no SCHED_RESET_ON_FORK, which the restarter has";
	if (!why)
		return 0;
	return ckpt_refuse(ctx, -EPERM, -1,
			   "a thread's scheduling: %s, and the restarter lacks CAP_SYS_NICE",
			   why);
}

/*
 * Reads and checks a sched record (version 6) into *@out, which the
 * caller frees with kfree(); an older image has none, and NULL.  @nice
 * is the thread's, @leader whether it leads the process.
 */
int restore_sched(struct ckpt_ctx *ctx, int nice, bool leader,
		  struct ckpt_rst_sched **out)
{
	struct ckpt_hdr_sched *h;
	struct ckpt_rst_sched *s;
	u32 policy;
	int ret;

	*out = NULL;
	if (ctx->rst_version < 6)
		return 0;
	h = ckpt_read_obj_alloc(ctx, CKPT_HDR_SCHED, sizeof(*h),
				sizeof(*h) + CKPT_SCHED_CPUS_MAX / 8);
	if (IS_ERR(h))
		return PTR_ERR(h);
	policy = h->policy & ~SCHED_RESET_ON_FORK;
	ret = -EBADMSG;
	if (h->flags & ~CKPT_SCHED_ALL_CPUS || h->nr_cpus % 64 ||
	    h->h.len != sizeof(*h) + h->nr_cpus / 8 ||
	    !(h->flags & CKPT_SCHED_ALL_CPUS) != !!h->nr_cpus)
		goto out;
	if (policy != SCHED_NORMAL && policy != SCHED_BATCH &&
	    policy != SCHED_IDLE && !ckpt_rt_policy(policy))
		goto out;
	if (ckpt_rt_policy(policy) ?
	    h->priority < 1 || h->priority > MAX_RT_PRIO - 1 : h->priority)
		goto out;

	ret = ckpt_sched_allowed(ctx, h, nice, leader);
	if (ret)
		goto out;

	ret = -ENOMEM;
	s = kzalloc(sizeof(*s) + cpumask_size(), GFP_KERNEL_ACCOUNT);
	if (!s)
		goto out;
	s->policy = h->policy;
	s->priority = h->priority;
	s->all = h->flags & CKPT_SCHED_ALL_CPUS;
	ret = 0;
	if (!s->all) {
		/* CPUs this machine does not have are not asked for */
		bitmap_from_arr64(s->cpus, h->cpus,
				  min(h->nr_cpus, nr_cpu_ids));
		ret = ckpt_cpus_usable(to_cpumask(s->cpus));
		if (ret == -EINVAL)
			ckpt_refuse(ctx, ret, -1,
				    "a thread bound to CPUs %*pbl, none of which the restarter may run on",
				    cpumask_pr_args(to_cpumask(s->cpus)));
	}
	if (ret)
		kfree(s);
	else
		*out = s;
out:
	kfree(h);
	return ret;
}

/*
 * Past the point of no return, in the thread's own context, its nice
 * value set: its policy, then its CPUs.  A thread starts with the
 * restarter's policy: the image's SCHED_OTHER is set too.
 */
int restore_sched_apply(const struct ckpt_rst_sched *s)
{
	struct sched_param p = { .sched_priority = s ? s->priority : 0 };
	u32 policy = s ? s->policy & ~SCHED_RESET_ON_FORK : 0;
	int ret = 0;

	if (!s)
		return 0;
	/* from the restarter's, which it started with, when that differs */
	if (current->policy != policy ||
	    current->sched_reset_on_fork != !!(s->policy & SCHED_RESET_ON_FORK) ||
	    (ckpt_rt_policy(policy) && current->rt_priority != s->priority))
		ret = sched_setscheduler(current, s->policy, &p);
	if (!ret && !s->all)
		ret = sched_setaffinity(0, to_cpumask(s->cpus));
	return ret;
}
