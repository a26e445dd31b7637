// SPDX-License-Identifier: GPL-2.0
/*
 * Races: a target killed, continued or exiting while it is checkpointed;
 * two checkpoints of one target at once; a process checkpointing itself
 * while another checkpoints it; restart while signals arrive.  Each ends
 * cleanly: a sound image or a clear error, and the target whole.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <time.h>

#include "../kselftest_harness.h"
#include "ckpt_util.h"

#define MIB (1UL << 20)
#define PAGE 4096UL

/* As usleep(), but a handled signal does not cut it short. */
static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, us % 1000000 * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * The target of the first races: @size bytes, every page holding the
 * generation it was last written in.  It stops; each time it is
 * continued it checks its memory, writes the next generation and stops
 * again, and after @rounds it exits 0.  Restored, which it knows by its
 * pid, it checks its memory and exits RESTORED.  A torn image, pages of
 * two generations, fails that check.
 */
static pid_t spawn_generations(size_t size, int rounds)
{
	pid_t pid = fork();

	if (pid)
		return pid;

	pid_t me = getpid();
	volatile uint64_t *m = mmap(NULL, size, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t gen;

	if (m == MAP_FAILED)
		_exit(90);
	for (gen = 1; ; gen++) {
		for (size_t i = 0; i < size / 8; i += PAGE / 8)
			m[i] = gen;
		raise(SIGSTOP);
		for (size_t i = 0; i < size / 8; i += PAGE / 8)
			if (m[i] != gen)
				_exit(getpid() == me ? 91 : 92);
		if (getpid() != me)
			_exit(RESTORED);
		if ((int)gen == rounds)
			_exit(0);
	}
}

/* A child checkpoints @pid into @fd; its exit code is 0 or the errno. */
static pid_t fork_checkpointer(pid_t pid, int fd)
{
	pid_t c = fork();

	if (!c)
		_exit(sys_checkpoint(pid, fd, 0) > 0 ? 0 : errno);
	return c;
}

/*
 * What an image from a checkpoint that returned @err may be: a whole one
 * that restarts into a consistent process, or, after a refusal, one that
 * restart reads as ending early.
 */
static void check_outcome(struct __test_metadata *_metadata, int fd, int err,
			  const char *what)
{
	long ret;

	if (!err) {
		EXPECT_EQ(RESTORED, restart_child(fd, 0)) {
			TH_LOG("%s: the image is not of one moment", what);
		}
	} else if (lseek(fd, 0, SEEK_END) > 0) {
		lseek(fd, 0, SEEK_SET);
		ret = sys_restart(0, fd, RESTART_VERIFY);
		EXPECT_TRUE(ret == -1 && errno == ENODATA) {
			TH_LOG("%s: failed with %s, and its image gave %ld (%s)",
			       what, strerror(err), ret, strerror(errno));
		}
	}
}

enum race { KILLED, CONTINUED, EXITED };

/*
 * The target is killed (and reaped), continued, or continued into its
 * exit, @delay microseconds into a checkpoint of it.
 */
static int race_once(struct __test_metadata *_metadata, enum race how,
		     long delay, int *outcomes)
{
	pid_t target = spawn_generations(16 * MIB, how == EXITED ? 1 : 3);
	int fd = image_fd(), err, status;
	char what[64];
	pid_t c;

	if (target < 0 || fd < 0 || wait_stopped(target))
		return -1;
	c = fork_checkpointer(target, fd);
	sleep_us(delay);
	if (how == KILLED)
		kill(target, SIGKILL);
	else
		kill(target, SIGCONT);
	if (how != CONTINUED)
		waitpid(target, &status, 0);
	err = wait_exit(c);
	snprintf(what, sizeof(what), "%s after %ld us",
		 how == KILLED ? "killed" : how == EXITED ? "exited" :
		 "continued", delay);
	EXPECT_TRUE(err == 0 || err == ESRCH || err == EBUSY) {
		TH_LOG("%s: checkpoint failed with %d", what, err);
	}
	outcomes[err == 0]++;
	check_outcome(_metadata, fd, err, what);

	if (how == KILLED) {
		EXPECT_TRUE(WIFSIGNALED(status) &&
			    WTERMSIG(status) == SIGKILL);
	} else if (how == EXITED) {
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	} else {
		/* it ran on, whole: two more rounds, checking its memory */
		EXPECT_EQ(0, wait_stopped(target));
		kill(target, SIGCONT);
		EXPECT_EQ(0, wait_stopped(target));
		kill(target, SIGCONT);
		EXPECT_EQ(0, wait_exit(target)) {
			TH_LOG("%s: the target was harmed", what);
		}
	}
	close(fd);
	return 0;
}

static const long delays[] = { 0, 1000, 5000, 20000, 60000, 150000, 2000000 };

static void race_all(struct __test_metadata *_metadata, enum race how)
{
	int outcomes[2] = {};

	for (size_t i = 0; i < ARRAY_SIZE(delays); i++)
		ASSERT_EQ(0, race_once(_metadata, how, delays[i], outcomes));
	TH_LOG("%d checkpoints refused, %d whole", outcomes[0], outcomes[1]);
}

TEST(target_killed_during_checkpoint)
{
	race_all(_metadata, KILLED);
}

TEST(target_continued_during_checkpoint)
{
	race_all(_metadata, CONTINUED);
}

TEST(target_exits_during_checkpoint)
{
	race_all(_metadata, EXITED);
}

/*
 * Two checkpointers take one stopped target at once.  Both images are
 * whole, and the target, with a pipe holding data and a signal pending,
 * goes on with all of it.
 */
static int rich_target(int fd)
{
	char buf[16] = "";
	int p[2];
	sigset_t set, pending;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (pipe(p) || write(p[1], "in the pipe", 12) != 12)
		return 1;
	raise(SIGUSR1);
	raise(SIGSTOP);
	/* continued, or restored: all of it still there */
	sigpending(&pending);
	if (!sigismember(&pending, SIGUSR1))
		return 2;
	if (read(p[0], buf, sizeof(buf)) != 12 || strcmp(buf, "in the pipe"))
		return 3;
	return 0;
}

TEST(two_checkpoints_at_once)
{
	for (int round = 0; round < 3; round++) {
		pid_t c[2], target = fork();
		int fd[2];

		ASSERT_LE(0, target);
		if (!target)
			_exit(rich_target(-1));
		ASSERT_EQ(0, wait_stopped(target));
		/* made after the fork: the target holds no memfd */
		fd[0] = image_fd();
		fd[1] = image_fd();
		ASSERT_LE(0, fd[0]);
		ASSERT_LE(0, fd[1]);
		for (int i = 0; i < 2; i++)
			c[i] = fork_checkpointer(target, fd[i]);
		for (int i = 0; i < 2; i++) {
			EXPECT_EQ(0, wait_exit(c[i]));
			EXPECT_EQ(0, restart_child(fd[i], 0)) {
				TH_LOG("round %d, image %d", round, i);
			}
			close(fd[i]);
		}
		kill(target, SIGCONT);
		EXPECT_EQ(0, wait_exit(target));
	}
}

/*
 * The target checkpoints itself in a loop while another process stops
 * it, checkpoints it and continues it, also in a loop.  Each of the
 * target's calls returns a crid; each stopped checkpoint is whole, and
 * one taken while the target runs is -EBUSY.  The last image, restarted,
 * finishes the target's loop.
 */
#define SELF_ROUNDS 40

static int checkpoint_self_in_a_loop(int unused)
{
	int null = open("/dev/null", O_WRONLY), i;

	if (null < 0)
		return 1;
	for (i = 0; i < SELF_ROUNDS; i++)
		if (sys_checkpoint(0, null, 0) <= 0)
			return 10 + errno % 100;
	return 0;
}

TEST(self_checkpoint_while_another_checkpoints)
{
	int fd, busy = 0, taken = 0, status;
	pid_t target = fork();
	long ret;

	ASSERT_LE(0, target);
	if (!target)
		_exit(checkpoint_self_in_a_loop(0));
	fd = image_fd();
	ASSERT_LE(0, fd);
	for (;;) {
		/* running, or a zombie: not stopped */
		ret = sys_checkpoint(target, fd, 0);
		EXPECT_TRUE(ret < 0 && errno == EBUSY);
		busy++;
		kill(target, SIGSTOP);
		ASSERT_EQ(target, waitpid(target, &status, WUNTRACED));
		if (!WIFSTOPPED(status))
			break;
		ASSERT_EQ(0, ftruncate(fd, 0));
		ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
		ret = sys_checkpoint(target, fd, 0);
		EXPECT_LT(0, ret) {
			TH_LOG("checkpoint of the stopped target: %s",
			       strerror(errno));
		}
		taken++;
		kill(target, SIGCONT);
		sleep_us(2000);
	}
	TH_LOG("%d checkpoints of the stopped target, %d refused while it ran",
	       taken, busy);
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status)) {
		TH_LOG("the target's own checkpoints: status %#x", status);
	}
	/* the last stopped image goes on with the loop and ends it */
	EXPECT_LT(0, taken);
	if (taken)
		EXPECT_EQ(0, restart_child(fd, 0));
	close(fd);
}

/*
 * Restart while signals arrive.  The image's process counts SIGUSR1;
 * its restarter takes SIGUSR1 too, and gets a stream of them while it
 * restarts from a pipe whose page data comes slowly, after the point of
 * no return.  Restart must not be cut short there: the restored process
 * finds its memory whole and exits RESTORED.
 */
static volatile sig_atomic_t usr1;

static void count_usr1(int sig)
{
	usr1++;
}

/* The handler, then SIGUSR1 unblocked: the parent forks with it blocked. */
static void take_usr1(int flags)
{
	struct sigaction sa = { .sa_handler = count_usr1, .sa_flags = flags };

	sigaction(SIGUSR1, &sa, NULL);
	block_signal(SIGUSR1, SIG_UNBLOCK);
}

static int counted_memory(int fd)
{
	size_t size = 8 * MIB;
	uint8_t *m = mmap(NULL, size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		return 1;
	take_usr1(SA_RESTART);
	for (size_t i = 0; i < size; i += PAGE)
		m[i] = i / PAGE * 7;
	if (self_checkpoint(fd))
		return NOT_RESTORED;
	for (size_t i = 0; i < size; i += PAGE)
		if (m[i] != (uint8_t)(i / PAGE * 7))
			return 1;
	/* signals sent now reach this process's handler */
	sleep_us(50000);
	return RESTORED;
}

/* The offset of the first record of @type, or 0. */
static size_t offset_of(struct image *img, uint32_t type)
{
	static struct record rec[MAX_RECORDS];
	uint8_t *r = image_record(img, rec, image_records(img, rec), type);

	return r ? r - img->buf : 0;
}

/*
 * A writer feeds @img into a new pipe: @first bytes at once, then after
 * @wait_us the rest in 64 KiB pieces, @pause_us apart.  Returns the read
 * end.
 */
static int slow_pipe(struct image *img, size_t first, long wait_us,
		     long pause_us, pid_t *writer)
{
	int p[2];

	if (pipe(p))
		return -1;
	fcntl(p[1], F_SETPIPE_SZ, MIB);
	*writer = fork();
	if (!*writer) {
		close(p[0]);
		if (write_all(p[1], img->buf, first))
			_exit(1);
		sleep_us(wait_us);
		for (size_t off = first; off < img->len; off += 65536) {
			size_t n = img->len - off < 65536 ? img->len - off :
							    65536;

			sleep_us(pause_us);
			if (write_all(p[1], img->buf + off, n))
				_exit(0);	/* the reader died */
		}
		_exit(0);
	}
	close(p[1]);
	return p[0];
}

/* Signals @pid with SIGUSR1 every @us microseconds until it exits. */
static int flood_until_exit(pid_t pid, long us, long *sent)
{
	int status;

	*sent = 0;
	while (waitpid(pid, &status, WNOHANG) != pid) {
		if (!kill(pid, SIGUSR1))
			(*sent)++;
		sleep_us(us);
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

TEST(restart_while_signals_arrive)
{
	struct image img = {};
	size_t first;
	long sent;

	ASSERT_EQ(0, child_image(counted_memory, &img));
	/* page data comes after the point of no return */
	first = offset_of(&img, CKPT_HDR_PAGES);
	ASSERT_LT(0, first);

	for (int round = 0; round < 3; round++) {
		pid_t writer, pid;
		int in = slow_pipe(&img, first, 0, 2000, &writer);

		ASSERT_LE(0, in);
		block_signal(SIGUSR1, SIG_BLOCK);
		pid = fork_restarter(in, 0, RESTART_KEEP_STDIO, take_usr1,
				     SA_RESTART);
		block_signal(SIGUSR1, SIG_UNBLOCK);
		ASSERT_LE(0, pid);
		close(in);
		EXPECT_EQ(RESTORED, flood_until_exit(pid, 300, &sent)) {
			TH_LOG("round %d, after %ld signals", round, sent);
		}
		wait_exit(writer);
	}
	image_free(&img);
}

/*
 * Before the point of no return a signal may cut restart short: it fails
 * with EINTR, having read part of the stream, and the caller is as it was
 * and takes the signal.
 */
TEST(restart_interrupted_early_fails_cleanly)
{
	struct image img = {};
	pid_t writer, pid;
	int in, status;

	ASSERT_EQ(0, child_image(counted_memory, &img));
	/* the first records, then nothing for a long while */
	in = slow_pipe(&img, offset_of(&img, CKPT_HDR_SIGNALS), 20000000, 0,
		       &writer);
	ASSERT_LE(0, in);
	block_signal(SIGUSR1, SIG_BLOCK);
	pid = fork();
	block_signal(SIGUSR1, SIG_UNBLOCK);
	ASSERT_LE(0, pid);
	if (!pid) {
		char cwd[64];

		take_usr1(0);
		if (sys_restart(0, in, 0) != -1 || errno != EINTR)
			_exit(1);
		/* as it was, and the handler ran */
		if (!usr1 || !getcwd(cwd, sizeof(cwd)) || fcntl(in, F_GETFD))
			_exit(2);
		_exit(0);
	}
	close(in);
	sleep_us(200000);
	kill(pid, SIGUSR1);
	EXPECT_EQ(0, wait_exit(pid));
	kill(writer, SIGKILL);
	waitpid(writer, &status, 0);
	image_free(&img);
}

/*
 * A checkpoint into a pipe nobody reads, interrupted by a handled signal
 * once part of the image is in the pipe, fails with EINTR even under
 * SA_RESTART: the part written cannot be taken back.  The target goes on
 * whole.
 */
TEST(checkpoint_interrupted_midway_fails_with_eintr)
{
	pid_t target = spawn_generations(8 * MIB, 1), c;
	int p[2];

	ASSERT_LT(0, target);
	ASSERT_EQ(0, wait_stopped(target));
	ASSERT_EQ(0, pipe(p));
	block_signal(SIGUSR1, SIG_BLOCK);
	c = fork();
	block_signal(SIGUSR1, SIG_UNBLOCK);
	ASSERT_LE(0, c);
	if (!c) {
		take_usr1(SA_RESTART);
		if (sys_checkpoint(target, p[1], 0) != -1)
			_exit(1);
		_exit(errno == EINTR && usr1 ? 0 : 2);
	}
	close(p[1]);
	sleep_us(300000);
	kill(c, SIGUSR1);
	EXPECT_EQ(0, wait_exit(c));
	close(p[0]);
	kill(target, SIGCONT);
	EXPECT_EQ(0, wait_exit(target));
}

/*
 * A SIGSTOP past the point of no return, while page data is still on its
 * way, does not end the restore: the process stops once it is whole, and
 * goes on when continued.
 */
TEST(stop_during_restart_waits_for_the_whole_process)
{
	struct image img = {};
	pid_t writer, pid;
	int in, status;

	ASSERT_EQ(0, child_image(counted_memory, &img));
	/* all before the point of no return, then the pages in 2 s */
	in = slow_pipe(&img, offset_of(&img, CKPT_HDR_PAGES), 2000000, 0,
		       &writer);
	ASSERT_LE(0, in);
	pid = fork_restarter(in, 0, RESTART_KEEP_STDIO, NULL, 0);
	ASSERT_LE(0, pid);
	close(in);
	sleep_us(1000000);
	kill(pid, SIGSTOP);
	ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
	EXPECT_TRUE(WIFSTOPPED(status)) {
		TH_LOG("status %#x", status);
	}
	kill(pid, SIGCONT);
	if (WIFSTOPPED(status))
		EXPECT_EQ(RESTORED, wait_exit(pid));
	wait_exit(writer);
	image_free(&img);
}

TEST_HARNESS_MAIN
