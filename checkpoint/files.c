// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of open files: the file descriptor table, the open
 * file descriptions it points to, and the pipes behind them.
 *
 * An open file description shared by several fds (dup(2), or inherited)
 * is written once, at its lowest fd, and named by id after that; so is
 * a pipe both of whose ends are open.  Files with a name are reopened by
 * path, from the restarter's root and with its rights; pipes are made
 * anew and given their unread data.  Everything is opened and made
 * before restart's point of no return; after it, the restarter's fds are
 * closed and the image's installed at their numbers.
 */
#include <linux/bsearch.h>
#include <linux/checkpoint.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/filelock.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/highmem.h>
#include <linux/hugetlb.h>
#include <linux/kdev_t.h>
#include <linux/major.h>
#include <linux/mm.h>
#include <linux/namei.h>
#include <linux/pipe_fs_i.h>
#include <linux/poll.h>
#include <linux/security.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/splice.h>
#include <linux/uaccess.h>
#include <uapi/linux/magic.h>
/* after linux/fs.h and linux/uaccess.h, which it needs */
#include <linux/eventpoll.h>

/* the open flags an image keeps: the access mode and status flags */
#define CKPT_O_FLAGS	(O_ACCMODE | O_APPEND | O_NONBLOCK | O_DSYNC | \
			 __O_SYNC | O_DIRECT | O_NOATIME | O_PATH | \
			 O_DIRECTORY | O_NOFOLLOW | O_LARGEFILE | O_CLOEXEC)

/* pipe data goes in records of at most this much */
#define CKPT_PIPE_CHUNK	(15 * PAGE_SIZE)
/*
 * A pipe buffer holds at most a page when written, and up to 32 KiB when
 * spliced from a socket (compound pages): a pipe of N slots holds at most
 * N times this.
 */
#define CKPT_PIPE_SLOT_MAX	SZ_32K

/* The events an epoll item may ask for, as epoll_ctl(2) takes them. */
#define CKPT_EPOLL_EVENTS	(EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLERR | \
				 EPOLLHUP | EPOLLNVAL | EPOLLRDNORM | \
				 EPOLLRDBAND | EPOLLWRNORM | EPOLLWRBAND | \
				 EPOLLMSG | EPOLLRDHUP | EPOLLWAKEUP | \
				 EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)
/* an item of none but these is a one-shot that fired */
#define CKPT_EPOLL_PRIVATE	(EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | \
				 EPOLLEXCLUSIVE)
/* and with EPOLLEXCLUSIVE */
#define CKPT_EPOLL_EXCL_OK	(EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | \
				 EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE)

/* Open file descriptions and pipes seen so far, with the ids they got. */
struct ckpt_seen {
	DECLARE_HASHTABLE(hash, 8);
	u32 nr_files, nr_pipes;
	fl_owner_t owner;		/* of the target's POSIX locks */
};

struct ckpt_seen_obj {
	struct hlist_node node;
	const void *key;
	u32 id;
};

static u32 ckpt_seen_id(struct ckpt_seen *seen, const void *key)
{
	struct ckpt_seen_obj *obj;

	hash_for_each_possible(seen->hash, obj, node, (unsigned long)key)
		if (obj->key == key)
			return obj->id;
	return 0;
}

static int ckpt_seen_add(struct ckpt_seen *seen, const void *key, u32 id)
{
	struct ckpt_seen_obj *obj = kmalloc(sizeof(*obj), GFP_KERNEL);

	if (!obj)
		return -ENOMEM;
	obj->key = key;
	obj->id = id;
	hash_add(seen->hash, &obj->node, (unsigned long)key);
	return 0;
}

static void ckpt_seen_free(struct ckpt_seen *seen)
{
	struct ckpt_seen_obj *obj;
	struct hlist_node *tmp;
	int bkt;

	hash_for_each_safe(seen->hash, bkt, tmp, obj, node) {
		hash_del(&obj->node);
		kfree(obj);
	}
}

/* The operation's table of what it has seen, made at its first use. */
static int ckpt_seen_alloc(struct ckpt_ctx *ctx)
{
	if (ctx->seen)
		return 0;
	ctx->seen = kmalloc(sizeof(*ctx->seen), GFP_KERNEL);
	if (!ctx->seen)
		return -ENOMEM;
	hash_init(ctx->seen->hash);
	ctx->seen->nr_files = 0;
	ctx->seen->nr_pipes = 0;
	return 0;
}

/* One fd of the target, with a reference on its file. */
struct ckpt_fd {
	unsigned int fd;
	bool cloexec;
	bool first;		/* the lowest fd on its description */
	struct file *file;
};

/*
 * Devices restart can open again by name as the same thing: the memory
 * devices, and the terminals that are there for anyone who may open them
 * (consoles, serial lines).  A pseudo-terminal is not: its pair is made
 * by whoever opens /dev/ptmx, and /dev/tty is the opener's controlling
 * terminal, not the process's.
 */
static bool ckpt_chr_supported(dev_t rdev)
{
	switch (MAJOR(rdev)) {
	case MEM_MAJOR:		/* null, zero, full, random, urandom */
		return MINOR(rdev) == 3 || MINOR(rdev) == 5 ||
		       MINOR(rdev) == 7 || MINOR(rdev) == 8 ||
		       MINOR(rdev) == 9;
	case TTY_MAJOR:		/* virtual consoles, serial lines */
		return true;
	case TTYAUX_MAJOR:	/* /dev/console only */
		return MINOR(rdev) == 1;
	}
	return false;
}

static bool ckpt_chr_is_pty(dev_t rdev)
{
	return (MAJOR(rdev) == TTYAUX_MAJOR && MINOR(rdev) == 2) ||
	       (MAJOR(rdev) >= UNIX98_PTY_MASTER_MAJOR &&
		MAJOR(rdev) < UNIX98_PTY_SLAVE_MAJOR + UNIX98_PTY_MAJOR_COUNT);
}

/* An event object: its state is in the image, it has no name. */
static bool ckpt_kind_is_anon(u32 kind)
{
	return kind == CKPT_FILE_EVENTFD || kind == CKPT_FILE_SIGNALFD ||
	       kind == CKPT_FILE_TIMERFD || kind == CKPT_FILE_EPOLL;
}

/* Whether the target holds a lease through @file: restart cannot take it. */
static bool ckpt_file_leased(struct file *file)
{
	struct file_lock_context *flctx;
	struct file_lock_core *flc;
	bool leased = false;

	if (!IS_ENABLED(CONFIG_FILE_LOCKING))
		return false;
	flctx = locks_inode_context(file_inode(file));
	if (!flctx)
		return false;
	spin_lock(&flctx->flc_lock);
	list_for_each_entry(flc, &flctx->flc_lease, flc_list)
		if (flc->flc_file == file)
			leased = true;
	spin_unlock(&flctx->flc_lock);
	return leased;
}

static int ckpt_file_kind(struct ckpt_ctx *ctx, unsigned int fd,
			  struct file *file, u32 *kind)
{
	struct inode *inode = file_inode(file);
	umode_t mode = inode->i_mode;
	int ret;

	if (ckpt_anon_kind(file, kind))
		goto common;
	if (ckpt_inotify_is(file)) {
		*kind = CKPT_FILE_INOTIFY;
		goto common;
	}
	if (ckpt_memfd_is(file)) {
		*kind = CKPT_FILE_MEMFD;
		goto common;
	}
	ret = ckpt_refuse_internal(ctx, file, fd);
	if (ret)
		return ret;
	if (S_ISREG(mode))
		*kind = d_unlinked(file->f_path.dentry) ? CKPT_FILE_DELETED :
							  CKPT_FILE_REG;
	else if (S_ISDIR(mode))
		*kind = CKPT_FILE_DIR;
	else if (S_ISCHR(mode) && ckpt_chr_supported(inode->i_rdev) &&
		 !(file->f_mode & FMODE_PATH))
		*kind = CKPT_FILE_CHR;
	else if (S_ISFIFO(mode) && get_pipe_info(file, false) &&
		 pipe_has_watch_queue(get_pipe_info(file, false)))
		return ckpt_refuse(ctx, -EOPNOTSUPP, fd,
				   "fd %u: a notification pipe (O_NOTIFICATION_PIPE): not supported",
				   fd);
	else if (S_ISFIFO(mode) && get_pipe_info(file, false))
		*kind = inode->i_sb->s_magic == PIPEFS_MAGIC ?
			CKPT_FILE_PIPE : CKPT_FILE_FIFO;
	else if (S_ISSOCK(mode))
		return ckpt_refuse(ctx, -EOPNOTSUPP, fd,
				   "fd %u: a socket: not supported", fd);
	else if (S_ISCHR(mode) && ckpt_chr_is_pty(inode->i_rdev))
		return ckpt_refuse(ctx, -EOPNOTSUPP, fd,
				   "fd %u: a pseudo-terminal (%pD): not supported yet",
				   fd, file);
	else if (S_ISCHR(mode) && inode->i_rdev == MKDEV(TTYAUX_MAJOR, 0))
		return ckpt_refuse(ctx, -EOPNOTSUPP, fd,
				   "fd %u: /dev/tty, a controlling terminal: not supported yet",
				   fd);
	else if (S_ISCHR(mode) || S_ISBLK(mode))
		return ckpt_refuse(ctx, -EOPNOTSUPP, fd,
				   "fd %u: device %u:%u (%pD): not supported",
				   fd, MAJOR(inode->i_rdev),
				   MINOR(inode->i_rdev), file);
	else
		return ckpt_refuse(ctx, -EOPNOTSUPP, fd,
				   "fd %u: %pD: not supported", fd, file);

common:
	if (ckpt_file_leased(file))
		return ckpt_refuse(ctx, -EOPNOTSUPP, fd,
				   "fd %u: a lease on %pD: not supported", fd,
				   file);
	if (file->f_flags & FASYNC)
		return ckpt_refuse(ctx, -EOPNOTSUPP, fd,
				   "fd %u: signal-driven I/O (O_ASYNC): not supported",
				   fd);
	return 0;
}

/*
 * Copies the unread data of @pipe, whose lock the caller holds, into @data,
 * which has room for @len bytes, and the length of each buffer that holds
 * some into @packet, when given.  A buffer may span several pages: splice
 * from a socket queues compound pages of up to 32 KiB.
 */
static int ckpt_pipe_copy(struct pipe_inode_info *pipe, u8 *data, size_t len,
			  u32 *packet)
{
	unsigned int slot, nr = 0;
	size_t done = 0;
	int ret;

	for (slot = pipe->tail; slot != pipe->head; slot++) {
		struct pipe_buffer *buf = pipe_buf(pipe, slot);
		size_t off = buf->offset, left = buf->len, n;

		ret = pipe_buf_confirm(pipe, buf);
		if (ret)
			return ret;
		/* sized under this lock: nothing may add to it */
		if (left > len - done)
			return -EBUSY;
		if (packet && left)
			packet[nr++] = left;
		while (left) {
			n = min_t(size_t, left, PAGE_SIZE - offset_in_page(off));
			memcpy_from_page(data + done,
					 nth_page(buf->page, off >> PAGE_SHIFT),
					 offset_in_page(off), n);
			off += n;
			left -= n;
			done += n;
		}
	}
	return 0;
}

/*
 * Sizes the unread data of @pipe, locked, and says how it is queued: as a
 * byte stream, or as packets (O_DIRECT), whose boundaries the image keeps.
 * Returns the byte count, or a refusal.
 */
static long ckpt_pipe_size(struct ckpt_ctx *ctx, unsigned int fd,
			   struct pipe_inode_info *pipe, bool *packets)
{
	unsigned int slot, nr = 0, nr_packets = 0;
	size_t len = 0;

	for (slot = pipe->tail; slot != pipe->head; slot++) {
		struct pipe_buffer *buf = pipe_buf(pipe, slot);

		/* an empty packet reads as an end of file: not the same */
		if (!buf->len && buf->flags & PIPE_BUF_FLAG_PACKET)
			return ckpt_refuse(ctx, -EOPNOTSUPP, fd,
					   "fd %u: a pipe holding an empty packet: not supported",
					   fd);
		/* an empty buffer of a byte stream, readers skip */
		if (!buf->len)
			continue;
		len += buf->len;
		nr++;
		if (buf->flags & PIPE_BUF_FLAG_PACKET)
			nr_packets++;
	}
	*packets = nr && nr_packets == nr;
	if (nr_packets && nr_packets != nr)
		return ckpt_refuse(ctx, -EOPNOTSUPP, fd,
				   "fd %u: a pipe holding both packets (O_DIRECT) and a byte stream: not supported",
				   fd);
	if (len > (size_t)pipe->max_usage * CKPT_PIPE_SLOT_MAX)
		return ckpt_refuse(ctx, -EOPNOTSUPP, fd,
				   "fd %u: a pipe holding %zu bytes in %u buffers: not supported",
				   fd, len, pipe->max_usage);
	return len;
}

/*
 * The unread data of @pipe, and its capacity, into the image.  The data is
 * copied out under the pipe's lock and written after it, since the image
 * may go to this very pipe.  A pipe may hold more than its capacity (a
 * splice queues buffers larger than a page): the image says how much.
 * Packets (packet mode, O_DIRECT) go one to a data record.
 *
 * Only a process that may read the pipe (@readable: it holds a
 * description of it open for reading) has its data in the image.  The
 * data of a pipe it only writes to is its readers', and may be another
 * user's (a FIFO anyone may write to): it stays with them, in the pipe,
 * and the image holds none.
 */
static int checkpoint_pipe(struct ckpt_ctx *ctx, unsigned int fd,
			   struct pipe_inode_info *pipe, u32 id, bool readable)
{
	struct ckpt_hdr_pipe_data *d = NULL;
	struct ckpt_hdr_pipe h = {};
	size_t chunk, len = 0, done;
	unsigned int slot;
	u32 *packet = NULL;
	bool packets = false;
	u8 *data = NULL;
	long ret;

	pipe_lock(pipe);
	ret = readable ? ckpt_pipe_size(ctx, fd, pipe, &packets) : 0;
	if (ret <= 0)
		goto unlock;
	len = ret;
	ret = -ENOMEM;
	data = kvmalloc(len, GFP_KERNEL_ACCOUNT);
	if (packets)
		packet = kvmalloc_array(pipe_occupancy(pipe->head, pipe->tail),
					sizeof(*packet), GFP_KERNEL_ACCOUNT);
	if (!data || (packets && !packet))
		goto unlock;
	ret = ckpt_pipe_copy(pipe, data, len, packet);
unlock:
	h.size = pipe->max_usage * PAGE_SIZE;
	pipe_unlock(pipe);
	if (ret < 0)
		goto out;

	h.id = id;
	h.nr_bytes = len;
	h.flags = packets ? CKPT_PIPE_PACKETS : 0;
	ret = ckpt_write_obj(ctx, &h.h, CKPT_HDR_PIPE, sizeof(h));
	if (ret || !h.nr_bytes)
		goto out;

	ret = -ENOMEM;
	d = kmalloc(sizeof(*d) + CKPT_PIPE_CHUNK, GFP_KERNEL);
	if (!d)
		goto out;
	for (ret = 0, done = 0, slot = 0; !ret && done < h.nr_bytes;
	     done += chunk) {
		chunk = packets ? packet[slot++] :
			min_t(size_t, h.nr_bytes - done, CKPT_PIPE_CHUNK);
		memcpy(d->data, data + done, chunk);
		ret = ckpt_write_obj(ctx, &d->h, CKPT_HDR_PIPE_DATA,
				     sizeof(*d) + chunk);
	}
out:
	kfree(d);
	kvfree(packet);
	kvfree(data);
	return ret;
}

/* Whether one of the @nr fds holds the pipe @pipe open for reading. */
static bool ckpt_pipe_readable(const struct ckpt_fd *fds, unsigned int nr,
			       struct pipe_inode_info *pipe)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (fds[i].file->f_mode & FMODE_READ &&
		    get_pipe_info(fds[i].file, false) == pipe)
			return true;
	return false;
}

/*
 * A memfd or a deleted file is written with its first description;
 * another description of it names that one.  Its key is the file's
 * memory, which no other kind uses as one.
 */
static int checkpoint_made_desc(struct ckpt_ctx *ctx, struct ckpt_seen *seen,
				struct ckpt_fd *f, u32 id, u32 kind)
{
	const void *key = file_inode(f->file)->i_mapping;
	u32 same_as = ckpt_seen_id(seen, key);
	int ret;

	if (!same_as) {
		ret = ckpt_seen_add(seen, key, id);
		if (ret)
			return ret;
	}
	if (kind == CKPT_FILE_MEMFD)
		return checkpoint_memfd(ctx, f->fd, f->file, same_as);
	return checkpoint_deleted(ctx, f->fd, f->file, same_as);
}

static int checkpoint_open_file(struct ckpt_ctx *ctx, struct ckpt_seen *seen,
				struct ckpt_fd *f, u32 id,
				const struct ckpt_fd *fds, unsigned int nr)
{
	struct ckpt_hdr_open_file h = {};
	struct pipe_inode_info *pipe;
	bool new_pipe = false;
	int ret;

	h.id = id;
	ret = ckpt_file_kind(ctx, f->fd, f->file, &h.kind);
	if (ret)
		return ret;
	h.flags = f->file->f_flags & CKPT_O_FLAGS & ~O_CLOEXEC;
	h.pos = f->file->f_pos;

	pipe = get_pipe_info(f->file, false);
	if (pipe) {
		h.pipe = ckpt_seen_id(seen, pipe);
		if (!h.pipe) {
			h.pipe = ++seen->nr_pipes;
			ret = ckpt_seen_add(seen, pipe, h.pipe);
			if (ret)
				return ret;
			new_pipe = true;
		}
	}

	/* restart gives them those fcntl(F_SETFL) gives anyone */
	if (ckpt_kind_is_anon(h.kind) &&
	    h.flags & ~(O_RDWR | O_APPEND | O_NONBLOCK))
		return ckpt_refuse(ctx, -EOPNOTSUPP, f->fd,
				   "fd %u: status flags %#o on %pD: not supported",
				   f->fd, h.flags, f->file);
	if (h.kind == CKPT_FILE_MEMFD &&
	    h.flags & ~(O_ACCMODE | O_APPEND | O_NONBLOCK | O_LARGEFILE))
		return ckpt_refuse(ctx, -EOPNOTSUPP, f->fd,
				   "fd %u: status flags %#o on a memfd: not supported",
				   f->fd, h.flags);
	if (h.kind == CKPT_FILE_INOTIFY && h.flags & ~(O_APPEND | O_NONBLOCK))
		return ckpt_refuse(ctx, -EOPNOTSUPP, f->fd,
				   "fd %u: status flags %#o on an inotify instance: not supported",
				   f->fd, h.flags);
	ret = ckpt_write_obj(ctx, &h.h, CKPT_HDR_OPEN_FILE, sizeof(h));
	if (ret)
		return ret;
	if (h.kind == CKPT_FILE_INOTIFY)
		return checkpoint_inotify(ctx, f->fd, f->file);
	if (ckpt_kind_is_anon(h.kind))
		return checkpoint_anon_file(ctx, f->file, h.kind);
	if (h.kind == CKPT_FILE_MEMFD || h.kind == CKPT_FILE_DELETED)
		return checkpoint_made_desc(ctx, seen, f, id, h.kind);
	if (h.kind != CKPT_FILE_PIPE)
		ret = ckpt_write_file(ctx, CKPT_HDR_FILE_PATH, f->file,
				      f->fd);
	/*
	 * A tree's anonymous pipes have all their ends in the tree (tree.c):
	 * one that a process of it reads has its data in the image.
	 */
	if (!ret && new_pipe)
		ret = checkpoint_pipe(ctx, f->fd, pipe, h.pipe,
				      ckpt_pipe_readable(fds, nr, pipe) ||
				      (ctx->flags & CHECKPOINT_TREE &&
				       h.kind == CKPT_FILE_PIPE &&
				       READ_ONCE(pipe->readers)));
	return ret;
}

/*
 * The fds of the target, with a reference on each file, into an array
 * the caller frees with ckpt_fds_put().  An fd on the image being
 * written is left out: a self-checkpoint's, or one the target shares
 * with the checkpointer.
 */
static struct ckpt_fd *ckpt_fds_get(struct ckpt_ctx *ctx, unsigned int *nr)
{
	struct task_struct *task = ctx->p.task;
	unsigned int fd, n = 0, max = 0;
	struct ckpt_fd *fds = NULL;
	struct file *file;

	for (;;) {
		for (fd = 0, n = 0;; fd++) {
			rcu_read_lock();
			file = task_lookup_next_fdget_rcu(task, &fd);
			rcu_read_unlock();
			if (!file)
				break;
			if (file == ctx->file) {
				fput(file);
				continue;
			}
			if (n < max) {
				fds[n].fd = fd;
				fds[n].file = file;
				task_lock(task);
				rcu_read_lock();
				fds[n].cloexec = task->files &&
						 close_on_exec(fd, task->files);
				rcu_read_unlock();
				task_unlock(task);
			} else {
				fput(file);
			}
			n++;
		}
		if (n <= max)
			break;
		/* counted, or grown meanwhile: again, with room for all */
		while (max)
			fput(fds[--max].file);
		kvfree(fds);
		max = n;
		fds = kvmalloc_array(max, sizeof(*fds), GFP_KERNEL);
		if (!fds)
			return ERR_PTR(-ENOMEM);
	}
	*nr = n;
	return fds;
}

static void ckpt_fds_put(struct ckpt_fd *fds, unsigned int nr)
{
	while (nr)
		fput(fds[--nr].file);
	kvfree(fds);
}

/* The target's file locks, collected for their records. */
struct ckpt_locks {
	struct ckpt_hdr_file_lock *l;
	unsigned int nr, cap;
};

/* Adds lock @flc as the @n-th, if there is room; counts it anyway. */
static void ckpt_lock_add(struct ckpt_locks *locks, unsigned int *n, u32 id,
			  u16 kind, struct file_lock_core *flc)
{
	struct file_lock *fl = container_of(flc, struct file_lock, c);
	struct ckpt_hdr_file_lock *l;

	if (*n < locks->cap) {
		l = &locks->l[*n];
		memset(l, 0, sizeof(*l));
		l->file = id;
		l->kind = kind;
		l->type = flc->flc_type;
		l->start = fl->fl_start;
		l->end = fl->fl_end;
	}
	(*n)++;
}

/*
 * Collects the locks held through the description of @f, whose id is
 * @id: its flock(2) lock and its OFD locks; with @posix, the first time
 * its inode comes, the target's POSIX locks on the inode too, each named
 * by the description it was taken through.  Another process sharing the
 * description may take or drop its flock and OFD locks meanwhile: the
 * image has them as one walk of the inode's lists saw them.
 */
static int ckpt_file_locks(struct ckpt_ctx *ctx, struct ckpt_seen *seen,
			   const struct ckpt_fd *f, u32 id, bool desc,
			   bool posix, struct ckpt_locks *locks)
{
	struct file *file = f->file;
	struct inode *inode = file_inode(file);
	struct file_lock_context *flctx = locks_inode_context(inode);
	struct file_lock_core *flc;
	char at[16];
	bool missing;
	unsigned int n;
	int ret;

	if (!flctx)
		return 0;
again:
	n = locks->nr;
	missing = false;
	spin_lock(&flctx->flc_lock);
	list_for_each_entry(flc, &flctx->flc_flock, flc_list)
		if (desc && flc->flc_file == file)
			ckpt_lock_add(locks, &n, id, CKPT_LOCK_FLOCK, flc);
	list_for_each_entry(flc, &flctx->flc_posix, flc_list) {
		if (flc->flc_flags & FL_OFDLCK) {
			if (desc && flc->flc_file == file)
				ckpt_lock_add(locks, &n, id, CKPT_LOCK_OFD,
					      flc);
		} else if (posix && flc->flc_owner == seen->owner) {
			u32 by = ckpt_seen_id(seen, flc->flc_file);

			missing |= !by;
			ckpt_lock_add(locks, &n, by, CKPT_LOCK_POSIX, flc);
		}
	}
	spin_unlock(&flctx->flc_lock);

	if (n == locks->nr)
		return 0;
	/* a description only a mapping holds has no fd to name */
	if (f->fd == -1U)
		strscpy(at, "a mapping", sizeof(at));
	else
		snprintf(at, sizeof(at), "fd %u", f->fd);
	if (!S_ISREG(inode->i_mode) && !S_ISDIR(inode->i_mode))
		return ckpt_refuse(ctx, -EOPNOTSUPP, (int)f->fd,
				   "%s: a lock on %pD, not a regular file or a directory: not supported",
				   at, file);
	if (file->f_op->lock || file->f_op->flock)
		return ckpt_refuse(ctx, -EOPNOTSUPP, (int)f->fd,
				   "%s: a lock on %pD, whose filesystem (%s) keeps its own: not supported",
				   at, file, inode->i_sb->s_type->name);
	/* a close of the description would have dropped them */
	if (missing)
		return ckpt_refuse(ctx, -EOPNOTSUPP, (int)f->fd,
				   "%s: a POSIX lock on %pD through a file no longer open",
				   at, file);
	if (n > CKPT_LOCKS_MAX)
		return ckpt_refuse(ctx, -EOPNOTSUPP, f->fd,
				   "more than %u file locks: not supported",
				   CKPT_LOCKS_MAX);
	if (n > locks->cap) {
		ret = ckpt_array_grow((void **)&locks->l, &locks->cap, n - 1,
				      sizeof(*locks->l));
		if (ret)
			return ret;
		goto again;
	}
	locks->nr = n;
	return 0;
}

/*
 * The locks section: every lock the target holds, through any of its
 * fds.  Its own POSIX locks cannot change while it is stopped.  A flock
 * or OFD lock is the description's, written with it, by the first
 * process that has it; a POSIX lock the process's own, looked for on
 * each inode it has open, once (@inodes).
 */
static int checkpoint_file_locks(struct ckpt_ctx *ctx, struct ckpt_seen *seen,
				 const struct ckpt_fd *fds, unsigned int nr)
{
	struct ckpt_hdr_file_locks h = {};
	struct ckpt_locks locks = {};
	struct ckpt_seen *inodes;
	struct inode *inode;
	unsigned int i;
	bool posix;
	int ret = 0;

	inodes = kmalloc(sizeof(*inodes), GFP_KERNEL);
	if (!inodes)
		return -ENOMEM;
	hash_init(inodes->hash);
	for (i = 0; IS_ENABLED(CONFIG_FILE_LOCKING) && !ret && i < nr; i++) {
		inode = file_inode(fds[i].file);
		posix = !ckpt_seen_id(inodes, inode);
		if (posix) {
			ret = ckpt_seen_add(inodes, inode, 1);
			if (ret)
				break;
		}
		if (!fds[i].first && !posix)
			continue;
		ret = ckpt_file_locks(ctx, seen, &fds[i],
				      ckpt_seen_id(seen, fds[i].file),
				      fds[i].first, posix, &locks);
	}
	ckpt_seen_free(inodes);
	kfree(inodes);
	/*
	 * and the flock and OFD locks of those that mappings alone hold; a
	 * POSIX lock on such a file went with the close of its last fd
	 */
	for (i = 0; IS_ENABLED(CONFIG_FILE_LOCKING) && !ret &&
	     i < ctx->p.nr_made_maps; i++) {
		struct ckpt_fd f = { .fd = -1, .file = ctx->p.made_maps[i].file };

		if (ctx->p.made_maps[i].own)
			ret = ckpt_file_locks(ctx, seen, &f,
					      ctx->p.made_maps[i].id, true,
					      false, &locks);
	}
	h.nr = locks.nr;
	if (!ret)
		ret = ckpt_write_obj(ctx, &h.h, CKPT_HDR_FILE_LOCKS, sizeof(h));
	for (i = 0; !ret && i < locks.nr; i++)
		ret = ckpt_write_obj(ctx, &locks.l[i].h, CKPT_HDR_FILE_LOCK,
				     sizeof(locks.l[i]));
	kvfree(locks.l);
	return ret;
}

/* The items of one epoll, as its walk finds them. */
struct ckpt_epoll_walk {
	struct ckpt_seen *seen;
	const struct ckpt_fd *fds;
	unsigned int nr_fds;
	struct ckpt_hdr_epoll_item *item;
	unsigned int nr, cap;
	int fd;				/* the epoll's, for a refusal */
	struct ckpt_ctx *ctx;
};

static int ckpt_cmp_fd(const void *key, const void *elt)
{
	int fd = *(const int *)key, at = ((const struct ckpt_fd *)elt)->fd;

	return fd < at ? -1 : fd > at;
}

/* The file at fd @fd of the target, among @fds, sorted by fd; or NULL. */
static struct file *ckpt_fd_file(const struct ckpt_fd *fds, unsigned int nr,
				 int fd)
{
	const struct ckpt_fd *f = bsearch(&fd, fds, nr, sizeof(*fds),
					  ckpt_cmp_fd);

	return f ? f->file : NULL;
}

/*
 * One item of an epoll, with the epoll's mutex held: the description it
 * watches must be the process's, at the fd it was added through, which
 * restart adds it through again.
 */
static int ckpt_epoll_item(void *arg, struct file *tfile, int fd,
			   __poll_t events, u64 data)
{
	struct ckpt_epoll_walk *w = arg;
	struct ckpt_hdr_epoll_item *it;
	u32 id = ckpt_seen_id(w->seen, tfile);
	int ret;

	if (!id || ckpt_fd_file(w->fds, w->nr_fds, fd) != tfile)
		return ckpt_refuse(w->ctx, -EOPNOTSUPP, w->fd,
				   "fd %d: an epoll watching fd %d, %s: not supported",
				   w->fd, fd, id ?
				   "since closed, its file open at another fd" :
				   "a file the process has no fd of");
	if ((__force u32)events & ~CKPT_EPOLL_EVENTS)
		return ckpt_refuse(w->ctx, -EOPNOTSUPP, w->fd,
				   "fd %d: an epoll watching fd %d for events %#x: not supported",
				   w->fd, fd, (__force u32)events);
	if (w->nr == CKPT_EPOLL_ITEMS_MAX)
		return ckpt_refuse(w->ctx, -EOPNOTSUPP, w->fd,
				   "fd %d: an epoll watching more than %u files: not supported",
				   w->fd, CKPT_EPOLL_ITEMS_MAX);
	ret = ckpt_array_grow((void **)&w->item, &w->cap, w->nr,
			      sizeof(*w->item));
	if (ret)
		return ret;
	it = &w->item[w->nr++];
	it->fd = fd;
	it->file = id;
	it->events = (__force u32)events;
	it->data = data;
	return 0;
}

/*
 * The epoll section: the interest list of each epoll description, once
 * every description has its id, so that an item can name the one it
 * watches.
 */
static int checkpoint_epolls(struct ckpt_ctx *ctx, struct ckpt_seen *seen,
			     const struct ckpt_fd *fds, unsigned int nr)
{
	struct ckpt_epoll_walk w = {
		.seen = seen, .fds = fds, .nr_fds = nr, .ctx = ctx,
	};
	struct ckpt_hdr_epoll h = {};
	unsigned int i, j;
	int ret = 0;

	for (i = 0; !ret && i < nr; i++) {
		if (!fds[i].first || !eventpoll_file_is(fds[i].file))
			continue;
		w.nr = 0;
		w.fd = fds[i].fd;
		ret = eventpoll_file_items(fds[i].file, ckpt_epoll_item, &w);
		if (ret)
			break;
		h.file = ckpt_seen_id(seen, fds[i].file);
		h.nr = w.nr;
		ret = ckpt_write_obj(ctx, &h.h, CKPT_HDR_EPOLL, sizeof(h));
		for (j = 0; !ret && j < w.nr; j++)
			ret = ckpt_write_obj(ctx, &w.item[j].h,
					     CKPT_HDR_EPOLL_ITEM,
					     sizeof(w.item[j]));
	}
	kvfree(w.item);
	return ret;
}

/*
 * Whether @file, a mapping's, is a memfd or a regular file deleted while
 * mapped: restart makes it again from the image, as it does the ones
 * held by fds, rather than open it by a name it has not.
 */
bool ckpt_file_is_made(struct file *file)
{
	if (ckpt_memfd_is(file))
		return true;
	return S_ISREG(file_inode(file)->i_mode) && !ckpt_file_internal(file) &&
	       d_unlinked(file->f_path.dentry);
}

static int ckpt_cmp_made_map(const void *a, const void *b)
{
	unsigned long x = (unsigned long)((const struct ckpt_made_map *)a)->file;
	unsigned long y = (unsigned long)((const struct ckpt_made_map *)b)->file;

	return x < y ? -1 : x > y;
}

static struct ckpt_made_map *ckpt_made_map_of(struct ckpt_ctx *ctx,
					      struct file *file)
{
	struct ckpt_made_map key = { .file = file };

	return bsearch(&key, ctx->p.made_maps, ctx->p.nr_made_maps,
		       sizeof(key), ckpt_cmp_made_map);
}

/* The description in the image of @file, a mapping's, or 0. */
u32 ckpt_made_map_id(struct ckpt_ctx *ctx, struct file *file)
{
	struct ckpt_made_map *m = ckpt_made_map_of(ctx, file);

	return m ? m->id : 0;
}

void ckpt_made_maps_put(struct ckpt_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i < ctx->p.nr_made_maps; i++)
		fput(ctx->p.made_maps[i].file);
	kvfree(ctx->p.made_maps);
	ctx->p.made_maps = NULL;
	ctx->p.nr_made_maps = 0;
}

/*
 * The memfds and deleted files the target's mappings hold, each open
 * file once, referenced, into ctx->p.made_maps, sorted by file.  The
 * target is stopped: its mappings are these still when its memory is
 * written, which finds each one's description here.  Neighbouring
 * mappings of one file are taken once; the rest go when sorted.
 */
static int ckpt_made_maps_get(struct ckpt_ctx *ctx)
{
	VMA_ITERATOR(vmi, ctx->p.mm, 0);
	struct mm_struct *mm = ctx->p.mm;
	struct vm_area_struct *vma;
	struct file *last = NULL;
	unsigned int cap = 0, i, n;
	int ret;

	ret = mmap_read_lock_killable(mm);
	if (ret)
		return ret;
	for_each_vma(vmi, vma) {
		struct file *file = vma->vm_file;

		/*
		 * shared anonymous memory is not made: it is internal; nor
		 * a mapping the memory's walk refuses
		 */
		if (!file || file == last || !ckpt_file_is_made(file) ||
		    vma->vm_flags & (VM_IO | VM_PFNMAP | VM_MIXEDMAP) ||
		    is_vm_hugetlb_page(vma))
			continue;
		n = ctx->p.nr_made_maps;
		ret = ckpt_array_grow((void **)&ctx->p.made_maps, &cap, n,
				      sizeof(*ctx->p.made_maps));
		if (ret)
			break;
		ctx->p.made_maps[n].file = get_file(file);
		/* not 0, which ckpt_made_map_id() says for none */
		ctx->p.made_maps[n].id = U32_MAX;
		ctx->p.made_maps[n].own = true;
		ctx->p.nr_made_maps++;
		last = file;
	}
	mmap_read_unlock(mm);
	if (ret)
		return ret;

	sort(ctx->p.made_maps, ctx->p.nr_made_maps, sizeof(*ctx->p.made_maps),
	     ckpt_cmp_made_map, NULL);
	for (i = 0, n = 0; i < ctx->p.nr_made_maps; i++) {
		if (n && ctx->p.made_maps[n - 1].file == ctx->p.made_maps[i].file)
			fput(ctx->p.made_maps[i].file);
		else
			ctx->p.made_maps[n++] = ctx->p.made_maps[i];
	}
	ctx->p.nr_made_maps = n;
	return 0;
}

/*
 * The descriptions that mappings alone hold, after the fds': each gets
 * the next id, and every mapped one its id in ctx->p.made_maps.
 */
static int checkpoint_made_maps(struct ckpt_ctx *ctx, struct ckpt_seen *seen,
				const struct ckpt_fd *fds, unsigned int nr)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ctx->p.nr_made_maps; i++) {
		struct ckpt_fd f = { .fd = -1, .file = ctx->p.made_maps[i].file };
		u32 id = ckpt_seen_id(seen, f.file);

		/*
		 * an fd's, seen with the fds, or an earlier process's (one
		 * it inherited); or one of its own
		 */
		if (!ctx->p.made_maps[i].own != !!id)
			return -EAGAIN;
		if (!id) {
			id = ++seen->nr_files;
			ret = ckpt_seen_add(seen, f.file, id);
			if (!ret)
				ret = checkpoint_open_file(ctx, seen, &f, id,
							   fds, nr);
			if (ret)
				return ret;
		}
		ctx->p.made_maps[i].id = id;
	}
	return 0;
}

/* How many of the mapped files no fd has: those are their own. */
static unsigned int ckpt_made_maps_own(struct ckpt_ctx *ctx,
				       const struct ckpt_fd *fds,
				       unsigned int nr)
{
	struct ckpt_made_map *m;
	unsigned int i, own = 0;

	for (i = 0; i < nr; i++) {
		m = ckpt_made_map_of(ctx, fds[i].file);
		if (m)
			m->own = false;
	}
	/* an earlier process's description of it: inherited, written */
	for (i = 0; ctx->seen && i < ctx->p.nr_made_maps; i++)
		if (ckpt_seen_id(ctx->seen, ctx->p.made_maps[i].file))
			ctx->p.made_maps[i].own = false;
	for (i = 0; i < ctx->p.nr_made_maps; i++)
		own += ctx->p.made_maps[i].own;
	return own;
}

int checkpoint_files(struct ckpt_ctx *ctx)
{
	struct task_struct *task = ctx->p.task;
	struct ckpt_hdr_files h = {};
	struct ckpt_seen *seen;
	struct ckpt_fd *fds;
	bool shared = true;
	unsigned int i, nr;
	int ret;

	/* the descriptions of all the processes of the image, ids and all */
	ret = ckpt_seen_alloc(ctx);
	if (ret)
		return ret;
	seen = ctx->seen;

	/*
	 * each of its threads holds the table once (checkpoint_thread_check()),
	 * and so does each thread of a process of the tree that shares it
	 */
	task_lock(task);
	seen->owner = task->files;
	if (task->files)
		shared = atomic_read(&task->files->count) >
			 (ctx->flags & CHECKPOINT_TREE ?
			  ckpt_tree_users(ctx, false) : 1 + ctx->p.nr_threads);
	task_unlock(task);
	if (shared)
		return ckpt_refuse(ctx, -EOPNOTSUPP, -1,
				   "the file descriptor table is shared with another process");

	/* the table of an earlier process (CLONE_FILES): written with it */
	if (ctx->procs[ctx->cur].h.files_of) {
		fds = NULL;
		nr = 0;
	} else {
		fds = ckpt_fds_get(ctx, &nr);
		if (IS_ERR(fds))
			return PTR_ERR(fds);
	}
	ret = ckpt_made_maps_get(ctx);
	if (ret) {
		ckpt_fds_put(fds, nr);
		return ret;
	}

	h.nr_fds = nr;
	h.nr_mapped = ckpt_made_maps_own(ctx, fds, nr);
	ret = ckpt_write_obj(ctx, &h.h, CKPT_HDR_FILES, sizeof(h));
	for (i = 0; !ret && i < nr; i++) {
		struct ckpt_hdr_fd fh = {};
		bool first;

		fh.fd = fds[i].fd;
		fh.flags = fds[i].cloexec ? CKPT_FD_CLOEXEC : 0;
		fh.file = ckpt_seen_id(seen, fds[i].file);
		first = !fh.file;
		fds[i].first = first;
		if (first) {
			fh.file = ++seen->nr_files;
			ret = ckpt_seen_add(seen, fds[i].file, fh.file);
			if (ret)
				break;
		}
		ret = ckpt_write_obj(ctx, &fh.h, CKPT_HDR_FD, sizeof(fh));
		if (!ret && first)
			ret = checkpoint_open_file(ctx, seen, &fds[i], fh.file,
						   fds, nr);
	}
	if (!ret)
		ret = checkpoint_made_maps(ctx, seen, fds, nr);
	if (!ret)
		ret = checkpoint_file_locks(ctx, seen, fds, nr);
	if (!ret)
		ret = checkpoint_epolls(ctx, seen, fds, nr);
	ckpt_fds_put(fds, nr);
	return ret;
}

/*
 * The id another section of the image gave @key (shared anonymous memory,
 * memory.c), 0 for none, into *@id; and the one it gives it.
 */
int ckpt_seen_get(struct ckpt_ctx *ctx, const void *key, u32 *id)
{
	int ret = ckpt_seen_alloc(ctx);

	*id = ret ? 0 : ckpt_seen_id(ctx->seen, key);
	return ret;
}

int ckpt_seen_put(struct ckpt_ctx *ctx, const void *key, u32 id)
{
	return ckpt_seen_alloc(ctx) ?: ckpt_seen_add(ctx->seen, key, id);
}

void checkpoint_files_free(struct ckpt_ctx *ctx)
{
	if (!ctx->seen)
		return;
	ckpt_seen_free(ctx->seen);
	kfree(ctx->seen);
	ctx->seen = NULL;
}

/* An open file description as restart reads it, opened when needed. */
struct ckpt_rfile {
	struct ckpt_hdr_open_file h;
	struct ckpt_hdr_file *path;	/* a kind with a name */
	union ckpt_anon_state anon;	/* an event object */
	struct ckpt_hdr_epoll_item *items;	/* an epoll's interest list */
	unsigned int nr_items, cap_items;
	int own_fd;			/* its lowest fd the restored process
					 * gets, or -1
					 */
	struct file *file;
	struct file *made;		/* a memfd, deleted file or inotify
					 * instance restart made
					 */
	u32 same_as;			/* the first description of one */
	u32 late_seals;			/* a memfd's, once it is mapped */
	bool needed;
	bool opened;			/* restore_open() was called */
	unsigned int stdio;		/* RESTART_KEEP_STDIO: the first
					 * process's fds 0-2 on it, bit n
					 * for fd n
					 */
	bool mapped;			/* held by mappings alone, no fd */
	bool flocked;			/* its flock(2) lock was read */
	bool posix_locked;		/* POSIX locks taken through it */
	bool locked;			/* its own flock or OFD locks taken */
};

/*
 * A pipe restart made: both ends of an anonymous pipe, or for a named
 * one a description open for reading and writing, which holds it open
 * without blocking while its ends are opened.
 *
 * An anonymous pipe is new, seen by nobody else: it is sized and filled
 * at once.  A named pipe (FIFO) may be in use by others: a verify, or a
 * restart refused later, must not have resized it or written into it, so
 * its data waits in a pipe of restart's (charged as any pipe is) until
 * the point of no return, and is spliced into the FIFO then.
 */
struct ckpt_rpipe {
	struct file *end[2];		/* read, write */
	bool taken[2];			/* by a description of the image */
	struct file *hold;
	struct file *stage[2];		/* a FIFO's data, until applied */
	struct ckpt_hdr_pipe h;
	u8 *data;			/* h.nr_bytes of it, while read ... */
	u32 *packet;			/* ... and the packets' lengths */
	unsigned int nr_packets;
};

struct ckpt_rfd {
	int fd;
	u32 flags;
	u32 file;
	int stdio;		/* RESTART_KEEP_STDIO: the restarter's fd
				 * 0-2 it gets, or -1
				 */
};

/*
 * The descriptions and pipes of the image, of all its processes: ids
 * count on from one process to the next, and a description a process
 * shares with an earlier one (inherited) is named by that one's id.
 */
struct ckpt_rst_descs {
	unsigned int nr_files, nr_pipes;
	unsigned int cap_files, cap_pipes;	/* room in the arrays */
	struct ckpt_rfile *files;	/* [0] unused: ids start at 1 */
	struct ckpt_rpipe *pipes;	/* [0] unused */
};

/* One process's table, and the descriptions its section made. */
struct ckpt_rst_files {
	unsigned int nr_fds, cap_fds;
	struct ckpt_rfd *fds;
	struct ckpt_rst_descs *d;
	unsigned int first_file, last_file;	/* ids it made */
	unsigned int first_pipe, last_pipe;
};

/* RESTART_KEEP_STDIO: the first process's fds 0-2 are the restarter's */
static bool ckpt_keeps_stdio(struct ckpt_ctx *ctx)
{
	return ctx->flags & RESTART_KEEP_STDIO && !ctx->cur;
}

/*
 * Sets the status flags of a description restart made, as fcntl(F_SETFL)
 * does; O_DIRECT is a pipe's packet mode.
 */
static void ckpt_set_status(struct file *file, u32 flags)
{
	u32 mask = O_APPEND | O_NONBLOCK | O_DIRECT;

	spin_lock(&file->f_lock);
	file->f_flags = (file->f_flags & ~mask) | (flags & mask);
	spin_unlock(&file->f_lock);
}

/*
 * Reads the pipe's data records into @p->data: a byte stream, or in packet
 * mode one packet a record.  Everything is bounded by the pipe's checked
 * capacity and charged to the restarter.
 */
static int restore_pipe_data(struct ckpt_ctx *ctx, struct ckpt_rpipe *p)
{
	bool packets = p->h.flags & CKPT_PIPE_PACKETS;
	u32 done = 0, max = packets ? PAGE_SIZE : CKPT_PIPE_CHUNK;
	struct ckpt_hdr_pipe_data *d;
	size_t len;

	if (!p->h.nr_bytes)
		return 0;
	p->data = kvmalloc(p->h.nr_bytes, GFP_KERNEL_ACCOUNT);
	if (packets)
		p->packet = kvmalloc_array(p->h.size / PAGE_SIZE,
					   sizeof(*p->packet),
					   GFP_KERNEL_ACCOUNT);
	if (!p->data || (packets && !p->packet))
		return -ENOMEM;

	while (done < p->h.nr_bytes) {
		d = ckpt_read_obj_alloc(ctx, CKPT_HDR_PIPE_DATA, sizeof(*d) + 1,
					sizeof(*d) + max);
		if (IS_ERR(d))
			return PTR_ERR(d);
		len = d->h.len - sizeof(*d);
		if (len > p->h.nr_bytes - done ||
		    (packets && p->nr_packets == p->h.size / PAGE_SIZE)) {
			kfree(d);
			return -EBADMSG;
		}
		memcpy(p->data + done, d->data, len);
		kfree(d);
		done += len;
		if (packets)
			p->packet[p->nr_packets++] = len;
	}
	return 0;
}

/* Buffers restart queued itself: plain pages, which nobody may steal. */
static const struct pipe_buf_operations ckpt_pipe_buf_ops = {
	.release	= generic_pipe_buf_release,
	.get		= generic_pipe_buf_get,
};

/*
 * Queues @len bytes of @data in the empty @pipe when they exceed its
 * capacity, as a splice from a socket left them: in buffers of several
 * pages, as few as fit the pipe's slots.
 */
static int ckpt_pipe_queue_large(struct pipe_inode_info *pipe,
				 const u8 *data, size_t len)
{
	unsigned int order, i;
	size_t chunk, n, part;
	struct page *page;
	int ret = 0;

	pipe_lock(pipe);
	chunk = max_t(size_t, PAGE_SIZE,
		      roundup_pow_of_two(DIV_ROUND_UP(len, pipe->max_usage)));
	order = get_order(chunk);
	if (!pipe_empty(pipe->head, pipe->tail))
		ret = -EAGAIN;
	while (!ret && len) {
		struct pipe_buffer *buf;

		if (pipe_full(pipe->head, pipe->tail, pipe->max_usage)) {
			ret = -EAGAIN;
			break;
		}
		page = alloc_pages(GFP_HIGHUSER | __GFP_ACCOUNT | __GFP_COMP,
				   order);
		if (!page) {
			ret = -ENOMEM;
			break;
		}
		n = min(len, chunk);
		for (i = 0; i << PAGE_SHIFT < n; i++) {
			part = min_t(size_t, n - (i << PAGE_SHIFT), PAGE_SIZE);
			memcpy_to_page(nth_page(page, i), 0,
				       data + (i << PAGE_SHIFT), part);
		}
		buf = pipe_buf(pipe, pipe->head);
		*buf = (struct pipe_buffer) {
			.page = page,
			.len = n,
			.ops = &ckpt_pipe_buf_ops,
		};
		pipe->head++;
		data += n;
		len -= n;
	}
	pipe_unlock(pipe);
	/* a FIFO's readers may be waiting */
	wake_up_interruptible_poll(&pipe->rd_wait, EPOLLIN | EPOLLRDNORM);
	kill_fasync(&pipe->fasync_readers, SIGIO, POLL_IN);
	return ret;
}

/* Sizes the pipe of @file as F_SETPIPE_SZ would, with its limits for the caller. */
static int ckpt_pipe_resize(struct file *file, u32 want)
{
	long size = pipe_fcntl(file, F_GETPIPE_SZ, 0);

	if (size != want)
		size = pipe_fcntl(file, F_SETPIPE_SZ, want);
	if (size < 0)
		return size;
	return size == want ? 0 : -EBADMSG;
}

/*
 * Queues the data of the new pipe behind @wr, a description open for
 * writing, which has the image's capacity: by write(2), a packet a write
 * in packet mode.
 */
static int ckpt_pipe_fill(struct file *wr, struct ckpt_rpipe *p)
{
	unsigned int i, flags = O_NONBLOCK;
	u32 done = 0, len;
	loff_t pos = 0;
	ssize_t n;

	if (!p->h.nr_bytes)
		return 0;
	if (p->h.nr_bytes > p->h.size)
		return ckpt_pipe_queue_large(get_pipe_info(wr, false), p->data,
					     p->h.nr_bytes);

	if (p->h.flags & CKPT_PIPE_PACKETS)
		flags |= O_DIRECT;
	ckpt_set_status(wr, flags);
	for (i = 0; done < p->h.nr_bytes; i++) {
		len = p->packet ? p->packet[i] : p->h.nr_bytes;
		n = kernel_write(wr, p->data + done, len, &pos);
		if (n != len)
			return n < 0 ? n : -EAGAIN;
		done += len;
	}
	return 0;
}

/*
 * Reads the record of pipe @id and makes the pipe: an anonymous one anew,
 * sized and filled at once; for a named one, a pipe of restart's that
 * holds its data until the point of no return, and the FIFO opened by
 * @f's path.  The capacity is set first, before the data is read:
 * F_SETPIPE_SZ's limits for the caller (pipe-max-size, the user's pipe
 * buffers) bound what the image may make restart hold.
 */
static int restore_pipe(struct ckpt_ctx *ctx, struct ckpt_rst_files *rf,
			struct ckpt_rfile *f)
{
	struct ckpt_rpipe *p = &rf->d->pipes[f->h.pipe];
	struct ckpt_hdr_pipe *h = &p->h;
	struct file *res[2];
	int ret;

	ret = ckpt_read_obj(ctx, &h->h, CKPT_HDR_PIPE, sizeof(*h), sizeof(*h));
	if (ret)
		return ret;
	if (h->id != f->h.pipe || h->flags & ~CKPT_PIPE_PACKETS ||
	    !h->size || h->size % PAGE_SIZE ||
	    round_pipe_size(h->size) != h->size || h->nr_bytes > INT_MAX ||
	    h->nr_bytes > h->size / PAGE_SIZE * CKPT_PIPE_SLOT_MAX ||
	    (h->flags & CKPT_PIPE_PACKETS && h->nr_bytes > h->size))
		return -EBADMSG;

	ret = create_pipe_files(res, 0);
	if (ret)
		return ret;
	if (f->h.kind == CKPT_FILE_FIFO) {
		p->stage[0] = res[0];
		p->stage[1] = res[1];
	} else {
		p->end[0] = res[0];
		p->end[1] = res[1];
	}
	ret = ckpt_pipe_resize(res[1], h->size);
	if (!ret)
		ret = restore_pipe_data(ctx, p);
	if (!ret)
		ret = ckpt_pipe_fill(res[1], p);
	kvfree(p->data);
	kvfree(p->packet);
	p->data = NULL;
	p->packet = NULL;
	if (ret || f->h.kind != CKPT_FILE_FIFO)
		return ret;

	p->hold = ckpt_open_file(ctx, f->path, O_RDWR | O_NONBLOCK);
	if (IS_ERR(p->hold)) {
		ret = PTR_ERR(p->hold);
		p->hold = NULL;
		return ret;
	}
	return get_pipe_info(p->hold, false) ? 0 : -ESTALE;
}

/*
 * Past the point of no return: a FIFO gets its size and, spliced from the
 * pipe that held it, its data, buffers and packets as they were.  One that
 * others filled meanwhile has no room: -EAGAIN.
 */
static int restore_fifo_apply(struct ckpt_rpipe *p)
{
	u32 left = p->h.nr_bytes;
	ssize_t n;
	int ret;

	ret = ckpt_pipe_resize(p->hold, p->h.size);
	while (!ret && left) {
		n = do_splice(p->stage[0], NULL, p->hold, NULL, left,
			      SPLICE_F_NONBLOCK);
		if (n <= 0)
			ret = n ? n : -EAGAIN;
		else
			left -= n;
	}
	return ret;
}

/*
 * The kind of a description must be that of the file its record names:
 * an image may not have restart open, say, a watchdog or a disk in the
 * name of /dev/null.
 */
static bool ckpt_kind_matches(u32 kind, const struct ckpt_hdr_file *path)
{
	switch (kind) {
	case CKPT_FILE_REG:
		return S_ISREG(path->mode);
	case CKPT_FILE_DIR:
		return S_ISDIR(path->mode);
	case CKPT_FILE_CHR:
		return S_ISCHR(path->mode) &&
		       path->rdev <= U32_MAX &&
		       ckpt_chr_supported(new_decode_dev(path->rdev));
	case CKPT_FILE_FIFO:
		return S_ISFIFO(path->mode);
	}
	return false;
}

/*
 * A description of a memfd or of a deleted file: the first one makes the
 * file, another one names the first.  A memfd's status flags are those
 * fcntl(F_SETFL) sets.  A verify makes neither.
 */
static int restore_made_desc(struct ckpt_ctx *ctx, struct ckpt_rst_files *rf,
			     struct ckpt_rfile *f)
{
	bool memfd = f->h.kind == CKPT_FILE_MEMFD;
	struct ckpt_rfile *first;
	struct file *file;
	u32 same = 0;

	if (ctx->rst_version < 5 || f->h.pipe || f->h.flags & O_DIRECTORY ||
	    (memfd &&
	     f->h.flags & ~(O_ACCMODE | O_APPEND | O_NONBLOCK | O_LARGEFILE)))
		return -EBADMSG;
	file = memfd ? restore_memfd(ctx, &same, &f->late_seals) :
		       restore_deleted(ctx, &same);
	if (IS_ERR(file))
		return PTR_ERR(file);
	f->made = file;
	if (!file && !same)
		return 0;	/* a deleted file, verified */
	f->same_as = file ? 0 : same;
	if (file)
		return 0;
	if (same >= f->h.id)
		return -EBADMSG;
	first = &rf->d->files[same];
	if (first->h.kind != f->h.kind || first->same_as ||
	    (!first->made && !(ctx->flags & RESTART_VERIFY)))
		return -EBADMSG;
	return 0;
}

static int restore_open_file(struct ckpt_ctx *ctx, struct ckpt_rst_files *rf,
			     struct ckpt_rfile *f)
{
	u32 acc;
	int ret;

	ret = ckpt_read_obj(ctx, &f->h.h, CKPT_HDR_OPEN_FILE, sizeof(f->h),
			    sizeof(f->h));
	if (ret)
		return ret;
	acc = f->h.flags & O_ACCMODE;
	if (f->h.id != rf->d->nr_files || f->h.pos < 0 ||
	    f->h.flags & ~(CKPT_O_FLAGS & ~O_CLOEXEC) || acc == O_ACCMODE)
		return -EBADMSG;

	switch (f->h.kind) {
	case CKPT_FILE_REG:
	case CKPT_FILE_DIR:
	case CKPT_FILE_CHR:
		if (f->h.pipe)
			return -EBADMSG;
		break;
	case CKPT_FILE_PIPE:
		if (f->h.pos)
			return -EBADMSG;
		fallthrough;
	case CKPT_FILE_FIFO:
		/* a pipe not seen before is the next one */
		if (!f->h.pipe || f->h.pipe > rf->d->nr_pipes + 1 ||
		    f->h.flags & O_PATH)
			return -EBADMSG;
		break;
	case CKPT_FILE_EVENTFD:
	case CKPT_FILE_SIGNALFD:
	case CKPT_FILE_TIMERFD:
	case CKPT_FILE_EPOLL:
		/*
		 * Open for reading and writing, as the calls make them, with
		 * the status flags fcntl(F_SETFL) could give them
		 */
		if (f->h.pipe || f->h.pos || acc != O_RDWR ||
		    f->h.flags & ~(O_RDWR | O_APPEND | O_NONBLOCK))
			return -EBADMSG;
		return restore_anon_file(ctx, f->h.kind, &f->anon);
	case CKPT_FILE_MEMFD:
	case CKPT_FILE_DELETED:
		return restore_made_desc(ctx, rf, f);
	case CKPT_FILE_INOTIFY:
		/* read-only, as inotify_init1(2) opens it */
		if (f->h.pipe || f->h.pos ||
		    f->h.flags & ~(O_APPEND | O_NONBLOCK))
			return -EBADMSG;
		f->made = restore_inotify(ctx, f->h.flags);
		if (IS_ERR(f->made)) {
			ret = PTR_ERR(f->made);
			f->made = NULL;
		}
		return ret;
	default:
		return -EBADMSG;
	}

	if (f->h.kind != CKPT_FILE_PIPE) {
		f->path = ckpt_read_file(ctx, CKPT_HDR_FILE_PATH);
		if (IS_ERR(f->path)) {
			ret = PTR_ERR(f->path);
			f->path = NULL;
			return ret;
		}
		if (!ckpt_kind_matches(f->h.kind, f->path))
			return -EBADMSG;
	}
	if (f->h.pipe == rf->d->nr_pipes + 1) {
		ret = ckpt_array_grow((void **)&rf->d->pipes, &rf->d->cap_pipes,
				      f->h.pipe, sizeof(*rf->d->pipes));
		if (ret)
			return ret;
		rf->d->nr_pipes++;
		ret = restore_pipe(ctx, rf, f);
	}
	return ret;
}

/* Opens the description @f, which an fd the restored process gets uses. */
static int restore_open(struct ckpt_ctx *ctx, struct ckpt_rst_files *rf,
			struct ckpt_rfile *f)
{
	struct ckpt_rpipe *p = &rf->d->pipes[f->h.pipe];
	u32 acc = f->h.flags & O_ACCMODE;
	struct file *file, *made;
	unsigned int nonblock;
	bool grown;
	loff_t pos;

	switch (f->h.kind) {
	case CKPT_FILE_EVENTFD:
	case CKPT_FILE_SIGNALFD:
	case CKPT_FILE_TIMERFD:
	case CKPT_FILE_EPOLL:
		file = restore_anon_open(f->h.kind, &f->anon, f->h.flags);
		if (IS_ERR(file))
			return PTR_ERR(file);
		f->file = file;
		ckpt_set_status(file, f->h.flags);
		return 0;
	case CKPT_FILE_PIPE:
		if (!p->end[0])
			return -EBADMSG;
		/*
		 * The first description of each end is the one pipe(2)
		 * made; another one (an open of /proc/self/fd/N, for
		 * reading, writing or both) opens the pipe again, as that
		 * open does.  Its other end is open: no open blocks.
		 */
		if (acc != O_RDWR && !p->taken[acc == O_WRONLY]) {
			p->taken[acc == O_WRONLY] = true;
			file = get_file(p->end[acc == O_WRONLY]);
		} else {
			file = file_open_root(&p->end[0]->f_path, "",
					      (acc | O_NONBLOCK), 0);
			if (IS_ERR(file))
				return PTR_ERR(file);
		}
		f->file = file;
		ckpt_set_status(file, f->h.flags);
		return 0;
	case CKPT_FILE_INOTIFY:
		/* made as the image was read; not by a verify */
		if (!f->made)
			return 0;
		f->file = get_file(f->made);
		ckpt_set_status(f->file, f->h.flags);
		return 0;
	case CKPT_FILE_MEMFD:
	case CKPT_FILE_DELETED:
		made = f->same_as ? rf->d->files[f->same_as].made : f->made;
		/* a file a verify did not make */
		if (!made)
			return 0;
		/*
		 * The memfd restart made is the first description, when
		 * open for reading and writing, as memfd_create(2) opens
		 * it; any other opens the same inode again, and so does
		 * each description of a deleted file (the one made is the
		 * kernel's own).  The inode is the caller's, made by it a
		 * moment ago, and the process held it open so before its
		 * mode changed (a 0400 file open for writing): the mode is
		 * not checked again, as its owner could chmod it; the LSM
		 * and write-access checks of an open still apply.
		 */
		if (f->h.kind == CKPT_FILE_MEMFD && !f->same_as &&
		    acc == O_RDWR) {
			file = get_file(made);
		} else {
			file = dentry_open(&made->f_path,
					   f->h.kind == CKPT_FILE_MEMFD ?
					   acc | O_LARGEFILE :
					   (f->h.flags & ~O_NOFOLLOW) |
					   O_LARGEFILE, current_cred());
			if (IS_ERR(file))
				return PTR_ERR(file);
		}
		f->file = file;
		ckpt_set_status(file, f->h.flags);
		if (f->h.pos) {
			pos = vfs_llseek(file, f->h.pos, SEEK_SET);
			if (pos != f->h.pos)
				return pos < 0 ? pos : -EBADMSG;
		}
		return 0;
	case CKPT_FILE_FIFO:
		if (!p->hold)
			return -EBADMSG;
		/*
		 * With the pipe held open, no end blocks in open; packet
		 * mode (O_DIRECT) is set after, as fcntl(2) sets it.
		 */
		file = ckpt_open_file(ctx, f->path,
				      (f->h.flags & ~O_DIRECT) | O_NONBLOCK);
		if (IS_ERR(file))
			return PTR_ERR(file);
		f->file = file;
		if (get_pipe_info(file, false) != get_pipe_info(p->hold, false))
			return -ESTALE;
		ckpt_set_status(file, f->h.flags);
		return 0;
	}

	/*
	 * A file the process only writes to, a log, may have grown since
	 * the checkpoint, by the process itself when it checkpoints itself
	 * now and then: it is the same file, and the offset is kept (an
	 * O_APPEND one writes at the end anyway).  RESTART_STRICT_FILES
	 * asks for it unchanged, as every other file.
	 */
	grown = f->h.kind == CKPT_FILE_REG && acc == O_WRONLY &&
		!(ctx->flags & RESTART_STRICT_FILES);
	/*
	 * A serial line opened without O_NONBLOCK waits for its carrier:
	 * it is opened with it, and then given the image's flag, as
	 * fcntl(F_SETFL) would.
	 */
	nonblock = f->h.kind == CKPT_FILE_CHR ? O_NONBLOCK : 0;
	file = ckpt_open_file_grown(ctx, f->path, f->h.flags | nonblock,
				    grown);
	if (IS_ERR(file))
		return PTR_ERR(file);
	f->file = file;
	if (nonblock)
		ckpt_set_status(file, f->h.flags);
	if (f->h.pos && (file->f_mode & FMODE_LSEEK)) {
		pos = vfs_llseek(file, f->h.pos, SEEK_SET);
		if (pos < 0)
			return pos;
		if (pos != f->h.pos)
			return -EBADMSG;
	}
	return 0;
}

/*
 * Whether the current process has an fd of its own on description @id:
 * 1; 0 if each it has is the restarter's (RESTART_KEEP_STDIO), or
 * -EBADMSG for none.
 */
static int ckpt_rfd_own(const struct ckpt_rst_files *rf, u32 id)
{
	unsigned int i;
	int ret = -EBADMSG;

	for (i = 0; i < rf->nr_fds; i++) {
		if (rf->fds[i].file != id)
			continue;
		if (rf->fds[i].stdio < 0)
			return 1;
		ret = 0;
	}
	return ret;
}

/* The lowest fd on description @id, for a reason to name. */
static int ckpt_rfile_fd(const struct ckpt_rst_files *rf, u32 id)
{
	unsigned int i;

	for (i = 0; i < rf->nr_fds; i++)
		if (rf->fds[i].file == id)
			return rf->fds[i].fd;
	return -1;
}

/*
 * Whether RESTART_KEEP_STDIO replaces an fd 0-2 on the file of @f: as a
 * dup2() over that fd would, that drops the process's POSIX locks on the
 * file, whatever fd they were taken through.
 */
static bool ckpt_stdio_replaces(struct ckpt_ctx *ctx,
				const struct ckpt_rst_files *rf,
				const struct ckpt_rfile *f)
{
	const struct ckpt_rfile *g;
	unsigned int i;

	if (!ckpt_keeps_stdio(ctx) || !f->path)
		return false;
	for (i = 0; i < rf->nr_fds && rf->fds[i].fd <= 2; i++) {
		g = &rf->d->files[rf->fds[i].file];
		/*
		 * The same file by identity and by name: dev and ino alone
		 * may repeat (btrfs subvolumes, overlayfs).  Another name
		 * of it keeps the lock: never one the process did not have.
		 */
		if (g->path && g->path->dev == f->path->dev &&
		    g->path->ino == f->path->ino &&
		    !strcmp(g->path->path, f->path->path))
			return true;
	}
	return false;
}

/*
 * Takes lock @l again, through the description restart opened, without
 * waiting: as flock(2) and fcntl(F_SETLK) with the same checks would,
 * and so with the same conflicts.  A flock(2) and an OFD lock belong to
 * the description; POSIX locks belong to the fd table, which the process
 * gets only after the point of no return: they are taken for a stand-in
 * owner, the restore itself, and given to the table once it is the
 * process's (locks_posix_transfer()), so that no one else can take them
 * in between.  A verify only looks for a conflict (FL_ACCESS).
 *
 * A crafted image can ask for no more than a program could with those
 * calls, on files it could open: a lock it may not have is refused as
 * they refuse it, and one someone else holds is EAGAIN, the file named.
 */
static int restore_file_lock(struct ckpt_ctx *ctx, struct ckpt_rst_files *rf,
			     const struct ckpt_hdr_file_lock *l)
{
	static const char * const kinds[] = {
		[CKPT_LOCK_FLOCK] = "flock", [CKPT_LOCK_POSIX] = "POSIX",
		[CKPT_LOCK_OFD] = "OFD",
	};
	struct ckpt_rfile *f;
	struct file_lock fl;
	struct file *file;
	int ret, fd;

	if (!l->file || l->file > rf->d->nr_files ||
	    l->kind < CKPT_LOCK_FLOCK || l->kind > CKPT_LOCK_OFD ||
	    (l->type != F_RDLCK && l->type != F_WRLCK) ||
	    l->start < 0 || l->end < l->start)
		return -EBADMSG;
	f = &rf->d->files[l->file];
	if (f->h.kind != CKPT_FILE_REG && f->h.kind != CKPT_FILE_DIR &&
	    f->h.kind != CKPT_FILE_MEMFD && f->h.kind != CKPT_FILE_DELETED)
		return -EBADMSG;
	/*
	 * A POSIX lock is the fd table's, through one of its fds: none
	 * through a mapping's, which would outlive every close.
	 */
	if (l->kind == CKPT_LOCK_POSIX && f->mapped)
		return -EBADMSG;
	if (l->kind == CKPT_LOCK_FLOCK) {
		/* one per description, on all of the file */
		if (f->flocked || l->start || l->end != OFFSET_MAX)
			return -EBADMSG;
		f->flocked = true;
	}
	file = f->file;
	/*
	 * Nothing to lock on a description only at fds 0-2, which
	 * RESTART_KEEP_STDIO replaced; nor POSIX locks on their files.
	 */
	if (!file ||
	    (l->kind == CKPT_LOCK_POSIX && ckpt_stdio_replaces(ctx, rf, f)))
		return 0;
	/*
	 * A POSIX lock is the table's, taken through one of its own fds on
	 * the description; one whose fds there all became the restarter's
	 * (RESTART_KEEP_STDIO) goes, as a dup2() over them would drop it.
	 */
	if (l->kind == CKPT_LOCK_POSIX) {
		ret = ckpt_rfd_own(rf, l->file);
		if (ret <= 0)
			return ret;
	}
	if (!(file->f_mode & (FMODE_READ | FMODE_WRITE)))
		return -EBADMSG;
	if (l->kind != CKPT_LOCK_FLOCK &&
	    !(file->f_mode & (l->type == F_RDLCK ? FMODE_READ : FMODE_WRITE)))
		return -EBADMSG;
	/* a filesystem with locks of its own would take them remotely */
	if (file->f_op->lock || file->f_op->flock)
		return -EOPNOTSUPP;

	locks_init_lock(&fl);
	fl.c.flc_file = file;
	fl.c.flc_pid = current->tgid;
	fl.c.flc_type = l->type;
	fl.fl_start = l->start;
	fl.fl_end = l->end;
	switch (l->kind) {
	case CKPT_LOCK_FLOCK:
		fl.c.flc_flags = FL_FLOCK;
		fl.c.flc_owner = file;
		break;
	case CKPT_LOCK_POSIX:
		fl.c.flc_flags = FL_POSIX;
		fl.c.flc_owner = rf;
		break;
	case CKPT_LOCK_OFD:
		fl.c.flc_flags = FL_POSIX | FL_OFDLCK;
		fl.c.flc_owner = file;
		break;
	}
	if (ctx->flags & RESTART_VERIFY)
		fl.c.flc_flags |= FL_ACCESS;

	ret = security_file_lock(file, l->type);
	if (ret)
		return ret;
	if (l->kind == CKPT_LOCK_FLOCK)
		ret = locks_lock_inode_wait(file_inode(file), &fl);
	else
		ret = vfs_lock_file(file, F_SETLK, &fl, NULL);
	if (!ret && !(ctx->flags & RESTART_VERIFY)) {
		if (l->kind == CKPT_LOCK_POSIX)
			f->posix_locked = true;
		else
			f->locked = true;
	}
	if (ret == -EAGAIN) {
		fd = ckpt_rfile_fd(rf, l->file);
		/* a memfd's or deleted file's, with no name in the image */
		ckpt_refuse(ctx, ret, fd,
			    "fd %d: %s: a lock that another process (or the caller) holds is in the way of the %s %s lock on bytes %lld-%lld",
			    fd, f->path ? f->path->path : "a file with no name",
			    kinds[l->kind], l->type == F_RDLCK ? "read" : "write",
			    l->start, l->end);
	}
	return ret;
}

/*
 * Reads the locks section, a version 3 image's, and takes every lock in
 * it again.  Its count is bounded, and each record read before the next.
 */
static int restore_file_locks(struct ckpt_ctx *ctx, struct ckpt_rst_files *rf)
{
	struct ckpt_hdr_file_locks h;
	struct ckpt_hdr_file_lock l;
	unsigned int i;
	int ret;

	if (ctx->rst_version < 3)
		return 0;
	ret = ckpt_read_obj(ctx, &h.h, CKPT_HDR_FILE_LOCKS, sizeof(h),
			    sizeof(h));
	if (ret)
		return ret;
	if (h.nr > CKPT_LOCKS_MAX || h.pad)
		return -EBADMSG;
	if (h.nr && !IS_ENABLED(CONFIG_FILE_LOCKING))
		return -EOPNOTSUPP;
	for (i = 0; i < h.nr; i++) {
		ret = ckpt_read_obj(ctx, &l.h, CKPT_HDR_FILE_LOCK, sizeof(l),
				    sizeof(l));
		if (ret)
			return ret;
		ret = restore_file_lock(ctx, rf, &l);
		if (ret)
			return ret;
	}
	return 0;
}

static int ckpt_cmp_rfd(const void *key, const void *elt)
{
	int fd = *(const int *)key, at = ((const struct ckpt_rfd *)elt)->fd;

	return fd < at ? -1 : fd > at;
}

/* The fd record of fd @fd, the records being in ascending order; or NULL. */
static struct ckpt_rfd *ckpt_rfd_at(struct ckpt_rst_files *rf, int fd)
{
	return bsearch(&fd, rf->fds, rf->nr_fds, sizeof(*rf->fds),
		       ckpt_cmp_rfd);
}

/*
 * One item of epoll @epoll, checked as epoll_ctl(2) would check it, on
 * what the restored process will have: the fd it watches, with the
 * description it names, which can be polled.  With RESTART_KEEP_STDIO,
 * fds 0-2 are the caller's.  Loops of epolls watching each other are
 * epoll_ctl()'s to find, past the point of no return.
 */
static int restore_epoll_item(struct ckpt_ctx *ctx, struct ckpt_rst_files *rf,
			      u32 epoll, const struct ckpt_hdr_epoll_item *it)
{
	struct ckpt_rfd *fd = ckpt_rfd_at(rf, it->fd);
	struct file *file;
	bool ok;

	if (it->pad || it->events & ~CKPT_EPOLL_EVENTS || !fd ||
	    fd->file != it->file || it->file == epoll)
		return -EBADMSG;
	if (it->events & EPOLLEXCLUSIVE &&
	    (it->events & ~CKPT_EPOLL_EXCL_OK ||
	     rf->d->files[it->file].h.kind == CKPT_FILE_EPOLL))
		return -EBADMSG;
	if (ckpt_keeps_stdio(ctx) && it->fd <= 2) {
		file = fget_raw(it->fd);
		ok = file && file_can_poll(file) &&
		     !(it->events & EPOLLEXCLUSIVE && eventpoll_file_is(file));
		if (file)
			fput(file);
	} else {
		file = rf->d->files[it->file].file;
		ok = file && file_can_poll(file);
	}
	if (!ok)
		return ckpt_refuse(ctx, -EPERM, it->fd,
				   "fd %d, which an epoll watches, cannot be polled",
				   it->fd);
	return 0;
}

/*
 * An epoll watches a file through an fd once: epoll_ctl(2) would refuse
 * the second add (EEXIST) past the point of no return.
 */
static int ckpt_epoll_distinct(const struct ckpt_rfile *f)
{
	unsigned int i;
	int *fds, ret;

	if (f->nr_items < 2)
		return 0;
	fds = kvmalloc_array(f->nr_items, sizeof(*fds), GFP_KERNEL);
	if (!fds)
		return -ENOMEM;
	for (i = 0; i < f->nr_items; i++)
		fds[i] = f->items[i].fd;
	ret = ckpt_ints_distinct(fds, f->nr_items) ? 0 : -EBADMSG;
	kvfree(fds);
	return ret;
}

/* How deep epolls may watch epolls: fs/eventpoll.c's EP_MAX_NESTS. */
#define CKPT_EPOLL_NESTS	4

/*
 * How many links of epolls watching epolls lie below the epoll @id, or
 * more than CKPT_EPOLL_NESTS for a loop or a chain too long.  @memo
 * holds 1 for an epoll on the way down, 2 + its depth for one done.
 */
static int ckpt_epoll_depth(struct ckpt_rst_files *rf, u32 id, u8 *memo,
			    unsigned int level)
{
	struct ckpt_rfile *f = &rf->d->files[id];
	int down = 0, d;
	unsigned int i;

	if (memo[id] == 1 || level > CKPT_EPOLL_NESTS)
		return CKPT_EPOLL_NESTS + 1;
	if (memo[id])
		return memo[id] - 2;
	memo[id] = 1;
	for (i = 0; i < f->nr_items && down <= CKPT_EPOLL_NESTS; i++) {
		if (rf->d->files[f->items[i].file].h.kind != CKPT_FILE_EPOLL)
			continue;
		d = ckpt_epoll_depth(rf, f->items[i].file, memo, level + 1);
		down = max(down, d + 1);
	}
	down = min(down, CKPT_EPOLL_NESTS + 1);
	memo[id] = down + 2;
	return down;
}

/*
 * Epolls watching epolls, as epoll_ctl(2) lets them be (ep_loop_check()):
 * no loop, and no chain of more than CKPT_EPOLL_NESTS links, so that the
 * adds past the point of no return do not fail for it.
 */
static int ckpt_epolls_nest(struct ckpt_rst_files *rf)
{
	unsigned int i;
	int ret = 0;
	u8 *memo;

	memo = kvcalloc(rf->d->nr_files + 1, sizeof(*memo), GFP_KERNEL_ACCOUNT);
	if (!memo)
		return -ENOMEM;
	for (i = 1; !ret && i <= rf->d->nr_files; i++)
		if (rf->d->files[i].h.kind == CKPT_FILE_EPOLL &&
		    ckpt_epoll_depth(rf, i, memo, 0) > CKPT_EPOLL_NESTS)
			ret = -ELOOP;
	kvfree(memo);
	return ret;
}

/* The epoll section (version 4): the interest list of each epoll. */
static int restore_epolls(struct ckpt_ctx *ctx, struct ckpt_rst_files *rf)
{
	struct ckpt_hdr_epoll h;
	unsigned int i, j;
	int ret;

	for (i = rf->first_file; i <= rf->last_file; i++) {
		struct ckpt_rfile *f = &rf->d->files[i];

		if (f->h.kind != CKPT_FILE_EPOLL)
			continue;
		ret = ckpt_read_obj(ctx, &h.h, CKPT_HDR_EPOLL, sizeof(h),
				    sizeof(h));
		if (ret)
			return ret;
		if (h.file != i || h.nr > CKPT_EPOLL_ITEMS_MAX)
			return -EBADMSG;
		for (j = 0; j < h.nr; j++) {
			ret = ckpt_array_grow((void **)&f->items,
					      &f->cap_items, j,
					      sizeof(*f->items));
			if (ret)
				return ret;
			ret = ckpt_read_obj(ctx, &f->items[j].h,
					    CKPT_HDR_EPOLL_ITEM,
					    sizeof(f->items[j]),
					    sizeof(f->items[j]));
			if (ret)
				return ret;
			f->nr_items++;
			ret = restore_epoll_item(ctx, rf, i, &f->items[j]);
			if (ret)
				return ret;
		}
		ret = ckpt_epoll_distinct(f);
		if (ret)
			return ret;
	}
	return ckpt_epolls_nest(rf);
}

/*
 * Adds item @it to epoll @f as epoll_ctl(2) does, through the restored
 * process's fds.  A one-shot that fired is disarmed again: the add armed
 * it for EPOLLERR and EPOLLHUP, as it always does.
 */
static int restore_epoll_add(struct ckpt_rfile *f,
			     const struct ckpt_hdr_epoll_item *it)
{
	struct epoll_event ev = {
		.events = (__force __poll_t)it->events,
		.data = it->data,
	};
	struct file *tfile;
	int ret;

#ifdef CONFIG_EPOLL
	ret = do_epoll_ctl(f->own_fd, EPOLL_CTL_ADD, it->fd, &ev, false);
#else
	ret = -EOPNOTSUPP;	/* no epoll was made */
#endif
	if (ret || it->events & ~CKPT_EPOLL_PRIVATE)
		return ret;
	tfile = fget(it->fd);
	if (!tfile)
		return -EBADF;
	ret = eventpoll_item_disarm(f->file, tfile, it->fd);
	fput(tfile);
	return ret;
}

/*
 * Past the point of no return, the process's fds installed: each epoll
 * watches its items again, added as epoll_ctl(2) adds them, through the
 * restored process's own fds.
 */
static int restore_epolls_apply(struct ckpt_ctx *ctx,
				struct ckpt_rst_files *rf)
{
	unsigned int i, j;
	int ret;

	for (i = rf->first_file; i <= rf->last_file; i++) {
		struct ckpt_rfile *f = &rf->d->files[i];

		/* through its own fd, not one of the caller's kept 0-2 */
		if (!f->nr_items || !f->file || f->own_fd < 0)
			continue;
		for (j = 0; j < f->nr_items; j++) {
			ret = restore_epoll_add(f, &f->items[j]);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/*
 * Reads the file descriptor table and opens or makes everything in it.
 * The table is bounded by the RLIMIT_NOFILE the restored process will
 * have, which restore_attr() checked.
 */
int restore_files(struct ckpt_ctx *ctx)
{
	bool keep_stdio = ckpt_keeps_stdio(ctx);
	struct ckpt_rst_files *rf;
	struct ckpt_hdr_files h;
	struct ckpt_hdr_fd fh;
	unsigned long max;
	unsigned int i;
	int ret, last = -1;

	ret = ckpt_read_obj(ctx, &h.h, CKPT_HDR_FILES, sizeof(h), sizeof(h));
	if (ret)
		return ret;
	max = min_t(u64, ctx->p.rst_attr->rlim[RLIMIT_NOFILE].cur, sysctl_nr_open);
	/* an earlier process's table, which it shares, has its fds */
	if ((restore_proc_files_of(ctx) && h.nr_fds) ||
	    h.nr_fds > max || (ctx->rst_version < 6 && h.nr_mapped) ||
	    h.nr_mapped > sysctl_max_map_count)
		return -EBADMSG;
	/* the limit is the image's when the fds are installed */
	if (keep_stdio && max < 3)
		return ckpt_refuse(ctx, -EINVAL, -1,
				   "the image's RLIMIT_NOFILE (%lu) leaves no room for the restarter's fds 0-2",
				   max);

	rf = kzalloc(sizeof(*rf), GFP_KERNEL_ACCOUNT);
	if (!rf)
		return -ENOMEM;
	ctx->p.rst_files = rf;
	if (!ctx->rst_descs) {
		ctx->rst_descs = kzalloc(sizeof(*ctx->rst_descs),
					 GFP_KERNEL_ACCOUNT);
		if (!ctx->rst_descs)
			return -ENOMEM;
	}
	rf->d = ctx->rst_descs;
	rf->first_file = rf->d->nr_files + 1;
	rf->first_pipe = rf->d->nr_pipes + 1;

	for (i = 0; i < h.nr_fds; i++) {
		ret = ckpt_read_obj(ctx, &fh.h, CKPT_HDR_FD, sizeof(fh),
				    sizeof(fh));
		if (ret)
			return ret;
		/* a description of its own, or an earlier process's */
		if (fh.fd <= last || fh.fd >= max ||
		    fh.flags & ~CKPT_FD_CLOEXEC || fh.pad ||
		    !fh.file || fh.file > rf->d->nr_files + 1)
			return -EBADMSG;
		last = fh.fd;
		ret = ckpt_array_grow((void **)&rf->fds, &rf->cap_fds, i,
				      sizeof(*rf->fds));
		if (!ret)
			ret = ckpt_array_grow((void **)&rf->d->files,
					      &rf->d->cap_files, fh.file,
					      sizeof(*rf->d->files));
		if (ret)
			return ret;
		rf->fds[i].fd = fh.fd;
		rf->fds[i].flags = fh.flags;
		rf->fds[i].file = fh.file;
		rf->fds[i].stdio = -1;
		rf->nr_fds++;
		if (fh.file == rf->d->nr_files + 1) {
			rf->d->nr_files++;
			rf->d->files[fh.file].own_fd = -1;
			ret = restore_open_file(ctx, rf, &rf->d->files[fh.file]);
			if (ret)
				return ret;
		} else if (fh.file < rf->first_file) {
			/*
			 * an earlier process's, inherited: one it held by
			 * mappings alone is this one's table's now, whose
			 * close drops a POSIX lock taken through it
			 */
			rf->d->files[fh.file].mapped = false;
		}
		/*
		 * With RESTART_KEEP_STDIO the first process's fds 0-2 are
		 * the restarter's, and so are the others' on the same
		 * descriptions (inherited)
		 */
		if (keep_stdio && fh.fd <= 2)
			rf->d->files[fh.file].stdio |= 1U << fh.fd;
		if (fh.file < rf->first_file && rf->d->files[fh.file].stdio) {
			unsigned int mask = rf->d->files[fh.file].stdio;

			/* the same fd's, or the first of them */
			rf->fds[i].stdio = fh.fd <= 2 && mask & (1U << fh.fd) ?
					   fh.fd : __ffs(mask);
			continue;
		}
		if (!keep_stdio || fh.fd > 2) {
			struct ckpt_rfile *f = &rf->d->files[fh.file];

			if (!f->needed && fh.file >= rf->first_file)
				f->own_fd = fh.fd;
			f->needed = true;
		}
	}

	/* the descriptions mappings alone hold: memfds, deleted files */
	for (i = 0; i < h.nr_mapped; i++) {
		struct ckpt_rfile *f;

		ret = ckpt_array_grow((void **)&rf->d->files, &rf->d->cap_files,
				      rf->d->nr_files + 1, sizeof(*rf->d->files));
		if (ret)
			return ret;
		f = &rf->d->files[++rf->d->nr_files];
		f->own_fd = -1;
		f->needed = true;
		f->mapped = true;
		ret = restore_open_file(ctx, rf, f);
		if (ret)
			return ret;
		if (f->h.kind != CKPT_FILE_MEMFD &&
		    f->h.kind != CKPT_FILE_DELETED)
			return -EBADMSG;
	}
	rf->last_file = rf->d->nr_files;
	rf->last_pipe = rf->d->nr_pipes;

	/* its own, and an earlier process's that no fd needed there */
	for (i = 1; i <= rf->d->nr_files; i++) {
		if (!rf->d->files[i].needed || rf->d->files[i].opened)
			continue;
		rf->d->files[i].opened = true;
		ret = restore_open(ctx, rf, &rf->d->files[i]);
		if (ret)
			return ret;
	}
	ret = restore_file_locks(ctx, rf);
	if (!ret)
		ret = restore_epolls(ctx, rf);
	return ret;
}

/*
 * Past the point of no return: named pipes get their size and data, and
 * the restarter's fds give way to the image's, at their numbers; with
 * RESTART_KEEP_STDIO fds 0-2 stay the restarter's.  The table is unshared
 * first, as execve() does.  A FIFO that others resized or filled since
 * restart opened it fails here, and the restore with it.
 */
int restore_files_apply(struct ckpt_ctx *ctx)
{
	bool keep_stdio = ckpt_keeps_stdio(ctx);
	struct ckpt_rst_files *rf = ctx->p.rst_files;
	struct file *keep[3] = {};
	unsigned int i;
	int ret;

	for (i = rf->first_pipe; i <= rf->last_pipe; i++) {
		if (!rf->d->pipes[i].hold)
			continue;
		ret = restore_fifo_apply(&rf->d->pipes[i]);
		if (ret)
			return ret;
	}

	/* the table of the earlier process it shares, restored already */
	if (restore_proc_files_of(ctx)) {
		ret = restore_share_files(ctx);
		if (ret)
			return ret;
		goto shared;
	}
	ret = unshare_files();
	if (ret)
		return ret;
	for (i = 0; keep_stdio && i < ARRAY_SIZE(keep); i++)
		keep[i] = fget_raw(i);
	__close_range(0, ~0U, 0);

	for (i = 0; !ret && i < rf->nr_fds; i++) {
		struct ckpt_rfd *fd = &rf->fds[i];
		struct file *file = rf->d->files[fd->file].file;

		if (keep_stdio && fd->fd <= 2)
			continue;
		/* on the first process's 0-2: what the restarter gave it */
		if (fd->stdio >= 0) {
			file = ctx->rst_stdio[fd->stdio];
			if (!file)
				continue;
		}
		ret = replace_fd(fd->fd, file,
				 fd->flags & CKPT_FD_CLOEXEC ? O_CLOEXEC : 0);
	}
	for (i = 0; i < ARRAY_SIZE(keep); i++) {
		if (!keep[i])
			continue;
		if (!ret)
			ret = replace_fd(i, keep[i], 0);
		/* for the rest of the tree */
		ctx->rst_stdio[i] = keep[i];
	}
	if (ret < 0)
		return ret;

shared:
	/*
	 * The table is the process's, and closing the caller's fds dropped
	 * whatever POSIX locks it held: the image's are the table's now.
	 */
	for (i = 1; i <= rf->d->nr_files; i++) {
		if (rf->d->files[i].posix_locked)
			locks_posix_transfer(rf->d->files[i].file, rf,
					     current->files);
	}
	/*
	 * Timers count from here, not from the read of the image; and
	 * before the epolls watch them, which find them ready or not.
	 */
	for (i = rf->first_file; i <= rf->last_file; i++) {
		if (!rf->d->files[i].file)
			continue;
		ret = restore_anon_apply(rf->d->files[i].file, rf->d->files[i].h.kind,
					 &rf->d->files[i].anon);
		if (ret)
			return ret;
	}
	return restore_epolls_apply(ctx, rf);
}

/*
 * Past the point of no return, once every process of the image mapped
 * its memory: the memfd seals that had to wait for the mappings
 * (F_SEAL_FUTURE_WRITE after a shared writable one).
 */
int restore_files_seals(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_descs *d = ctx->rst_descs;
	unsigned int i;
	int ret;

	for (i = 1; d && i <= d->nr_files; i++) {
		if (!d->files[i].late_seals || !d->files[i].made)
			continue;
		ret = restore_memfd_seals(d->files[i].made,
					  d->files[i].late_seals);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * The description @id of the files section, a memfd's or a deleted
 * file's, for a mapping of it (memory.c): referenced, NULL for a verify,
 * which made none, or ERR_PTR(-EBADMSG).  Its access mode into *@acc.
 */
struct file *restore_made_file(struct ckpt_ctx *ctx, u32 id, u32 *acc)
{
	struct ckpt_rst_files *rf = ctx->p.rst_files;
	struct ckpt_rfile *f;

	if (!rf || !id || id > rf->d->nr_files)
		return ERR_PTR(-EBADMSG);
	f = &rf->d->files[id];
	if ((f->h.kind != CKPT_FILE_MEMFD && f->h.kind != CKPT_FILE_DELETED) ||
	    f->h.flags & O_PATH)
		return ERR_PTR(-EBADMSG);
	*acc = f->h.flags & O_ACCMODE;
	if (f->file)
		return get_file(f->file);
	/* a verify's, or one of fds 0-2 the restarter keeps */
	return ctx->flags & RESTART_VERIFY ? NULL : ERR_PTR(-EBADMSG);
}

/*
 * Drops the current process's table.  A refused restore lets go of its
 * locks now, not when the last fput() of the description comes (task
 * work, after a log write that may wait): the stand-in's POSIX locks,
 * and (restore_descs_free()) the description's own.  Past the point of
 * no return the process dies, and its locks go with its files; the
 * stand-in holds none after locks_posix_transfer(), and lets go of
 * those it still holds when the process died before them, which no
 * close of the table would drop.
 */
void restore_files_free(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_files *rf = ctx->p.rst_files;
	unsigned int i;

	if (!rf)
		return;
	for (i = 1; rf->d && rf->d->files && i <= rf->d->nr_files; i++)
		if (rf->d->files[i].posix_locked)
			locks_remove_posix(rf->d->files[i].file, rf);
	kvfree(rf->fds);
	kfree(rf);
	ctx->p.rst_files = NULL;
}

/* Drops the descriptions and pipes, once every process's table is. */
void restore_descs_free(struct ckpt_ctx *ctx)
{
	struct ckpt_rst_descs *d = ctx->rst_descs;
	unsigned int i;

	if (!d)
		return;
	for (i = 1; d->files && i <= d->nr_files; i++) {
		if (!ctx->rst_ponr && d->files[i].locked)
			locks_remove_file(d->files[i].file);
		if (d->files[i].file)
			fput(d->files[i].file);
		if (d->files[i].made)
			fput(d->files[i].made);
		kfree(d->files[i].path);
		kvfree(d->files[i].items);
	}
	for (i = 1; d->pipes && i <= d->nr_pipes; i++) {
		if (d->pipes[i].end[0])
			fput(d->pipes[i].end[0]);
		if (d->pipes[i].end[1])
			fput(d->pipes[i].end[1]);
		if (d->pipes[i].hold)
			fput(d->pipes[i].hold);
		if (d->pipes[i].stage[0])
			fput(d->pipes[i].stage[0]);
		if (d->pipes[i].stage[1])
			fput(d->pipes[i].stage[1]);
		kvfree(d->pipes[i].data);
		kvfree(d->pipes[i].packet);
	}
	kvfree(d->pipes);
	kvfree(d->files);
	kfree(d);
	ctx->rst_descs = NULL;
	for (i = 0; i < ARRAY_SIZE(ctx->rst_stdio); i++) {
		if (ctx->rst_stdio[i])
			fput(ctx->rst_stdio[i]);
		ctx->rst_stdio[i] = NULL;
	}
}
