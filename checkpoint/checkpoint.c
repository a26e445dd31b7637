// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint: the image writer.  It knows records and the order of the
 * image's sections, not what any record describes; the object files
 * (process.c, ...) fill records and hand them to ckpt_write_obj().
 *
 * The image is written as a stream, never seeked, so that it may go to a
 * pipe or a socket as well as to a file.
 */
#include <linux/checkpoint.h>
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/limits.h>
#include <linux/mount.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uio.h>
#include <linux/utsname.h>
#include <uapi/linux/magic.h>

/*
 * Says why the checkpoint fails with @err, about file descriptor @fd or
 * -1: the first reason given ends the image, in an error record, for the
 * tools to print.  Returns @err.
 */
int ckpt_refuse(struct ckpt_ctx *ctx, int err, int fd, const char *fmt, ...)
{
	va_list args;

	if (ctx->err_msg)
		return err;
	va_start(args, fmt);
	ctx->err_msg = kvasprintf(GFP_KERNEL, fmt, args);
	va_end(args);
	ctx->err_fd = fd;
	return err;
}

/* Writes @len bytes to the image. */
int ckpt_write(struct ckpt_ctx *ctx, const void *buf, size_t len)
{
	struct kvec kv = { .iov_base = (void *)buf, .iov_len = len };
	struct iov_iter iter;
	int ret;

	iov_iter_kvec(&iter, ITER_SOURCE, &kv, 1, len);
	ret = ckpt_stream(ctx, &iter);
	if (!ret)
		xxh64_update(&ctx->csum, buf, len);
	return ret;
}

/*
 * Writes the record @h of @len bytes, header included, and the zeroes
 * that pad it to CKPT_ALIGN.  What a record holds (and the page data
 * after a pages record) was read from the target before this: a target
 * that ran since the dump began (continued, and perhaps into an execve()
 * of a program the caller may not read) fails the record, so that
 * nothing read after it ran is written.  The error record, which says
 * only why, is written still.
 */
int ckpt_write_obj(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 type, u32 len)
{
	static const u8 zeroes[CKPT_ALIGN];
	int ret;

	if (WARN_ON_ONCE(len < sizeof(*h) || len > CKPT_REC_MAX))
		return -EINVAL;
	if (!ctx->err_final) {
		ret = ckpt_target_moved(ctx);
		if (ret)
			return ret;
	}

	h->type = type;
	h->len = len;
	ret = ckpt_write(ctx, h, len);
	if (!ret && !IS_ALIGNED(len, CKPT_ALIGN))
		ret = ckpt_write(ctx, zeroes, ALIGN(len, CKPT_ALIGN) - len);
	return ret;
}

/* "fd N: " for a refusal about file descriptor @fd, if it is one. */
static const char *ckpt_fd_prefix(int fd, char *buf, size_t size)
{
	if (fd < 0)
		return "";
	snprintf(buf, size, "fd %d: ", fd);
	return buf;
}

/* Anonymous inodes, by the name their files are given, and what they are. */
static const struct {
	const char *name;
	const char *what;
} ckpt_anon_kinds[] = {
	{ "[eventfd]", "an eventfd" },
	{ "[eventpoll]", "an epoll instance" },
	{ "[signalfd]", "a signalfd" },
	{ "[timerfd]", "a timerfd" },
	{ "inotify", "an inotify instance" },
	{ "[fanotify]", "a fanotify group" },
	{ "[userfaultfd]", "a userfaultfd" },
	{ "[io_uring]", "an io_uring instance" },
	{ "[perf_event]", "a perf event" },
	{ "[pidfd]", "a pidfd" },
	{ "bpf-map", "a BPF map" },
	{ "bpf-prog", "a BPF program" },
	{ "bpf-link", "a BPF link" },
	{ "bpf_link", "a BPF link" },
	{ "bpf_iter", "a BPF iterator" },
	{ "btf", "BPF type information" },
	{ "seccomp notify", "a seccomp notifier" },
	{ "[fscontext]", "a filesystem context (fsopen)" },
	{ "[landlock-ruleset]", "a Landlock ruleset" },
	{ "kvm-vm", "a KVM virtual machine" },
};

/*
 * What @file is, when it is a kernel object without a name to be reopened
 * by, for the reason a refusal gives; NULL for a file of a mounted
 * filesystem.  Pipes and sockets are told apart by their type.
 */
static const char *ckpt_internal_kind(struct file *file)
{
	const struct path *path = &file->f_path;
	struct super_block *sb = path->dentry->d_sb;
	const char *name = path->dentry->d_name.name;
	unsigned int i;

	switch (sb->s_magic) {
	case PID_FS_MAGIC:
		return "a pidfd";
	case NSFS_MAGIC:
		return "a namespace file";
	case SECRETMEM_MAGIC:
		return "secret memory (memfd_secret)";
	case BPF_FS_MAGIC:
		/* its directories are directories */
		return S_ISDIR(file_inode(file)->i_mode) ? NULL :
		       "a pinned BPF object";
	case ANON_INODE_FS_MAGIC:
		for (i = 0; i < ARRAY_SIZE(ckpt_anon_kinds); i++)
			if (!strcmp(name, ckpt_anon_kinds[i].name))
				return ckpt_anon_kinds[i].what;
		return "an anonymous inode";
	case TMPFS_MAGIC:
	case HUGETLBFS_MAGIC:
		/* files of the kernel's own mount of it */
		if (!(path->mnt->mnt_flags & MNT_INTERNAL))
			return NULL;
		if (str_has_prefix(name, "memfd:"))
			return "a memfd";
		if (str_has_prefix(name, "SYSV"))
			return "SysV shared memory";
		return "anonymous shared memory";
	}
	return NULL;
}

/* Whether @file is a kernel object without a name (a memfd, a pidfd, ...). */
bool ckpt_file_internal(struct file *file)
{
	return ckpt_internal_kind(file);
}

/*
 * Refuses @file, at @fd or -1, if it is a kernel object without a name
 * (a memfd, an eventfd, a namespace file, ...), saying what it is and
 * its name: the one it is given, or the one its filesystem makes up
 * (anon_inode:[eventfd], uts:[4026531838]).  Returns 0 for another file.
 */
int ckpt_refuse_internal(struct ckpt_ctx *ctx, struct file *file, int fd)
{
	const char *what = ckpt_internal_kind(file);
	struct dentry *dentry = file->f_path.dentry;
	char pfx[16], buf[64], *name = NULL;

	if (!what)
		return 0;
	/* a memfd's is "/memfd:name (deleted)": its own name is better */
	if (dentry->d_op && dentry->d_op->d_dname &&
	    dentry->d_sb->s_magic != TMPFS_MAGIC &&
	    dentry->d_sb->s_magic != HUGETLBFS_MAGIC) {
		name = dentry->d_op->d_dname(dentry, buf, sizeof(buf));
		if (IS_ERR(name))
			name = NULL;
	}
	if (name)
		return ckpt_refuse(ctx, -EOPNOTSUPP, fd,
				   "%s%s (%s): not supported",
				   ckpt_fd_prefix(fd, pfx, sizeof(pfx)), what,
				   name);
	return ckpt_refuse(ctx, -EOPNOTSUPP, fd, "%s%s (%pd): not supported",
			   ckpt_fd_prefix(fd, pfx, sizeof(pfx)), what, dentry);
}

/*
 * Writes @path by name, as seen from the target's root, and identity.  A
 * file that cannot be named from there (outside a chroot, or unlinked)
 * cannot be reopened by restart, so it is refused rather than written
 * wrong; @fd names the file descriptor concerned, or is -1.
 */
static int __ckpt_write_path(struct ckpt_ctx *ctx, u32 type,
			     const struct path *path, int fd, bool deleted)
{
	struct inode *inode = d_inode(path->dentry);
	struct ckpt_hdr_file *h;
	struct timespec64 mtime;
	char *buf, *name, pfx[16];
	size_t len;
	int ret;

	if (d_unlinked(path->dentry) && !deleted)
		return ckpt_refuse(ctx, -EOPNOTSUPP, fd,
				   "%s%pd was deleted: not supported",
				   ckpt_fd_prefix(fd, pfx, sizeof(pfx)),
				   path->dentry);

	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	name = __d_path(path, &ctx->p.root, buf, PATH_MAX);
	ret = -EOPNOTSUPP;
	if (!name) {
		ckpt_refuse(ctx, ret, fd,
			    "%s%pd is not reachable from the process's root (outside a chroot, or a detached mount): not supported",
			    ckpt_fd_prefix(fd, pfx, sizeof(pfx)), path->dentry);
		goto out;
	}
	ret = PTR_ERR(name);
	if (IS_ERR(name))
		goto out;

	/* the record is built in place, in front of the name */
	len = strlen(name) + 1;
	ret = -ENAMETOOLONG;
	if (name - buf < sizeof(*h))
		goto out;
	h = (struct ckpt_hdr_file *)(name - sizeof(*h));
	memset(h, 0, sizeof(*h));
	mtime = inode_get_mtime(inode);
	h->dev = new_encode_dev(inode->i_sb->s_dev);
	h->ino = inode->i_ino;
	h->size = i_size_read(inode);
	h->mtime_sec = mtime.tv_sec;
	h->mtime_nsec = mtime.tv_nsec;
	h->mode = inode->i_mode;
	if (S_ISCHR(inode->i_mode) || S_ISBLK(inode->i_mode))
		h->rdev = new_encode_dev(inode->i_rdev);
	ret = ckpt_write_obj(ctx, &h->h, type, sizeof(*h) + len);
out:
	kfree(buf);
	return ret;
}

int ckpt_write_path(struct ckpt_ctx *ctx, u32 type, const struct path *path,
		    int fd)
{
	return __ckpt_write_path(ctx, type, path, fd, false);
}

/* The last name of a file deleted since, which its contents go with. */
int ckpt_write_deleted_path(struct ckpt_ctx *ctx, const struct path *path,
			    int fd)
{
	return __ckpt_write_path(ctx, CKPT_HDR_FILE_PATH, path, fd, true);
}

int ckpt_write_file(struct ckpt_ctx *ctx, u32 type, struct file *file, int fd)
{
	int ret = ckpt_refuse_internal(ctx, file, fd);

	return ret ? ret : ckpt_write_path(ctx, type, &file->f_path, fd);
}

static int checkpoint_header(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_header h = {};

	memcpy(h.magic, CKPT_MAGIC_HEAD, sizeof(h.magic));
	h.version = CKPT_VERSION;
	h.arch = ckpt_arch_id();
	h.page_size = PAGE_SIZE;
	h.crid = ctx->crid;
	h.flags = ctx->flags;
	h.time = ktime_get_real_seconds();
	strscpy_pad(h.release, init_utsname()->release);

	return ckpt_write_obj(ctx, &h.h, CKPT_HDR_HEADER, sizeof(h));
}

static int checkpoint_tail(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_tail h = {};

	h.magic = CKPT_MAGIC_TAIL;
	h.checksum = xxh64_digest(&ctx->csum);

	return ckpt_write_obj(ctx, &h.h, CKPT_HDR_TAIL, sizeof(h));
}

/*
 * The error record ends the image of a checkpoint that says why it failed
 * (the whole image of one refused before its dump began).
 */
void checkpoint_error(struct ckpt_ctx *ctx, int err)
{
	size_t len = strlen(ctx->err_msg) + 1;
	struct ckpt_hdr_error *h;

	len = min_t(size_t, len, CKPT_REC_MAX - sizeof(*h));
	h = kzalloc(sizeof(*h) + len, GFP_KERNEL);
	if (!h)
		return;
	h->error = -err;
	h->fd = ctx->err_fd;
	memcpy(h->msg, ctx->err_msg, len - 1);
	/* the stream may be what failed: this is a last try */
	ctx->err_final = true;
	ckpt_write_obj(ctx, &h->h, CKPT_HDR_ERROR, sizeof(*h) + len);
	kfree(h);
}

/* The sections of the current process, but its pages. */
static int checkpoint_proc(struct ckpt_ctx *ctx)
{
	int ret;

	ret = checkpoint_task(ctx);
	if (ret)
		return ret;
	ret = checkpoint_signals(ctx);
	if (ret)
		return ret;
	ret = checkpoint_files(ctx);
	if (ret)
		return ret;
	ret = ckpt_arch_checkpoint_cpu(ctx, ctx->p.task, ctx->p.resume);
	if (ret)
		return ret;
	ret = checkpoint_threads(ctx);
	if (ret)
		return ret;
	return checkpoint_mm(ctx);
}

static int checkpoint_image(struct ckpt_ctx *ctx)
{
	unsigned int i;
	int ret;

	ret = checkpoint_header(ctx);
	if (!ret)
		ret = checkpoint_tree(ctx);
	for (i = 0; !ret && i < ctx->nr_procs; i++) {
		if (ckpt_proc_is_zombie(ctx, i))
			continue;
		ckpt_proc_switch(ctx, i);
		ret = checkpoint_proc(ctx);
	}
	for (i = 0; !ret && i < ctx->nr_procs; i++) {
		if (ckpt_proc_is_zombie(ctx, i))
			continue;
		ckpt_proc_switch(ctx, i);
		ret = checkpoint_mm_pages(ctx);
	}
	if (ret)
		return ret;
	/* no tail for an image of two moments */
	ret = ckpt_tree_moved(ctx);
	if (ret)
		return ret;
	ckpt_proc_switch(ctx, 0);
	return checkpoint_tail(ctx);
}

int do_checkpoint(struct ckpt_ctx *ctx)
{
	int ret = checkpoint_image(ctx), moved;

	/*
	 * A target that ran, was killed or exited meanwhile explains a
	 * failure better than what it caused (a file gone, no mm).
	 */
	moved = ret ? ckpt_tree_moved(ctx) : 0;
	if (moved) {
		kfree(ctx->err_msg);
		ctx->err_msg = NULL;
		if (ctx->nr_procs > 1)
			ret = ckpt_refuse(ctx, moved, -1,
					  "process %d of the tree was %s during the checkpoint",
					  ctx->procs[ctx->cur].h.pid,
					  moved == -ESRCH ? "killed or exited" :
					  "continued");
		else
			ret = ckpt_refuse(ctx, moved, -1, "%s",
					  moved == -ESRCH ?
					  "the process was killed or exited during the checkpoint" :
					  "the process was continued during the checkpoint");
	}
	if (ret && ctx->err_msg)
		checkpoint_error(ctx, ret);
	return ret;
}
