// SPDX-License-Identifier: GPL-2.0
/*
 * restart - become the process stored in an image
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ckpt.h"

enum { EXIT_USAGE = 2 };

static void print_usage(FILE *f)
{
	fprintf(f,
"Usage: restart [-i FILE] [--verify] [--stopped] [--keep-stdio] [--strict-files]\n"
"               [--crid N] [--ns] [--detach] [--here]\n"
"Read an image from FILE, or standard input, and bring back the process in\n"
"it.  It comes back under its own pid where it can (as root, or with --ns),\n"
"as a child that restart waits for, exiting with its status; else restart\n"
"becomes it, under restart's pid.  A process with threads needs its pid.\n"
"\n"
"  -i, --input FILE  read the image from FILE\n"
"  -v, --verify      only read and check the whole image; change nothing\n"
"  -s, --stopped     the restored process stops (SIGSTOP) before it runs\n"
"  -t, --keep-stdio  the restored process gets this one's standard input,\n"
"                    output and error instead of its own fds 0-2\n"
"  -S, --strict-files  refuse a file open only for writing (a log) that\n"
"                    grew since the checkpoint, as any other changed file\n"
"  -c, --crid N      refuse an image whose checkpoint id is not N\n"
"  -n, --ns          restore in a new user and pid namespace (and mount\n"
"                    namespace, with its own /proc), where the process can\n"
"                    have its pid and thread ids without privilege\n"
"  -d, --detach      once the process is restored, exit and leave it running\n"
"  -H, --here        become the process, under restart's own pid\n"
"  -h, --help        show this help\n"
"\n"
"Exit status: 0 the image is sound (--verify), or the process was restored\n"
"(--detach); the restored process's exit status, or 128 + the signal that\n"
"killed it; 1 refused; 2 usage.  With --here, restart does not return on\n"
"success: it is the restored process.\n");
}

/* What an errno of restart(2) says about the image. */
static const char *why(int err)
{
	switch (err) {
	case ENOEXEC:
		return "not a checkpoint image for this machine";
	case EPROTONOSUPPORT:
		return "image format version not supported by this kernel";
	case EBADMSG:
		return "the image is corrupt";
	case ENODATA:
		return "the image is truncated, or its checkpoint failed (ckptinfo shows the reason)";
	case EPERM:
		return "the image is another user's process or has other rights, or runs a program other than restart's (needs CAP_CHECKPOINT_RESTORE), or asks for limits, a priority or an oom_score_adj beyond yours";
	case EACCES:
		return "a file the image names may not be opened by you";
	case EINVAL:
		return "the image's checkpoint id does not match";
	case EOPNOTSUPP:
		return "this kernel cannot restore what the image holds";
	case ESTALE:
		return "a file the image names changed since the checkpoint";
	case ENOENT:
		return "a file the image names is not there (from this root)";
	case EBUSY:
		return "restart must run in a single-threaded process, and a process with threads needs its own pid (run as root, or with --ns)";
	case EEXIST:
		return "ids the image's threads need are taken";
	case ENOMEM:
		return "the image needs more memory than RLIMIT_AS, RLIMIT_DATA or the machine's commit limit allows";
	case EAGAIN:
		return "a file the image locks is locked by another process, or the image locks more memory than RLIMIT_MEMLOCK allows";
	default:
		return strerror(err);
	}
}

/* Options that say how, not what: the kernel does not see them. */
static bool opt_ns, opt_detach, opt_here;

/*
 * In the namespaces' init (--ns): the outer restart's pipe, closed once
 * the process is restored, written to if it was refused.
 */
static int notify_fd = -1;

static void notify(bool restored)
{
	if (notify_fd < 0)
		return;
	if (!restored && write(notify_fd, "x", 1) < 0)
		notify_fd = -1;
	close(notify_fd);
	notify_fd = -1;
}

/*
 * restart(2) on @fd; returns only on a refusal or after a verify, saying
 * why, with the exit status.
 */
static int restart_here(const char *input, int fd, long crid,
			unsigned long flags)
{
	int err, log[2];
	char reason[512];
	ssize_t len;

	/* the kernel says why it refuses, when it can, into this pipe */
	if (pipe2(log, O_CLOEXEC | O_NONBLOCK)) {
		fprintf(stderr, "restart: pipe: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	if (sys_restart_log(crid, fd, flags, log[1])) {
		err = errno;
		len = read(log[0], reason, sizeof(reason) - 1);
		if (len > 0 && reason[len - 1] == '\n')
			len--;
		reason[len > 0 ? len : 0] = '\0';
		/* the image's paths, which may hold anything, as text */
		for (ssize_t i = 0; i < len; i++)
			if ((unsigned char)reason[i] < ' ' || reason[i] == 0x7f)
				reason[i] = '?';
		if (reason[0])
			fprintf(stderr, "restart: %s: %s\n", input ?: "stdin",
				reason);
		fprintf(stderr, "restart: %s: %s\n", input ?: "stdin",
			why(err));
		close(log[0]);
		close(log[1]);
		return EXIT_FAILURE;
	}
	close(log[0]);
	close(log[1]);
	fprintf(stderr, "restart: %s: a sound image\n", input ?: "stdin");
	return 0;
}

/*
 * The pid in the image's task record, read without taking it off the
 * stream, which restart(2) reads from where it is: pread() from a file,
 * tee() from a pipe, MSG_PEEK from a socket.  0 if it cannot be had.
 */
static pid_t peek_pid(int fd)
{
	size_t need = sizeof(struct ckpt_hdr_header) +
		      sizeof(struct ckpt_hdr_task);
	struct ckpt_hdr_header hdr;
	struct ckpt_hdr_task task;
	char buf[512];
	ssize_t n = -1;
	struct stat st;
	int p[2];
	off_t pos;

	if (fstat(fd, &st))
		return 0;
	if (S_ISREG(st.st_mode)) {
		pos = lseek(fd, 0, SEEK_CUR);
		if (pos >= 0)
			n = pread(fd, buf, need, pos);
	} else if (S_ISFIFO(st.st_mode)) {
		if (pipe(p))
			return 0;
		/* tee() copies what the pipe holds: wait until it is enough */
		for (int i = 0; i < 1000; i++) {
			n = tee(fd, p[1], need, SPLICE_F_NONBLOCK);
			if (n >= (ssize_t)need || n == 0 ||
			    (n < 0 && errno != EAGAIN))
				break;
			if (n > 0) {
				char junk[512];

				if (read(p[0], junk, n) != n)
					break;
			}
			usleep(10000);
		}
		if (n >= (ssize_t)need)
			n = read(p[0], buf, need);
		close(p[0]);
		close(p[1]);
	} else if (S_ISSOCK(st.st_mode)) {
		n = recv(fd, buf, need, MSG_PEEK | MSG_WAITALL);
	}
	if (n < (ssize_t)need)
		return 0;
	memcpy(&hdr, buf, sizeof(hdr));
	memcpy(&task, buf + sizeof(hdr), sizeof(task));
	if (hdr.h.type != CKPT_HDR_HEADER || hdr.h.len != sizeof(hdr) ||
	    memcmp(hdr.magic, CKPT_MAGIC_HEAD, sizeof(hdr.magic)))
		return 0;
	/* version 7: the tree's records, the first process's first */
	if (task.h.type == CKPT_HDR_TREE) {
		struct ckpt_hdr_proc proc;

		memcpy(&proc, buf + sizeof(hdr) + sizeof(struct ckpt_hdr_tree),
		       sizeof(proc));
		if (task.h.len != sizeof(struct ckpt_hdr_tree) ||
		    proc.h.type != CKPT_HDR_PROC || proc.h.len != sizeof(proc))
			return 0;
		return proc.pid > 0 ? proc.pid : 0;
	}
	if (task.h.type != CKPT_HDR_TASK || task.h.len != sizeof(task))
		return 0;
	return task.pid > 0 ? task.pid : 0;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/*
 * A new user namespace where the caller is itself (its uid and gid map
 * to themselves), owning a new pid namespace for the next child and a
 * mount namespace, where the restored process may have its ids.
 */
static int enter_ns(void)
{
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS)) {
		fprintf(stderr, "restart: new namespaces: %s\n",
			strerror(errno));
		return -1;
	}
	snprintf(map, sizeof(map), "%u %u 1\n", uid, uid);
	if (write_file("/proc/self/uid_map", map) ||
	    write_file("/proc/self/setgroups", "deny") ||
	    (snprintf(map, sizeof(map), "%u %u 1\n", gid, gid),
	     write_file("/proc/self/gid_map", map))) {
		fprintf(stderr, "restart: id maps: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* Exits as @status says the child did: its code, or 128 + its signal. */
static int exit_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_FAILURE;
}

static volatile sig_atomic_t child_pid;

static void forward(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

/* SIGTERM and SIGHUP passed on to @pid; the terminal sends it the rest. */
static void pass_on_signals(pid_t pid)
{
	struct sigaction sa = { .sa_handler = forward };

	child_pid = pid;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
}

/* Waits for our child @pid: the exit status for restart. */
static int wait_child(pid_t pid)
{
	int status;
	pid_t r;

	for (;;) {
		/* a namespace's init reaps what is left to it, too */
		r = waitpid(-1, &status, 0);
		if (r == pid)
			return exit_status(status);
		if (r < 0 && errno != EINTR)
			return EXIT_FAILURE;
	}
}

/* The parent of process @pid, from /proc/PID/stat, or 0. */
static pid_t proc_ppid(pid_t pid)
{
	char path[64], buf[512];
	const char *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = proc_stat_fields(path, buf, sizeof(buf));
	/* "S PPID ..." */
	return f && strlen(f) > 2 ? atoi(f + 2) : 0;
}

/*
 * Continues @root and every descendant of it: a tree restored with
 * RESTART_STOPPED stops whole, each process of it.
 */
static void continue_tree(pid_t root)
{
	pid_t *tree = NULL, *all = NULL, pid;
	size_t nt = 0, na = 0, i, j;
	struct dirent *d;
	DIR *dir;

	kill(root, SIGCONT);
	dir = opendir("/proc");
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		pid = atoi(d->d_name);
		if (pid <= 0)
			continue;
		all = realloc(all, (na + 1) * 2 * sizeof(*all));
		if (!all)
			break;
		all[2 * na] = pid;
		all[2 * na + 1] = proc_ppid(pid);
		na++;
	}
	closedir(dir);
	tree = all ? malloc((na + 1) * sizeof(*tree)) : NULL;
	if (tree) {
		tree[nt++] = root;
		for (i = 0; i < nt; i++)
			for (j = 0; j < na; j++)
				if (all[2 * j + 1] == tree[i] && all[2 * j] != root) {
					tree[nt++] = all[2 * j];
					kill(all[2 * j], SIGCONT);
				}
	}
	free(tree);
	free(all);
}

/*
 * In a child with the image's pid when it can have it (any pid for 0):
 * restart(2) there, the process stopping once it is restored (a failure
 * past the point of no return kills it first), then continued unless
 * --stopped asked to keep it so, and waited for; else here, under
 * restart's pid.  The child's end of @done closes at the point of no
 * return, when the restored process's fds replace its own: a stop
 * before that is not the restored process's.
 */
static int restart_child(const char *input, int fd, long crid,
			 unsigned long flags, pid_t pid)
{
	sigset_t term, old;
	int status, done[2];
	ssize_t n;
	pid_t child;
	char c;

	if (pid == getpid())
		return restart_here(input, fd, crid, flags);
	if (pipe(done))
		return restart_here(input, fd, crid, flags);
	/* no SIGTERM lost between the fork and its being passed on */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGHUP);
	sigprocmask(SIG_BLOCK, &term, &old);
	child = pid ? fork_with_pid(pid) : fork();
	if (child < 0) {
		/* taken, or not ours to ask for: the kernel says if it matters */
		sigprocmask(SIG_SETMASK, &old, NULL);
		close(done[0]);
		close(done[1]);
		return restart_here(input, fd, crid, flags);
	}
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		close(done[0]);
		restart_here(input, fd, crid, flags | RESTART_STOPPED);
		if (write(done[1], "x", 1) < 0)
			_exit(EXIT_FAILURE);
		_exit(EXIT_FAILURE);
	}
	pass_on_signals(child);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(done[1]);

	/* past the point of no return, or refused */
	while ((n = read(done[0], &c, 1)) < 0 && errno == EINTR)
		;
	close(done[0]);
	/* then the stop that says it is restored, or its end */
	do {
		while (waitpid(child, &status, WUNTRACED) < 0)
			if (errno != EINTR)
				return EXIT_FAILURE;
	} while (WIFSTOPPED(status) && n != 0);
	if (!WIFSTOPPED(status)) {
		/* refused (it said why), or killed before it ran */
		notify(false);
		if (WIFSIGNALED(status))
			fprintf(stderr, "restart: %s: the restored process was killed (%s) before it ran\n",
				input ?: "stdin", strsignal(WTERMSIG(status)));
		return WIFEXITED(status) ? WEXITSTATUS(status) :
					   exit_status(status);
	}
	notify(true);
	if (!(flags & RESTART_STOPPED))
		continue_tree(child);
	if (opt_detach) {
		fprintf(stderr, "restart: restored as pid %d\n", child);
		return 0;
	}
	return wait_child(child);
}

/*
 * --ns: waits for the namespaces' init @pid, which closes @done once the
 * process is restored, or writes there that it was not.
 */
static int wait_init(pid_t pid, int done)
{
	int status;
	ssize_t n;
	char c;

	pass_on_signals(pid);
	while ((n = read(done, &c, 1)) < 0 && errno == EINTR)
		;
	close(done);
	if (n == 0 && opt_detach) {
		fprintf(stderr, "restart: restored, in the namespaces of pid %d\n",
			pid);
		return 0;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return EXIT_FAILURE;
	return exit_status(status);
}

/*
 * --ns: the first child is the new pid namespace's init (pid 1), with a
 * /proc of its own; it makes the restored process with its pid, or is it
 * for an image of pid 1, and lives as long as it does.
 */
static int restart_in_ns(const char *input, int fd, long crid,
			 unsigned long flags, pid_t pid)
{
	int done[2], status;
	pid_t init;

	sigset_t term, old;

	if (enter_ns())
		return EXIT_FAILURE;
	if (pipe2(done, O_CLOEXEC))
		return EXIT_FAILURE;
	/* no SIGTERM lost between the fork and its being passed on */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGHUP);
	sigprocmask(SIG_BLOCK, &term, &old);
	init = fork();
	if (init < 0) {
		fprintf(stderr, "restart: fork: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	if (init == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		close(done[0]);
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV |
			  MS_NOEXEC, NULL))
			fprintf(stderr, "restart: /proc in the new namespace: %s\n",
				strerror(errno));
		/* the restored process is this one's only child */
		opt_detach = false;
		notify_fd = done[1];
		status = restart_child(input, fd, crid, flags, pid);
		/* refused before it ran: restart_here() returned */
		notify(false);
		_exit(status);
	}
	close(done[1]);
	pass_on_signals(init);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return wait_init(init, done[0]);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "verify", no_argument, NULL, 'v' },
		{ "stopped", no_argument, NULL, 's' },
		{ "keep-stdio", no_argument, NULL, 't' },
		{ "strict-files", no_argument, NULL, 'S' },
		{ "crid", required_argument, NULL, 'c' },
		{ "ns", no_argument, NULL, 'n' },
		{ "detach", no_argument, NULL, 'd' },
		{ "here", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	const char *input = NULL;
	unsigned long flags = 0;
	int c, fd = STDIN_FILENO;
	long crid = 0;
	pid_t pid;
	char *end;

	while ((c = getopt_long(argc, argv, "i:vstSc:ndHh", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			input = optarg;
			break;
		case 'v':
			flags |= RESTART_VERIFY;
			break;
		case 's':
			flags |= RESTART_STOPPED;
			break;
		case 't':
			flags |= RESTART_KEEP_STDIO;
			break;
		case 'S':
			flags |= RESTART_STRICT_FILES;
			break;
		case 'c':
			errno = 0;
			crid = strtol(optarg, &end, 10);
			if (errno || *end || crid <= 0 || crid > INT32_MAX) {
				fprintf(stderr, "restart: '%s' is not a checkpoint id\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'n':
			opt_ns = true;
			break;
		case 'd':
			opt_detach = true;
			break;
		case 'H':
			opt_here = true;
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (input) {
		fd = open(input, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "restart: %s: %s\n", input,
				strerror(errno));
			return EXIT_FAILURE;
		}
	}

	if ((flags & RESTART_VERIFY) || opt_here)
		return restart_here(input, fd, crid, flags);
	pid = peek_pid(fd);
	if (opt_ns)
		return restart_in_ns(input, fd, crid, flags, pid);
	if (!pid)
		return restart_here(input, fd, crid, flags);
	return restart_child(input, fd, crid, flags, pid);
}
