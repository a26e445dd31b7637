// SPDX-License-Identifier: GPL-2.0
/*
 * checkpoint - write the image of a running process
 *
 * Stops the process if it runs, writes its image to a file or to standard
 * output, then lets it run on, or kills it with --kill.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ckpt.h"

enum { EXIT_USAGE = 2, EXIT_NOPROC = 3 };

static void print_usage(FILE *f)
{
	fprintf(f,
"Usage: checkpoint [-o FILE] [--tree] [--kill] [--csum-pages] PID\n"
"Write the image of process PID to FILE, or to standard output.\n"
"A running PID is stopped for the dump and continued after it; one that\n"
"was already stopped stays stopped.\n"
"\n"
"  -o, --output FILE  write the image to FILE (created or truncated)\n"
"  -T, --tree         PID and all its descendants; the kernel holds them\n"
"                     for the dump, unseen (no stop, no SIGCHLD)\n"
"  -k, --kill         kill PID (with --tree, every process of the image)\n"
"                     once its image is written, and wait until it is\n"
"                     gone (its locks and files let go)\n"
"  -c, --csum-pages   let the tail's checksum cover the memory's pages too,\n"
"                     not only the records (costs about a third more time)\n"
"  -h, --help         show this help\n"
"\n"
"On success the checkpoint id (crid) is printed: on standard output with\n"
"-o, else on standard error.\n"
"Exit status: 0 written; 1 checkpoint failed; 2 usage; 3 no such process.\n");
}

/* The state letter of /proc/PID/task/TID/stat, or 0. */
static char proc_state(pid_t pid, pid_t tid)
{
	char path[64], buf[512];
	const char *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	f = proc_stat_fields(path, buf, sizeof(buf));
	return f ? f[0] : 0;
}

/*
 * The reason a failed checkpoint wrote at the end of the image in @fd
 * into @buf; else NULL.
 */
static const char *find_reason(int fd, char *buf, size_t size)
{
	size_t page_size = sysconf(_SC_PAGESIZE), data;
	struct ckpt_hdr_pages h;
	struct ckpt_hdr_error e;
	struct stat st;
	off_t off = 0;
	int n;

	if (fstat(fd, &st))
		return NULL;
	while (off + (off_t)sizeof(h.h) <= st.st_size) {
		memset(&h, 0, sizeof(h));
		if (pread(fd, &h, sizeof(h), off) < (ssize_t)sizeof(h.h) ||
		    h.h.len < sizeof(h.h))
			return NULL;
		if (h.h.type == CKPT_HDR_ERROR) {
			if (h.h.len <= sizeof(e) ||
			    pread(fd, &e, sizeof(e), off) != sizeof(e))
				return NULL;
			n = h.h.len - sizeof(e);
			if ((size_t)n >= size)
				n = size - 1;
			if (pread(fd, buf, n, off + sizeof(e)) != n)
				return NULL;
			buf[n] = '\0';
			return buf;
		}
		off = record_next(off, &h.h, &data, page_size);
	}
	return NULL;
}

/* The same for @out, when it is a regular file. */
static const char *image_reason(int out, char *buf, size_t size)
{
	const char *reason = NULL;
	struct stat st;
	char path[64];
	int fd;

	if (fstat(out, &st) || !S_ISREG(st.st_mode))
		return NULL;
	/* the image is open for writing only: read it anew */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", out);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		reason = find_reason(fd, buf, size);
		close(fd);
	}
	return reason;
}

static bool is_stopped(char state)
{
	return state == 'T' || state == 't';
}

/*
 * Whether every thread of @pid is stopped: a group stop takes each on
 * its own way, the one that leads the process first perhaps.
 */
static bool all_stopped(pid_t pid)
{
	char path[64];
	struct dirent *d;
	bool all = true;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return false;
	while (all && (d = readdir(dir))) {
		char state;

		if (d->d_name[0] == '.')
			continue;
		/* a thread that exited (the leading one, perhaps) stops not */
		state = proc_state(pid, atoi(d->d_name));
		all = is_stopped(state) || state == 'Z' || state == 'X' ||
		      !state;
	}
	closedir(dir);
	return all;
}

/* Stops @pid and waits, at most five seconds, until it is. */
static int stop_process(pid_t pid)
{
	struct timespec ts = { 0, 1000 * 1000 };

	if (kill(pid, SIGSTOP))
		return -1;
	for (int i = 0; i < 5000; i++) {
		if (all_stopped(pid))
			return 0;
		nanosleep(&ts, NULL);
	}
	errno = ETIMEDOUT;
	return -1;
}

/*
 * Kills @pid and waits until it is gone: by then its files are closed and
 * its locks let go, so that a restart right after finds them free.  It
 * need not be our child: its pidfd says when it exited.
 */
static void kill_and_wait(pid_t pid)
{
	int pfd = syscall(SYS_pidfd_open, pid, 0);
	struct pollfd p = { .fd = pfd, .events = POLLIN };

	kill(pid, SIGKILL);
	if (pfd < 0)
		return;
	poll(&p, 1, 10000);
	close(pfd);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "kill", no_argument, NULL, 'k' },
		{ "tree", no_argument, NULL, 'T' },
		{ "csum-pages", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	const char *output = NULL;
	unsigned long flags = 0;
	bool do_kill = false, stopped_here = false;
	int c, fd = STDOUT_FILENO, err;
	char *end;
	long crid;
	pid_t pid;

	while ((c = getopt_long(argc, argv, "o:kcTh", opts, NULL)) != -1) {
		switch (c) {
		case 'T':
			flags |= CHECKPOINT_TREE;
			break;
		case 'o':
			output = optarg;
			break;
		case 'k':
			do_kill = true;
			break;
		case 'c':
			flags |= CHECKPOINT_CSUM_PAGES;
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	errno = 0;
	pid = strtol(argv[optind], &end, 10);
	if (errno || *end || pid <= 0) {
		fprintf(stderr, "checkpoint: '%s' is not a process id\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	if (!output && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "checkpoint: will not write an image to a terminal;"
			" use -o FILE or a redirection\n");
		return EXIT_USAGE;
	}

	if (kill(pid, 0)) {
		fprintf(stderr, "checkpoint: process %d: %s\n", pid,
			strerror(errno));
		return errno == ESRCH ? EXIT_NOPROC : EXIT_FAILURE;
	}
	if (output) {
		fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			  0600);
		if (fd < 0) {
			fprintf(stderr, "checkpoint: %s: %s\n", output,
				strerror(errno));
			return EXIT_FAILURE;
		}
	}
	/* the kernel parks a tree, and kills it before it runs again */
	if (flags & CHECKPOINT_TREE) {
		if (do_kill)
			flags |= CHECKPOINT_KILL;
		do_kill = false;
	} else if (!all_stopped(pid)) {
		if (stop_process(pid)) {
			fprintf(stderr, "checkpoint: cannot stop process %d: %s\n",
				pid, strerror(errno));
			/* as it was: its stop was ours */
			kill(pid, SIGCONT);
			return EXIT_FAILURE;
		}
		stopped_here = true;
	}

	crid = sys_checkpoint(pid, fd, flags);
	err = errno;
	if (crid > 0 && do_kill)
		kill_and_wait(pid);
	else if (stopped_here)
		kill(pid, SIGCONT);

	if (crid <= 0) {
		char why[512];
		const char *reason = image_reason(fd, why, sizeof(why));

		fprintf(stderr, "checkpoint: process %d: %s\n", pid,
			reason ? reason :
			err == EPERM ? "not permitted (needs the right to ptrace it)" :
			strerror(err));
		if (!reason && err == EOPNOTSUPP)
			fprintf(stderr, "checkpoint: the image ends with the reason; ckptinfo prints it\n");
		if (output)
			unlink(output);
		return err == ESRCH ? EXIT_NOPROC : EXIT_FAILURE;
	}
	if (output && close(fd)) {
		fprintf(stderr, "checkpoint: %s: %s\n", output, strerror(errno));
		return EXIT_FAILURE;
	}
	fprintf(output ? stdout : stderr, "%ld\n", crid);
	return 0;
}
