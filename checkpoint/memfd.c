// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of files with no name to be reopened by, whose
 * contents the image holds: memfds (memfd_create(2)), files of memory,
 * and regular files deleted while open (at the end).  The image holds a memfd's name, size,
 * mode, seals and contents, once per memfd, and restart makes it anew
 * before the point of no return, as memfd_create(2) would make it for
 * the restarter, fills it and seals it.  A memfd shared with a process
 * outside the image comes back as the restored process's own.
 *
 * What a crafted image could make restart do: make a memfd that
 * memfd_create(2) would make for the caller (the vm.memfd_noexec rule
 * of its pid namespace holds), as large as RLIMIT_FSIZE lets it grow
 * (a larger one is refused, rather than the caller killed by SIGXFSZ),
 * with contents that are in the image, charged to the caller as its
 * writes are, with permission bits chmod(2) lets an owner set, but no
 * set-id bit, and with the seals F_ADD_SEALS adds.  Seals come last, so
 * a sealed memfd is still filled; nothing else has it until then.
 *
 * What a checkpointer reads: the contents of a memfd the target holds
 * open for reading, which the right to read the target's memory covers.
 * The contents are read through the target's description at an offset
 * of the checkpoint's own: the target's offset does not move.
 */
#include <linux/checkpoint.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/memfd.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/security.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <uapi/linux/fcntl.h>
#include <uapi/linux/memfd.h>

#define CKPT_MEMFD_PREFIX	"memfd:"
#define CKPT_MEMFD_SEALS	(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | \
				 F_SEAL_WRITE | F_SEAL_FUTURE_WRITE | \
				 F_SEAL_EXEC)

/* Whether @file is a memfd: a shmem file of the kernel's own mount. */
bool ckpt_memfd_is(struct file *file)
{
	const struct path *path = &file->f_path;

	return IS_ENABLED(CONFIG_MEMFD_CREATE) &&
	       path->dentry->d_sb->s_magic == TMPFS_MAGIC &&
	       (path->mnt->mnt_flags & MNT_INTERNAL) &&
	       S_ISREG(file_inode(file)->i_mode) &&
	       str_has_prefix(path->dentry->d_name.name, CKPT_MEMFD_PREFIX);
}

/*
 * The contents of @file, @size bytes, in chunks that are not all zeros,
 * read at an offset of the checkpoint's own.  The holes of a shmem file
 * (a memfd, a file of tmpfs) are skipped without being read, as
 * lseek(SEEK_DATA) finds them, but without moving the file's offset: a
 * sparse memfd of a terabyte costs what its pages cost.
 */
int checkpoint_file_data(struct ckpt_ctx *ctx, struct file *file, loff_t size)
{
	struct ckpt_hdr_file_data *d;
	loff_t pos = 0, at;
	ssize_t n;
	int ret = 0;

	/* zeroed: the record that ends them has no offset of its own */
	d = kvzalloc(sizeof(*d) + CKPT_FILE_CHUNK, GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	while (pos < size) {
		size_t want;

		if (shmem_mapping(file->f_mapping)) {
			at = mapping_seek_hole_data(file->f_mapping, pos, size,
						    SEEK_DATA);
			if (at < 0)
				break;	/* -ENXIO: only holes are left */
			pos = max(pos, round_down(at, CKPT_FILE_CHUNK));
		}
		want = min_t(loff_t, size - pos, CKPT_FILE_CHUNK);
		at = pos;
		n = kernel_read(file, d->data, want, &pos);
		if (n <= 0) {
			/* cut short meanwhile, by another process: no more */
			ret = n;
			break;
		}
		/* and the next chunk would not start at a chunk */
		if (n < want)
			size = at + n;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		if (!memchr_inv(d->data, 0, n))
			continue;
		d->offset = at;
		ret = ckpt_write_obj(ctx, &d->h, CKPT_HDR_FILE_DATA,
				     sizeof(*d) + n);
		if (ret)
			break;
		pos = at + n;
	}
	d->offset = 0;
	if (!ret)
		ret = ckpt_write_obj(ctx, &d->h, CKPT_HDR_FILE_DATA, sizeof(*d));
	kvfree(d);
	return ret;
}

/* As ftruncate(2) sets the size of @file, open for writing. */
static int ckpt_ftruncate(struct file *file, loff_t size)
{
	struct inode *inode = file_inode(file);
	int ret;

	sb_start_write(inode->i_sb);
	ret = security_file_truncate(file);
	if (!ret)
		ret = do_truncate(file_mnt_idmap(file), file->f_path.dentry,
				  size, ATTR_MTIME | ATTR_CTIME, file);
	sb_end_write(inode->i_sb);
	return ret;
}

/*
 * The memfd record of @file at @fd, after its open file record: all of
 * it, or with @same_as only the id of the memfd's first description.
 */
int checkpoint_memfd(struct ckpt_ctx *ctx, int fd, struct file *file,
		     u32 same_as)
{
	struct inode *inode = file_inode(file);
	struct ckpt_hdr_memfd *h;
	const char *name;
	long seals;
	int ret;

	if (!same_as && !(file->f_mode & FMODE_READ))
		return ckpt_refuse(ctx, -EOPNOTSUPP, fd,
				   "fd %d: a memfd open only for writing: not supported",
				   fd);
	if (inode->i_mode & (S_ISUID | S_ISGID | S_ISVTX))
		return ckpt_refuse(ctx, -EOPNOTSUPP, fd,
				   "fd %d: a memfd with mode %#o: not supported",
				   fd, inode->i_mode & 07777);
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	h->same_as = same_as;
	if (!same_as) {
		seals = memfd_fcntl(file, F_GET_SEALS, 0);
		ret = seals;
		if (seals < 0)
			goto out;
		h->seals = seals;
		h->mode = inode->i_mode & 0777;
		h->size = i_size_read(inode);
		name = file->f_path.dentry->d_name.name +
		       strlen(CKPT_MEMFD_PREFIX);
		strscpy(h->name, name, sizeof(h->name));
	}
	ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_MEMFD, sizeof(*h));
	if (!ret && !same_as)
		ret = checkpoint_file_data(ctx, file, h->size);
out:
	kfree(h);
	return ret;
}

/*
 * Reads the contents of @file, of @size bytes, and writes them in; with
 * no @file (a verify), only reads them.  Each record lies past the one
 * before and inside the size.
 */
int restore_file_data(struct ckpt_ctx *ctx, struct file *file, loff_t size)
{
	struct ckpt_hdr_file_data *d;
	loff_t end = 0, pos;
	size_t len;
	ssize_t n;
	int ret;

	d = kvmalloc(sizeof(*d) + CKPT_FILE_CHUNK, GFP_KERNEL_ACCOUNT);
	if (!d)
		return -ENOMEM;
	for (;;) {
		ret = ckpt_read_obj(ctx, &d->h, CKPT_HDR_FILE_DATA,
				    sizeof(*d), sizeof(*d) + CKPT_FILE_CHUNK);
		if (ret)
			break;
		len = d->h.len - sizeof(*d);
		if (!len) {
			ret = d->offset ? -EBADMSG : 0;
			break;
		}
		ret = -EBADMSG;
		if (d->offset % CKPT_FILE_CHUNK || d->offset < end ||
		    d->offset > size || len > size - d->offset)
			break;
		pos = d->offset;
		n = file ? kernel_write(file, d->data, len, &pos) : len;
		ret = n < 0 ? n : n != len ? -EIO : 0;
		if (ret)
			break;
		end = d->offset + len;
	}
	kvfree(d);
	return ret;
}

/*
 * Reads a memfd record.  For the first description of a memfd, makes the
 * memfd (not for a verify, which reads it all), opened for reading and
 * writing, and returns it, with the seals to add once it is mapped in
 * *@late; for another, returns NULL with the first one's id in
 * *@same_as.
 */
struct file *restore_memfd(struct ckpt_ctx *ctx, u32 *same_as, u32 *late)
{
	struct file *file = NULL;
	struct ckpt_hdr_memfd *h;
	unsigned int flags;
	int ret;

	h = kmalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return ERR_PTR(-ENOMEM);
	ret = ckpt_read_obj(ctx, &h->h, CKPT_HDR_MEMFD, sizeof(*h),
			    sizeof(*h));
	if (ret)
		goto out;
	ret = -EBADMSG;
	if (h->pad || h->mode & ~0777 || h->seals & ~CKPT_MEMFD_SEALS ||
	    !memchr(h->name, '\0', sizeof(h->name)) || h->size > MAX_LFS_FILESIZE)
		goto out;
	*same_as = h->same_as;
	*late = 0;
	if (h->same_as) {
		ret = h->seals || h->mode || h->size || h->name[0] ?
		      -EBADMSG : 0;
		goto out;
	}
	ret = -EFBIG;
	if (h->size > rlimit(RLIMIT_FSIZE)) {
		ckpt_refuse(ctx, ret, -1,
			    "a memfd of %llu bytes: above the restarter's RLIMIT_FSIZE",
			    h->size);
		goto out;
	}

	/* a verify makes nothing: it reads the contents */
	if (ctx->flags & RESTART_VERIFY) {
		ret = restore_file_data(ctx, NULL, h->size);
		goto out;
	}

	/* as memfd_create(2) makes them, then as chmod(2) sets the mode */
	flags = MFD_ALLOW_SEALING;
	if (!(h->mode & 0111) && (h->seals & F_SEAL_EXEC))
		flags |= MFD_NOEXEC_SEAL;
	else
		flags |= MFD_EXEC;
	file = memfd_file_create(h->name, flags);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		if (ret == -EACCES)
			ckpt_refuse(ctx, ret, -1,
				    "an executable memfd, which vm.memfd_noexec forbids the restarter");
		file = NULL;
		goto out;
	}
	ret = ckpt_ftruncate(file, h->size);
	if (!ret)
		ret = restore_file_data(ctx, file, h->size);
	if (ret)
		goto out;
	if ((file_inode(file)->i_mode & 0777) != h->mode)
		ret = vfs_fchmod(file, h->mode);
	/*
	 * F_SEAL_FUTURE_WRITE may have come after a shared writable
	 * mapping, which it lets be but would refuse now: it comes after
	 * the mappings are made, with F_SEAL_SEAL, which must come last
	 * (restore_files_apply()).
	 */
	*late = h->seals & F_SEAL_FUTURE_WRITE ?
		h->seals & (F_SEAL_FUTURE_WRITE | F_SEAL_SEAL) : 0;
	if (!ret)
		ret = restore_memfd_seals(file, h->seals & ~*late);
out:
	kfree(h);
	if (ret) {
		if (file)
			fput(file);
		return ERR_PTR(ret);
	}
	return file;
}

/*
 * Adds @seals to the memfd @file as F_ADD_SEALS would, F_SEAL_SEAL last:
 * when it is made, and past the point of no return, once it is mapped,
 * the seals that had to wait for that.
 */
int restore_memfd_seals(struct file *file, u32 seals)
{
	int ret = 0;

	if (seals & ~F_SEAL_SEAL)
		ret = memfd_fcntl(file, F_ADD_SEALS, seals & ~F_SEAL_SEAL);
	if (!ret && (seals & F_SEAL_SEAL))
		ret = memfd_fcntl(file, F_ADD_SEALS, F_SEAL_SEAL);
	return ret;
}

/*
 * A regular file deleted while open: its contents, up to
 * CKPT_DELETED_MAX bytes, go in the image with its first description,
 * and restart makes it again as an O_TMPFILE file in the directory it
 * was deleted from, which the caller must be allowed to write to, as
 * open(O_TMPFILE) checks: a file with no name, the caller's, with the
 * image's contents and permission bits.  A file deleted under one name
 * but linked under another is refused, as are set-id bits.
 */
int checkpoint_deleted(struct ckpt_ctx *ctx, int fd, struct file *file,
		       u32 same_as)
{
	struct inode *inode = file_inode(file);
	struct ckpt_hdr_deleted h = {};
	loff_t size = i_size_read(inode);
	int ret;

	h.same_as = same_as;
	if (!same_as) {
		if (inode->i_nlink)
			return ckpt_refuse(ctx, -EOPNOTSUPP, fd,
					   "fd %d: %pD was deleted, but has another name (a hard link): not supported",
					   fd, file);
		if (!(file->f_mode & FMODE_READ))
			return ckpt_refuse(ctx, -EOPNOTSUPP, fd,
					   "fd %d: %pD was deleted, and is open only for writing: not supported",
					   fd, file);
		if (inode->i_mode & (S_ISUID | S_ISGID | S_ISVTX))
			return ckpt_refuse(ctx, -EOPNOTSUPP, fd,
					   "fd %d: %pD was deleted, and has mode %#o: not supported",
					   fd, file, inode->i_mode & 07777);
		if (size > CKPT_DELETED_MAX)
			return ckpt_refuse(ctx, -EOPNOTSUPP, fd,
					   "fd %d: %pD was deleted, and holds %lld bytes, more than the %llu an image keeps",
					   fd, file, size, CKPT_DELETED_MAX);
		h.mode = inode->i_mode & 0777;
		h.size = size;
	}
	ret = ckpt_write_obj(ctx, &h.h, CKPT_HDR_DELETED, sizeof(h));
	if (ret || same_as)
		return ret;
	ret = ckpt_write_deleted_path(ctx, &file->f_path, fd);
	return ret ?: checkpoint_file_data(ctx, file, size);
}

/*
 * Makes the deleted file of @name again, in the directory of its name,
 * with @mode; a verify only checks that it could.  Returns the file,
 * open for reading and writing, NULL for a verify, or an ERR_PTR().
 */
static struct file *restore_deleted_make(struct ckpt_ctx *ctx, char *name,
					 umode_t mode)
{
	char *slash = strrchr(name, '/');
	struct file *file = NULL;
	struct inode *dir;
	struct path path;
	int ret;

	if (!slash || !slash[1])
		return ERR_PTR(-EBADMSG);
	*slash = '\0';
	ret = vfs_path_lookup(ctx->p.root.dentry, ctx->p.root.mnt,
			      slash == name ? "/" : name,
			      LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &path);
	*slash = '/';
	if (ret) {
		ckpt_refuse(ctx, ret, -1,
			    "%s was deleted, and its directory is not there",
			    name);
		return ERR_PTR(ret);
	}
	dir = d_inode(path.dentry);
	/* as open(O_TMPFILE) checks and makes it */
	ret = dir->i_op->tmpfile ? 0 : -EOPNOTSUPP;
	if (!ret && (ctx->flags & RESTART_VERIFY))
		ret = inode_permission(mnt_idmap(path.mnt), dir,
				       MAY_WRITE | MAY_EXEC);
	else if (!ret)
		ret = mnt_want_write(path.mnt);
	if (!ret && !(ctx->flags & RESTART_VERIFY)) {
		/* O_EXCL: as the file deleted, it can never be linked again */
		file = kernel_tmpfile_open(mnt_idmap(path.mnt), &path, mode,
					   O_RDWR | O_LARGEFILE | O_EXCL,
					   current_cred());
		mnt_drop_write(path.mnt);
		if (IS_ERR(file)) {
			ret = PTR_ERR(file);
			file = NULL;
		}
	}
	path_put(&path);
	if (ret) {
		ckpt_refuse(ctx, ret, -1,
			    "%s was deleted, and cannot be made again in its directory (open(O_TMPFILE))",
			    name);
		return ERR_PTR(ret);
	}
	return file;
}

/*
 * Reads a deleted file's record.  For its first description, makes the
 * file again (not for a verify, which reads it all), and returns it; for
 * another, returns NULL with the first one's id in *@same_as.
 */
struct file *restore_deleted(struct ckpt_ctx *ctx, u32 *same_as)
{
	struct ckpt_hdr_file *name = NULL;
	struct file *file = NULL;
	struct ckpt_hdr_deleted h;
	int ret;

	ret = ckpt_read_obj(ctx, &h.h, CKPT_HDR_DELETED, sizeof(h), sizeof(h));
	if (ret)
		return ERR_PTR(ret);
	*same_as = h.same_as;
	if (h.same_as)
		return h.mode || h.size ? ERR_PTR(-EBADMSG) : NULL;
	if (h.mode & ~0777 || h.size > CKPT_DELETED_MAX)
		return ERR_PTR(-EBADMSG);
	if (h.size > rlimit(RLIMIT_FSIZE)) {
		ckpt_refuse(ctx, -EFBIG, -1,
			    "a deleted file of %llu bytes: above the restarter's RLIMIT_FSIZE",
			    h.size);
		return ERR_PTR(-EFBIG);
	}
	name = ckpt_read_file(ctx, CKPT_HDR_FILE_PATH);
	if (IS_ERR(name))
		return ERR_CAST(name);
	ret = -EBADMSG;
	if (!S_ISREG(name->mode))
		goto out;
	/* written to while the caller's alone, then given the image's mode */
	file = restore_deleted_make(ctx, name->path, S_IFREG | 0600);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		file = NULL;
		goto out;
	}
	ret = file ? ckpt_ftruncate(file, h.size) : 0;
	if (!ret)
		ret = restore_file_data(ctx, file, h.size);
	/* as fchmod(2) sets it: umask may have taken bits off 0600 */
	if (!ret && file && (file_inode(file)->i_mode & 0777) != h.mode)
		ret = vfs_fchmod(file, h.mode);
out:
	kfree(name);
	if (ret) {
		if (file)
			fput(file);
		return ERR_PTR(ret);
	}
	return file;
}
