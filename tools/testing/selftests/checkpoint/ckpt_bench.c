// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt_bench - how fast checkpoint and restart move memory, against raw
 * write() and read() of the same bytes, in the same boot.
 *
 * For each size of touched anonymous memory: a child fills it and takes
 * its time to write() it to a tmpfs file, then to a pipe drained by a
 * reader, then checkpoints itself to each, and to a tmpfs file again with
 * CHECKPOINT_CSUM_PAGES (column "+csum"); a fresh process takes its time
 * to read() the bytes into fresh memory, and another restarts the image:
 * the restored process reports how long that took.  Each figure is the
 * best of REPS runs, as an emulated machine's timing is noisy.  Then the
 * same for 64 MiB and 1, 16 and 256 threads: the process checkpoints
 * itself from its main thread, the others parked, and comes back with
 * them under its pid.  Then trees of 1, 10 and 100 processes: a parent
 * fills 64 MiB and forks the others, which share it copy-on-write; the
 * tree is checkpointed (CHECKPOINT_TREE | CHECKPOINT_KILL) and restarted
 * under its pids, and its Pss, summed, is given before and after.
 * Prints tables; not a test.
 * Usage: ckpt_bench [MiB ...]  (default 64 256 1024)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../../checkpoint/ckpt.h"

#define REPS 5
#define IMAGE "/tmp/ckpt-bench.img"
#define RAW "/tmp/ckpt-bench.raw"

struct result {
	double write_file, ckpt_file, ckpt_csum, write_pipe, ckpt_pipe;
	double read_file, restart;
	off_t image;
};

/*
 * Shared with the children.  Not with the restored process: its copy of
 * this memory came from the image, so it reports through a file.
 */
static struct result *res;

#define T0 "/tmp/ckpt-bench.t0"

/* Whole or not at all: another process waits for the file to be there. */
static void put_time(const char *path, double t)
{
	char tmp[64];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%.9f\n", t) < 0 || fclose(f) ||
	    rename(tmp, path))
		exit(5);
}

static double get_time(const char *path)
{
	FILE *f = fopen(path, "r");
	double t = -1;

	if (!f || fscanf(f, "%lf", &t) != 1)
		t = -1;
	if (f)
		fclose(f);
	return t;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static uint8_t *touched(size_t len)
{
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	for (size_t i = 0; i < len; i += 4096)
		memset(p + i, (int)(i >> 12), 4096);
	return p;
}

/*
 * A reader that drains the pipe @fds until its end.  It is not a child of
 * the process that checkpoints itself, which its child would make refused:
 * the child that forks it exits at once.
 */
static void drain(int fds[2])
{
	static char buf[1 << 20];
	pid_t pid = fork();

	if (pid) {
		waitpid(pid, NULL, 0);
		return;
	}
	if (fork())
		_exit(0);
	close(fds[1]);
	while (read(fds[0], buf, sizeof(buf)) > 0)
		;
	_exit(0);
}

static void to_pipe(uint8_t *p, size_t len, double *t_write, double *t_ckpt)
{
	int fds[2];
	double t;

	if (pipe(fds))
		die("pipe");
	fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
	drain(fds);
	close(fds[0]);
	t = now();
	if (write_all(fds[1], p, len))
		die("write pipe");
	*t_write = now() - t;
	t = now();
	if (sys_checkpoint(0, fds[1], 0) <= 0)
		die("checkpoint to a pipe");
	*t_ckpt = now() - t;
	close(fds[1]);
}

/* The child: fills @len bytes, writes and checkpoints them. */
static void measure_out(size_t len)
{
	uint8_t *p = touched(len);
	int fd;
	double t;
	long crid;

	fd = open(RAW, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	t = now();
	if (fd < 0 || write_all(fd, p, len))
		die("write file");
	res->write_file = now() - t;
	close(fd);

	to_pipe(p, len, &res->write_pipe, &res->ckpt_pipe);

	fd = open(IMAGE, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die(IMAGE);
	t = now();
	crid = sys_checkpoint(0, fd, CHECKPOINT_CSUM_PAGES);
	if (crid <= 0)
		die("checkpoint to a file, pages checksummed");
	res->ckpt_csum = now() - t;
	close(fd);

	fd = open(IMAGE, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die(IMAGE);
	t = now();
	crid = sys_checkpoint(0, fd, 0);
	if (crid < 0)
		die("checkpoint to a file");
	if (crid == 0) {
		/* the restored process: it reports and goes */
		put_time(T0, now() - get_time(T0));
		_exit(p[len - 1] == (uint8_t)((len - 1) >> 12) ? 0 : 3);
	}
	res->ckpt_file = now() - t;
	close(fd);
	_exit(0);
}

static void measure_in(size_t len)
{
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = open(RAW, O_RDONLY);
	size_t got = 0;
	double t = now();
	ssize_t n;

	if (p == MAP_FAILED || fd < 0)
		die("read file");
	while (got < len && (n = read(fd, p + got, len - got)) > 0)
		got += n;
	res->read_file = now() - t;
	_exit(got == len ? 0 : 4);
}

static void restart_image(size_t len)
{
	int fd = open(IMAGE, O_RDONLY);

	if (fd < 0)
		die(IMAGE);
	put_time(T0, now());
	sys_restart(0, fd, 0);
	die("restart");
}

/* Threads that wait, as a pool does, until the process ends. */
static pthread_mutex_t idle_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle_cond = PTHREAD_COND_INITIALIZER;
static int nr_threads = 1, idle;

static void *idle_thread(void *arg)
{
	pthread_mutex_lock(&idle_lock);
	idle++;
	pthread_cond_broadcast(&idle_cond);
	for (;;)
		pthread_cond_wait(&idle_cond, &idle_lock);
	return NULL;
}

/* The child: @len bytes and nr_threads threads, checkpointed by itself. */
static void measure_threads(size_t len)
{
	uint8_t *p = touched(len);
	pthread_t t;
	double t0;
	long crid;
	int fd;

	for (int i = 1; i < nr_threads; i++)
		if (pthread_create(&t, NULL, idle_thread, NULL))
			die("pthread_create");
	pthread_mutex_lock(&idle_lock);
	while (idle < nr_threads - 1)
		pthread_cond_wait(&idle_cond, &idle_lock);
	pthread_mutex_unlock(&idle_lock);

	fd = open(IMAGE, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die(IMAGE);
	t0 = now();
	crid = sys_checkpoint(0, fd, 0);
	if (crid < 0)
		die("checkpoint with threads");
	if (crid == 0) {
		put_time(T0, now() - get_time(T0));
		_exit(p[len - 1] == (uint8_t)((len - 1) >> 12) ? 0 : 3);
	}
	res->ckpt_file = now() - t0;
	_exit(0);
}

static pid_t last_pid;

/* Restarts the image in a child with @pid: a process with threads needs it. */
static int restart_as(pid_t pid, size_t len)
{
	pid_t r = fork_with_pid(pid);
	int status;

	if (!r)
		restart_image(len);
	if (r < 0 || waitpid(r, &status, 0) != r)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * A tree: the root, in a process group of its own, fills @len bytes and
 * forks tree_procs - 1 workers that share them and wait; it says so
 * (READY) and waits for GO, then tells the time since T0, which is the
 * restart's when it comes back.
 */
#define READY "/tmp/ckpt-bench.ready"
#define GO "/tmp/ckpt-bench.go"
#define TREE_T "/tmp/ckpt-bench.tree"

static int tree_procs;

static void tree_root(size_t len)
{
	uint8_t *p;

	setpgid(0, 0);
	p = touched(len);
	for (int i = 1; i < tree_procs; i++) {
		pid_t w = fork();

		if (w < 0)
			die("fork");
		if (!w)
			for (;;)
				pause();
	}
	put_time(READY, 0);
	while (access(GO, F_OK))
		usleep(1000);
	put_time(TREE_T, now() - get_time(T0));
	if (p[len - 1] != (uint8_t)((len - 1) >> 12))
		_exit(3);
	for (;;)
		pause();
}

/* The Pss of @pid and its children, in bytes. */
static double tree_pss(pid_t pid)
{
	char path[64], line[256];
	double pss = 0;
	long kb, c;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Pss: %ld", &kb) == 1)
			pss = kb * 1024.0;
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%ld", &c) == 1)
		pss += tree_pss(c);
	fclose(f);
	return pss;
}

/* Waits for @path, while @pid lives. */
static void wait_file(const char *path, pid_t pid)
{
	int status;

	for (int i = 0; access(path, F_OK); i++) {
		if (i == 600000)
			die(path);
		if (waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr, "%s: process %d ended (%#x)\n", path,
				pid, status);
			exit(1);
		}
		usleep(1000);
	}
}

/*
 * The tree gone, its orphans reaped here (a subreaper): its pids free.
 * Its group (a process alone keeps the restarter's), and its root.
 */
static void tree_kill(pid_t root)
{
	kill(-root, SIGKILL);
	kill(root, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0)
		;
}

struct tree_result {
	double ckpt, restart, pss_before, pss_after;
	off_t image;
};

static void measure_tree(size_t len, struct tree_result *r)
{
	pid_t root = fork(), back;
	struct stat st;
	double t;
	int fd;

	if (!root)
		tree_root(len);
	if (root < 0)
		die("fork");
	wait_file(READY, root);
	/* the workers forked and waiting: pause() */
	for (int i = 0; i < 100; i++)
		usleep(10000);
	r->pss_before = tree_pss(root);
	fd = open(IMAGE, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die(IMAGE);
	t = now();
	if (sys_checkpoint(root, fd, CHECKPOINT_TREE | CHECKPOINT_KILL) <= 0)
		die("checkpoint of a tree");
	r->ckpt = now() - t;
	close(fd);
	if (stat(IMAGE, &st))
		die(IMAGE);
	r->image = st.st_size;
	tree_kill(root);
	unlink(READY);

	put_time(GO, 0);
	back = fork_with_pid(root);
	if (!back) {
		put_time(T0, now());
		fd = open(IMAGE, O_RDONLY);
		sys_restart_log(0, fd, RESTART_LOG, 2);
		die("restart of a tree");
	}
	if (back < 0)
		die("fork");
	wait_file(TREE_T, back);
	r->restart = get_time(TREE_T);
	r->pss_after = tree_pss(back);
	tree_kill(back);
	unlink(GO);
	unlink(TREE_T);
	unlink(T0);
	unlink(IMAGE);
	if (r->restart <= 0 || r->pss_after <= 0) {
		fprintf(stderr, "restart of a tree of %d: %.3fs, Pss %.0f\n",
			tree_procs, r->restart, r->pss_after);
		exit(1);
	}
}

static double least(double t, double best, bool first)
{
	return first || t < best ? t : best;
}

static void best_of(struct result *best, const struct result *r, bool first)
{
	best->write_file = least(r->write_file, best->write_file, first);
	best->ckpt_file = least(r->ckpt_file, best->ckpt_file, first);
	best->ckpt_csum = least(r->ckpt_csum, best->ckpt_csum, first);
	best->write_pipe = least(r->write_pipe, best->write_pipe, first);
	best->ckpt_pipe = least(r->ckpt_pipe, best->ckpt_pipe, first);
	best->read_file = least(r->read_file, best->read_file, first);
	best->restart = least(r->restart, best->restart, first);
	best->image = r->image;
}

static int run(void (*fn)(size_t), size_t len)
{
	pid_t pid = fork();
	int status;

	if (!pid)
		fn(len);
	last_pid = pid;
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	static const size_t defaults[] = { 64, 256, 1024 };
	size_t n = argc > 1 ? argc - 1 : ARRAY_SIZE(defaults);
	struct stat st;

	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED)
		die("mmap");

	printf("# ckpt_bench: touched anonymous memory, tmpfs file and pipe\n");
	printf("# %6s %9s %7s | %8s %8s %6s | %8s %6s | %8s %8s %6s | %8s %8s %6s\n",
	       "MiB", "image", "+%", "ckpt-f", "write-f", "ratio",
	       "+csum", "ratio",
	       "ckpt-p", "write-p", "ratio", "restart", "read", "ratio");
	for (size_t i = 0; i < n; i++) {
		size_t mib = argc > 1 ? strtoul(argv[i + 1], NULL, 0) : defaults[i];
		size_t len = mib << 20;
		struct result best = {};

		for (int r = 0; r < REPS; r++) {
			memset(res, 0, sizeof(*res));
			if (run(measure_out, len) || stat(IMAGE, &st))
				die("checkpoint side");
			res->image = st.st_size;
			if (run(measure_in, len))
				die("read side");
			if (run(restart_image, len))
				die("restart side");
			res->restart = get_time(T0);
			if (res->restart <= 0)
				die("restart time");
			best_of(&best, res, !r);
			unlink(IMAGE);
			unlink(RAW);
			unlink(T0);
		}
		printf("  %6zu %8.1fM %6.2f%% | %7.3fs %7.3fs %5.2fx | %7.3fs %5.2fx | %7.3fs %7.3fs %5.2fx | %7.3fs %7.3fs %5.2fx\n",
		       mib, best.image / 1048576.0,
		       100.0 * (best.image - (double)len) / len,
		       best.ckpt_file, best.write_file,
		       best.ckpt_file / best.write_file,
		       best.ckpt_csum, best.ckpt_csum / best.write_file,
		       best.ckpt_pipe, best.write_pipe,
		       best.ckpt_pipe / best.write_pipe,
		       best.restart, best.read_file,
		       best.restart / best.read_file);
		fflush(stdout);
	}

	printf("# threads: 64 MiB, the process checkpointing itself to a tmpfs file\n");
	printf("# %7s %9s | %8s %10s | %8s %10s\n", "threads", "image",
	       "ckpt", "per-thread", "restart", "per-thread");
	double base_ckpt = 0, base_restart = 0;

	for (int i = 0; i < 3; i++) {
		static const int counts[] = { 1, 16, 256 };
		size_t len = 64UL << 20;
		struct result best = {};

		nr_threads = counts[i];
		for (int r = 0; r < REPS; r++) {
			memset(res, 0, sizeof(*res));
			if (run(measure_threads, len) || stat(IMAGE, &st))
				die("checkpoint with threads");
			res->image = st.st_size;
			if (restart_as(last_pid, len))
				die("restart with threads");
			res->restart = get_time(T0);
			if (res->restart <= 0)
				die("restart time");
			best_of(&best, res, !r);
			unlink(IMAGE);
			unlink(T0);
		}
		if (i == 0) {
			base_ckpt = best.ckpt_file;
			base_restart = best.restart;
		}
		printf("  %7d %8.1fM | %7.3fs %8.1fus | %7.3fs %8.1fus\n",
		       nr_threads, best.image / 1048576.0, best.ckpt_file,
		       i ? 1e6 * (best.ckpt_file - base_ckpt) /
			   (nr_threads - 1) : 0.0,
		       best.restart,
		       i ? 1e6 * (best.restart - base_restart) /
			   (nr_threads - 1) : 0.0);
		fflush(stdout);
	}

	printf("# trees: 64 MiB written by the parent, shared copy-on-write by all, to a tmpfs file\n");
	printf("# %5s %9s | %8s %8s | %10s %10s\n", "procs", "image",
	       "ckpt", "restart", "Pss before", "Pss after");
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	for (int i = 0; i < 3; i++) {
		static const int counts[] = { 1, 10, 100 };
		struct tree_result best = {}, r;

		tree_procs = counts[i];
		for (int k = 0; k < REPS; k++) {
			measure_tree(64UL << 20, &r);
			best.ckpt = least(r.ckpt, best.ckpt, !k);
			best.restart = least(r.restart, best.restart, !k);
			best.pss_before = r.pss_before;
			best.pss_after = r.pss_after;
			best.image = r.image;
		}
		printf("  %5d %8.1fM | %7.3fs %7.3fs | %9.1fM %9.1fM\n",
		       tree_procs, best.image / 1048576.0, best.ckpt,
		       best.restart, best.pss_before / 1048576.0,
		       best.pss_after / 1048576.0);
		fflush(stdout);
	}
	return 0;
}
