// SPDX-License-Identifier: GPL-2.0
/*
 * restart - become the process stored in an image
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt.h"

enum { EXIT_USAGE = 2 };

static void print_usage(FILE *f)
{
	fprintf(f,
"Usage: restart [-i FILE] [--verify] [--stopped] [--keep-stdio] [--strict-files]\n"
"               [--crid N]\n"
"Read an image from FILE, or standard input, and become the process in it.\n"
"\n"
"  -i, --input FILE  read the image from FILE\n"
"  -v, --verify      only read and check the whole image; change nothing\n"
"  -s, --stopped     the restored process stops (SIGSTOP) before it runs\n"
"  -t, --keep-stdio  the restored process gets this one's standard input,\n"
"                    output and error instead of its own fds 0-2\n"
"  -S, --strict-files  refuse a file open only for writing (a log) that\n"
"                    grew since the checkpoint, as any other changed file\n"
"  -c, --crid N      refuse an image whose checkpoint id is not N\n"
"  -h, --help        show this help\n"
"\n"
"Exit status: 0 the image is sound (--verify); 1 refused; 2 usage.\n"
"On success without --verify, restart does not return: it is the\n"
"restored process.\n");
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
		return "restart must run in a single-threaded process";
	case ENOMEM:
		return "the image needs more memory than RLIMIT_AS, RLIMIT_DATA or the machine's commit limit allows";
	case EAGAIN:
		return "a file the image locks is locked by another process, or the image locks more memory than RLIMIT_MEMLOCK allows";
	default:
		return strerror(err);
	}
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
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	const char *input = NULL;
	unsigned long flags = 0;
	int c, err, log[2], fd = STDIN_FILENO;
	char reason[512];
	ssize_t len;
	long crid = 0;
	char *end;

	while ((c = getopt_long(argc, argv, "i:vstSc:h", opts, NULL)) != -1) {
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
		return EXIT_FAILURE;
	}
	fprintf(stderr, "restart: %s: a sound image\n", input ?: "stdin");
	return 0;
}
