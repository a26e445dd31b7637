// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of the kernel's event objects behind file
 * descriptors, which have no name to be reopened by: eventfd (its count
 * and semaphore mode) and signalfd (its mask).  Each is written once per
 * open file description, after its open file record, and made anew on
 * restart, as the system call that made it would, before the point of
 * no return: a new object, seen by nobody else until the restored
 * process has it.
 *
 * What a crafted image could make restart do: make an eventfd with a
 * count a write(2) could have given it, or a signalfd for signals it
 * names, SIGKILL and SIGSTOP never, as signalfd(2) would for anyone.
 * What a checkpointer reads: what /proc/PID/fdinfo shows it, with the
 * right it needs for that.
 */
#include <linux/checkpoint.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/signal.h>
#include <linux/signalfd.h>

/*
 * Whether @file is an event object the image keeps: its kind into @kind.
 */
bool ckpt_anon_kind(struct file *file, u32 *kind)
{
	unsigned int flags;
	sigset_t mask;
	u64 count;

	if (!eventfd_file_state(file, &count, &flags)) {
		*kind = CKPT_FILE_EVENTFD;
		return true;
	}
	if (!signalfd_file_mask(file, &mask)) {
		*kind = CKPT_FILE_SIGNALFD;
		return true;
	}
	return false;
}

/* The record of @file, of @kind, after its open file record. */
int checkpoint_anon_file(struct ckpt_ctx *ctx, struct file *file, u32 kind)
{
	struct ckpt_hdr_signalfd sh = {};
	struct ckpt_hdr_eventfd eh = {};
	unsigned int flags;
	sigset_t mask;
	int ret;

	switch (kind) {
	case CKPT_FILE_EVENTFD:
		ret = eventfd_file_state(file, &eh.count, &flags);
		if (ret)
			return ret;
		eh.flags = flags & EFD_SEMAPHORE ? CKPT_EVENTFD_SEMAPHORE : 0;
		return ckpt_write_obj(ctx, &eh.h, CKPT_HDR_EVENTFD, sizeof(eh));
	case CKPT_FILE_SIGNALFD:
		ret = signalfd_file_mask(file, &mask);
		if (ret)
			return ret;
		sh.mask = mask.sig[0];
		return ckpt_write_obj(ctx, &sh.h, CKPT_HDR_SIGNALFD, sizeof(sh));
	}
	return -EINVAL;
}

/* Reads and checks the record of an event object of @kind into @st. */
int restore_anon_file(struct ckpt_ctx *ctx, u32 kind,
		      union ckpt_anon_state *st)
{
	int ret;

	if (ctx->rst_version < 4)
		return -EBADMSG;
	switch (kind) {
	case CKPT_FILE_EVENTFD:
		ret = ckpt_read_obj(ctx, &st->eventfd.h, CKPT_HDR_EVENTFD,
				    sizeof(st->eventfd), sizeof(st->eventfd));
		if (ret)
			return ret;
		if (st->eventfd.count == ULLONG_MAX || st->eventfd.pad ||
		    st->eventfd.flags & ~CKPT_EVENTFD_SEMAPHORE)
			return -EBADMSG;
		return 0;
	case CKPT_FILE_SIGNALFD:
		return ckpt_read_obj(ctx, &st->signalfd.h, CKPT_HDR_SIGNALFD,
				     sizeof(st->signalfd),
				     sizeof(st->signalfd));
	}
	return -EBADMSG;
}

/*
 * Makes the event object @st of @kind anew, with the O_NONBLOCK of
 * @flags, as eventfd2(2) or signalfd4(2) would.
 */
struct file *restore_anon_open(u32 kind, const union ckpt_anon_state *st,
			       u32 flags)
{
	sigset_t mask;

	switch (kind) {
	case CKPT_FILE_EVENTFD:
		return eventfd_file_create(st->eventfd.count,
					   (flags & O_NONBLOCK) |
					   (st->eventfd.flags &
					    CKPT_EVENTFD_SEMAPHORE ?
					    EFD_SEMAPHORE : 0));
	case CKPT_FILE_SIGNALFD:
		sigemptyset(&mask);
		mask.sig[0] = st->signalfd.mask;
		return signalfd_file_create(&mask, flags & O_NONBLOCK);
	}
	return ERR_PTR(-EINVAL);
}
