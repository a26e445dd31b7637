// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of inotify instances: their queued events, and
 * their watches, each by the path of the watched inode as the process
 * sees it from its root.  Restart makes the instance as inotify_init1(2)
 * would, queues the image's events, then adds each watch under its wd as
 * inotify_add_watch(2) would add it for the restarter, all before the
 * point of no return: events that happen from then on queue after the
 * image's.
 *
 * What a crafted image could make restart do: make an inotify instance
 * under the caller's max_user_instances; add watches on inodes the caller
 * may read (inotify_add_watch(2)'s check, with the LSM's say), under its
 * max_user_watches, each named by a path looked up from its root and
 * checked to be the inode the image saw (device, inode number, mode, but
 * not size or mtime: what is watched changes); and queue events of its
 * own making, up to fs.inotify.max_queued_events, with any wd, mask,
 * cookie and name (no '/', no NUL), which the restored process reads as
 * if the kernel had queued them.  Nothing outside the restored process
 * sees any of it.
 *
 * What a checkpointer reads: the names of the watched inodes, as the
 * target's root sees them, and the queued events, with the names of the
 * files they concern: what the target reads itself, which the right to
 * read its memory covers (/proc/PID/fdinfo shows the watches to less).
 *
 * The target stopped, it neither reads events nor changes its watches; a
 * process outside sharing the instance may, and the file systems go on
 * queuing events meanwhile: the events written are those queued when
 * they were counted, and a watch added meanwhile fails the checkpoint
 * (-EAGAIN), as does one removed between the look at the watches and
 * the one at the events.  A watched inode with no name the process can
 * see (deleted, or on no mount it can reach), or none the checkpointer
 * finds it by, is refused.  A mount's tree is looked for among the
 * dentry's ancestors, and only so many mounts holding it are tried
 * (mount_of_dentry()): a namespace of many mounts costs its size, once
 * a watch.
 */
#include <linux/checkpoint.h>
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/inotify.h>
#include <linux/mm.h>
#include <linux/namei.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>

/* Whether @file is an inotify instance. */
bool ckpt_inotify_is(struct file *file)
{
	return inotify_file_is(file);
}

static int ckpt_cmp_watch(const void *a, const void *b)
{
	const struct inotify_watch_state *x = a, *y = b;

	return x->wd < y->wd ? -1 : x->wd > y->wd;
}

/*
 * The path of @w's inode, seen from the target's root, into @path: a name
 * that the checkpointer, looking it up from there with its own rights,
 * finds the inode by.  Another name of the inode (a hard link in a
 * directory closed to the target) is not written, nor said.
 */
static int ckpt_inotify_path(struct ckpt_ctx *ctx, int fd,
			     const struct inotify_watch_state *w,
			     struct path *path)
{
	struct dentry *dentry = d_find_alias(w->inode);
	struct path found;
	char *buf, *name;
	int ret;

	if (!dentry)
		return ckpt_refuse(ctx, -EOPNOTSUPP, fd,
				   "fd %d: inotify watch %d is on a file deleted since: not supported",
				   fd, w->wd);
	ret = mount_of_dentry(&ctx->p.root, dentry, path);
	dput(dentry);
	if (ret == -ENOMEM)
		return ret;
	if (ret)
		return ckpt_refuse(ctx, -EOPNOTSUPP, fd,
				   "fd %d: inotify watch %d is on a file on no mount the process reaches: not supported",
				   fd, w->wd);
	ret = -ENOMEM;
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		goto out;
	name = __d_path(path, &ctx->p.root, buf, PATH_MAX);
	ret = IS_ERR_OR_NULL(name) ? -ENOENT :
	      vfs_path_lookup(ctx->p.root.dentry, ctx->p.root.mnt, name, 0, &found);
	if (!ret) {
		if (d_inode(found.dentry) != w->inode)
			ret = -ENOENT;
		path_put(&found);
	}
	kfree(buf);
	if (ret == -EINTR)
		goto out;
	if (ret)
		ret = ckpt_refuse(ctx, -EOPNOTSUPP, fd,
				  "fd %d: inotify watch %d is on a file with no name the checkpointer finds it by: not supported",
				  fd, w->wd);
out:
	if (ret)
		path_put(path);
	return ret;
}

static int checkpoint_inotify_events(struct ckpt_ctx *ctx,
				     struct inotify_event_state *ev,
				     unsigned int nr)
{
	struct ckpt_hdr_inotify_event *h;
	unsigned int i;
	int ret = 0;

	h = kzalloc(sizeof(*h) + NAME_MAX + 1, GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	for (i = 0; !ret && i < nr; i++) {
		h->wd = ev[i].wd;
		h->mask = ev[i].mask;
		h->cookie = ev[i].cookie;
		h->len = ev[i].len;
		memcpy(h->name, ev[i].name, ev[i].len);
		ret = ckpt_write_obj(ctx, &h->h, CKPT_HDR_INOTIFY_EVENT,
				     sizeof(*h) + ev[i].len);
	}
	kfree(h);
	return ret;
}

/*
 * The watches of @file into *@w, sorted by wd, each with a reference on
 * its inode (ckpt_inotify_watches_put()): how many, or an error.  More
 * than CKPT_INOTIFY_WATCHES_MAX are counted, not taken.
 */
static int ckpt_inotify_watches(struct file *file,
				struct inotify_watch_state **w, int *next)
{
	int nr = inotify_file_watches(file, NULL, 0, next);

	*w = NULL;
	if (nr <= 0 || nr > CKPT_INOTIFY_WATCHES_MAX)
		return nr;
	*w = kvmalloc_array(nr, sizeof(**w), GFP_KERNEL);
	if (!*w)
		return -ENOMEM;
	nr = inotify_file_watches(file, *w, nr, next);
	if (nr < 0) {
		kvfree(*w);
		*w = NULL;
		return nr;
	}
	sort(*w, nr, sizeof(**w), ckpt_cmp_watch, NULL);
	return nr;
}

static void ckpt_inotify_watches_put(struct inotify_watch_state *w, int nr)
{
	int i;

	for (i = 0; w && i < nr; i++)
		iput(w[i].inode);
	kvfree(w);
}

/*
 * Whether @file still has the @nr watches of @w: the events were taken
 * between the two looks, and no watch changed meanwhile.
 */
static int checkpoint_inotify_same(struct file *file,
				   const struct inotify_watch_state *w,
				   int nr)
{
	struct inotify_watch_state *now;
	int i, next, ret;

	ret = ckpt_inotify_watches(file, &now, &next);
	if (ret < 0)
		return ret;
	for (i = 0; ret == nr && i < nr; i++)
		if (now[i].wd != w[i].wd || now[i].inode != w[i].inode ||
		    now[i].mask != w[i].mask)
			break;
	ckpt_inotify_watches_put(now, ret);
	return ret == nr && i == nr ? 0 : -EAGAIN;
}

/* The records of the inotify instance @file at @fd, after its open file. */
int checkpoint_inotify(struct ckpt_ctx *ctx, int fd, struct file *file)
{
	struct inotify_event_state *ev = NULL;
	struct inotify_watch_state *w = NULL;
	struct ckpt_hdr_inotify_watch wh = {};
	struct ckpt_hdr_inotify h = {};
	int nr = 0, nr_ev, next, i, ret;
	struct path path;

	ret = ckpt_inotify_watches(file, &w, &next);
	if (ret > CKPT_INOTIFY_WATCHES_MAX)
		return ckpt_refuse(ctx, -EOPNOTSUPP, fd,
				   "fd %d: an inotify instance with %d watches, more than %u",
				   fd, ret, CKPT_INOTIFY_WATCHES_MAX);
	if (ret < 0)
		return ret;
	nr = ret;

	nr_ev = inotify_file_events(file, NULL, 0);
	ret = nr_ev;
	if (nr_ev > CKPT_INOTIFY_EVENTS_MAX) {
		ret = ckpt_refuse(ctx, -EOPNOTSUPP, fd,
				  "fd %d: an inotify instance with %d events not read yet, more than %u",
				  fd, nr_ev, CKPT_INOTIFY_EVENTS_MAX);
		goto out;
	}
	if (nr_ev > 0) {
		ret = -ENOMEM;
		ev = kvmalloc_array(nr_ev, sizeof(*ev), GFP_KERNEL);
		if (!ev)
			goto out;
		nr_ev = inotify_file_events(file, ev, nr_ev);
		ret = nr_ev;
	}
	if (ret == -ENAMETOOLONG)
		ret = ckpt_refuse(ctx, -EOPNOTSUPP, fd,
				  "fd %d: an inotify event for a name longer than NAME_MAX: not supported",
				  fd);
	if (ret < 0)
		goto out;
	/* a watch removed meanwhile would be in the image with its IN_IGNORED */
	ret = checkpoint_inotify_same(file, w, nr);
	if (ret)
		goto out;

	h.nr_watches = nr;
	h.nr_events = nr_ev;
	h.next_wd = next;
	ret = ckpt_write_obj(ctx, &h.h, CKPT_HDR_INOTIFY, sizeof(h));
	if (!ret)
		ret = checkpoint_inotify_events(ctx, ev, nr_ev);
	for (i = 0; !ret && i < nr; i++) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
		ret = ckpt_inotify_path(ctx, fd, &w[i], &path);
		if (ret)
			break;
		wh.wd = w[i].wd;
		wh.mask = w[i].mask;
		ret = ckpt_write_obj(ctx, &wh.h, CKPT_HDR_INOTIFY_WATCH,
				     sizeof(wh));
		if (!ret)
			ret = ckpt_write_path(ctx, CKPT_HDR_FILE_PATH, &path, fd);
		path_put(&path);
	}
out:
	ckpt_inotify_watches_put(w, nr);
	kvfree(ev);
	return ret;
}

/* Reads the queued events; with @file, queues them on it. */
static int restore_inotify_events(struct ckpt_ctx *ctx, struct file *file,
				  unsigned int nr)
{
	struct ckpt_hdr_inotify_event *h;
	struct inotify_event_state *ev;
	unsigned int i, overflow = 0;
	int ret = 0;

	ev = kmalloc(sizeof(*ev), GFP_KERNEL);
	if (!ev)
		return -ENOMEM;
	for (i = 0; !ret && i < nr; i++) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
		h = ckpt_read_obj_alloc(ctx, CKPT_HDR_INOTIFY_EVENT, sizeof(*h),
					sizeof(*h) + NAME_MAX);
		if (IS_ERR(h)) {
			ret = PTR_ERR(h);
			break;
		}
		ev->wd = h->wd;
		ev->mask = h->mask;
		ev->cookie = h->cookie;
		ev->len = h->len;
		if (h->len == h->h.len - sizeof(*h))
			memcpy(ev->name, h->name, h->len);
		else
			ret = -EBADMSG;
		kfree(h);
		/* one overflow at most, as a verify cannot see in the queue */
		if (!ret && ev->mask == IN_Q_OVERFLOW && overflow++)
			ret = -EBADMSG;
		if (!ret)
			ret = inotify_file_queue(file, ev);
		if (ret == -EINVAL)
			ret = -EBADMSG;
		else if (ret == -ENOSPC)
			ret = ckpt_refuse(ctx, ret, -1,
					  "an inotify instance with %u events not read yet, more than fs.inotify.max_queued_events",
					  nr);
	}
	kfree(ev);
	return ret;
}

/* Reads the watches; with @file, adds them to it. */
static int restore_inotify_watches(struct ckpt_ctx *ctx, struct file *file,
				   unsigned int nr)
{
	struct ckpt_hdr_inotify_watch h;
	struct ckpt_hdr_file *name;
	struct path path;
	unsigned int i;
	int ret = 0, last = 0;

	for (i = 0; !ret && i < nr; i++) {
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
		ret = ckpt_read_obj(ctx, &h.h, CKPT_HDR_INOTIFY_WATCH,
				    sizeof(h), sizeof(h));
		if (ret)
			break;
		/* in ascending order of wd, from 1 */
		if (h.wd <= last)
			return -EBADMSG;
		last = h.wd;
		name = ckpt_read_file(ctx, CKPT_HDR_FILE_PATH);
		if (IS_ERR(name))
			return PTR_ERR(name);
		ret = ckpt_lookup_file(ctx, name, &path);
		if (!ret) {
			ret = inotify_file_add_watch(file, &path, h.mask, h.wd);
			path_put(&path);
		}
		if (ret == -EINVAL)
			ret = -EBADMSG;
		else if (ret == -EEXIST)
			ret = ckpt_refuse(ctx, ret, -1,
					  "%s: watched twice by one inotify instance",
					  name->path);
		else if (ret == -ENOSPC)
			ret = ckpt_refuse(ctx, ret, -1,
					  "%u inotify watches: more than fs.inotify.max_user_watches leaves the restarter",
					  nr);
		else if (ret && ret != -ESTALE && ret != -ENOENT &&
			 ret != -EINTR)
			ret = ckpt_refuse(ctx, ret, -1,
					  "%s cannot be watched (inotify_add_watch(2))",
					  name->path);
		kfree(name);
	}
	return ret;
}

/*
 * Reads an inotify instance's records and, but for a verify, makes it
 * with the O_NONBLOCK of @flags: its events queued, then its watches
 * added.  Returns the instance, NULL for a verify, or an error.
 */
struct file *restore_inotify(struct ckpt_ctx *ctx, u32 flags)
{
	struct ckpt_hdr_inotify h;
	struct file *file = NULL;
	int ret;

	if (ctx->rst_version < 6)
		return ERR_PTR(-EBADMSG);
	ret = ckpt_read_obj(ctx, &h.h, CKPT_HDR_INOTIFY, sizeof(h), sizeof(h));
	if (ret)
		return ERR_PTR(ret);
	if (h.pad || h.next_wd < 1 || h.nr_watches > CKPT_INOTIFY_WATCHES_MAX ||
	    h.nr_events > CKPT_INOTIFY_EVENTS_MAX)
		return ERR_PTR(-EBADMSG);
	if (!(ctx->flags & RESTART_VERIFY)) {
		file = inotify_file_create(flags & O_NONBLOCK);
		if (IS_ERR(file)) {
			ret = PTR_ERR(file);
			if (ret == -EMFILE)
				ckpt_refuse(ctx, ret, -1,
					    "an inotify instance more than fs.inotify.max_user_instances lets the restarter have");
			return file;
		}
	}
	ret = restore_inotify_events(ctx, file, h.nr_events);
	if (!ret)
		ret = restore_inotify_watches(ctx, file, h.nr_watches);
	if (!ret && file)
		inotify_file_set_next_wd(file, h.next_wd);
	if (ret) {
		if (file)
			fput(file);
		return ERR_PTR(ret);
	}
	return file;
}
