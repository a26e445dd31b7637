// SPDX-License-Identifier: GPL-2.0
/*
 * A process with threads comes back whole, each thread with its id, its
 * registers, mask, pending signals, name and attributes, and in the call
 * it was stopped in: a barrier, a condition variable, a timed futex
 * wait that keeps the time it had left.  Each test's child builds the
 * state and stops itself (all its threads stop); the test checkpoints
 * it, kills it and restarts the image in a child with the same pid,
 * where the threads check their state and the process exits RESTORED.
 */
#define _GNU_SOURCE
#include <linux/capability.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>

#include "../kselftest_harness.h"
#include "ckpt_util.h"

static pid_t gettid_(void)
{
	return syscall(SYS_gettid);
}

static double now(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Runs @child in a new process, which stops itself once its threads are
 * set; moves it (checkpoint, kill, restart with its pid) and returns the
 * restored process's exit code.
 */
static int move_child(int (*child)(void))
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid)
		_exit(child());
	if (wait_stopped(pid)) {
		reap(pid);
		return -1;
	}
	return move_stopped(pid);
}

/*
 * Moves @child's process twice: restarted with @flags, it stops again
 * (by a SIGSTOP of its own, or RESTART_STOPPED before it runs), and is
 * moved from there.  Returns the second restored process's exit code.
 */
static int move_twice(int (*child)(void), unsigned long flags)
{
	int fd = image_fd(), ret = -1;
	pid_t pid, r;

	if (fd < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		goto out;
	if (!pid)
		_exit(child());
	if (wait_stopped(pid) || sys_checkpoint(pid, fd, 0) <= 0) {
		reap(pid);
		goto out;
	}
	reap(pid);
	r = fork_with_pid(pid);
	if (r < 0)
		goto out;
	if (!r) {
		lseek(fd, 0, SEEK_SET);
		sys_restart(0, fd, flags);
		_exit(200 + errno % 50);
	}
	if (wait_stopped(r) || ftruncate(fd, 0) || lseek(fd, 0, SEEK_SET)) {
		reap(r);
		goto out;
	}
	ret = move_stopped_fd(r, fd, 0);
out:
	close(fd);
	return ret;
}

/* Restarts the image in @fd in a child with pid @pid: its exit code. */
static int restart_as(int fd, pid_t pid)
{
	pid_t r = fork_with_pid(pid);

	if (!r) {
		lseek(fd, 0, SEEK_SET);
		sys_restart(0, fd, 0);
		_exit(200 + errno % 50);
	}
	return r < 0 ? -1 : wait_exit(r);
}

/* The id of a thread of @pid that is not its leader, or 0. */
static pid_t other_tid(pid_t pid)
{
	struct dirent *d;
	char path[64];
	pid_t tid = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while (!tid && (d = readdir(dir)))
		if (atoi(d->d_name) > 0 && atoi(d->d_name) != pid)
			tid = atoi(d->d_name);
	closedir(dir);
	return tid;
}

/* Workers and the main thread meet at a barrier, round after round. */
#define ROUNDS		200
#define WORKERS		4

static pthread_barrier_t barrier;
static int rounds_done[WORKERS];

static void *barrier_worker(void *arg)
{
	int *done = arg;

	for (int r = 0; r < ROUNDS; r++) {
		pthread_barrier_wait(&barrier);
		(*done)++;
	}
	return NULL;
}

static int barrier_child(void)
{
	pthread_t t[WORKERS];

	pthread_barrier_init(&barrier, NULL, WORKERS + 1);
	for (int i = 0; i < WORKERS; i++)
		if (pthread_create(&t[i], NULL, barrier_worker, &rounds_done[i]))
			return 1;
	for (int r = 0; r < ROUNDS; r++) {
		if (r == ROUNDS / 2)
			raise(SIGSTOP);
		pthread_barrier_wait(&barrier);
	}
	for (int i = 0; i < WORKERS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < WORKERS; i++)
		if (rounds_done[i] != ROUNDS)
			return 2;
	return RESTORED;
}

TEST(workers_meet_at_a_barrier)
{
	EXPECT_EQ(RESTORED, move_child(barrier_child));
}

/* A pool blocked in pthread_cond_wait(), woken after restart. */
#define POOL	8

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int waiting, go, woken;

static void *pool_worker(void *arg)
{
	pthread_mutex_lock(&lock);
	waiting++;
	pthread_cond_broadcast(&cond);
	while (!go)
		pthread_cond_wait(&cond, &lock);
	woken += go;
	pthread_mutex_unlock(&lock);
	return NULL;
}

static int start_pool(pthread_t *t, int n, void *(*fn)(void *))
{
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, fn, (void *)(long)i))
			return -1;
	/* all in pthread_cond_wait(), which they leave the mutex in */
	pthread_mutex_lock(&lock);
	while (waiting < n)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	return 0;
}

static int wake_pool(pthread_t *t, int n)
{
	pthread_mutex_lock(&lock);
	go = 7;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < n; i++)
		if (pthread_join(t[i], NULL))
			return -1;
	return woken == 7 * n ? 0 : -1;
}

static int pool_child(void)
{
	pthread_t t[POOL];

	if (start_pool(t, POOL, pool_worker))
		return 1;
	raise(SIGSTOP);
	return wake_pool(t, POOL) ? 2 : RESTORED;
}

TEST(pool_blocked_in_cond_wait)
{
	EXPECT_EQ(RESTORED, move_child(pool_child));
}

/*
 * A process restarted stopped (RESTART_STOPPED), whose threads have
 * not run since, is checkpointed again and moved: it comes back as the
 * first image would have, its pool still in pthread_cond_wait().
 */
TEST(stopped_restart_is_moved_again_before_it_ran)
{
	EXPECT_EQ(RESTORED, move_twice(pool_child, RESTART_STOPPED));
}

/*
 * A relative futex wait keeps the time it had left: it neither returns
 * EINTR at restart nor waits its whole timeout again.
 */
#define WAIT_S		6
#define STOP_AFTER_S	2

static uint32_t futex_word;
static double woke_at;
static int wait_ret, wait_errno;

/* Waits @arg seconds on a futex word nobody wakes. */
static void *timed_waiter(void *arg)
{
	struct timespec ts = { .tv_sec = (long)arg };

	wait_ret = syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, &ts,
			   NULL, 0);
	wait_errno = errno;
	woke_at = now(CLOCK_MONOTONIC);
	return NULL;
}

/*
 * A thread waits @wait seconds; the process stops @stops times, each
 * after STOP_AFTER_S.  Whether the wait timed out when it had to, after
 * the last restart: what it had left, less the checkpoint's and the
 * restart's time.
 */
static int timed_futex_moved(long wait, int stops)
{
	double restarted, left = wait - stops * STOP_AFTER_S;
	pthread_t t;

	if (pthread_create(&t, NULL, timed_waiter, (void *)wait))
		return 1;
	for (int i = 0; i < stops; i++) {
		usleep(STOP_AFTER_S * 1000000);
		raise(SIGSTOP);
	}
	restarted = now(CLOCK_MONOTONIC);
	pthread_join(t, NULL);
	if (wait_ret != -1 || wait_errno != ETIMEDOUT)
		return 2;
	if (woke_at - restarted < left - 1.0 - 0.5 * stops ||
	    woke_at - restarted > left + 0.8)
		return 3;
	return RESTORED;
}

static int timed_futex_child(void)
{
	return timed_futex_moved(WAIT_S, 1);
}

TEST(timed_futex_wait_keeps_its_time)
{
	EXPECT_EQ(RESTORED, move_child(timed_futex_child));
}

/*
 * The same wait moved twice: the second time it is resumed through
 * restart_syscall(2), as after any stop and continue, and keeps its time
 * still.
 */
#define WAIT2_S		8

static int timed_futex_twice_child(void)
{
	return timed_futex_moved(WAIT2_S, 2);
}

TEST(timed_futex_wait_moved_twice)
{
	/* restored, it stops again, in the resumed wait */
	EXPECT_EQ(RESTORED, move_twice(timed_futex_twice_child, 0));
}

/*
 * A signal with a handler, sent while the process was stopped, pending
 * in the image: restart makes the threads all the same, and the handler
 * runs after.
 */
static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	got_usr1 = 1;
}

static volatile sig_atomic_t got_usr2;

static void on_usr2(int sig)
{
	got_usr2 = gettid_();
}

static int pending_handled_child(void)
{
	pthread_t t;

	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, on_usr2);
	if (start_pool(&t, 1, pool_worker))
		return 1;
	raise(SIGSTOP);
	/*
	 * The parent sent SIGUSR1 to the process and SIGUSR2 to the worker
	 * while it was stopped: each handler runs, the second in the worker.
	 */
	for (int i = 0; i < 100 && !(got_usr1 && got_usr2); i++)
		usleep(10000);
	if (!got_usr1 || !got_usr2 || got_usr2 == gettid_())
		return 2;
	return wake_pool(&t, 1) ? 3 : RESTORED;
}

TEST(pending_signals_with_handlers)
{
	pid_t pid = fork(), tid;

	ASSERT_LE(0, pid);
	if (!pid)
		_exit(pending_handled_child());
	ASSERT_EQ(0, wait_stopped(pid));
	tid = other_tid(pid);
	ASSERT_LT(0, tid);
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	ASSERT_EQ(0, syscall(SYS_tgkill, pid, tid, SIGUSR2));
	EXPECT_EQ(RESTORED, move_stopped(pid));
}

/*
 * poll(2) resumes: one with a timeout keeps the time it had left, one
 * without waits on until its fd is ready; neither returns EINTR.
 */
static int poll_pipe[2], timed_poll_ret, untimed_poll_ret = -2;
static double timed_poll_woke;

static void *timed_poller(void *arg)
{
	struct pollfd p = { .fd = poll_pipe[0], .events = POLLPRI };

	timed_poll_ret = poll(&p, 1, WAIT_S * 1000);
	timed_poll_woke = now(CLOCK_MONOTONIC);
	return NULL;
}

static void *untimed_poller(void *arg)
{
	struct pollfd p = { .fd = poll_pipe[0], .events = POLLIN };

	untimed_poll_ret = poll(&p, 1, -1);
	return NULL;
}

static int poll_child(void)
{
	pthread_t a, b;
	double restarted;

	if (pipe(poll_pipe) || pthread_create(&a, NULL, timed_poller, NULL) ||
	    pthread_create(&b, NULL, untimed_poller, NULL))
		return 1;
	usleep(STOP_AFTER_S * 1000000);
	raise(SIGSTOP);
	restarted = now(CLOCK_MONOTONIC);
	usleep(200000);
	if (untimed_poll_ret != -2)
		return 2;
	if (write(poll_pipe[1], "x", 1) != 1 || pthread_join(b, NULL) ||
	    untimed_poll_ret != 1)
		return 3;
	pthread_join(a, NULL);
	if (timed_poll_ret != 0)
		return 4;
	if (timed_poll_woke - restarted < WAIT_S - STOP_AFTER_S - 1.5 ||
	    timed_poll_woke - restarted > WAIT_S - STOP_AFTER_S + 0.8)
		return 5;
	return RESTORED;
}

TEST(poll_resumes_with_its_time_left)
{
	EXPECT_EQ(RESTORED, move_child(poll_child));
}

/* pthread_cond_timedwait() waits until its deadline, no longer. */
static int cond_timedwait_ret;
static double deadline;

static void *deadline_waiter(void *arg)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 3;
	deadline = ts.tv_sec + ts.tv_nsec / 1e9;
	pthread_mutex_lock(&lock);
	waiting++;
	pthread_cond_broadcast(&cond);
	while (!go && !cond_timedwait_ret)
		cond_timedwait_ret = pthread_cond_timedwait(&cond, &lock, &ts);
	woke_at = now(CLOCK_REALTIME);
	pthread_mutex_unlock(&lock);
	return NULL;
}

static int deadline_child(void)
{
	pthread_t t;

	if (start_pool(&t, 1, deadline_waiter))
		return 1;
	usleep(500000);
	raise(SIGSTOP);
	pthread_join(t, NULL);
	if (cond_timedwait_ret != ETIMEDOUT)
		return 2;
	if (woke_at < deadline - 0.01 || woke_at > deadline + 2)
		return 3;
	return RESTORED;
}

TEST(cond_timedwait_keeps_its_deadline)
{
	EXPECT_EQ(RESTORED, move_child(deadline_child));
}

/*
 * Each thread keeps its own mask and the signals pending for it alone,
 * and the process's pending signal stays the process's.
 */
static volatile sig_atomic_t handled_by;
static pid_t tid_of[2];

static void on_usr(int sig)
{
	handled_by = gettid_();
}

struct masked {
	int sig, other;
};

static void *masked_worker(void *arg)
{
	struct masked *m = arg;
	sigset_t set, pend;
	siginfo_t si;
	struct timespec zero = {};

	sigemptyset(&set);
	sigaddset(&set, m->sig);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	tid_of[m->sig == SIGUSR1 ? 0 : 1] = gettid_();
	pthread_mutex_lock(&lock);
	waiting++;
	pthread_cond_broadcast(&cond);
	while (!go)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);

	/* restored: its mask, and its signal pending for it alone */
	pthread_sigmask(SIG_BLOCK, NULL, &set);
	sigpending(&pend);
	if (!sigismember(&set, m->sig) || sigismember(&set, m->other))
		return (void *)1;
	if (!sigismember(&pend, m->sig) || sigismember(&pend, m->other))
		return (void *)3;
	sigemptyset(&set);
	sigaddset(&set, m->sig);
	/* tgkill() says SI_TKILL, or SI_USER on older kernels */
	if (sigtimedwait(&set, &si, &zero) != m->sig ||
	    (si.si_code != SI_TKILL && si.si_code != SI_USER) ||
	    si.si_pid != getpid())
		return (void *)2;
	return NULL;
}

static int masks_child(void)
{
	static struct masked m[2] = { { SIGUSR1, SIGUSR2 },
				      { SIGUSR2, SIGUSR1 } };
	pthread_t t[2];
	sigset_t set;
	void *ret;

	signal(SIGUSR1, on_usr);
	signal(SIGUSR2, on_usr);
	/* the main thread blocks SIGTERM, pending for the process */
	block_signal(SIGTERM, SIG_BLOCK);
	pthread_mutex_lock(&lock);
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, masked_worker, &m[i]))
			return 1;
	while (waiting < 2)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	syscall(SYS_tgkill, getpid(), tid_of[0], SIGUSR1);
	syscall(SYS_tgkill, getpid(), tid_of[1], SIGUSR2);
	kill(getpid(), SIGTERM);
	raise(SIGSTOP);

	pthread_sigmask(SIG_BLOCK, NULL, &set);
	if (sigismember(&set, SIGUSR1) || !sigismember(&set, SIGTERM))
		return 2;
	if (handled_by)
		return 3;
	if (wake_pool(t, 0))
		return 4;
	for (int i = 0; i < 2; i++)
		if (pthread_join(t[i], &ret) || ret)
			return 10 * i + 10 + (long)ret;
	sigpending(&set);
	if (!sigismember(&set, SIGTERM))
		return 7;
	return RESTORED;
}

TEST(per_thread_masks_and_pending_signals)
{
	EXPECT_EQ(RESTORED, move_child(masks_child));
}

/* pthread_kill() reaches a restored thread by the id glibc keeps. */
static pid_t worker_tid;

static void *sigwait_worker(void *arg)
{
	sigset_t set;
	int sig;

	worker_tid = gettid_();
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigwait(&set, &sig) || sig != SIGUSR1)
		return (void *)1;
	return gettid_() == worker_tid ? NULL : (void *)2;
}

static int pthread_kill_child(void)
{
	pid_t pid = getpid();
	pthread_t t;
	void *ret;

	block_signal(SIGUSR1, SIG_BLOCK);
	if (pthread_create(&t, NULL, sigwait_worker, NULL))
		return 1;
	while (!__atomic_load_n(&worker_tid, __ATOMIC_SEQ_CST))
		usleep(1000);
	usleep(50000);
	raise(SIGSTOP);
	if (getpid() != pid || gettid_() != pid)
		return 2;
	if (pthread_kill(t, SIGUSR1))
		return 3;
	if (pthread_join(t, &ret) || ret)
		return 4;
	return RESTORED;
}

TEST(pthread_kill_by_the_kept_id)
{
	EXPECT_EQ(RESTORED, move_child(pthread_kill_child));
}

/*
 * A POSIX timer aimed at one thread (SIGEV_THREAD_ID) signals that
 * thread after restart, with the time it had left: 2 s set, the
 * process stopped for a while after some 500 ms.
 */
static pid_t timer_tid;
static volatile pid_t timer_took;

static void on_thread_timer(int sig, siginfo_t *si, void *uc)
{
	if (si->si_code == SI_TIMER)
		timer_took = gettid_();
}

static void *timer_target(void *arg)
{
	timer_tid = gettid_();
	while (!timer_took)
		pause();
	return NULL;
}

static int thread_timer_child(void)
{
	struct sigaction sa = { .sa_sigaction = on_thread_timer,
				.sa_flags = SA_SIGINFO };
	struct itimerspec soon = { .it_value = { 2, 0 } };
	struct sigevent ev = { .sigev_notify = SIGEV_THREAD_ID,
			       .sigev_signo = SIGUSR2 };
	double start;
	pthread_t t;
	int id;

	if (sigaction(SIGUSR2, &sa, NULL) ||
	    pthread_create(&t, NULL, timer_target, NULL))
		return 1;
	while (!__atomic_load_n(&timer_tid, __ATOMIC_SEQ_CST))
		usleep(1000);
	ev._sigev_un._tid = timer_tid;
	/* the main thread does not take it: only its thread may */
	block_signal(SIGUSR2, SIG_BLOCK);
	if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id) ||
	    syscall(SYS_timer_settime, id, 0, &soon, NULL))
		return 2;
	usleep(500000);
	raise(SIGSTOP);
	start = now(CLOCK_MONOTONIC);
	if (pthread_join(t, NULL))
		return 3;
	if (timer_took != timer_tid)
		return 4;
	/* up to 1.5 s left at the stop: neither lost nor started over */
	return now(CLOCK_MONOTONIC) - start < 1.75 ? RESTORED : 5;
}

TEST(posix_timer_signals_its_thread_after_restart)
{
	EXPECT_EQ(RESTORED, move_child(thread_timer_child));
}

/*
 * 256 threads, each with its name, nice value and timer slack, come back
 * with them and wake.
 */
#define MANY	256

static pid_t many_tid[MANY];

static void *named_worker(void *arg)
{
	long i = (long)arg;
	char name[16];

	many_tid[i] = gettid_();
	snprintf(name, sizeof(name), "worker-%ld", i);
	prctl(PR_SET_NAME, name);
	setpriority(PRIO_PROCESS, 0, i % 8);
	prctl(PR_SET_TIMERSLACK, 1000 + i);
	pool_worker(NULL);

	if (prctl(PR_GET_TIMERSLACK) != 1000 + i ||
	    getpriority(PRIO_PROCESS, 0) != i % 8 || gettid_() != many_tid[i])
		return (void *)1;
	return NULL;
}

static int thread_named(pid_t tid, const char *want)
{
	char path[64], got[32] = "";
	int fd, n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, got, sizeof(got) - 1);
	close(fd);
	if (n > 0 && got[n - 1] == '\n')
		got[n - 1] = 0;
	return !strcmp(got, want);
}

static int many_child(void)
{
	static pthread_t t[MANY];
	char name[16];
	void *ret;

	if (start_pool(t, MANY, named_worker))
		return 1;
	raise(SIGSTOP);
	for (int i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "worker-%d", i);
		if (!thread_named(many_tid[i], name))
			return 2;
	}
	pthread_mutex_lock(&lock);
	go = 7;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < MANY; i++)
		if (pthread_join(t[i], &ret) || ret)
			return 3;
	return woken == 7 * MANY ? RESTORED : 4;
}

TEST(many_threads_with_their_names_and_attributes)
{
	EXPECT_EQ(RESTORED, move_child(many_child));
}

/*
 * A thread other than the main one checkpoints its own process: the
 * others are parked for the dump and go on after, in the original as in
 * the restored process, where checkpoint() returns 0 in that thread.
 */
static int self_fd;

static void *checkpointer(void *arg)
{
	long crid = sys_checkpoint(0, self_fd, 0);

	return (void *)(crid < 0 ? -1L : crid);
}

static int self_child(void)
{
	pthread_t pool[POOL], t;
	void *crid;

	if (start_pool(pool, POOL, pool_worker))
		return 1;
	if (pthread_create(&t, NULL, checkpointer, NULL) ||
	    pthread_join(t, &crid))
		return 2;
	if ((long)crid < 0)
		return 100 + errno % 100;
	/* parked, and on again: the pool still waits for its go */
	if (wake_pool(pool, POOL))
		return 3;
	return crid ? NOT_RESTORED : RESTORED;
}

TEST(self_checkpoint_from_a_worker_thread)
{
	pid_t pid;

	self_fd = image_fd();
	ASSERT_LE(0, self_fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(self_child());
	ASSERT_EQ(NOT_RESTORED, wait_exit(pid));
	EXPECT_EQ(RESTORED, restart_as(self_fd, pid));
	close(self_fd);
}

/*
 * Debian's python3 computes in four threads, the main one sleeping in
 * between; checkpointed mid-run, killed and restarted, it prints what an
 * uninterrupted run prints.
 */
static const char py_threads[] =
	"import threading, time\n"
	"def work(i, out):\n"
	"    x = i + 1\n"
	"    for n in range(200000):\n"
	"        x = (x * 6364136223846793005 + 1442695040888963407) % (1 << 64)\n"
	"    out[i] = x\n"
	"out = [0] * 4\n"
	"ts = [threading.Thread(target=work, args=(i, out)) for i in range(4)]\n"
	"for t in ts: t.start()\n"
	"print('started', flush=True)\n"
	"while any(t.is_alive() for t in ts):\n"
	"    time.sleep(0.02)\n"
	"for t in ts: t.join()\n"
	"print('result', [x % 1000003 for x in out], flush=True)\n";

/* Whether the file @path holds @what. */
static bool file_has(const char *path, const char *what, char *buf,
		     size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, size - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return strstr(buf, what);
}

/*
 * Runs the program @argv with its output to @out; with @move, moves it
 * once it has started.  Returns its exit code.
 */
static int run_program(char *const argv[], const char *out, bool move)
{
	char buf[256];
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd < 0 || dup2(fd, 1) != 1)
			_exit(127);
		close(fd);
		close(0);
		open("/dev/null", O_RDONLY);
		execv(argv[0], argv);
		_exit(127);
	}
	if (!move)
		return wait_exit(pid);
	for (int i = 0; i < 6000 && !file_has(out, "started", buf, sizeof(buf));
	     i++)
		usleep(10000);
	usleep(300000);
	kill(pid, SIGSTOP);
	if (wait_stopped(pid)) {
		reap(pid);
		return -1;
	}
	return move_stopped(pid);
}

static int run_python(const char *script, const char *out, bool move)
{
	char *const argv[] = { "/usr/bin/python3", "-I", "-S", "-B", "-c",
			       (char *)script, NULL };

	return run_program(argv, out, move);
}

TEST(python3_threads_finish_as_uninterrupted)
{
	char a[256], b[256], want[256], got[256];

	if (access("/usr/bin/python3", X_OK))
		SKIP(return, "no python3 in this system");
	snprintf(a, sizeof(a), "/tmp/ckpt-py-a-%d", getpid());
	snprintf(b, sizeof(b), "/tmp/ckpt-py-b-%d", getpid());
	ASSERT_EQ(0, run_python(py_threads, a, false));
	ASSERT_EQ(0, run_python(py_threads, b, true));
	ASSERT_TRUE(file_has(a, "result", want, sizeof(want)));
	ASSERT_TRUE(file_has(b, "result", got, sizeof(got)));
	EXPECT_STREQ(want, got);
	TH_LOG("python3 printed: %s", strstr(got, "result"));
	unlink(a);
	unlink(b);
}

/*
 * Debian's node runs a timer loop, computing a little at each tick; its
 * threads (V8's platform workers, libuv's) wait meanwhile.  Moved
 * mid-run, it prints what an uninterrupted run prints.
 */
static const char node_timers[] =
	"let n = 0, x = 1n;\n"
	"const m = 1n << 64n;\n"
	"const t = setInterval(() => {\n"
	"  for (let i = 0; i < 2000; i++)\n"
	"    x = (x * 6364136223846793005n + 1442695040888963407n) % m;\n"
	"  if (++n === 1) console.log('started');\n"
	"  if (n === 150) {\n"
	"    clearInterval(t);\n"
	"    console.log('result', n, String(x % 1000003n));\n"
	"  }\n"
	"}, 10);\n";

TEST(node_timer_loop_finishes_as_uninterrupted)
{
	char *const argv[] = { "/usr/bin/node", "-e", (char *)node_timers,
			       NULL };
	char a[256], b[256], want[256], got[256];
	int ret;

	if (access("/usr/bin/node", X_OK))
		SKIP(return, "no node in this system");
	snprintf(a, sizeof(a), "/tmp/ckpt-node-a-%d", getpid());
	snprintf(b, sizeof(b), "/tmp/ckpt-node-b-%d", getpid());
	ASSERT_EQ(0, run_program(argv, a, false));
	ret = run_program(argv, b, true);
	file_has(b, "", got, sizeof(got));
	ASSERT_EQ(0, ret) {
		TH_LOG("node printed: %s", got);
	}
	ASSERT_TRUE(file_has(a, "result", want, sizeof(want)));
	ASSERT_TRUE(file_has(b, "result", got, sizeof(got)));
	EXPECT_STREQ(want, got);
	TH_LOG("node printed: %s", strstr(got, "result"));
	unlink(a);
	unlink(b);
}

/*
 * An unprivileged user restores its process with threads under their ids
 * in a new user and pid namespace, as restart --ns makes them: the
 * process finds its pid and its thread's id where it left them.
 */
TEST(unprivileged_restart_in_new_namespaces)
{
	char img[64];
	pid_t user;

	if (access("/bin/restart", X_OK))
		SKIP(return, "no restart tool in this system");
	snprintf(img, sizeof(img), "/tmp/ckpt-ns-%d.img", getpid());
	user = fork();
	ASSERT_LE(0, user);
	if (!user) {
		int fd, status;
		pid_t pid;

		if (setgid(1000) || setuid(1000) ||
		    prctl(PR_SET_DUMPABLE, 1))
			_exit(1);
		pid = fork();
		if (pid < 0)
			_exit(2);
		if (!pid) {
			/* the console is root's to open, not the user's */
			int null = open("/dev/null", O_RDWR);

			for (int i = 0; i < 3; i++)
				dup2(null, i);
			_exit(pthread_kill_child());
		}
		if (waitpid(pid, &status, WUNTRACED) != pid ||
		    !WIFSTOPPED(status))
			_exit(3);
		fd = open(img, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || sys_checkpoint(pid, fd, 0) <= 0)
			_exit(4);
		close(fd);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		execl("/bin/restart", "restart", "--ns", "-i", img, NULL);
		_exit(5);
	}
	EXPECT_EQ(RESTORED, wait_exit(user));
	unlink(img);
}

/* A stopped child with one worker parked, for the refusals below. */
static void *parked(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

static int parked_child(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, parked, NULL))
		return 1;
	usleep(20000);
	raise(SIGSTOP);
	return RESTORED;
}

/*
 * Restarts the image in @fd in a child with pid @pid (or any, for 0),
 * which is to be refused with @err and a reason naming @what.  Returns
 * 0 if it was.
 */
static int refused(int fd, pid_t pid, int err, const char *what)
{
	char why[256] = "";
	int log[2], ok;
	pid_t r;

	if (pipe(log))
		return -1;
	r = pid ? fork_with_pid(pid) : fork();
	if (!r) {
		lseek(fd, 0, SEEK_SET);
		ok = sys_restart_log(0, fd, 0, log[1]) == -1 && errno == err;
		ok = ok && read(log[0], why, sizeof(why) - 1) > 0 &&
		     strstr(why, what);
		if (!ok)
			fprintf(stderr, "restart: %s: %s\n", strerror(errno),
				why);
		_exit(ok ? 0 : 1);
	}
	close(log[1]);
	close(log[0]);
	return r < 0 ? -1 : wait_exit(r);
}

/* The ids cannot be had: taken, or not the restarter's pid. */
TEST(thread_ids_taken_or_missing_are_refused)
{
	int fd = image_fd();
	pid_t pid, tid, squatter;
	char what[32];

	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(parked_child());
	ASSERT_EQ(0, wait_stopped(pid));
	tid = other_tid(pid);
	ASSERT_LT(0, tid);
	ASSERT_LT(0, sys_checkpoint(pid, fd, 0));
	reap(pid);

	/* under another pid */
	EXPECT_EQ(0, refused(fd, 0, EBUSY, "comes back only as pid"));

	/* its worker's id taken */
	squatter = fork_with_pid(tid);
	ASSERT_LE(0, squatter);
	if (!squatter) {
		pause();
		_exit(0);
	}
	snprintf(what, sizeof(what), "taken: %d", tid);
	EXPECT_EQ(0, refused(fd, pid, EEXIST, what));
	reap(squatter);

	/* and once it is free, the process comes back */
	EXPECT_EQ(RESTORED, restart_as(fd, pid));
	close(fd);
}

/*
 * Each thread keeps its scheduling: the main thread bound to CPU 0 under
 * SCHED_BATCH, a worker bound to CPU 1 under SCHED_FIFO 3, another
 * unbound under SCHED_RR 7 with SCHED_RESET_ON_FORK, which comes back on
 * every CPU.
 */
struct sched_want {
	int policy, prio, cpu;		/* cpu -1: unbound */
};

static const struct sched_want sched_want[3] = {
	{ SCHED_BATCH, 0, 0 },
	{ SCHED_FIFO, 3, 1 },
	{ SCHED_RR | SCHED_RESET_ON_FORK, 7, -1 },
};
static pthread_barrier_t sched_barrier;

static int sched_set(const struct sched_want *w)
{
	struct sched_param p = { .sched_priority = w->prio };
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	if (w->cpu >= 0 && sched_setaffinity(0, sizeof(set), &set))
		return -1;
	return sched_setscheduler(0, w->policy, &p);
}

static int sched_check(const struct sched_want *w)
{
	struct sched_param p;
	cpu_set_t set;

	if (sched_getscheduler(0) != w->policy || sched_getparam(0, &p) ||
	    p.sched_priority != w->prio ||
	    sched_getaffinity(0, sizeof(set), &set))
		return 1;
	if (w->cpu >= 0)
		return CPU_COUNT(&set) == 1 && CPU_ISSET(w->cpu, &set) ? 0 : 2;
	return CPU_COUNT(&set) == sysconf(_SC_NPROCESSORS_ONLN) ? 0 : 3;
}

static void *sched_worker(void *arg)
{
	const struct sched_want *w = arg;
	long bad = sched_set(w) ? 10 : 0;

	pthread_barrier_wait(&sched_barrier);
	pthread_barrier_wait(&sched_barrier);
	return (void *)(bad ?: 20 + sched_check(w));
}

static int sched_child(void)
{
	pthread_t t[2];
	void *r;

	pthread_barrier_init(&sched_barrier, NULL, 3);
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, sched_worker,
				   (void *)&sched_want[i + 1]))
			return 1;
	if (sched_set(&sched_want[0]))
		return 2;
	pthread_barrier_wait(&sched_barrier);
	raise(SIGSTOP);
	pthread_barrier_wait(&sched_barrier);
	if (sched_check(&sched_want[0]))
		return 3;
	for (int i = 0; i < 2; i++)
		if (pthread_join(t[i], &r) || (long)r != 20)
			return 4 + i;
	return RESTORED;
}

TEST(threads_keep_their_policy_and_cpus)
{
	EXPECT_EQ(RESTORED, move_child(sched_child));
}

static int bound_to_cpu1(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(1, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return 1;
	raise(SIGSTOP);
	return RESTORED;
}

/*
 * Refused before the point of no return, with the reason: a thread
 * bound only to CPUs the restarter has not (CPU 63 of a 2-CPU guest),
 * and a real-time priority above RLIMIT_RTPRIO for a restarter without
 * CAP_SYS_NICE.
 */
TEST(scheduling_the_restarter_cannot_give_is_refused)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct caps[2];
	struct rlimit none = { 0, 0 };
	struct record rec[MAX_RECORDS];
	struct ckpt_hdr_sched *sc;
	struct image img = {};
	char why[256] = "";
	int fd, log[2], n;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(bound_to_cpu1());
	ASSERT_EQ(0, wait_stopped(pid));
	ASSERT_EQ(0, checkpoint_to_image(pid, &img));
	reap(pid);
	n = image_records(&img, rec);
	ASSERT_LT(0, n);
	sc = image_record(&img, rec, n, CKPT_HDR_SCHED);
	ASSERT_NE(NULL, sc);
	ASSERT_EQ(0, sc->flags);
	ASSERT_LE(64, sc->nr_cpus);
	ASSERT_EQ(2, sc->cpus[0]);

	sc->cpus[0] = 1ULL << 63;
	image_reseal(&img);
	fd = image_fd();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, write_all(fd, img.buf, img.len));
	EXPECT_EQ(0, refused(fd, 0, EINVAL,
			     "none of which the restarter may run on"));
	close(fd);

	sc->cpus[0] = 2;
	sc->policy = SCHED_FIFO;
	sc->priority = 50;
	image_reseal(&img);
	fd = image_fd();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, write_all(fd, img.buf, img.len));
	ASSERT_EQ(0, pipe(log));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* root, but for CAP_SYS_NICE, with RLIMIT_RTPRIO 0 */
		if (syscall(SYS_capget, &hdr, caps))
			_exit(2);
		caps[CAP_SYS_NICE / 32].effective &= ~(1U << (CAP_SYS_NICE % 32));
		if (syscall(SYS_capset, &hdr, caps) ||
		    setrlimit(RLIMIT_RTPRIO, &none))
			_exit(2);
		lseek(fd, 0, SEEK_SET);
		if (sys_restart_log(0, fd, 0, log[1]) != -1 || errno != EPERM)
			_exit(3);
		_exit(read(log[0], why, sizeof(why) - 1) > 0 &&
		      strstr(why, "above RLIMIT_RTPRIO") ? 0 : 4);
	}
	EXPECT_EQ(0, wait_exit(pid));
	/* root may */
	EXPECT_EQ(RESTORED, restart_child(fd, 0));
	close(log[0]);
	close(log[1]);
	close(fd);
	image_free(&img);
}

/*
 * A self-checkpoint while another thread is stopped by its tracer, which
 * would never run the task work that parks it: refused (EBUSY), not
 * waited for.
 */
static pid_t traced_tid;

static void *traced_worker(void *arg)
{
	__atomic_store_n(&traced_tid, gettid_(), __ATOMIC_SEQ_CST);
	for (;;)
		pause();
	return NULL;
}

static int traced_child(int *go)
{
	int fd = image_fd();
	pthread_t t;
	pid_t tid;
	char c;

	if (fd < 0 || pthread_create(&t, NULL, traced_worker, NULL))
		return 1;
	while (!(tid = __atomic_load_n(&traced_tid, __ATOMIC_SEQ_CST)))
		usleep(1000);
	if (write(go[1], &tid, sizeof(tid)) != sizeof(tid) ||
	    read(go[0], &c, 1) != 1)
		return 2;
	if (sys_checkpoint(0, fd, 0) != -1 || errno != EBUSY)
		return 3;
	return RESTORED;
}

TEST(self_checkpoint_with_a_traced_thread_is_refused)
{
	int to_parent[2], to_child[2], st, ret = -1;
	pid_t pid, tid, w;

	ASSERT_EQ(0, pipe(to_parent));
	ASSERT_EQ(0, pipe(to_child));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int go[2] = { to_child[0], to_parent[1] };

		_exit(traced_child(go));
	}
	ASSERT_EQ(sizeof(tid), read(to_parent[0], &tid, sizeof(tid)));
	ASSERT_EQ(0, ptrace(PTRACE_SEIZE, tid, 0, 0));
	ASSERT_EQ(0, ptrace(PTRACE_INTERRUPT, tid, 0, 0));
	ASSERT_EQ(tid, waitpid(tid, &st, __WALL));
	ASSERT_TRUE(WIFSTOPPED(st));
	ASSERT_EQ(1, write(to_child[1], "g", 1));
	/* the worker, traced, is reaped here too */
	while ((w = waitpid(-1, &st, __WALL)) > 0)
		if (w == pid && (WIFEXITED(st) || WIFSIGNALED(st)))
			ret = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	EXPECT_EQ(RESTORED, ret);
}

TEST_HARNESS_MAIN
