// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt_fuzz - hostile images for restart(2).
 *
 * Starts from sound images made in this boot (a small process, one with
 * more memory and mappings, one with files, pipes, signals and timers,
 * one with threads, an eventfd, a signalfd, a timerfd and an epoll
 * watching them, POSIX timers, a memfd and an inotify instance),
 * mutates them and feeds each to restart(2) in a child, with a timeout.
 * Most are resealed, so that the kernel's checks behind the checksum are
 * reached.  Most are only verified (RESTART_VERIFY), here, in the
 * fuzzing process; one in sixteen is restarted for real, in a child, so
 * that the code past the point of no return runs too.
 *
 * Every restart must end: with an error, an exit, or a signal.  A child
 * that SIGKILL cannot end, or a fuzzing process that makes no progress
 * for a minute (a watchdog process looks), is a hang in the kernel and
 * fails the run; so does a restart that changed its caller when it
 * refused.  The counts by outcome are printed.
 *
 * Usage: ckpt_fuzz [COUNT [SEED]]  (default 2000, and the time)
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stddef.h>
#include <malloc.h>
#include <stdio.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/user.h>
#include <time.h>
#include <linux/elf.h>
#include <linux/futex.h>

#include "ckpt_util.h"

#define RESTORED	42
#define TIMEOUT_MS	5000
#define NBASE		5	/* the images to start from */
#define BASE_THREADS	3	/* restarted with their pids */
#define BASE_TREE	4

static uint64_t rng;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* The values a field is set to: edges, addresses of every kind. */
static const uint64_t nasty[] = {
	0, 1, 2, 7, 8, 0xff, 0xfff, 0x1000, 0x7fffffff, 0x80000000,
	0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL, ~0ULL, ~0ULL - 7,
	0x00007ffffffff000ULL,		/* the top user page */
	0x0000800000000000ULL,		/* non-canonical */
	0xffff800000000000ULL,		/* kernel */
	0xffffffff81000000ULL,		/* kernel text */
	0x10000,			/* below mmap_min_addr, or near */
};

/* ---- the images to start from ---- */

/*
 * A child that runs @prep, if any, and checkpoints itself into the memfd
 * returned; restarted, it exits with RESTORED.  The images are read only
 * once all are made, so that none holds another.
 */
static pid_t base_pid[NBASE];	/* the processes they were of */

static int state_image(void (*prep)(void), pid_t *made, unsigned long flags)
{
	int fd = memfd_create("base", 0);
	pid_t pid;

	if (fd < 0)
		return -1;
	pid = fork();
	if (!pid) {
		long crid;

		/* not the other images' memfds, which would go in this one */
		if (fd > 3)
			close_range(3, fd - 1, 0);
		close_range(fd + 1, ~0U, 0);
		if (prep)
			prep();
		crid = sys_checkpoint(0, fd, flags);
		_exit(crid < 0 ? 1 : crid ? 0 : RESTORED);
	}
	*made = pid;
	if (wait_exit(pid) || lseek(fd, 0, SEEK_SET)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void memory_state(void)
{
	size_t len = 256 << 10;
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *s = mmap(NULL, 65536, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || s == MAP_FAILED)
		_exit(1);
	for (size_t i = 0; i < len; i += 4096)
		p[i] = i >> 12;
	mprotect(p + len / 2, 65536, PROT_NONE);
	memset(s, 0x5a, 65536);
}

static void files_state(void)
{
	struct itimerval it = { .it_value = { 100, 0 } };
	struct flock wr = { .l_type = F_WRLCK, .l_start = 1, .l_len = 2 };
	struct flock rd = { .l_type = F_RDLCK, .l_start = 8 };
	int p[2], f;
	sigset_t set;

	if (pipe(p) || write(p[1], "pipe data", 9) != 9)
		_exit(1);
	f = open("/tmp/ckpt-fuzz-file", O_RDWR | O_CREAT | O_APPEND, 0600);
	if (f < 0 || write(f, "file", 4) != 4 || dup(f) < 0)
		_exit(1);
	/* one lock of each kind, for the lock records */
	if (flock(f, LOCK_SH) || fcntl(f, F_SETLK, &wr) ||
	    fcntl(f, F_OFD_SETLK, &rd))
		_exit(1);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGUSR1, SIG_IGN);
	raise(SIGUSR2);
	sigqueue(getpid(), SIGRTMIN, (union sigval){ .sival_int = 7 });
	setitimer(ITIMER_REAL, &it, NULL);
	umask(027);
}

/* Threads in calls they resume: a sleep, a timed futex wait, a pause. */
static uint32_t fuzz_word;

static void *sleeper(void *arg)
{
	struct timespec ts = { 100, 0 };

	nanosleep(&ts, NULL);
	return NULL;
}

static void *futex_waiter(void *arg)
{
	struct timespec ts = { 100, 0 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	*(pid_t *)arg = gettid();
	syscall(SYS_futex, &fuzz_word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
	return NULL;
}

static void *pauser(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

/*
 * A tree (CHECKPOINT_TREE): a child that exited with a status and one
 * that waits, reading a pipe with data from its parent, in a group of
 * its own; both die with their parent (PR_SET_PDEATHSIG).  The waiting
 * child shares some of its parent's memory copy-on-write and wrote the
 * rest (CKPT_VMA_COW, CKPT_HDR_PAGES_KEEP).
 */
static char tree_cow[16][4096];

static void tree_state(void)
{
	int p[2], i;
	pid_t c, z;

	for (i = 0; i < 16; i++)
		tree_cow[i][0] = i + 1;
	if (pipe(p))
		_exit(1);
	z = fork();
	if (!z)
		_exit(3);
	c = fork();
	if (!c) {
		char b;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		setpgid(0, 0);
		for (i = 0; i < 16; i += 3)
			tree_cow[i][1] = 1;
		close(p[1]);
		while (read(p[0], &b, 1) > 0)
			;
		_exit(0);
	}
	setpgid(c, c);
	close(p[0]);
	if (write(p[1], "tree", 4) != 4)
		_exit(1);
	/* the first child a zombie */
	for (;;) {
		siginfo_t si = {};

		if (!waitid(P_PID, z, &si, WEXITED | WNOWAIT | WNOHANG) &&
		    si.si_pid)
			break;
		usleep(1000);
	}
}

/*
 * Three threads besides the main one, one with a signal pending for it
 * alone, and an eventfd and a signalfd: checkpointed by the main thread,
 * the others parked.
 */
static void threads_state(void)
{
	struct itimerspec its = { .it_value = { 100, 0 },
				  .it_interval = { 1, 0 } };
	static volatile pid_t waiter;
	struct sigevent sev = {};
	struct epoll_event ev;
	int efd, sfd, tfd, ep, mfd, ifd, id;
	char name[64];
	pthread_t t;
	sigset_t set;

	if (pthread_create(&t, NULL, sleeper, NULL) ||
	    pthread_create(&t, NULL, futex_waiter, (void *)&waiter) ||
	    pthread_create(&t, NULL, pauser, NULL))
		_exit(1);
	while (!waiter)
		usleep(1000);
	syscall(SYS_tgkill, getpid(), waiter, SIGUSR2);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	efd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
	sfd = signalfd(-1, &set, 0);
	tfd = timerfd_create(CLOCK_MONOTONIC, 0);
	ep = epoll_create1(0);
	if (efd < 0 || sfd < 0 || tfd < 0 || ep < 0 ||
	    timerfd_settime(tfd, 0, &its, NULL))
		_exit(1);
	ev.events = EPOLLIN | EPOLLET;
	ev.data.u64 = 1;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev))
		_exit(1);
	ev.events = EPOLLIN | EPOLLONESHOT;
	ev.data.u64 = 2;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev))
		_exit(1);
	ev.events = EPOLLIN;
	ev.data.u64 = 3;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev))
		_exit(1);
	/* a POSIX timer aimed at a thread, one repeating, a sealed memfd */
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGUSR2;
	sev._sigev_un._tid = waiter;
	if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &id) ||
	    syscall(SYS_timer_settime, id, 0, &its, NULL) ||
	    syscall(SYS_timer_create, CLOCK_REALTIME, NULL, &id) ||
	    syscall(SYS_timer_settime, id, 0, &its, NULL))
		_exit(1);
	mfd = memfd_create("fuzz", MFD_ALLOW_SEALING);
	if (mfd < 0 || write(mfd, "memfd data", 10) != 10 ||
	    fcntl(mfd, F_ADD_SEALS, F_SEAL_GROW))
		_exit(1);
	/* a memfd mapped, its fd closed, and the sealed one mapped too */
	id = memfd_create("fuzz-mapped", 0);
	if (id < 0 || ftruncate(id, 8192) ||
	    mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, id, 0) ==
	    MAP_FAILED ||
	    mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, mfd, 0) == MAP_FAILED)
		_exit(1);
	close(id);
	/* an inotify instance with two watches and two events queued */
	ifd = inotify_init1(IN_NONBLOCK);
	if (ifd < 0 ||
	    inotify_add_watch(ifd, "/tmp", IN_CREATE | IN_DELETE) != 1 ||
	    inotify_add_watch(ifd, "/", IN_ATTRIB | IN_ONESHOT) != 2)
		_exit(1);
	snprintf(name, sizeof(name), "/tmp/ckpt-fuzz-%d", getpid());
	close(open(name, O_WRONLY | O_CREAT, 0600));
	unlink(name);
	usleep(20000);
}

/* ---- mutations ---- */

struct fuzz {
	struct image img;		/* the one being mutated */
	struct record rec[MAX_RECORDS];
	int nrec;
	const char *what;
};

static uint8_t *rec_body(struct fuzz *f, int r, size_t *len)
{
	*len = f->rec[r].len > sizeof(struct ckpt_hdr) ?
	       f->rec[r].len - sizeof(struct ckpt_hdr) : 0;
	return f->img.buf + f->rec[r].off + sizeof(struct ckpt_hdr);
}

static int pick_record(struct fuzz *f, uint32_t type)
{
	int n = 0, r;

	for (r = 0; r < f->nrec; r++)
		n += f->rec[r].type == type;
	if (!n)
		return -1;
	n = below(n);
	for (r = 0; r < f->nrec; r++)
		if (f->rec[r].type == type && !n--)
			return r;
	return -1;
}

static void set_field(uint8_t *p, size_t len, size_t off, int width,
		      uint64_t v)
{
	if (off + width <= len)
		memcpy(p + off, &v, width);
}

/* A field of some record: 4 or 8 bytes set to a nasty value. */
static void mut_field(struct fuzz *f)
{
	int r = below(f->nrec);
	size_t len, off;
	uint8_t *p = rec_body(f, r, &len);
	int width = below(2) ? 8 : 4;

	if (len < 4)
		return;
	off = below(len / 4) * 4;
	set_field(p, len, off, width, nasty[below(ARRAY_SIZE(nasty))]);
	f->what = "field";
}

static void mut_bits(struct fuzz *f)
{
	int n = 1 + below(8);

	while (n--) {
		int r = below(f->nrec);
		size_t off = f->rec[r].off + below(f->rec[r].len);

		f->img.buf[off] ^= 1 << below(8);
	}
	f->what = "bits";
}

/* A record's length that lies. */
static void mut_len(struct fuzz *f)
{
	struct ckpt_hdr *h = (void *)(f->img.buf + f->rec[below(f->nrec)].off);
	static const int64_t delta[] = { -8, -1, 1, 8, 4096, -4096 };

	if (below(3))
		h->len += delta[below(ARRAY_SIZE(delta))];
	else
		h->len = nasty[below(ARRAY_SIZE(nasty))];
	f->what = "length";
}

/* Cuts the image at a record boundary or inside a record. */
static void mut_cut(struct fuzz *f)
{
	int r = below(f->nrec);

	f->img.len = f->rec[r].off + (below(2) ? below(f->rec[r].len) : 0);
	f->what = "truncation";
}

/* Swaps, duplicates or drops whole records. */
static void mut_records(struct fuzz *f)
{
	int a = 1 + below(f->nrec - 1), b = 1 + below(f->nrec - 1);
	size_t oa, ob, la, lb, n = 0;
	uint8_t *buf, *src = f->img.buf;

	if (a > b) {
		int t = a;

		a = b;
		b = t;
	}
	/* a record with its padding and page data, up to the next */
	oa = f->rec[a].off;
	ob = f->rec[b].off;
	la = (a + 1 < f->nrec ? f->rec[a + 1].off : f->img.len) - oa;
	lb = (b + 1 < f->nrec ? f->rec[b + 1].off : f->img.len) - ob;
	buf = malloc(f->img.len + la);
	if (!buf)
		return;
#define PUT(from, len) do { memcpy(buf + n, from, len); n += (len); } while (0)
	switch (below(3)) {
	case 0:		/* b where a was, and a where b was */
		if (a == b)
			goto same;
		PUT(src, oa);
		PUT(src + ob, lb);
		PUT(src + oa + la, ob - oa - la);
		PUT(src + oa, la);
		PUT(src + ob + lb, f->img.len - ob - lb);
		f->what = "swap";
		break;
	case 1:		/* a twice */
		PUT(src, oa + la);
		PUT(src + oa, f->img.len - oa);
		f->what = "duplicate";
		break;
	default:	/* no a */
		PUT(src, oa);
		PUT(src + oa + la, f->img.len - oa - la);
		f->what = "drop";
	}
#undef PUT
	free(f->img.buf);
	f->img.buf = buf;
	f->img.len = n;
	return;
same:
	free(buf);
}

/* Counts that size things: set huge, or off by one. */
static void mut_count(struct fuzz *f)
{
	static const struct { uint32_t type; size_t off; int width; } counts[] = {
		{ CKPT_HDR_MM, offsetof(struct ckpt_hdr_mm, nr_vmas), 4 },
		{ CKPT_HDR_MM, offsetof(struct ckpt_hdr_mm, nr_auxv), 4 },
		{ CKPT_HDR_PAGES, offsetof(struct ckpt_hdr_pages, nr_pages), 4 },
		{ CKPT_HDR_PAGES_KEEP,
		  offsetof(struct ckpt_hdr_pages_keep, nr_runs), 4 },
		{ CKPT_HDR_PAGES_KEEP,
		  offsetof(struct ckpt_hdr_pages_keep, run[0].nr_pages), 8 },
		{ CKPT_HDR_PAGES_KEEP,
		  offsetof(struct ckpt_hdr_pages_keep, run[0].addr), 8 },
		{ CKPT_HDR_FILES, offsetof(struct ckpt_hdr_files, nr_fds), 4 },
		{ CKPT_HDR_SIGNALS,
		  offsetof(struct ckpt_hdr_signals, nr_siginfo), 4 },
		{ CKPT_HDR_CRED, offsetof(struct ckpt_hdr_cred, ngroups), 4 },
		{ CKPT_HDR_PIPE, offsetof(struct ckpt_hdr_pipe, nr_bytes), 4 },
		{ CKPT_HDR_PIPE, offsetof(struct ckpt_hdr_pipe, size), 4 },
		{ CKPT_HDR_REGSET, offsetof(struct ckpt_hdr_regset, size), 4 },
		{ CKPT_HDR_FD, offsetof(struct ckpt_hdr_fd, file), 4 },
		{ CKPT_HDR_FD, offsetof(struct ckpt_hdr_fd, fd), 4 },
		{ CKPT_HDR_OPEN_FILE,
		  offsetof(struct ckpt_hdr_open_file, pipe), 4 },
		{ CKPT_HDR_FILE_LOCKS, offsetof(struct ckpt_hdr_file_locks, nr),
		  4 },
		{ CKPT_HDR_FILE_LOCK, offsetof(struct ckpt_hdr_file_lock, file),
		  4 },
		{ CKPT_HDR_THREADS, offsetof(struct ckpt_hdr_threads, nr), 4 },
		{ CKPT_HDR_THREAD, offsetof(struct ckpt_hdr_thread, tid), 4 },
		{ CKPT_HDR_THREAD,
		  offsetof(struct ckpt_hdr_thread, nr_siginfo), 4 },
		{ CKPT_HDR_THREAD, offsetof(struct ckpt_hdr_thread, t.resume),
		  4 },
		{ CKPT_HDR_TASK, offsetof(struct ckpt_hdr_task, t.resume), 4 },
		{ CKPT_HDR_EVENTFD, offsetof(struct ckpt_hdr_eventfd, flags),
		  4 },
		{ CKPT_HDR_TIMERFD, offsetof(struct ckpt_hdr_timerfd, clockid),
		  4 },
		{ CKPT_HDR_TIMERFD, offsetof(struct ckpt_hdr_timerfd, flags),
		  4 },
		{ CKPT_HDR_EPOLL, offsetof(struct ckpt_hdr_epoll, nr), 4 },
		{ CKPT_HDR_EPOLL, offsetof(struct ckpt_hdr_epoll, file), 4 },
		{ CKPT_HDR_EPOLL_ITEM, offsetof(struct ckpt_hdr_epoll_item, fd),
		  4 },
		{ CKPT_HDR_EPOLL_ITEM,
		  offsetof(struct ckpt_hdr_epoll_item, file), 4 },
		{ CKPT_HDR_EPOLL_ITEM,
		  offsetof(struct ckpt_hdr_epoll_item, events), 4 },
	};
	int c = below(ARRAY_SIZE(counts)), r = pick_record(f, counts[c].type);
	uint8_t *p = f->img.buf + (r < 0 ? 0 : f->rec[r].off);
	uint32_t v;

	if (r < 0 || f->rec[r].len < counts[c].off + 4)
		return;
	memcpy(&v, p + counts[c].off, 4);
	switch (below(3)) {
	case 0:
		v += 1;
		break;
	case 1:
		v -= 1;
		break;
	default:
		v = nasty[below(ARRAY_SIZE(nasty))];
	}
	memcpy(p + counts[c].off, &v, 4);
	f->what = "count";
}

/* VMAs that overlap, run backwards, or lie in the kernel's half. */
static void mut_vma(struct fuzz *f)
{
	int r = pick_record(f, CKPT_HDR_VMA), s = pick_record(f, CKPT_HDR_VMA);
	struct ckpt_hdr_vma *v, *w;

	if (r < 0 || f->rec[r].len < sizeof(*v) || f->rec[s].len < sizeof(*w))
		return;
	v = (void *)(f->img.buf + f->rec[r].off);
	w = (void *)(f->img.buf + f->rec[s].off);
	switch (below(6)) {
	case 0:
		v->start = w->start;		/* overlap */
		break;
	case 1:
		v->end = v->start - 4096;	/* backwards */
		break;
	case 2:
		v->start = nasty[below(ARRAY_SIZE(nasty))];
		break;
	case 3:
		v->end = nasty[below(ARRAY_SIZE(nasty))];
		break;
	case 4:
		v->kind = below(8);
		break;
	default:
		v->prot = rnd();
		v->flags = rnd();
	}
	f->what = "vma";
}

/* Registers: selectors, flags, addresses, the xstate header. */
static void mut_regs(struct fuzz *f)
{
	int r = pick_record(f, CKPT_HDR_REGSET);
	struct ckpt_hdr_regset *rs;
	size_t size;

	if (r < 0 || f->rec[r].len < sizeof(*rs))
		return;
	rs = (void *)(f->img.buf + f->rec[r].off);
	/* the data the record holds, whatever its size field says */
	size = f->rec[r].len - sizeof(*rs);
	if (rs->note_type == NT_PRSTATUS &&
	    size >= sizeof(struct user_regs_struct)) {
		struct user_regs_struct *g = (void *)rs->data;
		unsigned long long *sel[] = { &g->cs, &g->ss, &g->ds, &g->es,
					      &g->fs, &g->gs };

		switch (below(4)) {
		case 0:
			*sel[below(ARRAY_SIZE(sel))] = below(0x10000);
			break;
		case 1:
			g->eflags = rnd();
			break;
		case 2:
			g->rip = nasty[below(ARRAY_SIZE(nasty))];
			break;
		default:
			if (below(2))
				g->fs_base = nasty[below(ARRAY_SIZE(nasty))];
			else
				g->gs_base = nasty[below(ARRAY_SIZE(nasty))];
		}
		f->what = "gpregs";
	} else if (size >= 576) {
		/* the XSAVE header: xfeatures, xcomp_bv, reserved */
		set_field(rs->data, size, 512 + 8 * below(8), 8,
			  below(2) ? rnd() : nasty[below(ARRAY_SIZE(nasty))]);
		if (below(2))	/* MXCSR, with reserved bits */
			set_field(rs->data, size, 24, 4, rnd());
		f->what = "xstate";
	}
}

static void mutate(struct fuzz *f)
{
	static void (*const muts[])(struct fuzz *) = {
		mut_field, mut_field, mut_bits, mut_len, mut_cut, mut_records,
		mut_count, mut_count, mut_vma, mut_vma, mut_regs, mut_regs,
	};
	int n = 1 + (below(4) == 0);

	while (n--) {
		muts[below(ARRAY_SIZE(muts))](f);
		/* records may have moved; one that cannot be walked is done */
		f->nrec = image_records(&f->img, f->rec);
		if (f->nrec <= 2)
			break;
	}
}

/* ---- running them ---- */

enum outcome {
	O_REFUSED, O_ACCEPTED, O_RESTORED, O_EXITED, O_KILLED, O_SIGNAL,
	O_TIMEOUT, O_CHANGED, O_HANG, O_NR
};

static const char *const outcome_name[] = {
	"refused", "verified", "restored and ran", "exited otherwise",
	"killed (past the point of no return)", "died of another signal",
	"timed out, then killed", "refused but changed its caller", "HUNG",
};

/* Each worker's tallies and progress, shared with the watchdog. */
struct tally {
	long progress;		/* the image being tried */
	long done;
	long counts[O_NR];
	long errnos[160];
	long tried[NBASE][2];	/* by base image, verified or restarted */
	double ms[NBASE][2];
	double prep_ms;		/* making and writing the images */
};

static const char *const base_name[NBASE] = {
	"small", "memory", "files", "threads", "tree",
};

static struct tally *me;

/* What a child must see unchanged in itself after a refusal. */
static int caller_check(int fd)
{
	char cwd[PATH_MAX];
	sigset_t mask;

	sigprocmask(SIG_BLOCK, NULL, &mask);
	if (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, "/tmp"))
		return 1;
	if (sigismember(&mask, SIGUSR2) || fcntl(fd, F_GETFD) < 0)
		return 1;
	return 0;
}

/* RESTART_VERIFY in this process: it must come back, unchanged. */
static enum outcome verify_here(int fd)
{
	long ret;

	lseek(fd, 0, SEEK_SET);
	ret = sys_restart(0, fd, RESTART_VERIFY);
	if (!ret)
		return O_ACCEPTED;
	if (caller_check(fd))
		return O_CHANGED;
	me->errnos[errno % 160]++;
	return O_REFUSED;
}

/*
 * A real restart, in a child given TIMEOUT_MS to end; one with the pid
 * @want when it can be had, which an image with threads needs.
 */
static enum outcome restart_in_child(int fd, bool keep_stdio, pid_t want)
{
	struct timespec tick = { 0, 1000 * 1000 };
	int status, ms;
	pid_t pid;

	pid = want ? fork_with_pid(want) : -1;
	if (pid < 0)
		pid = fork();
	if (pid < 0)
		return O_HANG;
	if (!pid) {
		lseek(fd, 0, SEEK_SET);
		sys_restart(0, fd, keep_stdio ? RESTART_KEEP_STDIO : 0);
		/* refused: errno, and the caller as it was */
		_exit(caller_check(fd) ? 254 : errno % 160);
	}
	for (ms = 0; ms < TIMEOUT_MS; ms++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			goto ended;
		nanosleep(&tick, NULL);
	}
	/* the restored process may spin; SIGKILL must end it */
	kill(pid, SIGKILL);
	for (ms = 0; ms < 10000; ms++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return O_TIMEOUT;
		nanosleep(&tick, NULL);
	}
	return O_HANG;
ended:
	/* a restored tree's orphans */
	while (waitpid(-1, NULL, __WALL | WNOHANG) > 0)
		;
	if (WIFSIGNALED(status))
		return WTERMSIG(status) == SIGKILL ? O_KILLED : O_SIGNAL;
	switch (WEXITSTATUS(status)) {
	case RESTORED:
		return O_RESTORED;
	case 254:
		return O_CHANGED;
	default:
		me->errnos[WEXITSTATUS(status)]++;
		return O_REFUSED;
	}
}

/*
 * The watchdog: a restart(2) that never returns in a worker shows as
 * progress that stops.  Returns when every worker has ended.
 */
static int watchdog(pid_t *workers, struct tally *t, int n)
{
	long last[8];
	int i, status, left = n, still[8] = {}, bad = 0;

	for (i = 0; i < n; i++)
		last[i] = -1;
	while (left) {
		sleep(1);
		for (i = 0; i < n; i++) {
			if (!workers[i])
				continue;
			if (waitpid(workers[i], &status, WNOHANG) == workers[i]) {
				bad |= !WIFEXITED(status) || WEXITSTATUS(status);
				workers[i] = 0;
				left--;
			} else if (t[i].progress != last[i]) {
				last[i] = t[i].progress;
				still[i] = 0;
			} else if (++still[i] == 60) {
				printf("# worker %d, image %ld: no progress for 60 s: HUNG\n",
				       i, last[i]);
				t[i].counts[O_HANG]++;
				kill(workers[i], SIGKILL);
			}
		}
	}
	return bad;
}

/*
 * The image to try, in a memfd.  Most mutations change a few bytes in
 * place: those go into a memfd that holds the base image, and out again
 * afterwards (@undo), rather than all of it into a scratch one; writing
 * the whole image costs more than trying it, on a sanitizer kernel.
 * Returns the fd, or -1.
 */
static int image_in_fd(struct fuzz *f, const struct image *b, int basefd,
		       int scratch, size_t undo[2])
{
	size_t lo = 0, hi = f->img.len;

	undo[0] = undo[1] = 0;
	if (f->img.len != b->len) {
		if (pwrite(scratch, f->img.buf, f->img.len, 0) !=
		    (ssize_t)f->img.len || ftruncate(scratch, f->img.len))
			return -1;
		return scratch;
	}
	/* the changed range: by pages, then by bytes */
	while (hi - lo >= 4096 && !memcmp(f->img.buf + lo, b->buf + lo, 4096))
		lo += 4096;
	while (lo < hi && f->img.buf[lo] == b->buf[lo])
		lo++;
	while (hi - lo >= 4096 &&
	       !memcmp(f->img.buf + hi - 4096, b->buf + hi - 4096, 4096))
		hi -= 4096;
	while (hi > lo && f->img.buf[hi - 1] == b->buf[hi - 1])
		hi--;
	if (pwrite(basefd, f->img.buf + lo, hi - lo, lo) != (ssize_t)(hi - lo))
		return -1;
	undo[0] = lo;
	undo[1] = hi;
	return basefd;
}

/* One worker: @count images from the bases, with its own random stream. */
static int fuzz(struct image *base, int nbase, long count)
{
	struct fuzz *f = calloc(1, sizeof(*f));
	int scratch = memfd_create("fuzzed", 0), basefd[NBASE], fd, k;
	size_t undo[2];
	long i;

	if (!f || scratch < 0 || nbase > NBASE)
		return 1;
	for (k = 0; k < nbase; k++) {
		basefd[k] = memfd_create("base", 0);
		if (basefd[k] < 0 ||
		    write_all(basefd[k], base[k].buf, base[k].len))
			return 1;
	}
	/*
	 * The images are copied, cut and spliced on the heap: keep its memory
	 * rather than map and fault in fresh pages for each.
	 */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	for (i = 0; i < count; i++) {
		struct image *b = &base[k = below(nbase)];
		bool verify = below(16) != 0, reseal = below(10) != 0;
		struct timespec tp, t0, t1;
		enum outcome o;

		clock_gettime(CLOCK_MONOTONIC, &tp);
		f->img.buf = malloc(b->len);
		if (!f->img.buf)
			return 1;
		memcpy(f->img.buf, b->buf, b->len);
		f->img.len = b->len;
		f->nrec = image_records(&f->img, f->rec);
		if (f->nrec <= 2)
			return 1;
		mutate(f);
		if (reseal)
			image_reseal(&f->img);
		fd = image_in_fd(f, b, basefd[k], scratch, undo);
		if (fd < 0)
			return 1;
		me->progress = i;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		me->prep_ms += (t0.tv_sec - tp.tv_sec) * 1e3 +
			       (t0.tv_nsec - tp.tv_nsec) / 1e6;
		o = verify ? verify_here(fd) :
			     restart_in_child(fd, below(2),
					      k == BASE_THREADS || k == BASE_TREE ?
					      base_pid[k] : 0);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		me->tried[k][!verify]++;
		me->ms[k][!verify] += (t1.tv_sec - t0.tv_sec) * 1e3 +
				      (t1.tv_nsec - t0.tv_nsec) / 1e6;
		me->counts[o]++;
		me->done++;
		if (o == O_HANG || o == O_CHANGED)
			printf("# image %ld (%s, %s): %s\n", i, f->what,
			       verify ? "verify" : "restart", outcome_name[o]);
		if (pwrite(basefd[k], b->buf + undo[0], undo[1] - undo[0],
			   undo[0]) != (ssize_t)(undo[1] - undo[0]))
			return 1;
		image_free(&f->img);
	}
	return 0;
}

int main(int argc, char **argv)
{
	void (*prep[NBASE])(void) = {
		NULL, memory_state, files_state, threads_state, tree_state,
	};
	long count = argc > 1 ? strtol(argv[1], NULL, 0) : 2000;
	int nw = sysconf(_SC_NPROCESSORS_ONLN), i, j, bad = 0, fd[NBASE];
	struct image base[NBASE] = {};
	struct timespec t0, t1;
	pid_t workers[8];
	struct tally *t, sum = {};
	uint64_t seed;
	sigset_t none;

	seed = argc > 2 ? strtoull(argv[2], NULL, 0) : (uint64_t)time(NULL);
	nw = nw < 1 ? 1 : nw > 8 ? 8 : nw;
	printf("# ckpt_fuzz: %ld images, %d workers, seed %#llx\n", count, nw,
	       (unsigned long long)seed);
	fflush(stdout);
	t = mmap(NULL, nw * sizeof(*t), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (t == MAP_FAILED || chdir("/tmp"))
		return 1;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* the tree's children, orphaned, come to be reaped here */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	for (i = 0; i < (int)ARRAY_SIZE(base); i++) {
		fd[i] = state_image(prep[i], &base_pid[i],
				    i == BASE_TREE ? CHECKPOINT_TREE : 0);
		if (fd[i] < 0)
			bad = 1;
	}
	usleep(100000);
	while (waitpid(-1, NULL, __WALL | WNOHANG) > 0)
		;
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	for (i = 0; i < (int)ARRAY_SIZE(base); i++) {
		if (fd[i] >= 0 && read_all(fd[i], &base[i]))
			bad = 1;
		close(fd[i]);
	}
	if (bad) {
		printf("not ok 1 fuzz: cannot make the images to start from\n");
		return 1;
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < nw; i++) {
		t[i].progress = -1;
		workers[i] = fork();
		if (workers[i] < 0)
			return 1;
		if (!workers[i]) {
			me = &t[i];
			rng = (seed + i) | 1;
			/* what restored trees leave, for the next to reuse */
			prctl(PR_SET_CHILD_SUBREAPER, 1);
			_exit(fuzz(base, ARRAY_SIZE(base),
				   count / nw + (i < count % nw)));
		}
	}
	bad = watchdog(workers, t, nw);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	for (i = 0; i < nw; i++) {
		sum.done += t[i].done;
		for (j = 0; j < O_NR; j++)
			sum.counts[j] += t[i].counts[j];
		for (j = 0; j < (int)ARRAY_SIZE(sum.errnos); j++)
			sum.errnos[j] += t[i].errnos[j];
		sum.prep_ms += t[i].prep_ms;
		for (j = 0; j < 2 * NBASE; j++) {
			sum.tried[j / 2][j % 2] += t[i].tried[j / 2][j % 2];
			sum.ms[j / 2][j % 2] += t[i].ms[j / 2][j % 2];
		}
	}
	printf("# %ld images in %.1f s\n", sum.done,
	       t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	for (i = 0; i < O_NR; i++)
		printf("# %8ld  %s\n", sum.counts[i], outcome_name[i]);
	for (i = 0; i < (int)ARRAY_SIZE(base); i++)
		printf("# %-6s image of %6zu bytes: %5ld verified, %.1f ms each; %4ld restarted, %.1f ms each\n",
		       base_name[i], base[i].len,
		       sum.tried[i][0], sum.ms[i][0] / (sum.tried[i][0] ?: 1),
		       sum.tried[i][1], sum.ms[i][1] / (sum.tried[i][1] ?: 1));
	printf("# making the images: %.1f ms each\n",
	       sum.prep_ms / (sum.done ?: 1));
	printf("# refusals by errno:");
	for (i = 0; i < (int)ARRAY_SIZE(sum.errnos); i++)
		if (sum.errnos[i])
			printf(" %s=%ld", strerrorname_np(i) ?: "?",
			       sum.errnos[i]);
	printf("\n");
	unlink("/tmp/ckpt-fuzz-file");
	if (bad || sum.done != count || sum.counts[O_HANG] ||
	    sum.counts[O_CHANGED]) {
		printf("not ok 1 fuzz: %ld images\n", count);
		return 1;
	}
	printf("ok 1 fuzz: %ld images\n", count);
	return 0;
}
