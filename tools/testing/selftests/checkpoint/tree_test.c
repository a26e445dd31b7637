// SPDX-License-Identifier: GPL-2.0
/*
 * Trees of processes (CHECKPOINT_TREE): a process and its descendants
 * checkpointed without any of them seeing it, killed, and restarted by
 * one restart(2), each with its pid, parent, group and session, the
 * descriptions and pipes they share shared again, zombies with their
 * status.  Each test builds the tree, waits until every process of it
 * says it is ready (a file each), moves it, and lets it go on (a file);
 * the processes check their state and say how it went by exit status,
 * which each parent collects with wait().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "ckpt_util.h"

static char dir[64];

/* Puts the string @s, with its NUL, at @at. */
static void put_str(char *at, const char *s)
{
	memcpy(at, s, strlen(s) + 1);
}

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* Says @name, a file in the test's directory. */
static void say(const char *name)
{
	char path[128];
	int fd;

	path_of(path, sizeof(path), name);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
}

static bool said(const char *name)
{
	char path[128];

	path_of(path, sizeof(path), name);
	return !access(path, F_OK);
}

/* Waits until @name is said; false after 60 s. */
static bool wait_for(const char *name)
{
	int i;

	for (i = 0; i < 6000; i++) {
		if (said(name))
			return true;
		usleep(10000);
	}
	return false;
}

/* A process of a tree: its stdio on /dev/null, none of the runner's */
static void tree_stdio(void)
{
	int fd = open("/dev/null", O_RDWR);

	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

/* Waits for child @pid: 0 if it exited 0, else a code naming @what. */
static int child_ok(pid_t pid, int what)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return what;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : what;
}

/*
 * The test's directory; and the test adopts the orphans of the trees it
 * kills, to reap them before their pids are wanted again.
 */
static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ckpt-tree-%d", getpid());
	mkdir(dir, 0700);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
}

static void remove_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return;
}

/*
 * Checkpoints the tree of @root, once each of @nr names is said, with
 * CHECKPOINT_KILL, restarts it in a child that has its pid, says "go",
 * and returns the restored root's exit code; -1 when the checkpoint
 * failed (the reason printed).
 */
static int move_tree(pid_t root, const char *const *ready, int nr)
{
	struct image img = {};
	int fd, i, ret = -1;
	pid_t r;

	for (i = 0; i < nr; i++)
		if (!wait_for(ready[i]))
			goto out;
	fd = image_fd();
	if (fd < 0)
		goto out;
	if (sys_checkpoint(root, fd, CHECKPOINT_TREE | CHECKPOINT_KILL) <= 0) {
		fprintf(stderr, "checkpoint: %s\n", strerror(errno));
		lseek(fd, 0, SEEK_SET);
		if (!read_all(fd, &img) && image_error(&img))
			fprintf(stderr, "  %s\n", image_error(&img)->msg);
		image_free(&img);
		close(fd);
		goto out;
	}
	/* the tree's zombies, ours now, go, and their pids with them */
	while (waitpid(-1, NULL, __WALL | WNOHANG) > 0)
		;
	r = fork_with_pid(root);
	if (!r) {
		lseek(fd, 0, SEEK_SET);
		sys_restart_log(0, fd, RESTART_LOG, 2);
		_exit(200 + errno % 50);
	}
	close(fd);
	if (r < 0)
		goto out;
	say("go");
	ret = wait_exit(r);
	return ret;
out:
	reap(root);
	return ret;
}

/*
 * Runs @root_fn in a child, which builds a tree, moves the tree once
 * the @nr names of @ready are said, and returns the restored root's
 * exit code (or -1).
 */
static int tree_round_trip(int (*root_fn)(void), const char *const *ready,
			   int nr)
{
	pid_t root;
	int ret;

	make_dir();
	root = fork();
	if (root < 0)
		return -1;
	if (!root)
		_exit(root_fn());
	ret = move_tree(root, ready, nr);
	remove_dir();
	return ret;
}

/*
 * Three levels: the root writes into a pipe its child reads, which
 * passes what it reads on to its own child through another; a second
 * child checks its memory; all share one file description, whose
 * offset they move in turn after the restart.
 */
#define TREE_DATA	"0123456789"

static int tree_leaf(int in)
{
	char buf[64] = "";
	ssize_t n, got = 0;

	say("leaf");
	if (!wait_for("go"))
		return 1;
	while ((n = read(in, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += n;
	return strcmp(buf, TREE_DATA TREE_DATA "!") ? 2 : 0;
}

static int tree_middle(int in, int log)
{
	char buf[64];
	int p[2], ret;
	ssize_t n;
	pid_t leaf;

	if (pipe(p))
		return 1;
	leaf = fork();
	if (!leaf) {
		close(p[1]);
		close(in);
		_exit(tree_leaf(p[0]));
	}
	close(p[0]);
	say("middle");
	if (!wait_for("go"))
		return 1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(p[1], buf, n) != n)
			return 3;
	if (write(p[1], "!", 1) != 1)
		return 3;
	close(p[1]);
	ret = child_ok(leaf, 4);
	/* at the offset the root left, one description between them */
	if (!ret && write(log, "middle;", 7) != 7)
		ret = 5;
	return ret;
}

static int tree_root(void)
{
	static char heap_mark[4096] = "root's own";
	char path[128];
	int p[2], log, ret;
	pid_t middle, other;

	tree_stdio();
	path_of(path, sizeof(path), "log");
	log = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (log < 0 || write(log, "root;", 5) != 5 || pipe(p))
		return 1;
	middle = fork();
	if (!middle) {
		close(p[1]);
		_exit(tree_middle(p[0], log));
	}
	other = fork();
	if (!other) {
		static char mark[4096];

		close(p[0]);
		close(p[1]);
		snprintf(mark, sizeof(mark), "the other child's");
		say("other");
		if (!wait_for("go"))
			_exit(1);
		_exit(strcmp(mark, "the other child's") ||
		       strcmp(heap_mark, "root's own") ? 6 : 0);
	}
	close(p[0]);
	/* data in the pipe at the checkpoint, and more after */
	if (write(p[1], TREE_DATA, 10) != 10)
		return 1;
	say("root");
	if (!wait_for("go"))
		return 1;
	if (write(p[1], TREE_DATA, 10) != 10)
		return 7;
	close(p[1]);
	ret = child_ok(middle, 8) ?: child_ok(other, 9);
	if (!ret && write(log, "root again", 10) != 10)
		ret = 10;
	return ret;
}

TEST(fork_tree_three_levels_with_pipes_and_a_shared_offset)
{
	static const char *const ready[] = { "root", "middle", "leaf", "other" };
	char path[128], buf[64] = "";
	pid_t root;
	int fd;

	make_dir();
	root = fork();
	ASSERT_LE(0, root);
	if (!root)
		_exit(tree_root());
	ASSERT_EQ(0, move_tree(root, ready, 4));
	path_of(path, sizeof(path), "log");
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_LT(0, read(fd, buf, sizeof(buf) - 1));
	close(fd);
	EXPECT_STREQ("root;middle;root again", buf);
	remove_dir();
}

/*
 * Zombies: a child that exited with a status and one a signal killed,
 * not waited for at the checkpoint; after the restart the parent reaps
 * them with their status, and no other child is there.
 */
static int zombie_root(void)
{
	pid_t exited, killed;
	int status, ret = 0;

	tree_stdio();
	exited = fork();
	if (!exited)
		_exit(42);
	killed = fork();
	if (!killed) {
		pause();
		_exit(0);
	}
	kill(killed, SIGUSR1);
	/* both dead, not reaped */
	for (;;) {
		siginfo_t a = {}, b = {};

		if (!waitid(P_PID, killed, &a, WEXITED | WNOWAIT | WNOHANG) &&
		    !waitid(P_PID, exited, &b, WEXITED | WNOWAIT | WNOHANG) &&
		    a.si_pid && b.si_pid)
			break;
		usleep(1000);
	}
	usleep(100000);
	say("root");
	if (!wait_for("go"))
		return 1;
	if (waitpid(exited, &status, 0) != exited || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 42)
		ret = 2;
	if (!ret && (waitpid(killed, &status, 0) != killed ||
		     !WIFSIGNALED(status) || WTERMSIG(status) != SIGUSR1))
		ret = 3;
	if (!ret && (waitpid(-1, &status, WNOHANG) != -1 || errno != ECHILD))
		ret = 4;
	return ret;
}

TEST(zombies_are_reaped_after_restart_with_their_status)
{
	static const char *const ready[] = { "root" };

	ASSERT_EQ(0, tree_round_trip(zombie_root, ready, 1));
}

/*
 * A session: its leader, the root, with two process groups of two each,
 * and a group whose leader exited, its member an orphan the root, a
 * subreaper, adopted.  Each checks its ids after the restart.
 */
static int ids_check(pid_t pgid, pid_t sid, pid_t ppid)
{
	if (!wait_for("go"))
		return 1;
	if (getpgrp() != pgid)
		return 2;
	if (getsid(0) != sid)
		return 3;
	return getppid() == ppid ? 0 : 4;
}

/*
 * A child of session leader @me in group @join, or in a group of its own
 * for 0, that says @name and checks its ids after the restart.
 */
static pid_t session_member(const char *name, pid_t join, pid_t me)
{
	pid_t c = fork();

	if (!c) {
		setpgid(0, join);
		say(name);
		_exit(ids_check(join ?: getpid(), me, me));
	}
	/* and from the parent, as a shell does, whichever comes first */
	if (c > 0)
		setpgid(c, join ?: c);
	return c;
}

static int session_root(void)
{
	pid_t me, a, a2, b, b2, lead, orphan = 0;
	int p[2], ret;

	tree_stdio();
	me = setsid();
	if (me < 0 || prctl(PR_SET_CHILD_SUBREAPER, 1) || pipe(p))
		return 1;
	a = session_member("a", 0, me);
	a2 = session_member("a2", a, me);
	b = session_member("b", 0, me);
	b2 = session_member("b2", b, me);
	/* a group whose leader exits, leaving its child to the root */
	lead = fork();
	if (!lead) {
		pid_t m;

		setpgid(0, 0);
		m = fork();
		if (!m) {
			pid_t g = getpgrp();

			while (getppid() != me)
				usleep(1000);
			say("orphan");
			_exit(ids_check(g, me, me));
		}
		if (write(p[1], &m, sizeof(m)) != sizeof(m))
			_exit(1);
		_exit(0);
	}
	if (read(p[0], &orphan, sizeof(orphan)) != sizeof(orphan) ||
	    child_ok(lead, 1))
		return 1;
	close(p[0]);
	close(p[1]);
	say("root");
	ret = ids_check(me, me, getppid());
	if (ret)
		return 10 + ret;
	if (getpgid(orphan) != lead)
		return 20;
	return child_ok(a, 31) ?: child_ok(a2, 32) ?: child_ok(b, 33) ?:
	       child_ok(b2, 34) ?: child_ok(orphan, 35);
}

TEST(session_with_groups_and_an_exited_leader)
{
	static const char *const ready[] = {
		"root", "a", "a2", "b", "b2", "orphan",
	};

	ASSERT_EQ(0, tree_round_trip(session_root, ready, 6));
}

/*
 * The tree is held for its dump unseen: its parent gets no SIGCHLD and
 * wait() no stop or continue, and it goes on after.
 */
static volatile sig_atomic_t sigchld;

static void on_sigchld(int sig)
{
	sigchld++;
}

static int unseen_root(void)
{
	struct sigaction sa = { .sa_handler = on_sigchld };
	unsigned long spins = 0;
	int status, events = 0;
	pid_t child;

	tree_stdio();
	sigaction(SIGCHLD, &sa, NULL);
	child = fork();
	if (!child) {
		/* until its parent has looked: its exit would be seen */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		while (!said("exit"))
			spins++;
		_exit(0);
	}
	say("root");
	while (!said("done")) {
		pid_t r = waitpid(child, &status,
				  WUNTRACED | WCONTINUED | WNOHANG);

		if (r < 0)
			return 10 + errno % 40;
		if (r)
			events++;
	}
	if (events)
		return 2;
	if (sigchld)
		return 3;
	say("exit");
	return child_ok(child, 4);
}

TEST(tree_is_held_unseen_and_goes_on)
{
	struct image img = {};
	pid_t root;
	int fd;

	make_dir();
	root = fork();
	ASSERT_LE(0, root);
	if (!root)
		_exit(unseen_root());
	ASSERT_TRUE(wait_for("root"));
	usleep(100000);
	fd = image_fd();
	ASSERT_LE(0, fd);
	EXPECT_LT(0, sys_checkpoint(root, fd, CHECKPOINT_TREE));
	lseek(fd, 0, SEEK_SET);
	ASSERT_EQ(0, read_all(fd, &img));
	close(fd);
	EXPECT_EQ(NULL, image_error(&img));
	image_free(&img);
	say("done");
	EXPECT_EQ(0, wait_exit(root));
	remove_dir();
}

/* A pipe whose other end a process outside the tree holds is refused. */
TEST(pipe_shared_with_an_outside_process_is_refused)
{
	char why[256] = "", want[64];
	int p[2], at;
	pid_t root;

	make_dir();
	ASSERT_EQ(0, pipe(p));
	root = fork();
	ASSERT_LE(0, root);
	if (!root) {
		tree_stdio();
		close(p[1]);
		if (!fork()) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			say("child");
			pause();
			_exit(0);
		}
		say("root");
		pause();
		_exit(0);
	}
	close(p[0]);
	ASSERT_TRUE(wait_for("root"));
	ASSERT_TRUE(wait_for("child"));
	EXPECT_EQ(EOPNOTSUPP, checkpoint_refusal_flags(root, CHECKPOINT_TREE,
						       why, sizeof(why), &at));
	/* the image's error record says why */
	ASSERT_NE(0, why[0]);
	snprintf(want, sizeof(want), "process %d", getpid());
	EXPECT_NE(NULL, strstr(why, want));
	EXPECT_NE(NULL, strstr(why, "outside the tree"));
	TH_LOG("%s", why);
	reap(root);
	close(p[1]);
	remove_dir();
}

/*
 * Debian's bash runs a pipeline: one loop writes numbers, another
 * doubles them into a file; moved mid-way, every line comes once.
 */
TEST(bash_pipeline_moved_mid_way_writes_every_line_once)
{
	char path[128], cmd[256], line[32];
	int i, n = 0, bad = 0;
	struct stat st;
	pid_t root;
	FILE *f;

	if (access("/bin/bash", X_OK))
		SKIP(return, "no /bin/bash");
	make_dir();
	path_of(path, sizeof(path), "out");
	snprintf(cmd, sizeof(cmd), "%s | %s > %s",
		 "for ((i = 0; i < 3000; i++)); do echo $i; done",
		 "while read x; do echo $((x * 2)); done", path);
	root = fork();
	ASSERT_LE(0, root);
	if (!root) {
		tree_stdio();
		execl("/bin/bash", "bash", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	/* mid-way: some lines written, not all */
	for (i = 0; i < 6000; i++) {
		if (!stat(path, &st) && st.st_size > 1000)
			break;
		usleep(10000);
	}
	say("ready");
	{
		static const char *const ready[] = { "ready" };

		ASSERT_EQ(0, move_tree(root, ready, 1));
	}
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		if (atoi(line) != 2 * n)
			bad++;
		n++;
	}
	fclose(f);
	EXPECT_EQ(3000, n);
	EXPECT_EQ(0, bad);
	remove_dir();
}

/*
 * What a child inherited: a POSIX lock it took through an inherited fd
 * is its own after the restart; a memfd mapped shared by the parent,
 * whose fd it closed before the fork, is one memory again, which the
 * child writes and the parent reads.
 */
static int inherited_root(void)
{
	char path[128], *mem;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
			    .l_len = 10 };
	int fd, mfd, p[2], status;
	pid_t c;

	tree_stdio();
	path_of(path, sizeof(path), "locked");
	fd = open(path, O_RDWR | O_CREAT, 0600);
	mfd = memfd_create("shared", 0);
	if (fd < 0 || mfd < 0 || ftruncate(mfd, 4096) || pipe(p))
		return 1;
	mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (mem == MAP_FAILED)
		return 1;
	close(mfd);
	put_str(mem, "before");
	c = fork();
	if (!c) {
		if (fcntl(fd, F_SETLK, &fl))
			_exit(1);
		say("child");
		if (!wait_for("go"))
			_exit(1);
		put_str(mem, "written by the child");
		_exit(wait_for("checked") ? 0 : 1);
	}
	if (!wait_for("child"))
		return 1;
	say("root");
	if (!wait_for("go"))
		return 1;
	/* the child's lock, seen from here */
	fl.l_type = F_WRLCK;
	if (fcntl(fd, F_GETLK, &fl) || fl.l_type != F_WRLCK || fl.l_pid != c)
		return 2;
	while (strcmp(mem, "written by the child"))
		if (waitpid(c, &status, WNOHANG))
			return 3;
	say("checked");
	return child_ok(c, 4);
}

TEST(inherited_lock_and_shared_memfd_mapping)
{
	static const char *const ready[] = { "root" };

	ASSERT_EQ(0, tree_round_trip(inherited_root, ready, 1));
}

/*
 * RESTART_KEEP_STDIO: the first process's fds 0-2 are the restarter's,
 * and so are a child's that it inherited.
 */
static int stdio_root(void)
{
	pid_t c;

	tree_stdio();
	c = fork();
	if (!c) {
		say("child");
		if (!wait_for("go"))
			_exit(1);
		_exit(write(1, "child\n", 6) == 6 ? 0 : 1);
	}
	say("root");
	if (!wait_for("go"))
		return 1;
	if (child_ok(c, 2))
		return 2;
	return write(1, "root\n", 5) == 5 ? 0 : 3;
}

TEST(kept_stdio_goes_to_the_children_too)
{
	char buf[64] = "";
	int fd, out[2], n = 0, got;
	pid_t root, r;

	make_dir();
	root = fork();
	ASSERT_LE(0, root);
	if (!root)
		_exit(stdio_root());
	ASSERT_TRUE(wait_for("root"));
	ASSERT_TRUE(wait_for("child"));
	fd = image_fd();
	ASSERT_LE(0, fd);
	ASSERT_LT(0, sys_checkpoint(root, fd, CHECKPOINT_TREE |
					      CHECKPOINT_KILL));
	while (waitpid(-1, NULL, __WALL | WNOHANG) > 0)
		;
	ASSERT_EQ(0, pipe(out));
	r = fork_with_pid(root);
	ASSERT_LE(0, r);
	if (!r) {
		dup2(out[1], 1);
		lseek(fd, 0, SEEK_SET);
		sys_restart_log(0, fd, RESTART_KEEP_STDIO | RESTART_LOG, 2);
		_exit(200 + errno % 50);
	}
	close(out[1]);
	close(fd);
	say("go");
	while (n < (int)sizeof(buf) - 1 &&
	       (got = read(out[0], buf + n, sizeof(buf) - 1 - n)) > 0)
		n += got;
	close(out[0]);
	EXPECT_EQ(0, wait_exit(r));
	EXPECT_STREQ("child\nroot\n", buf);
	remove_dir();
}

/*
 * Shared anonymous memory that the root and its child map (inherited) is
 * one memory again: the child writes, the root reads, in each part of a
 * mapping split before the fork.
 */
static int shmem_root(void)
{
	char *mem, *own;
	pid_t c;

	tree_stdio();
	mem = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	own = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED || own == MAP_FAILED)
		return 1;
	put_str(mem + 4096, "before");
	put_str(own, "first");
	put_str(own + 4096, "second");
	if (mprotect(own + 4096, 4096, PROT_READ))
		return 1;
	c = fork();
	if (!c) {
		say("child");
		if (!wait_for("go"))
			_exit(1);
		if (strcmp(mem + 4096, "before") || strcmp(own + 4096, "second"))
			_exit(2);
		put_str(mem + 4096, "written by the child");
		put_str(own, "child's first");
		_exit(wait_for("checked") ? 0 : 1);
	}
	say("root");
	if (!wait_for("go"))
		return 1;
	while (strcmp(mem + 4096, "written by the child"))
		if (waitpid(c, NULL, WNOHANG))
			return 3;
	while (strcmp(own, "child's first"))
		if (waitpid(c, NULL, WNOHANG))
			return 5;
	say("checked");
	return child_ok(c, 4);
}

TEST(shared_anonymous_memory_is_shared_again)
{
	static const char *const ready[] = { "root", "child" };

	ASSERT_EQ(0, tree_round_trip(shmem_root, ready, 2));
}

/*
 * A child made with clone(CLONE_FILES | CLONE_FS) shares its parent's fd
 * table and working directory after the restart too: an fd the parent
 * opens the child has, a chdir() of the child moves the parent.
 */
static int sharer_fn(void *arg)
{
	int i;

	say("child");
	if (!wait_for("go"))
		return 1;
	for (i = 0; fcntl(42, F_GETFD) < 0; i++) {
		if (i == 60000)
			return 2;
		usleep(1000);
	}
	if (chdir(dir))
		return 3;
	say("moved");
	return 0;
}

static int sharing_root(void)
{
	char *stack = malloc(65536);
	char cwd[128];
	pid_t c;
	int fd;

	tree_stdio();
	if (chdir("/"))
		return 1;
	if (!stack)
		return 1;
	c = clone(sharer_fn, stack + 65536,
		  CLONE_FILES | CLONE_FS | SIGCHLD, NULL);
	if (c < 0)
		return 1;
	if (!wait_for("child"))
		return 1;
	say("root");
	if (!wait_for("go"))
		return 1;
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, 42) != 42)
		return 4;
	if (!wait_for("moved"))
		return 5;
	if (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, dir))
		return 6;
	return child_ok(c, 7);
}

TEST(clone_files_and_fs_are_shared_again)
{
	static const char *const ready[] = { "root" };

	ASSERT_EQ(0, tree_round_trip(sharing_root, ready, 1));
}

/*
 * A vfork() parent waits for its child in the kernel, where it cannot be
 * parked: the checkpoint gives up on it after a second, EBUSY, naming
 * it.
 */
TEST(vfork_parent_is_refused_by_name)
{
	char why[256] = "", want[32];
	pid_t root;
	int at;

	make_dir();
	root = fork();
	ASSERT_LE(0, root);
	if (!root) {
		tree_stdio();
		say("root");
		if (!vfork()) {
			struct timespec ts = { 60, 0 };

			syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL);
			syscall(SYS_nanosleep, &ts, NULL);
			_exit(0);
		}
		_exit(0);
	}
	ASSERT_TRUE(wait_for("root"));
	usleep(200000);
	EXPECT_EQ(EBUSY, checkpoint_refusal_flags(root, CHECKPOINT_TREE, why,
						  sizeof(why), &at));
	/* the image's error record says why */
	ASSERT_NE(0, why[0]);
	snprintf(want, sizeof(want), "task %d ", root);
	EXPECT_NE(NULL, strstr(why, want));
	EXPECT_NE(NULL, strstr(why, "vfork"));
	TH_LOG("%s", why);
	/* the parent killed, its child dies with it, ours to reap */
	reap(root);
	while (waitpid(-1, NULL, __WALL) > 0)
		;
	remove_dir();
}

/*
 * A forked server's workers: 8 MiB written by the parent before it forks
 * 50 workers, each of which writes one page of its own, one lets four
 * pages go (MADV_DONTNEED) and one forks a worker of its own.  The image
 * holds the memory once, and after the restart it is shared again: the
 * tree's Pss (smaps_rollup) is what it was, and a write by a worker
 * copies the page as before, leaving the parent's as it was.
 */
#define COW_WORKERS	50
#define COW_PAGES	2048

static char *cow_mem;
static long cow_ps;

static char cow_byte(unsigned int page, int worker)
{
	return worker >= 0 && page == (unsigned int)worker ?
	       'A' + worker % 26 : (char)(page % 251 + 1);
}

/* Says @name until "go", again when the runner took it away. */
static bool cow_wait(const char *name)
{
	int i;

	for (i = 0; i < 12000; i++) {
		if (said("go"))
			return true;
		if (!said(name))
			say(name);
		usleep(10000);
	}
	return false;
}

/* The memory is the parent's but for @worker's page and a hole at 100. */
static bool cow_check(int worker, bool hole)
{
	unsigned int i, off[] = { 0, 1234, cow_ps - 1 }, j;

	for (i = 0; i < COW_PAGES; i++) {
		char want = hole && i >= 100 && i < 104 ? 0 :
			    cow_byte(i, worker);

		for (j = 0; j < 3; j++)
			if (cow_mem[i * cow_ps + off[j]] != want)
				return false;
	}
	return true;
}

static int cow_worker(int w)
{
	char name[16];
	pid_t g = 0;

	memset(cow_mem + w * cow_ps, cow_byte(w, w), cow_ps);
	if (w == 0 && madvise(cow_mem + 100 * cow_ps, 4 * cow_ps,
			      MADV_DONTNEED))
		return 1;
	if (w == 1) {
		g = fork();
		if (!g) {
			if (!cow_wait("grand") || !cow_check(1, false))
				_exit(2);
			_exit(0);
		}
	}
	snprintf(name, sizeof(name), "w%d", w);
	if (!cow_wait(name) || !cow_check(w, w == 0))
		return 2;
	/* a write copies the page, for this worker alone */
	cow_mem[(w + 1) * cow_ps] = 'x';
	if (cow_mem[(w + 1) * cow_ps] != 'x')
		return 3;
	return g ? child_ok(g, 4) : 0;
}

static int cow_root(void)
{
	pid_t w[COW_WORKERS];
	int i, ret = 0;

	tree_stdio();
	for (i = 0; i < COW_PAGES; i++)
		memset(cow_mem + i * cow_ps, cow_byte(i, -1), cow_ps);
	for (i = 0; i < COW_WORKERS; i++) {
		w[i] = fork();
		if (w[i] < 0)
			return 1;
		if (!w[i])
			_exit(cow_worker(i));
	}
	if (!cow_wait("root"))
		return 1;
	for (i = 0; i < COW_WORKERS; i++)
		ret = ret ?: child_ok(w[i], 10 + i);
	/* what the workers wrote, before and after, is theirs */
	return ret ?: cow_check(-1, false) ? 0 : 5;
}

/* The Pss of @pid and its descendants, in KiB. */
static long tree_pss(pid_t pid)
{
	char path[64], line[256];
	long pss = 0, kb;
	FILE *f;
	int c;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Pss: %ld", &kb) == 1)
			pss = kb;
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%d", &c) == 1) {
		kb = tree_pss(c);
		if (kb < 0) {
			pss = -1;
			break;
		}
		pss += kb;
	}
	fclose(f);
	return pss;
}

/* Every process of the COW tree says it is there. */
static bool cow_all_said(bool take)
{
	char name[16], path[128];
	int i;

	for (i = -2; i < COW_WORKERS; i++) {
		if (i == -2)
			snprintf(name, sizeof(name), "root");
		else if (i == -1)
			snprintf(name, sizeof(name), "grand");
		else
			snprintf(name, sizeof(name), "w%d", i);
		if (take) {
			path_of(path, sizeof(path), name);
			unlink(path);
		} else if (!wait_for(name)) {
			return false;
		}
	}
	return true;
}

TEST(fifty_forked_workers_share_their_memory_again)
{
	long before, after, size = -1;
	int fd, ret = -1;
	pid_t root, r = -1;

	cow_ps = sysconf(_SC_PAGESIZE);
	cow_mem = mmap(NULL, COW_PAGES * cow_ps, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, cow_mem);
	make_dir();
	root = fork();
	ASSERT_LE(0, root);
	if (!root)
		_exit(cow_root());
	ASSERT_TRUE(cow_all_said(false));
	before = tree_pss(root);
	fd = image_fd();
	ASSERT_LE(0, fd);
	if (sys_checkpoint(root, fd, CHECKPOINT_TREE | CHECKPOINT_KILL) > 0) {
		size = lseek(fd, 0, SEEK_END);
		while (waitpid(-1, NULL, __WALL | WNOHANG) > 0)
			;
		cow_all_said(true);
		r = fork_with_pid(root);
		if (!r) {
			lseek(fd, 0, SEEK_SET);
			sys_restart_log(0, fd, RESTART_LOG, 2);
			_exit(200 + errno % 50);
		}
	} else {
		reap(root);
	}
	close(fd);
	after = r > 0 && cow_all_said(false) ? tree_pss(r) : -1;
	say("go");
	if (r > 0)
		ret = wait_exit(r);
	remove_dir();
	munmap(cow_mem, COW_PAGES * cow_ps);
	TH_LOG("memory %ld KiB in %d processes: image %ld KiB, Pss %ld KiB before, %ld KiB after",
	       COW_PAGES * cow_ps / 1024, COW_WORKERS + 2, size / 1024,
	       before, after);
	ASSERT_EQ(0, ret);
	ASSERT_LT(0, before);
	/* once, and a little of each process's own */
	EXPECT_GT(COW_PAGES * cow_ps + (COW_WORKERS + 2) * 256L * 1024, size);
	EXPECT_GE(before + before / 8 + 1024, after);
}

/*
 * A container: the init of a pid namespace with a UTS and an IPC
 * namespace of its own, and ten processes under it, two levels deep.
 * Checkpointed from outside, killed, and restarted as pid 1 of a new pid
 * namespace: every process has its pid and parent again, and the
 * hostname; the restarter's own hostname is untouched.
 */
#define BOX_NAME	"ckpt-box"

static int box_proc(int kids)
{
	pid_t me = getpid(), parent = getppid(), c[4];
	struct utsname u;
	char name[16];
	int i, ret = 0;

	for (i = 0; i < kids; i++) {
		c[i] = fork();
		if (c[i] < 0)
			return 1;
		if (!c[i])
			_exit(box_proc(me == 1 && i < 3 ? 2 : 0));
	}
	snprintf(name, sizeof(name), "p%d", me);
	say(name);
	if (!wait_for("go"))
		return 2;
	if (getpid() != me || getppid() != parent)
		return 3;
	if (uname(&u) || strcmp(u.nodename, BOX_NAME))
		return 4;
	/* the first failure, as the process that failed said it */
	for (i = 0; i < kids; i++)
		ret = ret ?: wait_exit(c[i]);
	return ret;
}

/*
 * A daemon, as a shell's '&' with setsid makes one: its session's leader
 * exits, and the init adopts it.  Its session id is a pid of no process.
 */
static void box_daemon(void)
{
	pid_t sid;

	if (setsid() < 0 || fork())
		_exit(0);
	sid = getsid(0);
	while (getppid() != 1)
		usleep(1000);
	say("daemon");
	if (!wait_for("go"))
		_exit(2);
	_exit(getsid(0) == sid && getppid() == 1 ? 0 : 3);
}

static int box_init(void)
{
	int ret, status;
	pid_t d;

	tree_stdio();
	if (getpid() != 1 || sethostname(BOX_NAME, strlen(BOX_NAME)))
		return 1;
	d = fork();
	if (!d)
		box_daemon();
	/* the leader reaped: its id held by the session alone */
	if (d < 0 || waitpid(d, NULL, 0) != d || !wait_for("daemon"))
		return 1;
	/* three with two each, and a fourth: ten */
	ret = box_proc(4);
	/* and what it adopted */
	while ((d = wait(&status)) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			ret = ret ?: 9;
	return ret;
}

/* Waits until @nr processes of the box said they are there. */
static bool box_ready(int nr)
{
	struct dirent *e;
	int i, n;
	DIR *d;

	for (i = 0; i < 6000; i++) {
		d = opendir(dir);
		if (!d)
			return false;
		for (n = 0; (e = readdir(d));)
			n += e->d_name[0] == 'p';
		closedir(d);
		if (n >= nr)
			return true;
		usleep(10000);
	}
	return false;
}

/*
 * Starts a container of box_init() under a process of its own, which
 * waits for it; returns that process, and the init's pid in @init.
 */
static pid_t box_start(pid_t *init)
{
	pid_t outer;
	int p[2];

	*init = 0;
	if (pipe(p))
		return -1;
	outer = fork();
	if (!outer) {
		pid_t c;

		if (unshare(CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC))
			_exit(1);
		c = fork();
		if (!c) {
			close(p[0]);
			close(p[1]);
			_exit(box_init());
		}
		if (write(p[1], &c, sizeof(c)) != sizeof(c))
			_exit(1);
		_exit(wait_exit(c));
	}
	close(p[1]);
	if (outer < 0 || read(p[0], init, sizeof(*init)) != sizeof(*init))
		*init = 0;
	close(p[0]);
	if (*init && !box_ready(11))
		*init = 0;
	return outer;
}

TEST(container_comes_back_with_its_pids_and_hostname)
{
	struct utsname before, after;
	struct image img = {};
	pid_t outer, init, r;
	int fd;

	make_dir();
	ASSERT_EQ(0, uname(&before));
	outer = box_start(&init);
	ASSERT_LT(0, outer);
	ASSERT_LT(0, init);
	fd = image_fd();
	ASSERT_LE(0, fd);
	ASSERT_LT(0, sys_checkpoint(init, fd, CHECKPOINT_TREE |
				    CHECKPOINT_KILL)) {
		lseek(fd, 0, SEEK_SET);
		if (!read_all(fd, &img) && image_error(&img))
			TH_LOG("%s", image_error(&img)->msg);
		reap(outer);
	}
	/* the init killed: its parent goes */
	EXPECT_NE(0, wait_exit(outer));
	r = fork();
	ASSERT_LE(0, r);
	if (!r) {
		pid_t rr;

		if (unshare(CLONE_NEWPID))
			_exit(1);
		rr = fork();
		if (!rr) {
			lseek(fd, 0, SEEK_SET);
			sys_restart_log(0, fd, RESTART_LOG, 2);
			_exit(200 + errno % 50);
		}
		_exit(wait_exit(rr));
	}
	close(fd);
	say("go");
	EXPECT_EQ(0, wait_exit(r));
	ASSERT_EQ(0, uname(&after));
	EXPECT_STREQ(before.nodename, after.nodename);
	remove_dir();
}

/*
 * A task that entered the container's pid namespace with setns() is not
 * the init's descendant: the container is refused, with the counts.
 */
TEST(container_with_a_task_from_outside_is_refused)
{
	char why[256] = "", path[64];
	pid_t outer, init, in;
	int at;

	make_dir();
	outer = box_start(&init);
	ASSERT_LT(0, outer);
	ASSERT_LT(0, init);
	in = fork();
	ASSERT_LE(0, in);
	if (!in) {
		int ns;

		snprintf(path, sizeof(path), "/proc/%d/ns/pid", init);
		ns = open(path, O_RDONLY);
		if (ns < 0 || setns(ns, CLONE_NEWPID))
			_exit(1);
		/* its parent stays, outside: it is no orphan of the init */
		if (!fork()) {
			say("visitor");
			pause();
		}
		pause();
		_exit(0);
	}
	ASSERT_TRUE(wait_for("visitor"));
	EXPECT_EQ(EOPNOTSUPP, checkpoint_refusal_flags(init, CHECKPOINT_TREE,
						       why, sizeof(why), &at));
	TH_LOG("%s", why);
	EXPECT_NE(NULL, strstr(why, "setns()"));
	/*
	 * The visitor's parent first: the init's exit waits until every
	 * task of its namespace is reaped, the visitor too, which then is
	 * ours.
	 */
	reap(in);
	kill(init, SIGKILL);
	while (waitpid(-1, NULL, __WALL) > 0)
		;
	remove_dir();
}

/*
 * The tools, as an unprivileged user: checkpoint --tree --kill takes a
 * parent and the child it feeds through a pipe, restart --ns brings
 * both back under their pids in new namespaces, and exits with the
 * parent's status, which is the child's sum of what came before and
 * after.
 */
static int fed_child(int in)
{
	int a = 0, b = 0;

	if (read(in, &a, sizeof(a)) != sizeof(a) ||
	    read(in, &b, sizeof(b)) != sizeof(b))
		return 1;
	return a + b;
}

static int feeding_root(void)
{
	int p[2], v = 20, status;
	pid_t c;

	tree_stdio();
	if (pipe(p))
		return 1;
	c = fork();
	if (!c) {
		close(p[1]);
		say("child");
		_exit(fed_child(p[0]));
	}
	close(p[0]);
	if (write(p[1], &v, sizeof(v)) != sizeof(v))
		return 1;
	say("root");
	if (!wait_for("go"))
		return 1;
	v = 22;
	if (write(p[1], &v, sizeof(v)) != sizeof(v))
		return 1;
	if (waitpid(c, &status, 0) != c || !WIFEXITED(status))
		return 2;
	return WEXITSTATUS(status);
}

static int run_tool(const char *path, char *const argv[])
{
	pid_t pid = fork();

	if (!pid) {
		execv(path, argv);
		_exit(127);
	}
	return pid < 0 ? -1 : wait_exit(pid);
}

TEST(unprivileged_tree_through_the_tools)
{
	char img[128], pid_s[16];
	pid_t user;

	if (access("/bin/restart", X_OK) || access("/bin/checkpoint", X_OK))
		SKIP(return, "no tools in this system");
	make_dir();
	chmod(dir, 0777);
	path_of(img, sizeof(img), "tree.img");
	user = fork();
	ASSERT_LE(0, user);
	if (!user) {
		pid_t root, r;

		if (setgid(1000) || setuid(1000) ||
		    prctl(PR_SET_DUMPABLE, 1))
			_exit(1);
		root = fork();
		if (!root)
			_exit(feeding_root());
		if (!wait_for("root") || !wait_for("child"))
			_exit(3);
		snprintf(pid_s, sizeof(pid_s), "%d", root);
		if (run_tool("/bin/checkpoint", (char *[]){ "checkpoint",
			     "--tree", "--kill", "-o", img, pid_s, NULL }))
			_exit(4);
		waitpid(root, NULL, 0);
		r = fork();
		if (!r) {
			execl("/bin/restart", "restart", "--ns", "-i", img,
			      (char *)NULL);
			_exit(127);
		}
		usleep(200000);
		say("go");
		_exit(wait_exit(r));
	}
	EXPECT_EQ(42, wait_exit(user));
	remove_dir();
}

TEST_HARNESS_MAIN
