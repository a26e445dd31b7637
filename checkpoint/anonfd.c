// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart of the kernel's event objects behind file
 * descriptors, which have no name to be reopened by: eventfd (its count
 * and semaphore mode), signalfd (its mask) and timerfd (its clock, time
 * left or expiry, interval and expirations not read yet).  Each is
 * written once per
 * open file description, after its open file record, and made anew on
 * restart, as the system call that made it would, before the point of
 * no return: a new object, seen by nobody else until the restored
 * process has it.
 *
 * What a crafted image could make restart do: make an eventfd with a
 * count a write(2) could have given it, or a signalfd for signals it
 * names, SIGKILL and SIGSTOP never, as signalfd(2) would for anyone, or
 * a timerfd on a clock timerfd_create(2) gives anyone (not an alarm
 * clock, which needs CAP_WAKE_ALARM), set as timerfd_settime(2) sets it
 * and with expirations to read, which a timer firing could leave.  A
 * timer is armed past the point of no return, so that it counts from
 * the restored process's start, not from the read of its image.
 * What a checkpointer reads: what /proc/PID/fdinfo shows it, with the
 * right it needs for that.
 */
#include <linux/checkpoint.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/uaccess.h>
/* after the two above, which it needs */
#include <linux/eventpoll.h>
#include <linux/signal.h>
#include <linux/signalfd.h>
#include <linux/time_namespace.h>
#include <linux/timerfd.h>

/* Whether the caller's clocks are offset by a time namespace. */
static bool ckpt_in_time_ns(void)
{
#ifdef CONFIG_TIME_NS
	return current->nsproxy->time_ns != &init_time_ns;
#else
	return false;
#endif
}

/*
 * Whether @file is an event object the image keeps: its kind into @kind.
 */
bool ckpt_anon_kind(struct file *file, u32 *kind)
{
	struct timerfd_state ts;
	unsigned int flags;
	sigset_t mask;
	u64 count;

	if (!timerfd_file_state(file, &ts)) {
		*kind = CKPT_FILE_TIMERFD;
		return true;
	}
	if (eventpoll_file_is(file)) {
		*kind = CKPT_FILE_EPOLL;
		return true;
	}
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
	struct ckpt_hdr_timerfd th = {};
	struct ckpt_hdr_eventfd eh = {};
	struct timerfd_state ts;
	unsigned int flags;
	sigset_t mask;
	int ret;

	switch (kind) {
	case CKPT_FILE_EPOLL:
		/* its items are in the epoll section, once all files are */
		return 0;
	case CKPT_FILE_TIMERFD:
		ret = timerfd_file_state(file, &ts);
		if (ret)
			return ret;
		th.clockid = ts.clockid;
		th.flags = ts.flags;
		th.value_ns = timespec64_to_ns(&ts.t.it_value);
		th.interval_ns = timespec64_to_ns(&ts.t.it_interval);
		th.ticks = ts.ticks;
		return ckpt_write_obj(ctx, &th.h, CKPT_HDR_TIMERFD, sizeof(th));
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
	case CKPT_FILE_EPOLL:
		return 0;
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
	case CKPT_FILE_TIMERFD:
		ret = ckpt_read_obj(ctx, &st->timerfd.h, CKPT_HDR_TIMERFD,
				    sizeof(st->timerfd), sizeof(st->timerfd));
		if (ret)
			return ret;
		if ((st->timerfd.clockid != CLOCK_REALTIME &&
		     st->timerfd.clockid != CLOCK_MONOTONIC &&
		     st->timerfd.clockid != CLOCK_BOOTTIME) ||
		    st->timerfd.flags & ~TFD_SETTIME_FLAGS ||
		    st->timerfd.value_ns < 0 || st->timerfd.interval_ns < 0)
			return -EBADMSG;
		/*
		 * An expiry on the host's monotonic or boottime clock, which
		 * timerfd_settime(2) would take as the caller's namespace's
		 */
		if (st->timerfd.flags & TFD_TIMER_ABSTIME &&
		    st->timerfd.clockid != CLOCK_REALTIME && ckpt_in_time_ns())
			return ckpt_refuse(ctx, -EOPNOTSUPP, -1,
					   "a timerfd with an absolute expiry, restored in a time namespace: not supported");
		return 0;
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
	case CKPT_FILE_EPOLL:
		/* empty until restore_epolls_apply() */
		return eventpoll_file_create(0);
	case CKPT_FILE_TIMERFD:
		/* disarmed until restore_anon_apply() */
		return timerfd_file_create(st->timerfd.clockid,
					   flags & O_NONBLOCK);
	}
	return ERR_PTR(-EINVAL);
}

/*
 * Past the point of no return, the process's fds installed: a timer is
 * set, counting from now.
 */
int restore_anon_apply(struct file *file, u32 kind,
		       const union ckpt_anon_state *st)
{
	struct timerfd_state ts = {};

	if (kind != CKPT_FILE_TIMERFD)
		return 0;
	ts.clockid = st->timerfd.clockid;
	ts.flags = st->timerfd.flags;
	ts.t.it_value = ns_to_timespec64(st->timerfd.value_ns);
	ts.t.it_interval = ns_to_timespec64(st->timerfd.interval_ns);
	ts.ticks = st->timerfd.ticks;
	return timerfd_file_restore(file, &ts);
}
