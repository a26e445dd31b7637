// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart: the x86-64 hooks.  Nothing outside this file names
 * an x86 register or image field specific to x86.
 *
 * The CPU state is read through the regsets that ptrace and core dumps
 * use: the general registers (NT_PRSTATUS, struct user_regs_struct) and
 * the XSAVE buffer (NT_X86_XSTATE), or the FXSAVE area (NT_PRFPREG) on a
 * CPU without XSAVE.  The regsets' ->set() only serves stopped tasks, not
 * current, which restart(2) works on; so the general registers are checked
 * here as sigreturn checks a signal frame, and the XSAVE buffer by the
 * same validation ptrace uses.
 */
#include <linux/checkpoint.h>
#include <linux/elf.h>
#include <linux/regset.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>

#include <asm/fpu/api.h>
#include <asm/ptrace.h>
#include <asm/segment.h>
#include <asm/sighandling.h>
#include <asm/user.h>

u32 ckpt_arch_id(void)
{
	return CKPT_ARCH_X86_64;
}

/* The register sets in the image, in order. */
static unsigned int ckpt_fpu_note(void)
{
	return boot_cpu_has(X86_FEATURE_XSAVE) ? NT_X86_XSTATE : NT_PRFPREG;
}

static const struct user_regset *ckpt_regset(struct task_struct *task,
					     unsigned int note)
{
	const struct user_regset_view *view = task_user_regset_view(task);
	unsigned int i;

	for (i = 0; i < view->n; i++)
		if (view->regsets[i].core_note_type == note)
			return &view->regsets[i];
	return NULL;
}

/*
 * A task stopped in an interrupted system call resumes it when continued:
 * the kernel turns the internal -ERESTART* codes into a restart on the way
 * out.  Those codes must not reach an image, so the restart is applied
 * here, as the kernel would apply it.  A self-checkpoint returns 0 in the
 * restarted process.
 */
static void ckpt_fixup_syscall(struct ckpt_ctx *ctx,
			       struct user_regs_struct *r)
{
	if (ctx->task == current) {
		r->ax = 0;
		return;
	}
	if ((long)r->orig_ax < 0)
		return;

	switch ((long)r->ax) {
	case -ERESTARTNOHAND:
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
		r->ax = r->orig_ax;
		r->ip -= 2;
		break;
	case -ERESTART_RESTARTBLOCK:
		/* its restart block is not kept: it returns EINTR */
		r->ax = -EINTR;
		break;
	}
}

static int checkpoint_regset(struct ckpt_ctx *ctx, unsigned int note)
{
	const struct user_regset *rs = ckpt_regset(ctx->task, note);
	struct ckpt_hdr_regset *h;
	unsigned int size;
	int ret;

	if (!rs)
		return -EOPNOTSUPP;
	size = rs->n * rs->size;
	h = kzalloc(struct_size(h, data, size), GFP_KERNEL);
	if (!h)
		return -ENOMEM;

	ret = regset_get(ctx->task, rs, size, h->data);
	if (ret < 0)
		goto out;
	h->note_type = note;
	h->size = size;
	if (note == NT_PRSTATUS)
		ckpt_fixup_syscall(ctx, (struct user_regs_struct *)h->data);
	ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_REGSET,
			     struct_size(h, data, size));
out:
	kfree(h);
	return ret;
}

int ckpt_arch_checkpoint_cpu(struct ckpt_ctx *ctx)
{
	int ret;

	/* 32-bit and x32 processes come later */
	if (!user_64bit_mode(task_pt_regs(ctx->task)) ||
	    test_tsk_thread_flag(ctx->task, TIF_ADDR32))
		return -EOPNOTSUPP;

	ret = checkpoint_regset(ctx, NT_PRSTATUS);
	if (!ret)
		ret = checkpoint_regset(ctx, ckpt_fpu_note());
	return ret;
}

/*
 * The general registers a 64-bit process may have: its own code and stack
 * segments, null or user data selectors, and addresses below TASK_SIZE_MAX.
 */
static int ckpt_check_regs(const struct user_regs_struct *r)
{
	if (r->cs != __USER_CS || r->ss != __USER_DS)
		return -EINVAL;
	if ((r->ds && r->ds != __USER_DS) || (r->es && r->es != __USER_DS) ||
	    r->fs || r->gs)
		return -EINVAL;
	if (r->ip >= TASK_SIZE_MAX || r->fs_base >= TASK_SIZE_MAX ||
	    r->gs_base >= TASK_SIZE_MAX)
		return -EINVAL;
	return 0;
}

static struct ckpt_hdr_regset *restore_regset(struct ckpt_ctx *ctx,
					      unsigned int note)
{
	const struct user_regset *rs = ckpt_regset(current, note);
	struct ckpt_hdr_regset *h;
	unsigned int size;

	if (!rs)
		return ERR_PTR(-EOPNOTSUPP);
	size = rs->n * rs->size;
	h = ckpt_read_obj_alloc(ctx, CKPT_HDR_REGSET, sizeof(*h), CKPT_REC_MAX);
	if (IS_ERR(h))
		return h;
	if (h->note_type != note || h->h.len != struct_size(h, data, h->size)) {
		kfree(h);
		return ERR_PTR(-EBADMSG);
	}
	/* an FPU state of another layout: a CPU with other features */
	if (h->size != size) {
		kfree(h);
		return ERR_PTR(-ENOEXEC);
	}
	return h;
}

int ckpt_arch_restore_cpu(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_regset *regs, *fpu;
	int ret;

	regs = restore_regset(ctx, NT_PRSTATUS);
	if (IS_ERR(regs))
		return PTR_ERR(regs);
	ret = ckpt_check_regs((struct user_regs_struct *)regs->data) ?
	      -EBADMSG : 0;
	kfree(regs);
	if (ret)
		return ret;

	fpu = restore_regset(ctx, ckpt_fpu_note());
	if (IS_ERR(fpu))
		return PTR_ERR(fpu);
	kfree(fpu);
	return 0;
}
