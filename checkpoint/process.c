// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of a task's identity: its ids, name, credentials and
 * executable.
 *
 * Ids are written as the task sees them, in its own pid and user
 * namespaces.  Restart never takes credentials from the image: the
 * restored process runs with the restarter's, and the image's are there
 * to be compared with them.
 */
#include <linux/checkpoint.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/mm.h>
#include <linux/pid_namespace.h>
#include <linux/rseq.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uidgid.h>
#include <uapi/linux/futex.h>
#include <uapi/linux/rseq.h>

#include <asm/syscall.h>

static int checkpoint_ids(struct ckpt_ctx *ctx, struct ckpt_hdr_task *h)
{
	struct task_struct *task = ctx->task;
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

/* The user addresses the kernel keeps for a task and writes to itself. */
static void checkpoint_user_addrs(struct task_struct *task,
				  struct ckpt_hdr_task *h)
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

/*
 * A task stopped in nanosleep() resumes the sleep through its restart
 * block when continued; the image keeps the time it had left, so that
 * restart can resume it too.  Other calls resumed through a restart block
 * return EINTR instead (the architecture's part: ctx->resume).
 */
static void checkpoint_resume(struct ckpt_ctx *ctx, struct ckpt_hdr_task *h)
{
	struct task_struct *task = ctx->task;
	struct pt_regs *regs = task_pt_regs(task);
	struct restart_block *rb = &task->restart_block;
	long nr = syscall_get_nr(task, regs);
	ktime_t now;

	if (task == current || nr < 0 ||
	    syscall_get_error(task, regs) != -ERESTART_RESTARTBLOCK)
		return;
	if (nr != __NR_nanosleep && nr != __NR_clock_nanosleep)
		return;
	if (!ckpt_sleep_clock(rb->nanosleep.clockid, &now))
		return;

	h->resume = CKPT_RESUME_NANOSLEEP;
	h->resume_clockid = rb->nanosleep.clockid;
	h->resume_ns = max_t(s64, 0, rb->nanosleep.expires - ktime_to_ns(now));
	if (rb->nanosleep.type == TT_NATIVE)
		h->resume_rmtp = (unsigned long)rb->nanosleep.rmtp;
	ctx->resume = h->resume;
}

static int checkpoint_exe(struct ckpt_ctx *ctx)
{
	struct file *exe;
	int ret;

	exe = get_task_exe_file(ctx->task);
	if (!exe)
		return -EOPNOTSUPP;
	ret = ckpt_write_file(ctx, CKPT_HDR_EXE, exe);
	fput(exe);
	return ret;
}

int checkpoint_task(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_task h = {};
	int ret;

	ret = checkpoint_ids(ctx, &h);
	if (ret)
		return ret;
	get_task_comm(h.comm, ctx->task);
	checkpoint_user_addrs(ctx->task, &h);
	checkpoint_resume(ctx, &h);

	ret = ckpt_write_obj(ctx, &h.h, CKPT_HDR_TASK, sizeof(h));
	if (ret)
		return ret;
	return checkpoint_exe(ctx);
}

static bool ckpt_id_valid(u32 id)
{
	return id != (u32)-1;
}

static bool ckpt_user_addrs_valid(const struct ckpt_hdr_task *h)
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

static bool ckpt_resume_valid(const struct ckpt_hdr_task *h)
{
	ktime_t now;

	switch (h->resume) {
	case CKPT_RESUME_NONE:
		return !h->resume_clockid && !h->resume_ns && !h->resume_rmtp;
	case CKPT_RESUME_NANOSLEEP:
		return ckpt_sleep_clock(h->resume_clockid, &now) &&
		       h->resume_ns >= 0 && h->resume_rmtp < TASK_SIZE;
	}
	return false;
}

static long ckpt_nanosleep_restart(struct restart_block *rb)
{
	return hrtimer_nanosleep(rb->nanosleep.expires, HRTIMER_MODE_ABS,
				 rb->nanosleep.clockid);
}

/* The restored registers go back into the call; this is what it resumes. */
static void restore_resume(struct ckpt_hdr_task *h)
{
	struct restart_block *rb = &current->restart_block;
	ktime_t now;

	rb->fn = do_no_restart_syscall;
	if (h->resume != CKPT_RESUME_NANOSLEEP)
		return;
	ckpt_sleep_clock(h->resume_clockid, &now);
	rb->nanosleep.clockid = h->resume_clockid;
	rb->nanosleep.type = h->resume_rmtp ? TT_NATIVE : TT_NONE;
	rb->nanosleep.rmtp = u64_to_user_ptr(h->resume_rmtp);
	rb->nanosleep.expires = ktime_add_safe(now, h->resume_ns);
	rb->fn = ckpt_nanosleep_restart;
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

	h = kmalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	ctx->rst_task = h;
	ret = ckpt_read_obj(ctx, &h->h, CKPT_HDR_TASK, sizeof(*h), sizeof(*h));
	if (ret)
		return ret;

	if (h->pid <= 0 || h->tgid <= 0)
		return -EBADMSG;
	if (!ckpt_id_valid(h->uid) || !ckpt_id_valid(h->euid) ||
	    !ckpt_id_valid(h->suid) || !ckpt_id_valid(h->fsuid) ||
	    !ckpt_id_valid(h->gid) || !ckpt_id_valid(h->egid) ||
	    !ckpt_id_valid(h->sgid) || !ckpt_id_valid(h->fsgid))
		return -EBADMSG;
	if (strnlen(h->comm, sizeof(h->comm)) == sizeof(h->comm))
		return -EBADMSG;
	if (!ckpt_user_addrs_valid(h) || !ckpt_resume_valid(h))
		return -EBADMSG;

	exe = ckpt_read_file(ctx, CKPT_HDR_EXE);
	if (IS_ERR(exe))
		return PTR_ERR(exe);
	file = ckpt_open_file(ctx, exe, O_RDONLY);
	kfree(exe);
	if (IS_ERR(file))
		return PTR_ERR(file);
	ctx->rst_exe = file;

	/*
	 * It becomes /proc/PID/exe: only a program the restarter could
	 * execute itself, as prctl(PR_SET_MM_EXE_FILE) demands.
	 */
	if (!S_ISREG(file_inode(file)->i_mode) || path_noexec(&file->f_path))
		return -EACCES;
	return file_permission(file, MAY_EXEC);
}

/*
 * Past the point of no return: the task's name and the addresses the
 * kernel keeps for it.  The restarter's signal handlers and alternate
 * stack point into the address space that is gone, so they go too, as
 * on execve().
 */
void restore_task_apply(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_task *h = ctx->rst_task;
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
	restore_resume(h);
	flush_signal_handlers(tsk, 0);
	tsk->sas_ss_sp = 0;
	tsk->sas_ss_size = 0;
	tsk->sas_ss_flags = SS_DISABLE;
}

void restore_task_free(struct ckpt_ctx *ctx)
{
	if (ctx->rst_exe)
		fput(ctx->rst_exe);
	kfree(ctx->rst_task);
}
