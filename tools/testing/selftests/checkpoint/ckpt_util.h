/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the checkpoint selftests: the system calls, stopped
 * children to checkpoint, images in memory, and a decoder that walks an
 * image's records the way a userspace tool would.
 */
#ifndef CKPT_UTIL_H
#define CKPT_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/checkpoint.h>

#include "../../../checkpoint/ckpt.h"

/*
 * A test's time limit: the same tests run on a KASAN and lockdep kernel
 * under emulation (make test-debug), ten times slower than the plain one.
 */
#ifdef TEST_TIMEOUT_DEFAULT
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 300
#endif

/* Waits for the child @pid to stop: 0, or -1 if it ended instead. */
static inline int wait_stopped(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, WUNTRACED) != pid || !WIFSTOPPED(status))
		return -1;
	return 0;
}

/* A child that stops itself at once and exits when continued. */
static inline pid_t spawn_stopped(void)
{
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		raise(SIGSTOP);
		_exit(0);
	}
	if (wait_stopped(pid)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

/* Blocks or unblocks (@how, as sigprocmask()) the one signal @sig. */
static inline void block_signal(int sig, int how)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(how, &set, NULL);
}

/* Moves @fd to fd @at; returns @at, or -1 (@fd < 0: an open that failed). */
static inline int place(int fd, int at)
{
	if (fd < 0 || dup2(fd, at) != at)
		return -1;
	close(fd);
	return at;
}

static inline void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* Returns the exit code of @pid, or 128 + the signal that killed it. */
static inline int wait_exit(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* Checkpoints @pid (0: the caller) into memory, through a memfd. */
static inline int checkpoint_to_image_flags(pid_t pid, unsigned long flags,
					    struct image *img)
{
	int fd = memfd_create("ckpt-image", 0);
	int ret = -1;

	if (fd < 0)
		return -1;
	img->crid = sys_checkpoint(pid, fd, flags);
	if (img->crid > 0 && lseek(fd, 0, SEEK_SET) == 0)
		ret = read_all(fd, img);
	close(fd);
	return ret;
}

static inline int checkpoint_to_image(pid_t pid, struct image *img)
{
	return checkpoint_to_image_flags(pid, 0, img);
}

/*
 * Feeds @len bytes of @buf to restart(2) through a pipe, a stream with an
 * end, and returns what it returned: 0 or -errno.
 */
static inline long restart_from(const void *buf, size_t len, int crid,
				unsigned long flags)
{
	int p[2];
	long ret;

	if (pipe(p))
		return -1000;
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	if (write_all(p[1], buf, len)) {
		close(p[0]);
		close(p[1]);
		return -1000;
	}
	close(p[1]);
	ret = sys_restart(crid, p[0], flags);
	if (ret < 0)
		ret = -errno;
	close(p[0]);
	return ret;
}

/*
 * The shape of the restart tests: a child builds state and checkpoints
 * itself; a fresh child restarts the image and becomes that process,
 * where checkpoint() returns 0, checks the state and exits with RESTORED.
 */
#define RESTORED 42
#define NOT_RESTORED 43

/*
 * Checkpoints the caller into @fd.  Returns the crid in the original
 * process, 0 in the restored one; exits on failure.
 */
static inline long self_checkpoint(int fd)
{
	long crid = sys_checkpoint(0, fd, 0);

	if (crid < 0)
		_exit(100 + errno % 100);
	return crid;
}

/*
 * Forks a restarter: it runs @prep(@arg), when given, then restarts the
 * image in @fd with @flags, and exits with 200 + errno % 50 if restart
 * returns.  Returns its pid.
 */
static inline pid_t fork_restarter(int fd, int crid, unsigned long flags,
				   void (*prep)(int arg), int arg)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	if (prep)
		prep(arg);
	lseek(fd, 0, SEEK_SET);
	sys_restart(crid, fd, flags);
	_exit(200 + errno % 50);
}

/* A fresh child restarts the image in @fd; returns its exit code. */
static inline int restart_child(int fd, int crid)
{
	pid_t pid = fork_restarter(fd, crid, 0, NULL, 0);

	return pid < 0 ? -1 : wait_exit(pid);
}

/* Preparations for a restarter: its stdin or stdout from @fd. */
static inline void stdin_from(int fd)
{
	dup2(fd, 0);
}

static inline void stdout_to(int fd)
{
	dup2(fd, 1);
}

/* Runs @fn in a child, which checkpoints itself into @fd and exits. */
static inline int checkpoint_child(int (*fn)(int fd), int fd)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid)
		_exit(fn(fd));
	return wait_exit(pid);
}

static inline int image_fd(void)
{
	return memfd_create("ckpt-image", 0);
}

/*
 * A child runs @fn, which checkpoints itself; its image comes into @img.
 * Returns 0, or -1 when the child did not end as it should.
 */
static inline int child_image(int (*fn)(int fd), struct image *img)
{
	int fd = image_fd(), ret = -1;

	if (fd < 0)
		return -1;
	if (checkpoint_child(fn, fd) == NOT_RESTORED &&
	    lseek(fd, 0, SEEK_SET) == 0)
		ret = read_all(fd, img);
	close(fd);
	return ret;
}

/*
 * A child runs @fn, which builds state and checkpoints itself; a fresh
 * child restarts the image.  Returns the restored process's exit code,
 * or -1 when the first child did not end as it should.
 */
static inline int round_trip(int (*fn)(int fd))
{
	int fd = image_fd(), ret = -1;

	if (fd < 0)
		return -1;
	if (checkpoint_child(fn, fd) == NOT_RESTORED)
		ret = restart_child(fd, 0);
	close(fd);
	return ret;
}

/*
 * As round_trip(), with a restarter that runs @prep(@arg) first and
 * restarts the image with @flags.
 */
static inline int round_trip_prep(int (*fn)(int fd), unsigned long flags,
				  void (*prep)(int arg), int arg)
{
	int fd = image_fd(), ret = -1;
	pid_t pid;

	if (fd < 0)
		return -1;
	if (checkpoint_child(fn, fd) == NOT_RESTORED) {
		pid = fork_restarter(fd, 0, flags, prep, arg);
		ret = pid < 0 ? -1 : wait_exit(pid);
	}
	close(fd);
	return ret;
}

/* The error record that ends @img, or NULL. */
static inline struct ckpt_hdr_error *image_error(const struct image *img)
{
	size_t off = 0, data;

	while (off + sizeof(struct ckpt_hdr) <= img->len) {
		struct ckpt_hdr *h = (void *)(img->buf + off);

		if (h->type == CKPT_HDR_ERROR)
			return (void *)h;
		if (h->len < sizeof(*h))
			return NULL;
		off = record_next(off, h, &data, sysconf(_SC_PAGESIZE));
	}
	return NULL;
}

/*
 * Checkpoints @pid (0: the caller) with @flags, which is to be refused:
 * returns the errno, with the reason the image gives and the fd it names
 * in @why (@len bytes) and @fd; or 0 if the checkpoint was taken.
 */
static inline int checkpoint_refusal_flags(pid_t pid, unsigned long flags,
					   char *why, size_t len, int *fd)
{
	struct ckpt_hdr_error *e;
	struct image img = {};
	int out = image_fd(), err;

	why[0] = 0;
	*fd = -2;
	if (out < 0)
		return -1;
	if (sys_checkpoint(pid, out, flags) > 0) {
		close(out);
		return 0;
	}
	err = errno;
	if (!lseek(out, 0, SEEK_SET) && !read_all(out, &img)) {
		e = image_error(&img);
		if (e) {
			snprintf(why, len, "%s", e->msg);
			*fd = e->fd;
		}
	}
	image_free(&img);
	close(out);
	return err;
}

static inline int checkpoint_refusal(pid_t pid, char *why, size_t len, int *fd)
{
	return checkpoint_refusal_flags(pid, 0, why, len, fd);
}

/*
 * Checkpoints the stopped child @pid into @fd, kills and reaps it, and
 * restarts the image with @flags in a fresh child that has @pid again,
 * as a process with threads needs.  Returns the restored process's exit
 * code, or -1 when the checkpoint failed.
 */
static inline int move_stopped_fd(pid_t pid, int fd, unsigned long flags)
{
	char why[256];
	int err, at;
	pid_t r;

	if (sys_checkpoint(pid, fd, 0) <= 0) {
		err = errno;
		/* the reason, from a second try at an image of its own */
		if (checkpoint_refusal(pid, why, sizeof(why), &at) > 0)
			fprintf(stderr, "checkpoint: %s: %s\n", strerror(err),
				why);
		reap(pid);
		return -1;
	}
	reap(pid);
	r = fork_with_pid(pid);
	if (!r) {
		lseek(fd, 0, SEEK_SET);
		sys_restart(0, fd, flags);
		_exit(200 + errno % 50);
	}
	return r < 0 ? -1 : wait_exit(r);
}

static inline int move_stopped(pid_t pid)
{
	int fd = image_fd(), ret = -1;

	if (fd >= 0)
		ret = move_stopped_fd(pid, fd, 0);
	close(fd);
	return ret;
}

#endif /* CKPT_UTIL_H */
