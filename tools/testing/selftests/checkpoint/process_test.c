// SPDX-License-Identifier: GPL-2.0
/*
 * A process's kernel state beyond its memory and registers comes back
 * with it: working directory and umask, limits and attributes, signal
 * dispositions, masks and pending signals, interval timers.  And restart
 * never hands a user a process with credentials other than their own.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <sys/syscall.h>
#include <linux/membarrier.h>

#include "../kselftest_harness.h"
#include "ckpt_util.h"

static char dir[64];

static int cwd_and_umask(int fd)
{
	char buf[PATH_MAX];

	if (chdir(dir))
		return 1;
	umask(027);
	if (self_checkpoint(fd))
		return NOT_RESTORED;
	if (!getcwd(buf, sizeof(buf)) || strcmp(buf, dir))
		return 2;
	if (umask(0) != 027)
		return 3;
	return RESTORED;
}

TEST(cwd_and_umask_survive)
{
	snprintf(dir, sizeof(dir), "/tmp/ckpt-cwd-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(dir));
	EXPECT_EQ(RESTORED, round_trip(cwd_and_umask));
	rmdir(dir);
}

static int attributes(int fd)
{
	struct rlimit r = { 100, 200 };
	int pers = PER_LINUX | ADDR_NO_RANDOMIZE;

	if (setrlimit(RLIMIT_NOFILE, &r) || setpriority(PRIO_PROCESS, 0, 7) ||
	    personality(pers) < 0 || prctl(PR_SET_PDEATHSIG, SIGUSR1) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_DUMPABLE, 0))
		return 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;
	if (getrlimit(RLIMIT_NOFILE, &r) || r.rlim_cur != 100 ||
	    r.rlim_max != 200)
		return 2;
	if (getpriority(PRIO_PROCESS, 0) != 7)
		return 3;
	if (personality(0xffffffff) != pers)
		return 4;
	if (prctl(PR_GET_PDEATHSIG, &r.rlim_cur) || r.rlim_cur != SIGUSR1)
		return 5;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 6;
	if (prctl(PR_GET_DUMPABLE) != 0)
		return 7;
	return RESTORED;
}

TEST(limits_nice_personality_and_prctls_survive)
{
	EXPECT_EQ(RESTORED, round_trip(attributes));
}

static volatile sig_atomic_t usr1, usr2;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	usr1++;
}

static void on_usr2(int sig)
{
	usr2++;
}

static int handlers(int fd)
{
	struct sigaction sa = { .sa_sigaction = on_usr1,
				.sa_flags = SA_SIGINFO | SA_RESTART };
	sigset_t pending;

	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGHUP);
	if (sigaction(SIGUSR1, &sa, NULL) || signal(SIGUSR2, on_usr2) == SIG_ERR ||
	    signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		return 1;
	raise(SIGUSR1);
	raise(SIGUSR1);
	block_signal(SIGUSR2, SIG_BLOCK);
	raise(SIGUSR2);
	if (self_checkpoint(fd))
		return NOT_RESTORED;

	if (usr1 != 2 || usr2 != 0)
		return 2;
	if (sigpending(&pending) || !sigismember(&pending, SIGUSR2) ||
	    sigismember(&pending, SIGUSR1))
		return 3;
	memset(&sa, 0, sizeof(sa));
	if (sigaction(SIGUSR1, NULL, &sa) || sa.sa_sigaction != on_usr1 ||
	    !(sa.sa_flags & SA_SIGINFO) || !(sa.sa_flags & SA_RESTART) ||
	    !sigismember(&sa.sa_mask, SIGHUP))
		return 4;
	if (signal(SIGPIPE, SIG_IGN) != SIG_IGN)
		return 5;
	raise(SIGUSR1);
	if (usr1 != 3)
		return 6;
	block_signal(SIGUSR2, SIG_UNBLOCK);
	if (usr2 != 1)
		return 7;
	return RESTORED;
}

TEST(handler_counts_on_and_blocked_signal_stays_pending)
{
	EXPECT_EQ(RESTORED, round_trip(handlers));
}

static int rt_queue(int fd)
{
	int sig = SIGRTMIN + 1;
	struct timespec zero = {};
	union sigval v42 = { .sival_int = 42 }, v43 = { .sival_int = 43 };
	sigset_t set;
	siginfo_t si;

	block_signal(sig, SIG_BLOCK);
	if (sigqueue(getpid(), sig, v42) || sigqueue(getpid(), sig, v43))
		return 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;

	sigemptyset(&set);
	sigaddset(&set, sig);
	for (int v = 42; v <= 43; v++) {
		if (sigtimedwait(&set, &si, &zero) != sig)
			return 2;
		if (si.si_code != SI_QUEUE || si.si_value.sival_int != v)
			return 3;
	}
	return sigtimedwait(&set, &si, &zero) < 0 && errno == EAGAIN ?
	       RESTORED : 4;
}

TEST(queued_realtime_signals_keep_their_values_and_order)
{
	EXPECT_EQ(RESTORED, round_trip(rt_queue));
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	alarms++;
}

static double secs(const struct timeval *tv)
{
	return tv->tv_sec + tv->tv_usec / 1e6;
}

static int itimers(int fd)
{
	struct itimerval real = { .it_value = { 2, 0 } };
	struct itimerval virt = { .it_value = { 100, 0 },
				  .it_interval = { 5, 0 } };
	struct timespec ms = { 0, 10 * 1000 * 1000 };

	if (signal(SIGALRM, on_alarm) == SIG_ERR ||
	    setitimer(ITIMER_REAL, &real, NULL) ||
	    setitimer(ITIMER_VIRTUAL, &virt, NULL))
		return 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;

	if (getitimer(ITIMER_REAL, &real) || getitimer(ITIMER_VIRTUAL, &virt))
		return 2;
	/* time went by in between, but the timer did not start again */
	if (secs(&real.it_value) <= 0 || secs(&real.it_value) > 2 ||
	    secs(&real.it_interval) != 0 || alarms)
		return 3;
	/* a CPU timer is armed a tick late */
	if (secs(&virt.it_value) < 90 || secs(&virt.it_value) > 100.1)
		return 4;
	if (secs(&virt.it_interval) != 5)
		return 5;
	/* and it fires */
	for (int i = 0; i < 1000 && !alarms; i++)
		nanosleep(&ms, NULL);
	return alarms == 1 ? RESTORED : 6;
}

TEST(interval_timers_go_on_with_the_time_they_had_left)
{
	EXPECT_EQ(RESTORED, round_trip(itimers));
}

/*
 * A 100 ms repeating alarm, stopped for three periods: its SIGALRM is
 * pending and the timer is not armed again until the signal is taken.
 * Continued, it counts three more alarms.
 */
static int repeating_alarm(void)
{
	struct itimerval it = { { 0, 100000 }, { 0, 100000 } };
	struct timespec ms = { 0, 10 * 1000 * 1000 };

	if (signal(SIGALRM, on_alarm) == SIG_ERR ||
	    setitimer(ITIMER_REAL, &it, NULL))
		return 1;
	raise(SIGSTOP);
	alarms = 0;
	for (int i = 0; i < 500 && alarms < 3; i++)
		nanosleep(&ms, NULL);
	return alarms >= 3 ? RESTORED : 2;
}

TEST(expired_repeating_alarm_goes_on_firing)
{
	struct timespec stopped = { 0, 300 * 1000 * 1000 };
	struct record rec[MAX_RECORDS];
	struct ckpt_hdr_itimers *t;
	struct image img = {};
	int nrec;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(repeating_alarm());
	ASSERT_EQ(0, wait_stopped(pid));
	nanosleep(&stopped, NULL);
	ASSERT_EQ(0, checkpoint_to_image(pid, &img));
	reap(pid);

	/* the image saw it expired: nothing left, the period kept */
	nrec = image_records(&img, rec);
	ASSERT_LT(0, nrec);
	t = image_record(&img, rec, nrec, CKPT_HDR_ITIMERS);
	ASSERT_NE(NULL, t);
	EXPECT_EQ(0, t->real.value);
	EXPECT_EQ(100000000, t->real.interval);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(200 - restart_from(img.buf, img.len, 0, 0));
	EXPECT_EQ(RESTORED, wait_exit(pid));
	image_free(&img);
}

/* POSIX timers by their kernel ids, as the system calls take them */
static int ktimer_create(clockid_t clock, struct sigevent *ev, int *id)
{
	return syscall(SYS_timer_create, clock, ev, id);
}

static int ktimer_settime(int id, int flags, const struct itimerspec *v)
{
	return syscall(SYS_timer_settime, id, flags, v, NULL);
}

static int ktimer_gettime(int id, struct itimerspec *v)
{
	return syscall(SYS_timer_gettime, id, v);
}

static double ts_secs(const struct timespec *ts)
{
	return ts->tv_sec + ts->tv_nsec / 1e9;
}

static double now_secs(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts_secs(&ts);
}

static volatile int rt_fired, rt_timerid, rt_value, rt_overrun;

static void on_rt_timer(int sig, siginfo_t *si, void *uc)
{
	if (si->si_code != SI_TIMER)
		return;
	rt_timerid = si->si_timerid;
	rt_value = si->si_value.sival_int;
	rt_overrun = si->si_overrun;
	rt_fired++;
}

/*
 * Timers 0 to 5, 1 deleted: a one-shot monotonic one 2 s off signalling
 * the main thread (SIGEV_THREAD_ID, by the pid the restored process no
 * longer has) with a value, an absolute CLOCK_REALTIME one an hour off,
 * a repeating SIGEV_NONE boottime one, a disarmed one, a CLOCK_TAI one
 * 40 s off.  After restart each has its
 * id and its time, the deleted id is still free, the next one made gets
 * the next id, and the one-shot fires when its time is up, not before.
 */
static int posix_timers(int fd)
{
	struct sigaction sa = { .sa_sigaction = on_rt_timer,
				.sa_flags = SA_SIGINFO };
	struct sigevent ev = { .sigev_notify = SIGEV_THREAD_ID,
			       .sigev_signo = SIGRTMIN,
			       .sigev_value.sival_int = 11 };
	struct sigevent none = { .sigev_notify = SIGEV_NONE };
	struct itimerspec oneshot = { .it_value = { 2, 0 } };
	struct itimerspec periodic = { .it_value = { 50, 0 },
				       .it_interval = { 7, 0 } };
	struct itimerspec absolute = {}, got;
	struct timespec ms = { 0, 10 * 1000 * 1000 };
	struct itimerspec tai = { .it_value = { 40, 0 } };
	int a, b, c, d, e, f;
	double start, wall;

	ev._sigev_un._tid = gettid();
	if (sigaction(SIGRTMIN, &sa, NULL) ||
	    ktimer_create(CLOCK_MONOTONIC, &ev, &a) ||
	    ktimer_create(CLOCK_MONOTONIC, &none, &b) ||
	    ktimer_create(CLOCK_REALTIME, &none, &c) ||
	    ktimer_create(CLOCK_BOOTTIME, &none, &d) ||
	    ktimer_create(CLOCK_TAI, &none, &e) ||
	    ktimer_create(CLOCK_TAI, &none, &f) ||
	    a != 0 || b != 1 || c != 2 || d != 3 || e != 4 || f != 5 ||
	    syscall(SYS_timer_delete, b))
		return 1;
	clock_gettime(CLOCK_REALTIME, &absolute.it_value);
	absolute.it_value.tv_sec += 3600;
	if (ktimer_settime(a, 0, &oneshot) ||
	    ktimer_settime(c, TIMER_ABSTIME, &absolute) ||
	    ktimer_settime(d, 0, &periodic) || ktimer_settime(f, 0, &tai))
		return 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;
	start = now_secs(CLOCK_MONOTONIC);
	wall = now_secs(CLOCK_REALTIME);

	if (ktimer_gettime(a, &got) || ts_secs(&got.it_value) <= 0 ||
	    ts_secs(&got.it_value) > 2 || got.it_interval.tv_sec)
		return 2;
	if (ktimer_gettime(b, &got) != -1 || errno != EINVAL)
		return 3;
	/* an absolute timer keeps its time of expiry, not its time left */
	if (ktimer_gettime(c, &got) ||
	    ts_secs(&got.it_value) > ts_secs(&absolute.it_value) - wall + 0.01 ||
	    ts_secs(&got.it_value) < ts_secs(&absolute.it_value) - wall - 60)
		return 4;
	if (ktimer_gettime(d, &got) || ts_secs(&got.it_value) > 50 ||
	    ts_secs(&got.it_value) < 30 || ts_secs(&got.it_interval) != 7)
		return 5;
	if (ktimer_gettime(e, &got) || got.it_value.tv_sec ||
	    got.it_value.tv_nsec)
		return 6;
	if (ktimer_gettime(f, &got) || ts_secs(&got.it_value) > 40 ||
	    ts_secs(&got.it_value) < 20)
		return 6;
	if (ktimer_create(CLOCK_MONOTONIC, &none, &b) || b != 6)
		return 7;
	for (int i = 0; i < 1000 && !rt_fired; i++) {
		if (ktimer_gettime(a, &got))
			return 8;
		nanosleep(&ms, NULL);
	}
	if (rt_fired != 1 || rt_timerid != a || rt_value != 11)
		return 9;
	/* it had up to 2 s left: not restarted from 2 s */
	return now_secs(CLOCK_MONOTONIC) - start < 2.5 ? RESTORED : 10;
}

TEST(posix_timers_keep_their_ids_and_times)
{
	EXPECT_EQ(RESTORED, round_trip(posix_timers));
}

/* Five queued real-time signals, pending while blocked. */
static int pending_rt_signals(int fd)
{
	union sigval v = { .sival_int = 5 };
	siginfo_t si;
	sigset_t set;

	block_signal(SIGRTMIN, SIG_BLOCK);
	for (int i = 0; i < 5; i++)
		if (sigqueue(getpid(), SIGRTMIN, v))
			return 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	for (int i = 0; i < 5; i++)
		if (sigwaitinfo(&set, &si) != SIGRTMIN ||
		    si.si_value.sival_int != 5)
			return 2;
	return RESTORED;
}

/* Three timers, then a RLIMIT_SIGPENDING of one. */
static int timers_over_own_limit(int fd)
{
	struct sigevent none = { .sigev_notify = SIGEV_NONE };
	struct rlimit r;
	int id;

	for (int i = 0; i < 3; i++)
		if (ktimer_create(CLOCK_MONOTONIC, &none, &id))
			return 1;
	if (getrlimit(RLIMIT_SIGPENDING, &r))
		return 1;
	r.rlim_cur = 1;
	if (setrlimit(RLIMIT_SIGPENDING, &r))
		return 1;
	return self_checkpoint(fd) ? NOT_RESTORED : RESTORED;
}

static void sigpending_limit(int lim)
{
	struct rlimit r;

	getrlimit(RLIMIT_SIGPENDING, &r);
	r.rlim_cur = lim;
	setrlimit(RLIMIT_SIGPENDING, &r);
}

/*
 * Signal queue entries the restored process could not have, under the
 * restarter's RLIMIT_SIGPENDING or the image's own, refuse the restart
 * before the point of no return (EAGAIN), where they would kill the
 * process after it.
 */
TEST(signal_queue_entries_over_rlimit_sigpending_are_refused)
{
	EXPECT_EQ(RESTORED, round_trip(pending_rt_signals));
	EXPECT_EQ(200 + EAGAIN,
		  round_trip_prep(pending_rt_signals, 0, sigpending_limit, 4));
	EXPECT_EQ(200 + EAGAIN, round_trip(timers_over_own_limit));
}

/*
 * A 50 ms repeating timer whose signal is blocked: its first expiry is
 * queued and the timer waits for it to be taken, the expiries after it
 * counted as overruns.  Restarted, the signal is still pending; taken,
 * it tells the overruns and the timer goes on firing.
 */
static int pending_timer_signal(int fd)
{
	struct sigaction sa = { .sa_sigaction = on_rt_timer,
				.sa_flags = SA_SIGINFO };
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL,
			       .sigev_signo = SIGRTMIN + 1,
			       .sigev_value.sival_int = 22 };
	struct itimerspec fast = { .it_value = { 0, 50000000 },
				   .it_interval = { 0, 50000000 } };
	struct timespec ms = { 0, 10 * 1000 * 1000 };
	struct timespec wait = { 0, 300 * 1000 * 1000 };
	sigset_t pending;
	int id;

	block_signal(SIGRTMIN + 1, SIG_BLOCK);
	if (sigaction(SIGRTMIN + 1, &sa, NULL) ||
	    ktimer_create(CLOCK_MONOTONIC, &ev, &id) ||
	    ktimer_settime(id, 0, &fast))
		return 1;
	nanosleep(&wait, NULL);
	if (self_checkpoint(fd))
		return NOT_RESTORED;
	if (sigpending(&pending) || !sigismember(&pending, SIGRTMIN + 1))
		return 2;
	block_signal(SIGRTMIN + 1, SIG_UNBLOCK);
	if (rt_fired != 1 || rt_value != 22 || rt_timerid != id)
		return 3;
	/* the 300 ms before the checkpoint at least */
	if (rt_overrun < 4)
		return 4;
	for (int i = 0; i < 500 && rt_fired < 4; i++)
		nanosleep(&ms, NULL);
	return rt_fired >= 4 ? RESTORED : 5;
}

TEST(pending_timer_signal_rearms_its_timer_when_taken)
{
	EXPECT_EQ(RESTORED, round_trip(pending_timer_signal));
}

static char altstack[64 * 1024];
static volatile uintptr_t handler_frame;

static void on_stack(int sig)
{
	char here;

	handler_frame = (uintptr_t)&here;
}

static int sigaltstack_kept(int fd)
{
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa = { .sa_handler = on_stack, .sa_flags = SA_ONSTACK };

	if (sigaltstack(&ss, NULL) || sigaction(SIGUSR1, &sa, NULL))
		return 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;
	memset(&ss, 0, sizeof(ss));
	if (sigaltstack(NULL, &ss) || ss.ss_sp != altstack ||
	    ss.ss_size != sizeof(altstack) || ss.ss_flags)
		return 2;
	raise(SIGUSR1);
	if (handler_frame < (uintptr_t)altstack ||
	    handler_frame >= (uintptr_t)altstack + sizeof(altstack))
		return 3;
	return RESTORED;
}

TEST(alternate_signal_stack_survives)
{
	EXPECT_EQ(RESTORED, round_trip(sigaltstack_kept));
}

static int nothing_pending(int fd)
{
	sigset_t pending;
	struct sigaction sa;

	if (self_checkpoint(fd))
		return NOT_RESTORED;
	if (sigpending(&pending) || sigismember(&pending, SIGUSR1))
		return 2;
	if (sigaction(SIGUSR1, NULL, &sa) || sa.sa_handler != SIG_DFL)
		return 3;
	return usr1 ? 4 : RESTORED;
}

static void usr1_pending(int unused)
{
	struct sigaction sa = { .sa_sigaction = on_usr1,
				.sa_flags = SA_SIGINFO };

	sigaction(SIGUSR1, &sa, NULL);
	block_signal(SIGUSR1, SIG_BLOCK);
	raise(SIGUSR1);
}

/* The restarter's handlers and pending signals are not the image's. */
TEST(restarter_signals_do_not_leak_into_the_process)
{
	EXPECT_EQ(RESTORED, round_trip_prep(nothing_pending, 0, usr1_pending, 0));
}

/* A refusal ends the image with its reason; restart finds it cut short. */
TEST(refused_checkpoint_says_why_in_the_image)
{
	struct image img = {};
	struct ckpt_hdr_error *e;
	size_t off = 0;
	timer_t timer;
	int fd = image_fd();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, timer_create(CLOCK_PROCESS_CPUTIME_ID, NULL, &timer));
	EXPECT_EQ(-1, sys_checkpoint(0, fd, 0));
	EXPECT_EQ(EOPNOTSUPP, errno);
	timer_delete(timer);

	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	ASSERT_EQ(0, read_all(fd, &img));
	/* the records written before the refusal, then the error */
	for (;;) {
		struct ckpt_hdr *h = (void *)(img.buf + off);
		size_t data;

		ASSERT_LE(off + sizeof(*h), img.len);
		if (h->type == CKPT_HDR_ERROR)
			break;
		off = record_next(off, h, &data, sysconf(_SC_PAGESIZE));
	}
	e = (void *)(img.buf + off);
	EXPECT_EQ(img.len, off + ((e->h.len + 7) & ~7U));
	EXPECT_EQ(EOPNOTSUPP, e->error);
	EXPECT_EQ(-1, e->fd);
	EXPECT_NE(NULL, strstr(e->msg, "POSIX timer 0 on a CPU-time clock")) {
		TH_LOG("reason: %s", e->msg);
	}
	EXPECT_EQ(-ENODATA, restart_from(img.buf, img.len, 0, RESTART_VERIFY));
	image_free(&img);
	close(fd);
}


/*
 * Checkpoints the caller, which is to be refused (EOPNOTSUPP) for a
 * reason that names @what.
 */
static void expect_self_refused(struct __test_metadata *_metadata,
				const char *what)
{
	char why[256];
	int fd;

	EXPECT_EQ(EOPNOTSUPP, checkpoint_refusal(0, why, sizeof(why), &fd));
	EXPECT_NE(NULL, strstr(why, what)) {
		TH_LOG("reason: \"%s\"", why);
	}
}

/*
 * Its children would not come back with it (wait() would see ECHILD, a
 * pdeath signal would never come): a process with a child, running or a
 * zombie, is refused until process trees are supported.
 */
TEST(process_with_a_child_or_a_zombie_is_refused)
{
	pid_t child = fork();

	ASSERT_LE(0, child);
	if (!child) {
		pause();
		_exit(0);
	}
	expect_self_refused(_metadata, "has 1 children");
	reap(child);

	child = fork();
	ASSERT_LE(0, child);
	if (!child)
		_exit(0);
	usleep(200000);		/* a zombie now */
	expect_self_refused(_metadata, "has 1 children (or zombies)");
	waitpid(child, NULL, 0);
}

static int share_and_wait(void *arg)
{
	for (;;)
		pause();
	return 0;
}

/*
 * A process that shares its address space with another (CLONE_VM without
 * CLONE_THREAD) would have it changed under the dump, and not shared
 * after restart: refused, by that name.
 */
TEST(address_space_shared_with_another_process_is_refused)
{
	size_t len = 64 * 1024;
	char *stack = malloc(len);
	pid_t pid;

	ASSERT_NE(NULL, stack);
	pid = clone(share_and_wait, stack + len, CLONE_VM | SIGCHLD, NULL);
	ASSERT_LT(0, pid);
	expect_self_refused(_metadata, "address space is shared");
	reap(pid);
	free(stack);
}

/* A controlling terminal would not be one after restart: refused. */
TEST(controlling_terminal_is_refused)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		char why[256];
		int m, s, fd;

		m = posix_openpt(O_RDWR | O_NOCTTY);
		if (m < 0 || grantpt(m) || unlockpt(m) || setsid() < 0)
			_exit(1);
		/* the session leader's first terminal becomes its own */
		s = open(ptsname(m), O_RDWR);
		if (s < 0)
			_exit(2);
		if (checkpoint_refusal(0, why, sizeof(why), &fd) != EOPNOTSUPP)
			_exit(3);
		_exit(strstr(why, "controlling terminal") ? 0 : 4);
	}
	EXPECT_EQ(0, wait_exit(pid));
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	int ret = fd >= 0 && write(fd, text, strlen(text)) ==
			     (ssize_t)strlen(text) ? 0 : -1;

	if (fd >= 0)
		close(fd);
	return ret;
}

static long read_number(const char *path, int base)
{
	char buf[64] = {};
	int fd = open(path, O_RDONLY);

	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0)
		return -1;
	close(fd);
	return strtol(buf, NULL, base);
}

/*
 * Settings a process makes with prctl(2) and /proc/PID/ for itself, and
 * can read back, come back with it.
 */
static int settings(int fd)
{
	/* there with core dumps (CONFIG_ELF_CORE) only */
	bool filter = !access("/proc/self/coredump_filter", F_OK);

	if (write_file("/proc/self/oom_score_adj", "123") ||
	    (filter && write_file("/proc/self/coredump_filter", "0x7")) ||
	    prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) ||
	    prctl(PR_SET_CHILD_SUBREAPER, 1) ||
	    prctl(PR_SET_TIMERSLACK, 123456) ||
	    prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0))
		return 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;

	if (read_number("/proc/self/oom_score_adj", 10) != 123)
		return 2;
	if (filter && read_number("/proc/self/coredump_filter", 16) != 7)
		return 3;
	if (prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) != 1)
		return 4;
	{
		int sub = 0;

		if (prctl(PR_GET_CHILD_SUBREAPER, &sub) || sub != 1)
			return 5;
	}
	if (prctl(PR_GET_TIMERSLACK) != 123456)
		return 6;
	if (prctl(PR_MCE_KILL_GET, 0, 0, 0, 0) != PR_MCE_KILL_EARLY)
		return 7;
	return RESTORED;
}

TEST(prctl_and_proc_settings_survive)
{
	EXPECT_EQ(RESTORED, round_trip(settings));
}

/* A membarrier(2) registration cannot be made again by restart yet. */
TEST(membarrier_registration_is_refused)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		char why[256];
		int fd;

		if (syscall(__NR_membarrier,
			    MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0))
			_exit(errno == ENOSYS || errno == EINVAL ? 10 : 1);
		if (checkpoint_refusal(0, why, sizeof(why), &fd) != EOPNOTSUPP)
			_exit(2);
		_exit(strstr(why, "membarrier") ? 0 : 3);
	}
	EXPECT_EQ(0, wait_exit(pid));
}

TEST_HARNESS_MAIN
