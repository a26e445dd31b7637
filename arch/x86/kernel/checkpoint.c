// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart: the x86-64 hooks.  Nothing outside this file names
 * an x86 register or image field specific to x86.
 *
 * The CPU state is read through the regsets that ptrace and core dumps
 * use: the general registers (NT_PRSTATUS, struct user_regs_struct) and
 * the XSAVE buffer (NT_X86_XSTATE), or the FXSAVE area (NT_PRFPREG) on a
 * CPU without XSAVE.  The regsets' ->set() only serves stopped tasks, not
 * current, which restart(2) works on; so the registers are checked and
 * loaded here as sigreturn does it for a signal frame, and the XSAVE
 * buffer goes through the same copy and validation ptrace uses.
 */
#include <linux/checkpoint.h>
#include <linux/elf.h>
#include <linux/regset.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>

#include <asm/fpu/api.h>
#include <asm/fpu/signal.h>
#include <asm/fpu/types.h>
#include <asm/fpu/xstate.h>
#include <asm/prctl.h>
#include <asm/proto.h>
#include <asm/ptrace.h>
#include <asm/segment.h>
#include <asm/shstk.h>
#include <asm/sighandling.h>
#include <asm/unistd.h>
#include <asm/user.h>
#include <asm/vdso.h>

#include "fpu/context.h"
#include "fpu/internal.h"
#include "fpu/legacy.h"
#include "fpu/xstate.h"

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
 * here, as the kernel would apply it; @resume says how a call with a
 * restart block resumes.  A self-checkpoint returns 0 in the restarted
 * process.
 */
static void ckpt_fixup_syscall(struct task_struct *task, u32 resume,
			       struct user_regs_struct *r)
{
	if (task == current) {
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
		/* a wait the image keeps resumes; other calls return EINTR */
		if (resume == CKPT_RESUME_NONE) {
			r->ax = -EINTR;
			break;
		}
		/*
		 * The call made again from its registers is a futex wait
		 * until a deadline, resumed so far through restart_syscall()
		 * perhaps
		 */
		r->ax = resume == CKPT_RESUME_REPEAT ? __NR_futex :
						       __NR_restart_syscall;
		r->ip -= 2;
		break;
	}
}

static int checkpoint_regset(struct ckpt_ctx *ctx, struct task_struct *task,
			     u32 resume, unsigned int note)
{
	const struct user_regset *rs = ckpt_regset(task, note);
	struct ckpt_hdr_regset *h;
	unsigned int size;
	int ret;

	if (!rs)
		return -EOPNOTSUPP;
	size = rs->n * rs->size;
	h = kzalloc(struct_size(h, data, size), GFP_KERNEL);
	if (!h)
		return -ENOMEM;

	ret = regset_get(task, rs, size, h->data);
	if (ret < 0)
		goto out;
	h->note_type = note;
	h->size = size;
	if (note == NT_PRSTATUS)
		ckpt_fixup_syscall(task, resume,
				   (struct user_regs_struct *)h->data);
	ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_REGSET,
			     struct_size(h, data, size));
out:
	kfree(h);
	return ret;
}

/*
 * x86 settings a process can make and read back that restart cannot give
 * it again: refused by name.
 */
static const char *ckpt_arch_unsupported(struct ckpt_ctx *ctx,
					 struct task_struct *task)
{
	/* 32-bit and x32 processes come later */
	if (!user_64bit_mode(task_pt_regs(task)) ||
	    test_tsk_thread_flag(task, TIF_ADDR32))
		return "a 32-bit or x32 process";
	if (test_tsk_thread_flag(task, TIF_NOTSC))
		return "rdtsc disabled (PR_SET_TSC)";
	if (test_tsk_thread_flag(task, TIF_NOCPUID))
		return "cpuid disabled (ARCH_SET_CPUID)";
#ifdef CONFIG_X86_USER_SHADOW_STACK
	if (task->thread.features & ARCH_SHSTK_SHSTK)
		return "a shadow stack (ARCH_SHSTK_ENABLE)";
#endif
	/* a permission restart does not ask for again */
	if (READ_ONCE(task->group_leader->thread.fpu.perm.__state_perm) &
	    XFEATURE_MASK_USER_DYNAMIC)
		return "AMX state permission (ARCH_REQ_XCOMP_PERM)";
	if (test_tsk_thread_flag(task, TIF_IO_BITMAP) ||
	    task->thread.iopl_emul)
		return "I/O port access (ioperm, iopl)";
#ifdef CONFIG_MODIFY_LDT_SYSCALL
	if (READ_ONCE(ctx->p.mm->context.ldt))
		return "a local descriptor table (modify_ldt)";
#endif
#ifdef CONFIG_ADDRESS_MASKING
	if (ctx->p.mm->context.untag_mask != -1UL)
		return "linear address masking (ARCH_ENABLE_TAGGED_ADDR)";
#endif
	return NULL;
}

/* The registers of @task, one of the target's threads. */
int ckpt_arch_checkpoint_cpu(struct ckpt_ctx *ctx, struct task_struct *task,
			     u32 resume)
{
	const char *what = ckpt_arch_unsupported(ctx, task);
	int ret;

	if (what)
		return ckpt_refuse(ctx, -EOPNOTSUPP, -1, "%s: not supported",
				   what);

	ret = checkpoint_regset(ctx, task, resume, NT_PRSTATUS);
	if (!ret)
		ret = checkpoint_regset(ctx, task, resume, ckpt_fpu_note());
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

/*
 * An XSAVE buffer in the standard format that this CPU can load: the
 * checks ptrace and sigreturn make, before the point of no return.
 */
static int ckpt_check_xstate(const struct xregs_state *x)
{
	const struct xstate_header *hdr = &x->header;

	if (hdr->xfeatures & ~fpu_user_cfg.max_features)
		return -ENOEXEC;	/* state of a CPU with more features */
	/*
	 * What the restore will accept (copy_uabi_to_xstate() takes the
	 * features of the fpstate: the caller's, or for a thread restart
	 * makes a default one), checked here rather than failed after the
	 * point of no return.
	 */
	if (hdr->xfeatures & ~(current->thread.fpu.fpstate->user_xfeatures &
			       fpu_user_cfg.default_features))
		return -EOPNOTSUPP;
	if (hdr->xcomp_bv || memchr_inv(hdr->reserved, 0, sizeof(hdr->reserved)))
		return -EBADMSG;
	if (x->i387.mxcsr & ~mxcsr_feature_mask)
		return -EBADMSG;
	return 0;
}

/* The registers read before the point of no return. */
struct ckpt_x86_cpu {
	struct user_regs_struct regs;
	struct ckpt_hdr_regset *xstate;
};

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

void ckpt_arch_restore_cpu_free(void *arg)
{
	struct ckpt_x86_cpu *cpu = arg;

	if (cpu)
		kfree(cpu->xstate);
	kfree(cpu);
}

static int ckpt_read_cpu(struct ckpt_ctx *ctx, struct ckpt_x86_cpu *cpu)
{
	struct ckpt_hdr_regset *regs;
	int ret;

	regs = restore_regset(ctx, NT_PRSTATUS);
	if (IS_ERR(regs))
		return PTR_ERR(regs);
	memcpy(&cpu->regs, regs->data, sizeof(cpu->regs));
	kfree(regs);
	if (ckpt_check_regs(&cpu->regs))
		return -EBADMSG;

	cpu->xstate = restore_regset(ctx, NT_X86_XSTATE);
	if (IS_ERR(cpu->xstate)) {
		ret = PTR_ERR(cpu->xstate);
		cpu->xstate = NULL;
		return ret;
	}
	return ckpt_check_xstate((struct xregs_state *)cpu->xstate->data);
}

/*
 * Reads and checks the registers of one thread, to be loaded by
 * ckpt_arch_restore_cpu_apply() and freed by ckpt_arch_restore_cpu_free().
 */
void *ckpt_arch_restore_cpu(struct ckpt_ctx *ctx)
{
	struct ckpt_x86_cpu *cpu;
	int ret;

	/* restoring FXSAVE-only state comes later */
	if (!boot_cpu_has(X86_FEATURE_XSAVE))
		return ERR_PTR(-EOPNOTSUPP);
#ifdef CONFIG_X86_USER_SHADOW_STACK
	/* its shadow stack state is not the image's to keep or drop */
	if (current->thread.features & ARCH_SHSTK_SHSTK)
		return ERR_PTR(-EOPNOTSUPP);
#endif

	cpu = kzalloc(sizeof(*cpu), GFP_KERNEL_ACCOUNT);
	if (!cpu)
		return ERR_PTR(-ENOMEM);
	ret = ckpt_read_cpu(ctx, cpu);
	if (ret) {
		ckpt_arch_restore_cpu_free(cpu);
		return ERR_PTR(ret);
	}
	return cpu;
}

/* The arguments of the system call the registers @cpu were in. */
void ckpt_arch_syscall_args(const void *arg, unsigned long *args)
{
	const struct ckpt_x86_cpu *cpu = arg;
	const struct user_regs_struct *r = &cpu->regs;

	args[0] = r->di;
	args[1] = r->si;
	args[2] = r->dx;
	args[3] = r->r10;
	args[4] = r->r8;
	args[5] = r->r9;
}

/*
 * Loads the XSAVE buffer into current's FPU state, to be loaded into the
 * registers on the way back to user mode, as sigreturn does.
 */
static int ckpt_restore_xstate(const void *buf)
{
	struct fpu *fpu = &current->thread.fpu;

	fpregs_lock();
	if (!test_thread_flag(TIF_NEED_FPU_LOAD)) {
		if (xfeatures_mask_supervisor())
			os_xsave(fpu->fpstate);
		set_thread_flag(TIF_NEED_FPU_LOAD);
	}
	__fpu_invalidate_fpregs_state(fpu);
	__cpu_invalidate_fpregs_state();
	fpregs_unlock();

	return copy_uabi_from_kernel_to_xstate(fpu->fpstate, buf,
					       &current->thread.pkru);
}

/*
 * Past the point of no return: the registers @cpu become current's, to
 * take effect when it returns to user mode.  restart(2) returns the
 * restored thread's ax, which it gets in *@ax.
 */
int ckpt_arch_restore_cpu_apply(const void *arg, long *ax)
{
	const struct ckpt_x86_cpu *cpu = arg;
	const struct user_regs_struct *r = &cpu->regs;
	struct pt_regs *regs = current_pt_regs();
	long ret;

	ret = ckpt_restore_xstate(cpu->xstate->data);
	if (ret)
		return ret;
	/* none of the caller's shadow stack, as after execve() */
	reset_thread_features();
	ret = do_arch_prctl_64(current, ARCH_SET_FS, r->fs_base);
	if (!ret)
		ret = do_arch_prctl_64(current, ARCH_SET_GS, r->gs_base);
	if (ret)
		return ret;

	regs->r15 = r->r15;
	regs->r14 = r->r14;
	regs->r13 = r->r13;
	regs->r12 = r->r12;
	regs->bp = r->bp;
	regs->bx = r->bx;
	regs->r11 = r->r11;
	regs->r10 = r->r10;
	regs->r9 = r->r9;
	regs->r8 = r->r8;
	regs->cx = r->cx;
	regs->dx = r->dx;
	regs->si = r->si;
	regs->di = r->di;
	regs->ip = r->ip;
	regs->sp = r->sp;
	regs->flags = (regs->flags & ~FIX_EFLAGS) | (r->flags & FIX_EFLAGS);
	regs->cs = __USER_CS;
	regs->ss = __USER_DS;
	/* no system call to restart on the way out of this one */
	regs->orig_ax = -1;
	*ax = r->ax;
	return 0;
}

/* The vvar area and the vDSO after it, as this kernel lays them out. */
int ckpt_arch_check_special(u32 kind, unsigned long start, unsigned long end)
{
	const struct vdso_image *image = &vdso_image_64;

	if (kind == CKPT_VMA_VVAR && end - start == -image->sym_vvar_start)
		return 0;
	if (kind == CKPT_VMA_VDSO && end - start == image->size)
		return 0;
	return -ENOEXEC;	/* the vDSO of another kernel */
}

/*
 * The vvar area at @start and the vDSO after it.  map_vdso() takes the
 * address as a hint only (a stack's guard gap may push it away): where
 * it lands is checked, as the process's code calls into it there.
 */
int ckpt_arch_map_special(u32 kind, unsigned long start)
{
	unsigned long text = start - vdso_image_64.sym_vvar_start;
	int ret;

	if (kind != CKPT_VMA_VVAR)
		return -EINVAL;
	ret = map_vdso_once(&vdso_image_64, start);
	if (!ret && (unsigned long)current->mm->context.vdso != text)
		ret = -EFAULT;
	return ret;
}

/*
 * A process made by fork() that unmapped its parent's vDSO, and has none
 * in its image: the mm forgets where the parent's was, as a new one has
 * none (signal return and exception fixups look there).
 */
void ckpt_arch_forget_special(void)
{
	struct mm_struct *mm = current->mm;

	mmap_write_lock(mm);
	mm->context.vdso = NULL;
	mm->context.vdso_image = NULL;
	mmap_write_unlock(mm);
}
