// SPDX-License-Identifier: GPL-2.0
/*
 * checkpoint(2) and restart(2): arguments, permissions, checkpoint ids,
 * and the kinds of file an image can go through.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "../kselftest_harness.h"
#include "ckpt_util.h"

#define NO_FLAG (1UL << 40)

TEST(checkpoint_bad_fd_is_ebadf)
{
	int fd = open("/dev/null", O_WRONLY);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, close(fd));

	EXPECT_EQ(-1, sys_checkpoint(0, -1, 0));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, sys_checkpoint(0, fd, 0));	/* closed */
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, sys_restart(0, -1, 0));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, sys_restart(0, fd, 0));
	EXPECT_EQ(EBADF, errno);
}

TEST(checkpoint_needs_fd_open_for_writing)
{
	int rd = open("/dev/null", O_RDONLY);
	int path = open("/tmp", O_PATH);

	ASSERT_LE(0, rd);
	ASSERT_LE(0, path);
	EXPECT_EQ(-1, sys_checkpoint(0, rd, 0));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, sys_checkpoint(0, path, 0));
	EXPECT_EQ(EBADF, errno);
	close(rd);
	close(path);
}

TEST(restart_needs_fd_open_for_reading)
{
	int wr = open("/dev/null", O_WRONLY);
	int p[2];

	ASSERT_LE(0, wr);
	ASSERT_EQ(0, pipe(p));
	EXPECT_EQ(-1, sys_restart(0, wr, RESTART_VERIFY));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, sys_restart(0, p[1], RESTART_VERIFY));
	EXPECT_EQ(EBADF, errno);
	close(wr);
	close(p[0]);
	close(p[1]);
}

TEST(unknown_flags_are_einval)
{
	int fd = memfd_create("img", 0);
	struct stat st;

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, sys_checkpoint(0, fd, NO_FLAG));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sys_checkpoint(0, fd, ~CHECKPOINT_FLAGS_ALL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sys_restart(0, fd, NO_FLAG));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sys_restart(0, fd, ~RESTART_FLAGS_ALL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sys_restart(-1, fd, RESTART_VERIFY));
	EXPECT_EQ(EINVAL, errno);
	/* nothing was written on the way */
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(0, st.st_size);
	close(fd);
}

TEST(checkpoint_no_such_pid_is_esrch)
{
	int fd = open("/dev/null", O_WRONLY);
	pid_t gone = fork();

	ASSERT_LE(0, fd);
	ASSERT_LE(0, gone);
	if (!gone)
		_exit(0);
	ASSERT_EQ(0, wait_exit(gone));

	EXPECT_EQ(-1, sys_checkpoint(gone, fd, 0));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, sys_checkpoint(-1, fd, 0));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST(checkpoint_running_target_is_ebusy)
{
	int fd = open("/dev/null", O_WRONLY);
	int status;
	pid_t pid;

	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		for (;;)
			pause();
	}
	EXPECT_EQ(-1, sys_checkpoint(pid, fd, 0));
	EXPECT_EQ(EBUSY, errno);

	/* stopped, the same target can be checkpointed */
	ASSERT_EQ(0, kill(pid, SIGSTOP));
	ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
	EXPECT_LT(0, sys_checkpoint(pid, fd, 0));
	reap(pid);
	close(fd);
}

static void *park(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

/*
 * A process with two threads is checkpointed, by itself (its other
 * thread parked for the dump, and going on after) and stopped.
 */
TEST(multithreaded_process_is_checkpointed)
{
	int fd = memfd_create("img", 0), status;
	pthread_t thread;
	pid_t pid;

	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (pthread_create(&thread, NULL, park, NULL))
			_exit(1);
		if (sys_checkpoint(0, fd, 0) <= 0)
			_exit(2);
		raise(SIGSTOP);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status));
	EXPECT_LT(0, sys_checkpoint(pid, fd, 0));
	reap(pid);
	close(fd);
}

TEST(crid_grows_by_one_per_checkpoint)
{
	int fd = open("/dev/null", O_WRONLY);
	pid_t target;
	long a, b, c;

	ASSERT_LE(0, fd);
	/* before it has a child, which a checkpoint of it would refuse */
	a = sys_checkpoint(0, fd, 0);
	b = sys_checkpoint(0, fd, 0);
	target = spawn_stopped();
	ASSERT_LT(0, target);
	c = sys_checkpoint(target, fd, 0);
	EXPECT_LT(0, a);
	EXPECT_EQ(a + 1, b);
	EXPECT_EQ(b + 1, c);
	reap(target);
	close(fd);
}

/*
 * In a new pid namespace the ids start again at 1; the parent namespace's
 * sequence goes on untouched; a checkpoint of a task in the child
 * namespace, taken from outside, draws from the child's sequence.
 */
TEST(crid_is_per_pid_namespace)
{
	int fd = memfd_create("img", 0);
	long before, after, outside;
	int p[2], status;
	char code = -1;
	pid_t child;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(p));
	before = sys_checkpoint(0, fd, 0);
	ASSERT_LT(0, before);

	ASSERT_EQ(0, unshare(CLONE_NEWPID));
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		long one = sys_checkpoint(0, fd, 0);
		long two = sys_checkpoint(0, fd, 0);

		code = getpid() != 1 ? 10 : one != 1 ? 11 : two != 2 ? 12 : 0;
		write_all(p[1], &code, 1);
		/* the namespace's init: only a signal from outside stops it */
		for (;;)
			pause();
	}
	ASSERT_EQ(1, read(p[0], &code, 1));
	EXPECT_EQ(0, code);

	ASSERT_EQ(0, kill(child, SIGSTOP));
	ASSERT_EQ(child, waitpid(child, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status));
	outside = sys_checkpoint(child, fd, 0);
	EXPECT_EQ(3, outside);
	/* once it has no child, which a checkpoint of it would refuse */
	reap(child);
	after = sys_checkpoint(0, fd, 0);
	EXPECT_EQ(before + 1, after);

	close(fd);
	close(p[0]);
	close(p[1]);
}

/* Two images, one after the other in a regular file, read back in turn. */
TEST(image_through_regular_file)
{
	char path[] = "/tmp/ckpt-img-XXXXXX";
	int fd = mkstemp(path);
	int rd;
	off_t one;
	long a, b;

	ASSERT_LE(0, fd);
	a = sys_checkpoint(0, fd, 0);
	ASSERT_LT(0, a);
	one = lseek(fd, 0, SEEK_CUR);
	EXPECT_LT(0, one);
	b = sys_checkpoint(0, fd, 0);
	ASSERT_LT(0, b);
	EXPECT_EQ(2 * one, lseek(fd, 0, SEEK_END));
	close(fd);

	rd = open(path, O_RDONLY);
	ASSERT_LE(0, rd);
	EXPECT_EQ(0, sys_restart(a, rd, RESTART_VERIFY));
	EXPECT_EQ(one, lseek(rd, 0, SEEK_CUR));
	EXPECT_EQ(0, sys_restart(b, rd, RESTART_VERIFY));
	EXPECT_EQ(-1, sys_restart(0, rd, RESTART_VERIFY));
	EXPECT_EQ(ENODATA, errno);
	close(rd);
	unlink(path);
}

/*
 * A child checkpoints itself into one end of a stream while this process
 * verifies the image as it arrives at the other: a stream end to end.
 */
static void stream_checkpoint(struct __test_metadata *_metadata, int wr, int rd)
{
	long crid;
	pid_t child;

	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		close(rd);
		crid = sys_checkpoint(0, wr, 0);
		if (crid <= 0)
			_exit(1);
		if (write_all(wr, &crid, sizeof(crid)))
			_exit(2);
		_exit(0);
	}
	close(wr);
	EXPECT_EQ(0, sys_restart(0, rd, RESTART_VERIFY)) {
		TH_LOG("restart: %s", strerror(errno));
	}
	ASSERT_EQ(sizeof(crid), read(rd, &crid, sizeof(crid)));
	EXPECT_LT(0, crid);
	EXPECT_EQ(0, wait_exit(child));
	close(rd);
}

TEST(image_through_pipe)
{
	int p[2];

	ASSERT_EQ(0, pipe(p));
	stream_checkpoint(_metadata, p[1], p[0]);
}

TEST(image_through_socketpair)
{
	int sv[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	stream_checkpoint(_metadata, sv[1], sv[0]);
}

/*
 * A failed call holds no reference on the image's file: once the test
 * closes its own descriptor, the pipe's other end sees it gone.
 */
static bool writer_gone(int rd)
{
	char c;

	return read(rd, &c, 1) == 0;
}

static bool reader_gone(int wr)
{
	return write(wr, "x", 1) == -1 && errno == EPIPE;
}

TEST(failed_calls_leak_no_file)
{
	pid_t running, gone;
	int p[2];

	signal(SIGPIPE, SIG_IGN);
	gone = fork();
	ASSERT_LE(0, gone);
	if (!gone)
		_exit(0);
	ASSERT_EQ(0, wait_exit(gone));
	running = fork();
	ASSERT_LE(0, running);
	if (!running) {
		for (;;)
			pause();
	}

	/* ESRCH, EBUSY, EINVAL (pid), EPERM (kernel thread) */
	pid_t targets[] = { gone, running, -5, 2 };

	for (int i = 0; i < 4; i++) {
		ASSERT_EQ(0, pipe2(p, O_NONBLOCK));
		EXPECT_EQ(-1, sys_checkpoint(targets[i], p[1], 0));
		close(p[1]);
		EXPECT_TRUE(writer_gone(p[0])) {
			TH_LOG("checkpoint(%d) kept the file", targets[i]);
		}
		close(p[0]);
	}

	/* a refused image */
	ASSERT_EQ(0, pipe2(p, O_NONBLOCK));
	ASSERT_EQ(8, write(p[1], "notimage", 8));
	EXPECT_EQ(-1, sys_restart(0, p[0], RESTART_VERIFY));
	EXPECT_EQ(ENOEXEC, errno);
	close(p[0]);
	EXPECT_TRUE(reader_gone(p[1]));
	close(p[1]);

	reap(running);
	signal(SIGPIPE, SIG_DFL);
}

TEST_HARNESS_MAIN
