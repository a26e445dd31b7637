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
#include <linux/mm.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uidgid.h>

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

	ret = ckpt_write_obj(ctx, &h.h, CKPT_HDR_TASK, sizeof(h));
	if (ret)
		return ret;
	return checkpoint_exe(ctx);
}

static bool ckpt_id_valid(u32 id)
{
	return id != (u32)-1;
}

static int restore_exe(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_file *h;

	h = ckpt_read_file(ctx, CKPT_HDR_EXE);
	if (IS_ERR(h))
		return PTR_ERR(h);
	kfree(h);
	return 0;
}

/*
 * Reads and checks the task's identity.  Nothing in it is applied: the
 * restored process keeps the restarter's pid and credentials.
 */
int restore_task(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_task h;
	int ret;

	ret = ckpt_read_obj(ctx, &h.h, CKPT_HDR_TASK, sizeof(h), sizeof(h));
	if (ret)
		return ret;

	if (h.pid <= 0 || h.tgid <= 0)
		return -EBADMSG;
	if (!ckpt_id_valid(h.uid) || !ckpt_id_valid(h.euid) ||
	    !ckpt_id_valid(h.suid) || !ckpt_id_valid(h.fsuid) ||
	    !ckpt_id_valid(h.gid) || !ckpt_id_valid(h.egid) ||
	    !ckpt_id_valid(h.sgid) || !ckpt_id_valid(h.fsgid))
		return -EBADMSG;
	if (strnlen(h.comm, sizeof(h.comm)) == sizeof(h.comm))
		return -EBADMSG;

	return restore_exe(ctx);
}
