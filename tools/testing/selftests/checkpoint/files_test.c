// SPDX-License-Identifier: GPL-2.0
/*
 * Open files come back at their fds: regular files with their offset and
 * flags, a dup()ed fd still shared, directories, /dev/null and /dev/zero,
 * pipes and FIFOs with their unread data.  What is not supported is
 * refused with the fd and its kind named; a file changed since the
 * checkpoint is refused; and a shell script appending to a file goes on
 * where it was.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/timerfd.h>
#include <time.h>

#include <linux/io_uring.h>

#include "../kselftest_harness.h"
#include "ckpt_util.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL	0x0008U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC	0x0020
#endif

#define F_OFF	20		/* fds the tests place, clear of others */

static char path_a[64], path_b[64];

static void tmp_paths(void)
{
	snprintf(path_a, sizeof(path_a), "/tmp/ckpt-a-%d", getpid());
	snprintf(path_b, sizeof(path_b), "/tmp/ckpt-b-%d", getpid());
	unlink(path_a);
	unlink(path_b);
}

static int offsets_and_append(int fd)
{
	char buf[16] = {};
	int a = place(open(path_a, O_RDWR | O_CREAT, 0600), F_OFF);
	int b = place(open(path_b, O_WRONLY | O_CREAT | O_APPEND, 0600),
		      F_OFF + 1);
	struct stat st;

	if (a < 0 || b < 0 || write(a, "hello world", 11) != 11 ||
	    lseek(a, 6, SEEK_SET) != 6 || write(b, "one\n", 4) != 4)
		return 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;

	if (lseek(a, 0, SEEK_CUR) != 6 || read(a, buf, 5) != 5 ||
	    strcmp(buf, "world"))
		return 2;
	if (!(fcntl(b, F_GETFL) & O_APPEND) || (fcntl(a, F_GETFL) & O_APPEND))
		return 3;
	if ((fcntl(a, F_GETFL) & O_ACCMODE) != O_RDWR ||
	    (fcntl(b, F_GETFL) & O_ACCMODE) != O_WRONLY)
		return 4;
	/* appends, wherever the offset is */
	if (lseek(b, 0, SEEK_SET) || write(b, "two\n", 4) != 4 ||
	    fstat(b, &st) || st.st_size != 8)
		return 5;
	return RESTORED;
}

TEST(file_offset_flags_and_append_survive)
{
	tmp_paths();
	EXPECT_EQ(RESTORED, round_trip(offsets_and_append));
	unlink(path_a);
	unlink(path_b);
}

static int dup_shared(int fd)
{
	int a = place(open(path_a, O_RDWR | O_CREAT, 0600), F_OFF);
	int b = dup2(a, F_OFF + 1);
	int c = F_OFF + 2;

	if (a < 0 || b < 0 || fcntl(a, F_DUPFD_CLOEXEC, c) != c ||
	    write(a, "0123456789", 10) != 10)
		return 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;

	/* one open file description: one offset */
	if (lseek(a, 3, SEEK_SET) != 3 || lseek(b, 0, SEEK_CUR) != 3 ||
	    lseek(c, 0, SEEK_CUR) != 3)
		return 2;
	if (fcntl(a, F_GETFD) != 0 || fcntl(b, F_GETFD) != 0 ||
	    fcntl(c, F_GETFD) != FD_CLOEXEC)
		return 3;
	return RESTORED;
}

TEST(duped_fd_stays_shared_and_cloexec_stays)
{
	tmp_paths();
	EXPECT_EQ(RESTORED, round_trip(dup_shared));
	unlink(path_a);
}

static int devices_and_dir(int fd)
{
	int null = place(open("/dev/null", O_WRONLY), F_OFF);
	int zero = place(open("/dev/zero", O_RDONLY), F_OFF + 1);
	int dir = place(open("/tmp", O_RDONLY | O_DIRECTORY), F_OFF + 2);
	struct stat st, tmp;
	char buf[64];

	if (null < 0 || zero < 0 || dir < 0)
		return 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;

	if (fstat(null, &st) || !S_ISCHR(st.st_mode) ||
	    st.st_rdev != makedev(1, 3) || write(null, "x", 1) != 1)
		return 2;
	memset(buf, 1, sizeof(buf));
	if (fstat(zero, &st) || st.st_rdev != makedev(1, 5) ||
	    read(zero, buf, sizeof(buf)) != sizeof(buf) ||
	    memchr(buf, 1, sizeof(buf)))
		return 3;
	if (fstat(dir, &st) || stat("/tmp", &tmp) || st.st_ino != tmp.st_ino)
		return 4;
	return RESTORED;
}

TEST(devices_and_directories_survive)
{
	EXPECT_EQ(RESTORED, round_trip(devices_and_dir));
}

#define PIPE_DATA (200 * 1024)

static int pipe_data(int fd)
{
	static uint8_t buf[PIPE_DATA], got[PIPE_DATA];
	int p[2], q[2];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = i * 13 + 5;
	if (pipe(p) || pipe(q) || place(p[0], F_OFF) < 0 ||
	    place(p[1], F_OFF + 1) < 0 || place(q[0], F_OFF + 2) < 0)
		return 1;
	/* a big pipe, full of data */
	if (fcntl(F_OFF + 1, F_SETPIPE_SZ, 256 * 1024) < 256 * 1024 ||
	    write_all(F_OFF + 1, buf, sizeof(buf)))
		return 1;
	/* and one whose writer is gone, with a little */
	if (write(q[1], "last words", 10) != 10)
		return 1;
	close(q[1]);
	if (self_checkpoint(fd))
		return NOT_RESTORED;

	if (fcntl(F_OFF + 1, F_GETPIPE_SZ) != 256 * 1024)
		return 2;
	for (size_t n = 0, r; n < sizeof(got); n += r) {
		r = read(F_OFF, got + n, sizeof(got) - n);
		if ((ssize_t)r <= 0)
			return 3;
	}
	if (memcmp(buf, got, sizeof(got)))
		return 4;
	/* the two fds are the ends of one pipe */
	if (write(F_OFF + 1, "more", 4) != 4 || read(F_OFF, got, 8) != 4 ||
	    memcmp(got, "more", 4))
		return 5;
	if (read(F_OFF + 2, got, 64) != 10 || memcmp(got, "last words", 10) ||
	    read(F_OFF + 2, got, 64) != 0)
		return 6;
	return RESTORED;
}

TEST(pipe_keeps_its_unread_data)
{
	EXPECT_EQ(RESTORED, round_trip(pipe_data));
}

static int fifo_data(int fd)
{
	char buf[32] = {};
	int rd = place(open(path_a, O_RDONLY | O_NONBLOCK), F_OFF);
	int wr = place(open(path_a, O_WRONLY), F_OFF + 1);

	if (rd < 0 || wr < 0 || write(wr, "through a fifo", 14) != 14)
		return 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;

	if (read(rd, buf, sizeof(buf)) != 14 || strcmp(buf, "through a fifo"))
		return 2;
	if (!(fcntl(rd, F_GETFL) & O_NONBLOCK) ||
	    (fcntl(wr, F_GETFL) & O_NONBLOCK))
		return 3;
	if (read(rd, buf, sizeof(buf)) != -1 || errno != EAGAIN)
		return 4;
	if (write(wr, "ok", 2) != 2 || read(rd, buf, sizeof(buf)) != 2)
		return 5;
	return RESTORED;
}

TEST(fifo_keeps_its_unread_data)
{
	tmp_paths();
	ASSERT_EQ(0, mkfifo(path_a, 0600));
	EXPECT_EQ(RESTORED, round_trip(fifo_data));
	unlink(path_a);
}

static void expect_refusal(struct __test_metadata *_metadata, int fd,
			   const char *what)
{
	struct ckpt_hdr_error *e;
	struct image img = {};
	int out = image_fd();

	ASSERT_LE(0, out);
	EXPECT_EQ(-1, sys_checkpoint(0, out, 0));
	EXPECT_EQ(EOPNOTSUPP, errno);
	ASSERT_EQ(0, lseek(out, 0, SEEK_SET));
	ASSERT_EQ(0, read_all(out, &img));
	e = image_error(&img);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(EOPNOTSUPP, e->error);
	EXPECT_EQ(fd, e->fd);
	EXPECT_NE(NULL, strstr(e->msg, what)) {
		TH_LOG("reason: %s", e->msg);
	}
	image_free(&img);
	close(out);
}

TEST(socket_setuid_memfd_and_lease_are_refused_by_fd)
{
	int sv[2], m;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	close(sv[1]);
	ASSERT_EQ(F_OFF + 3, place(sv[0], F_OFF + 3));
	expect_refusal(_metadata, F_OFF + 3, "fd 23: a socket");
	close(F_OFF + 3);

	/* a set-id bit restart would not give a memfd */
	m = memfd_create("scratch", 0);
	ASSERT_EQ(0, fchmod(m, 04755));
	ASSERT_EQ(F_OFF + 4, place(m, F_OFF + 4));
	expect_refusal(_metadata, F_OFF + 4, "fd 24: a memfd with mode 04755");
	close(F_OFF + 4);

	/* a lease, which restart could not take again */
	tmp_paths();
	close(open(path_a, O_RDWR | O_CREAT, 0600));
	m = open(path_a, O_RDONLY);
	ASSERT_EQ(F_OFF + 5, place(m, F_OFF + 5));
	ASSERT_EQ(0, fcntl(F_OFF + 5, F_SETLEASE, F_RDLCK));
	expect_refusal(_metadata, F_OFF + 5, "fd 25: a lease");
	close(F_OFF + 5);
	unlink(path_a);
}

/* Kernel objects without a name are refused as what they are. */
TEST(kernel_objects_are_refused_by_their_kind)
{
	static const struct {
		const char *what;
		const char *path;	/* or a kind made below */
	} kinds[] = {
		{ "fd 28: a pidfd" },
		{ "fd 28: a namespace file (uts:[", "/proc/self/ns/uts" },
		{ "fd 28: a fanotify group (anon_inode:[fanotify])" },
		{ "fd 28: a userfaultfd (anon_inode:[userfaultfd])" },
		{ "fd 28: an io_uring instance (anon_inode:[io_uring])" },
		{ "fd 28: a socket" },
	};
	struct io_uring_params params = {};
	sigset_t mask;
	unsigned int i;
	int fd;

	sigemptyset(&mask);
	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		switch (i) {
		case 0:
			fd = syscall(__NR_pidfd_open, getpid(), 0);
			break;
		case 2:
			fd = syscall(__NR_fanotify_init, 0, O_RDONLY);
			break;
		case 3:
			fd = syscall(__NR_userfaultfd, O_CLOEXEC);
			break;
		case 4:
			fd = syscall(__NR_io_uring_setup, 4, &params);
			break;
		case 5:
			/* on a kernel with INET, as a distribution's */
			fd = socket(AF_INET, SOCK_STREAM, 0);
			break;
		default:
			fd = open(kinds[i].path, O_RDONLY);
		}
		ASSERT_EQ(F_OFF + 8, place(fd, F_OFF + 8)) {
			TH_LOG("%s: %s", kinds[i].what, strerror(errno));
		}
		expect_refusal(_metadata, F_OFF + 8, kinds[i].what);
		close(F_OFF + 8);
	}
}

static int keep_file_open(int fd)
{
	if (place(open(path_a, O_RDONLY), F_OFF) < 0)
		return 1;
	return self_checkpoint(fd) ? NOT_RESTORED : RESTORED;
}

/* Before the point of no return: the restarter lives on. */
TEST(changed_file_is_refused)
{
	char why[512] = {}, want[128];
	int fd = image_fd(), f, log[2];

	ASSERT_LE(0, fd);
	tmp_paths();
	f = open(path_a, O_WRONLY | O_CREAT, 0600);
	ASSERT_LE(0, f);
	ASSERT_EQ(0, checkpoint_child(keep_file_open, fd) == NOT_RESTORED ?
		     0 : -1);
	ASSERT_EQ(4, write(f, "grow", 4));
	close(f);
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	EXPECT_EQ(-1, sys_restart(0, fd, 0));
	EXPECT_EQ(ESTALE, errno);

	/* the log, when asked for, says which file; a bad log is EBADF */
	ASSERT_EQ(0, pipe(log));
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	EXPECT_EQ(-1, sys_restart_log(0, fd, 0, log[1]));
	EXPECT_EQ(ESTALE, errno);
	ASSERT_LT(0, read(log[0], why, sizeof(why) - 1));
	snprintf(want, sizeof(want), "%s: not the file the image saw", path_a);
	EXPECT_NE(NULL, strstr(why, want)) {
		TH_LOG("reason: %s", why);
	}
	EXPECT_EQ(-1, sys_restart_log(0, fd, 0, log[0]));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, sys_restart_log(0, fd, 0, -1));
	EXPECT_EQ(EBADF, errno);
	close(log[0]);
	close(log[1]);
	unlink(path_a);
	close(fd);
}

static int say_hello(int fd)
{
	if (self_checkpoint(fd))
		return NOT_RESTORED;
	return write(1, "hello", 5) == 5 ? RESTORED : 1;
}

/* The restarter hands its own stdio to the process. */
TEST(restart_can_keep_the_callers_stdio)
{
	int fd = image_fd(), p[2];
	char buf[16] = {};
	pid_t pid;

	ASSERT_LE(0, fd);
	ASSERT_EQ(NOT_RESTORED, checkpoint_child(say_hello, fd));
	ASSERT_EQ(0, pipe(p));
	pid = fork_restarter(fd, 0, RESTART_KEEP_STDIO, stdout_to, p[1]);
	ASSERT_LE(0, pid);
	close(p[1]);
	EXPECT_EQ(RESTORED, wait_exit(pid));
	EXPECT_EQ(5, read(p[0], buf, sizeof(buf)));
	EXPECT_STREQ("hello", buf);
	close(p[0]);
	close(fd);
}

static int count_lines(const char *path, int *lines)
{
	char line[32];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (atoi(line) != n + 1) {
			fclose(f);
			return -1;
		}
		n++;
	}
	fclose(f);
	*lines = n;
	return 0;
}

/*
 * The initramfs's own shell runs a loop that appends to a file; it is
 * checkpointed and killed mid-way, and restarted: every line is there
 * once, in order.
 */
TEST(shell_loop_appending_to_a_file_goes_on)
{
	const char *script = "i=0; while [ $i -lt 2000 ]; do i=$((i+1)); "
			     "echo $i >> \"$0\"; done";
	/* the shell must not inherit the image */
	int fd = memfd_create("ckpt-image", MFD_CLOEXEC), lines = 0;
	struct timespec ms = { 0, 5 * 1000 * 1000 };
	pid_t sh;

	ASSERT_LE(0, fd);
	tmp_paths();
	sh = fork();
	ASSERT_LE(0, sh);
	if (!sh) {
		execl("/bin/sh", "sh", "-c", script, path_a, NULL);
		_exit(127);
	}
	while (count_lines(path_a, &lines) || lines < 50)
		nanosleep(&ms, NULL);
	ASSERT_EQ(0, kill(sh, SIGSTOP));
	ASSERT_EQ(0, waitpid(sh, NULL, WUNTRACED) == sh ? 0 : -1);
	ASSERT_LT(0, sys_checkpoint(sh, fd, 0));
	kill(sh, SIGKILL);
	ASSERT_EQ(128 + SIGKILL, wait_exit(sh));
	ASSERT_EQ(0, count_lines(path_a, &lines));
	ASSERT_GT(2000, lines);

	EXPECT_EQ(0, restart_child(fd, 0));
	EXPECT_EQ(0, count_lines(path_a, &lines));
	EXPECT_EQ(2000, lines);
	unlink(path_a);
	close(fd);
}


/*
 * A pipe that splice(2) filled from a unix socket holds buffers of
 * several pages, more bytes than its capacity: all of them come back, in
 * order, and the pipe keeps its capacity.
 */
#define SPLICED (256 * 1024)

static uint8_t spliced_byte(size_t i)
{
	return (i * 7 + i / 4096) & 0xff;
}

static int spliced_pipe(int fd)
{
	static uint8_t buf[SPLICED];
	size_t queued = 0, got = 0;
	int sv[2], p[2], avail;
	ssize_t n;

	for (size_t i = 0; i < SPLICED; i++)
		buf[i] = spliced_byte(i);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || pipe(p) ||
	    place(p[0], F_OFF) < 0 || place(p[1], F_OFF + 1) < 0)
		return 1;
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	/* until the pipe is full */
	for (bool moved = true; moved;) {
		moved = false;
		n = queued < SPLICED ?
		    write(sv[0], buf + queued, SPLICED - queued) : 0;
		if (n > 0) {
			queued += n;
			moved = true;
		}
		n = splice(sv[1], NULL, F_OFF + 1, NULL, SPLICED,
			   SPLICE_F_NONBLOCK);
		if (n > 0) {
			got += n;
			moved = true;
		}
	}
	close(sv[0]);
	close(sv[1]);
	if (ioctl(F_OFF, FIONREAD, &avail) || avail != (int)got ||
	    got <= (size_t)fcntl(F_OFF, F_GETPIPE_SZ))
		return 2;
	if (self_checkpoint(fd))
		return NOT_RESTORED;

	if (fcntl(F_OFF, F_GETPIPE_SZ) != 65536 ||
	    ioctl(F_OFF, FIONREAD, &avail) || avail != (int)got)
		return 3;
	for (size_t i = 0; i < got; i += n) {
		n = read(F_OFF, buf, sizeof(buf));
		if (n <= 0)
			return 4;
		for (ssize_t j = 0; j < n; j++)
			if (buf[j] != spliced_byte(i + j))
				return 5;
	}
	return RESTORED;
}

TEST(pipe_holding_more_than_its_capacity_survives)
{
	EXPECT_EQ(RESTORED, round_trip(spliced_pipe));
}

/* packets of 100, 200 and 300 bytes in a packet-mode pipe */
static int packet_pipe(int fd)
{
	char buf[4096];
	int p[2], e[2], fl[4];

	memset(buf, 'p', sizeof(buf));
	if (pipe2(p, O_DIRECT) || pipe2(e, O_DIRECT) ||
	    place(p[0], F_OFF) < 0 || place(p[1], F_OFF + 1) < 0 ||
	    place(e[0], F_OFF + 2) < 0 || place(e[1], F_OFF + 3) < 0)
		return 1;
	for (int i = 1; i <= 3; i++)
		if (write(F_OFF + 1, buf, 100 * i) != 100 * i)
			return 1;
	/* the write ends are in packet mode (pipe2() leaves the read ends) */
	for (int i = 0; i < 4; i++)
		fl[i] = fcntl(F_OFF + i, F_GETFL);
	if (!(fl[1] & fl[3] & O_DIRECT))
		return 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;

	for (int i = 0; i < 4; i++)
		if (fcntl(F_OFF + i, F_GETFL) != fl[i])
			return 2;
	for (int i = 1; i <= 3; i++)
		if (read(F_OFF, buf, sizeof(buf)) != 100 * i)
			return 3;
	/* the empty one is still a packet pipe */
	if (write(F_OFF + 3, buf, 10) != 10 || write(F_OFF + 3, buf, 20) != 20 ||
	    read(F_OFF + 2, buf, sizeof(buf)) != 10)
		return 4;
	return RESTORED;
}

TEST(packet_mode_pipe_keeps_its_mode_and_packets)
{
	EXPECT_EQ(RESTORED, round_trip(packet_pipe));
}

/*
 * A full pipe open a second time through /proc/self/fd (a description
 * of its own, for reading and writing) comes back: both descriptions are
 * of the one pipe.
 */
static int pipe_reopened(int fd)
{
	char path[64], buf[4096];
	int p[2], again;

	if (pipe(p) || place(p[0], F_OFF) < 0 || place(p[1], F_OFF + 1) < 0)
		return 1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", F_OFF);
	again = place(open(path, O_RDWR), F_OFF + 2);
	memset(buf, 'r', sizeof(buf));
	fcntl(F_OFF + 1, F_SETFL, O_NONBLOCK);
	while (write(F_OFF + 1, buf, sizeof(buf)) > 0)
		;
	if (again < 0)
		return 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;

	if ((fcntl(F_OFF + 2, F_GETFL) & O_ACCMODE) != O_RDWR ||
	    read(F_OFF + 2, buf, sizeof(buf)) != sizeof(buf) ||
	    write(F_OFF + 2, "x", 1) != 1)
		return 2;
	return RESTORED;
}

TEST(pipe_open_again_through_proc_survives)
{
	EXPECT_EQ(RESTORED, round_trip(pipe_reopened));
}

/* A new FIFO at path_a, with @mode, held open by the test: its fd or -1. */
static int held_fifo(mode_t mode)
{
	tmp_paths();
	if (mkfifo(path_a, mode))
		return -1;
	return open(path_a, O_RDWR | O_NONBLOCK);
}

static int fifo_filled(int fd)
{
	/* open for reading too: the data is the process's to keep */
	int wr = place(open(path_a, O_RDWR | O_NONBLOCK), F_OFF);

	if (wr < 0 || fcntl(wr, F_SETPIPE_SZ, 128 * 1024) < 0 ||
	    write(wr, "for the image only", 18) != 18)
		return 1;
	return self_checkpoint(fd) ? NOT_RESTORED : RESTORED;
}

/*
 * A FIFO is shared with whoever else opens it.  A verify, and a restart
 * refused after the FIFO was opened, leave it as it was: no data written
 * into it, its size not changed.
 */
TEST(verify_and_refused_restart_leave_a_fifo_alone)
{
	struct record rec[MAX_RECORDS];
	struct image img = {};
	int fd = image_fd(), hold, avail, n;
	size_t cut = 0;
	char buf[64];

	ASSERT_LE(0, fd);
	hold = held_fifo(0600);
	ASSERT_LE(0, hold);
	ASSERT_EQ(NOT_RESTORED, checkpoint_child(fifo_filled, fd));
	/* the reader had the data; the FIFO is empty and small again */
	ASSERT_EQ(18, read(hold, buf, sizeof(buf)));
	ASSERT_EQ(4096, fcntl(hold, F_SETPIPE_SZ, 4096));

	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	ASSERT_EQ(0, read_all(fd, &img));
	n = image_records(&img, rec);
	ASSERT_LT(0, n);
	for (int i = 0; i < n; i++)
		if (rec[i].type == CKPT_HDR_VMA)
			cut = rec[i].off;
	EXPECT_EQ(0, restart_from(img.buf, img.len, 0, RESTART_VERIFY));
	/* cut short in its VMAs: refused after the files were opened */
	EXPECT_EQ(-ENODATA, restart_from(img.buf, cut, 0, 0));
	EXPECT_EQ(0, ioctl(hold, FIONREAD, &avail));
	EXPECT_EQ(0, avail);
	EXPECT_EQ(4096, fcntl(hold, F_GETPIPE_SZ));

	/* and a real restart fills it */
	EXPECT_EQ(RESTORED, restart_child(fd, 0));
	EXPECT_EQ(18, read(hold, buf, sizeof(buf)));
	image_free(&img);
	close(hold);
	close(fd);
	unlink(path_a);
}

/*
 * An image whose regular file has become a FIFO: restart looks before it
 * opens, and refuses it (ESTALE) instead of blocking in the open.
 */
TEST(fifo_where_a_file_was_is_refused_without_blocking)
{
	int fd = image_fd(), f;
	pid_t pid;

	ASSERT_LE(0, fd);
	tmp_paths();
	f = open(path_a, O_WRONLY | O_CREAT, 0600);
	ASSERT_LE(0, f);
	close(f);
	ASSERT_EQ(NOT_RESTORED, checkpoint_child(keep_file_open, fd));
	ASSERT_EQ(0, unlink(path_a));
	ASSERT_EQ(0, mkfifo(path_a, 0600));
	for (int flags = 0; flags <= RESTART_VERIFY; flags += RESTART_VERIFY) {
		int status = -1;

		pid = fork_restarter(fd, 0, flags, NULL, 0);
		ASSERT_LE(0, pid);
		/* 10 s: it blocks for good, or it is done at once */
		for (int i = 0; i < 100; i++) {
			if (waitpid(pid, &status, WNOHANG) == pid)
				break;
			usleep(100000);
		}
		if (status == -1)
			reap(pid);
		EXPECT_TRUE(WIFEXITED(status) &&
			    WEXITSTATUS(status) == 200 + ESTALE % 50) {
			TH_LOG("restart (flags %#x): status %#x", flags, status);
		}
	}
	unlink(path_a);
	close(fd);
}

static int fifo_hold = -1;

static int fifo_writer_only(int fd)
{
	/* the FIFO's reader is the test's: not this process's */
	close(fifo_hold);
	if (place(open(path_a, O_WRONLY | O_NONBLOCK), F_OFF) < 0)
		return 1;
	return self_checkpoint(fd) ? NOT_RESTORED : RESTORED;
}

/*
 * A process that only writes to a FIFO may not read what others wrote
 * there: its image holds none of it, and a restart does not write it
 * again; it stays in the FIFO, once, for the reader.
 */
TEST(fifo_data_a_writer_cannot_read_stays_out_of_its_image)
{
	static const char secret[] = "another user's words";
	struct record rec[MAX_RECORDS];
	struct ckpt_hdr_pipe *pipe;
	struct image img = {};
	int fd = image_fd(), hold, n;
	char buf[64];

	ASSERT_LE(0, fd);
	hold = held_fifo(0622);
	ASSERT_LE(0, hold);
	fifo_hold = hold;
	ASSERT_EQ(sizeof(secret), write(hold, secret, sizeof(secret)));
	ASSERT_EQ(NOT_RESTORED, checkpoint_child(fifo_writer_only, fd));
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	ASSERT_EQ(0, read_all(fd, &img));
	n = image_records(&img, rec);
	ASSERT_LT(0, n);
	pipe = image_record(&img, rec, n, CKPT_HDR_PIPE);
	ASSERT_NE(NULL, pipe);
	EXPECT_EQ(0, pipe->nr_bytes);
	EXPECT_EQ(NULL, memmem(img.buf, img.len, secret, sizeof(secret) - 1));

	EXPECT_EQ(RESTORED, restart_child(fd, 0));
	EXPECT_EQ(sizeof(secret), read(hold, buf, sizeof(buf)));
	EXPECT_EQ(-1, read(hold, buf, sizeof(buf)));
	image_free(&img);
	close(hold);
	close(fd);
	unlink(path_a);
}

static int exit_restored(int fd)
{
	return self_checkpoint(fd) ? NOT_RESTORED : RESTORED;
}

/*
 * An image whose executable record names a FIFO, with the FIFO's very
 * identity: refused as malformed before anything opens it (the open
 * would block, a verify too).
 */
TEST(exe_record_naming_a_fifo_is_refused_without_opening_it)
{
	struct record rec[MAX_RECORDS];
	struct ckpt_hdr_file *exe;
	struct image img = {};
	char fifo[PATH_MAX];
	struct stat st;
	size_t len;
	int n;

	ASSERT_EQ(0, child_image(exit_restored, &img));
	n = image_records(&img, rec);
	ASSERT_LT(0, n);
	exe = image_record(&img, rec, n, CKPT_HDR_EXE);
	ASSERT_NE(NULL, exe);
	/* a FIFO whose path is as long as the executable's */
	len = strlen(exe->path);
	ASSERT_LT(8, len);
	snprintf(fifo, sizeof(fifo), "/tmp/%.*s", (int)len - 5,
		 "ffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
	unlink(fifo);
	ASSERT_EQ(0, mkfifo(fifo, 0600));
	ASSERT_EQ(0, stat(fifo, &st));
	memcpy(exe->path, fifo, len);
	exe->dev = st.st_dev;		/* new_encode_dev(), as stat() */
	exe->ino = st.st_ino;
	exe->mode = st.st_mode;
	exe->size = 0;
	exe->mtime_sec = st.st_mtim.tv_sec;
	exe->mtime_nsec = st.st_mtim.tv_nsec;
	image_reseal(&img);

	alarm(20);
	EXPECT_EQ(-EBADMSG, restart_from(img.buf, img.len, 0, RESTART_VERIFY));
	alarm(0);
	unlink(fifo);
	image_free(&img);
}

static int log_writer(int fd)
{
	int log = place(open(path_a, O_WRONLY | O_APPEND | O_CREAT, 0600),
			F_OFF);

	if (log < 0 || write(log, "a", 1) != 1)
		return 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;
	return write(log, "c", 1) == 1 ? RESTORED : 2;
}

/*
 * A log the process writes to grew after its checkpoint (by the process
 * itself, going on): restart takes it and the process appends where the
 * log ends.  RESTART_STRICT_FILES refuses it, as any changed file.
 */
TEST(log_that_grew_since_the_checkpoint_is_taken)
{
	char buf[8] = {};
	int fd = image_fd(), f;

	ASSERT_LE(0, fd);
	tmp_paths();
	ASSERT_EQ(NOT_RESTORED, checkpoint_child(log_writer, fd));
	f = open(path_a, O_WRONLY | O_APPEND);
	ASSERT_LE(0, f);
	ASSERT_EQ(1, write(f, "b", 1));
	close(f);

	f = wait_exit(fork_restarter(fd, 0, RESTART_STRICT_FILES, NULL, 0));
	EXPECT_EQ(200 + ESTALE % 50, f);
	EXPECT_EQ(RESTORED, restart_child(fd, 0));
	f = open(path_a, O_RDONLY);
	ASSERT_LE(0, f);
	EXPECT_EQ(3, read(f, buf, sizeof(buf)));
	EXPECT_STREQ("abc", buf);
	close(f);
	unlink(path_a);
	close(fd);
}

/* A pseudo-terminal cannot be opened again as the same: refused. */
TEST(pseudo_terminal_is_refused_by_fd)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);

	ASSERT_EQ(F_OFF + 6, place(m, F_OFF + 6));
	expect_refusal(_metadata, F_OFF + 6, "fd 26: a pseudo-terminal");
	ASSERT_EQ(0, grantpt(F_OFF + 6));
	ASSERT_EQ(0, unlockpt(F_OFF + 6));
	m = open(ptsname(F_OFF + 6), O_RDWR | O_NOCTTY);
	ASSERT_EQ(F_OFF + 7, place(m, F_OFF + 7));
	close(F_OFF + 6);
	expect_refusal(_metadata, F_OFF + 7, "fd 27: a pseudo-terminal");
	close(F_OFF + 7);
}

/*
 * An eventfd keeps its count and mode, one object for its fds; a
 * semaphore one counts down by one.
 */
static int eventfd_state(int fd)
{
	int a = place(eventfd(5, EFD_NONBLOCK), F_OFF);
	int b = place(eventfd(2, EFD_SEMAPHORE), F_OFF + 1);
	uint64_t v = 3;
	struct pollfd p = { .fd = F_OFF + 1, .events = POLLIN };

	if (a < 0 || b < 0 || write(a, &v, sizeof(v)) != sizeof(v) ||
	    dup2(a, F_OFF + 2) != F_OFF + 2)
		return 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;
	if (read(a, &v, sizeof(v)) != sizeof(v) || v != 8)
		return 2;
	if (read(a, &v, sizeof(v)) != -1 || errno != EAGAIN)
		return 3;
	v = 4;
	if (write(F_OFF + 2, &v, sizeof(v)) != sizeof(v) ||
	    read(a, &v, sizeof(v)) != sizeof(v) || v != 4)
		return 4;
	for (int i = 0; i < 2; i++)
		if (read(b, &v, sizeof(v)) != sizeof(v) || v != 1)
			return 5;
	/* blocking, and empty */
	if (poll(&p, 1, 0) != 0 || fcntl(b, F_GETFL) & O_NONBLOCK)
		return 6;
	return RESTORED;
}

TEST(eventfd_keeps_its_count_and_mode)
{
	EXPECT_EQ(RESTORED, round_trip(eventfd_state));
}

/* A signalfd reads its signals, pending ones among them, and no other. */
static int signalfd_state(int fd)
{
	struct signalfd_siginfo si;
	sigset_t mask;
	int sfd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = place(signalfd(-1, &mask, SFD_NONBLOCK), F_OFF);
	if (sfd < 0)
		return 1;
	block_signal(SIGTERM, SIG_BLOCK);
	raise(SIGUSR2);
	raise(SIGTERM);
	if (self_checkpoint(fd))
		return NOT_RESTORED;
	if (read(sfd, &si, sizeof(si)) != sizeof(si) || si.ssi_signo != SIGUSR2)
		return 2;
	/* SIGTERM is pending, not its to read */
	if (read(sfd, &si, sizeof(si)) != -1 || errno != EAGAIN)
		return 3;
	raise(SIGUSR1);
	if (read(sfd, &si, sizeof(si)) != sizeof(si) || si.ssi_signo != SIGUSR1)
		return 4;
	return RESTORED;
}

TEST(signalfd_reads_its_signals)
{
	EXPECT_EQ(RESTORED, round_trip(signalfd_state));
}

/*
 * Timerfds keep their time left, interval, expirations not read yet and
 * an absolute expiry; a disarmed one stays so.
 */
static double ts_s(const struct timespec *t)
{
	return t->tv_sec + t->tv_nsec / 1e9;
}

static int timerfd_state(int fd)
{
	struct itimerspec oneshot = { .it_value = { 3, 0 } };
	struct itimerspec periodic = { .it_value = { 0, 100000000 },
				       .it_interval = { 0, 100000000 } };
	struct itimerspec absolute = {}, got;
	int a = place(timerfd_create(CLOCK_MONOTONIC, 0), F_OFF);
	int b = place(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK), F_OFF + 1);
	int c = place(timerfd_create(CLOCK_REALTIME, 0), F_OFF + 2);
	int d = place(timerfd_create(CLOCK_BOOTTIME, 0), F_OFF + 3);
	struct timespec now;
	uint64_t ticks;
	double deadline;

	if (a < 0 || b < 0 || c < 0 || d < 0)
		return 1;
	clock_gettime(CLOCK_REALTIME, &now);
	absolute.it_value.tv_sec = now.tv_sec + 5;
	deadline = absolute.it_value.tv_sec;
	if (timerfd_settime(a, 0, &oneshot, NULL) ||
	    timerfd_settime(b, 0, &periodic, NULL) ||
	    timerfd_settime(c, TFD_TIMER_ABSTIME, &absolute, NULL))
		return 1;
	/* three periods and more, not read */
	usleep(350000);
	if (self_checkpoint(fd))
		return NOT_RESTORED;

	/* what it had left, counting from the restart, not anew */
	if (timerfd_gettime(a, &got) || ts_s(&got.it_value) > 2.7 ||
	    ts_s(&got.it_value) < 1.0)
		return 2;
	if (read(b, &ticks, sizeof(ticks)) != sizeof(ticks) || ticks < 3 ||
	    timerfd_gettime(b, &got) || ts_s(&got.it_interval) != 0.1)
		return 3;
	/* the same instant on the realtime clock */
	clock_gettime(CLOCK_REALTIME, &now);
	if (timerfd_gettime(c, &got) ||
	    ts_s(&got.it_value) - (deadline - ts_s(&now)) > 0.05 ||
	    ts_s(&got.it_value) - (deadline - ts_s(&now)) < -0.05)
		return 4;
	if (timerfd_gettime(d, &got) || got.it_value.tv_sec ||
	    got.it_value.tv_nsec)
		return 5;
	/* and it fires */
	if (read(a, &ticks, sizeof(ticks)) != sizeof(ticks) || ticks != 1)
		return 6;
	return RESTORED;
}

TEST(timerfd_keeps_its_time_and_ticks)
{
	EXPECT_EQ(RESTORED, round_trip(timerfd_state));
}

/*
 * A memfd comes back with its name, contents, holes, size, seals and
 * offset: a dup()ed fd shares the offset, a read-only open of
 * /proc/self/fd/N has its own, and the seals hold.  One made with
 * MFD_NOEXEC_SEAL keeps its mode and F_SEAL_EXEC; one write-sealed
 * refuses writes.  One of 64 GiB with three bytes in its middle comes
 * back as sparse (and a checkpoint that read its holes would not end).
 */
#define MEMFD_SIZE	(1 << 20)

static int memfd_state(int fd)
{
	int m = place(memfd_create("ckpt-test", MFD_ALLOW_SEALING), F_OFF);
	int n = place(memfd_create("noexec", MFD_NOEXEC_SEAL), F_OFF + 3);
	int w = place(memfd_create("sealed", MFD_ALLOW_SEALING), F_OFF + 4);
	int sp = place(memfd_create("sparse", 0), F_OFF + 5);
	static char buf[MEMFD_SIZE], got[MEMFD_SIZE];
	char link[64], name[128];
	struct stat st;
	int ro, i;

	if (m < 0 || n < 0 || w < 0 || sp < 0 ||
	    ftruncate(sp, 1LL << 36) || pwrite(sp, "far", 3, 1LL << 35) != 3)
		return 1;
	for (i = 0; i < 100000; i++)
		buf[i] = i * 7;
	for (i = 0; i < 4096; i++)
		buf[MEMFD_SIZE / 2 + i] = i * 3 + 1;
	if (ftruncate(m, MEMFD_SIZE) || pwrite(m, buf, 100000, 0) != 100000 ||
	    pwrite(m, buf + MEMFD_SIZE / 2, 4096, MEMFD_SIZE / 2) != 4096 ||
	    lseek(m, 1234, SEEK_SET) != 1234 ||
	    fcntl(m, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW))
		return 1;
	if (dup2(m, F_OFF + 1) != F_OFF + 1)
		return 1;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", m);
	ro = place(open(link, O_RDONLY), F_OFF + 2);
	if (ro < 0 || lseek(ro, 99, SEEK_SET) != 99)
		return 1;
	if (write(n, "noexec", 6) != 6 || write(w, "sealed", 6) != 6 ||
	    fcntl(w, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SEAL))
		return 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;

	if (pread(m, got, MEMFD_SIZE, 0) != MEMFD_SIZE ||
	    memcmp(buf, got, MEMFD_SIZE))
		return 2;
	if (fcntl(m, F_GET_SEALS) != (F_SEAL_SHRINK | F_SEAL_GROW) ||
	    ftruncate(m, MEMFD_SIZE * 2) != -1 || errno != EPERM)
		return 3;
	/* one offset for both fds, another for the other description */
	if (lseek(F_OFF + 1, 0, SEEK_CUR) != 1234 ||
	    lseek(m, 10, SEEK_SET) != 10 ||
	    lseek(F_OFF + 1, 0, SEEK_CUR) != 10 ||
	    lseek(ro, 0, SEEK_CUR) != 99)
		return 4;
	/* the same memfd, read-only */
	if (write(ro, "x", 1) != -1 || errno != EBADF ||
	    pwrite(m, "Z", 1, 5) != 1 || pread(ro, got, 1, 5) != 1 ||
	    got[0] != 'Z')
		return 5;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", m);
	i = readlink(link, name, sizeof(name) - 1);
	if (i < 0)
		return 6;
	name[i] = 0;
	if (strcmp(name, "/memfd:ckpt-test (deleted)"))
		return 6;
	if (fstat(n, &st) || st.st_mode & 0111 ||
	    !(fcntl(n, F_GET_SEALS) & F_SEAL_EXEC) ||
	    pread(n, got, 6, 0) != 6 || memcmp(got, "noexec", 6))
		return 7;
	if (fcntl(w, F_GET_SEALS) != (F_SEAL_WRITE | F_SEAL_SEAL) ||
	    pwrite(w, "x", 1, 0) != -1 || errno != EPERM ||
	    pread(w, got, 6, 0) != 6 || memcmp(got, "sealed", 6))
		return 8;
	if (fstat(sp, &st) || st.st_size != 1LL << 36 ||
	    st.st_blocks * 512 > (1 << 20) ||
	    pread(sp, got, 4, (1LL << 35) - 1) != 4 || memcmp(got, "\0far", 4))
		return 9;
	return RESTORED;
}

TEST(memfd_keeps_its_contents_seals_and_offsets)
{
	EXPECT_EQ(RESTORED, round_trip(memfd_state));
}

/*
 * Mappings of memfds and of a deleted file whose fds were closed: two
 * shared ones of a memfd, one object still (a write through one shows
 * through the other), and a private one of it with a page of its own; a
 * shared one of a deleted file; a memfd mapped and held by an fd, one
 * file through both; a file of /tmp unlinked before it was mapped.
 * /proc/self/map_files names them as before.  The closed memfd's flock
 * lock, which its mapping holds, is held still.
 */
/*
 * The name /proc/self/map_files gives the mapping of @len bytes at
 * @addr, into @name; the link's path into @link.
 */
static int map_file_name(const void *addr, size_t len, char *link,
			 size_t link_len, char *name, size_t name_len)
{
	ssize_t n;

	snprintf(link, link_len, "/proc/self/map_files/%lx-%lx",
		 (unsigned long)addr, (unsigned long)addr + len);
	n = readlink(link, name, name_len - 1);
	if (n < 0)
		return -1;
	name[n] = 0;
	return 0;
}

static int mapped_made(int fd)
{
	int m = memfd_create("mapped", 0), d, k;
	char path[64], link[96], name[128], buf[8];
	char *s1, *s2, *p, *ds, *ks, *us;
	int o;

	if (m < 0 || ftruncate(m, 3 * 4096))
		return 1;
	s1 = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
	s2 = mmap(NULL, 4096, PROT_READ, MAP_SHARED, m, 4096);
	p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, m, 0);
	if (s1 == MAP_FAILED || s2 == MAP_FAILED || p == MAP_FAILED)
		return 1;
	memcpy(s1 + 4096, "shared", 6);
	memcpy(p, "private", 7);
	memcpy(s1, "under", 5);
	if (flock(m, LOCK_EX) || close(m))
		return 1;
	snprintf(path, sizeof(path), "/tmp/ckpt-mapdel-%d", getpid());
	d = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (d < 0 || ftruncate(d, 4096))
		return 1;
	ds = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, d, 0);
	if (ds == MAP_FAILED || close(d) || unlink(path))
		return 1;
	memcpy(ds, "deleted", 7);
	k = place(memfd_create("kept", 0), F_OFF);
	if (k < 0 || ftruncate(k, 4096))
		return 1;
	ks = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, k, 0);
	if (ks == MAP_FAILED)
		return 1;
	memcpy(ks, "kept", 4);
	snprintf(path, sizeof(path), "/tmp/ckpt-mapunl-%d", getpid());
	d = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (d < 0 || unlink(path) || ftruncate(d, 4096))
		return 1;
	us = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, d, 0);
	if (us == MAP_FAILED || close(d))
		return 1;
	memcpy(us, "unlinked", 8);
	if (self_checkpoint(fd))
		return NOT_RESTORED;

	if (memcmp(s2, "shared", 6) || memcmp(p, "private", 7) ||
	    memcmp(s1, "under", 5) || memcmp(ds, "deleted", 7))
		return 2;
	/* one object; the private page its own, the other one the file's */
	s1[4096] = 'S';
	s1[0] = 'U';
	if (s2[0] != 'S' || p[0] != 'p' || p[4096] != 'S')
		return 3;
	ks[0] = 'K';
	if (pread(k, buf, 4, 0) != 4 || memcmp(buf, "Kept", 4))
		return 4;
	if (map_file_name(s1, 3 * 4096, link, sizeof(link), name,
			  sizeof(name)) ||
	    strcmp(name, "/memfd:mapped (deleted)"))
		return 5;
	/* another description of it: the mapping's holds the lock */
	o = open(link, O_RDONLY);
	if (o < 0 || flock(o, LOCK_EX | LOCK_NB) != -1 ||
	    errno != EWOULDBLOCK || close(o))
		return 6;
	if (memcmp(us, "unlinked", 8))
		return 7;
	if (map_file_name(us, 4096, link, sizeof(link), name, sizeof(name)) ||
	    strncmp(name, "/tmp/", 5) || !strstr(name, " (deleted)"))
		return 8;
	if (map_file_name(ds, 4096, link, sizeof(link), name, sizeof(name)) ||
	    strncmp(name, "/tmp/", 5) || !strstr(name, " (deleted)"))
		return 9;
	return RESTORED;
}

TEST(mapped_memfds_and_deleted_files_come_back)
{
	EXPECT_EQ(RESTORED, round_trip(mapped_made));
}

/*
 * A shared writable mapping of a memfd sealed against future writes
 * since (F_SEAL_FUTURE_WRITE), and F_SEAL_SEAL: after restart the
 * mapping is there and writable, the seals hold, and a new shared
 * writable mapping is refused, as before.
 */
static int sealed_since_mapped(int fd)
{
	int m = memfd_create("sealed", MFD_ALLOW_SEALING);
	char *s, buf[2];

	if (m < 0 || ftruncate(m, 4096))
		return 1;
	s = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
	if (s == MAP_FAILED ||
	    fcntl(m, F_ADD_SEALS, F_SEAL_FUTURE_WRITE | F_SEAL_SEAL))
		return 1;
	s[0] = 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;

	if (fcntl(m, F_GET_SEALS) != (F_SEAL_FUTURE_WRITE | F_SEAL_SEAL))
		return 2;
	s[1] = 2;
	if (pread(m, buf, 2, 0) != 2 || buf[0] != 1 || buf[1] != 2)
		return 3;
	if (mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0) !=
	    MAP_FAILED || errno != EPERM || pwrite(m, "x", 1, 0) != -1 ||
	    errno != EPERM)
		return 4;
	return RESTORED;
}

TEST(memfd_sealed_against_writes_after_its_mapping_comes_back)
{
	EXPECT_EQ(RESTORED, round_trip(sealed_since_mapped));
}

/*
 * A file deleted while open comes back in the directory it was deleted
 * from, with no name: its contents, size, mode and offset, O_APPEND
 * kept, and a second description (a read-only open of /proc/self/fd/N)
 * that is the same file, with its own offset.
 */
#define DELETED_SIZE	200000

static int deleted_state(int fd)
{
	static char buf[DELETED_SIZE], got[DELETED_SIZE];
	char path[64], link[64], name[128];
	struct stat st;
	int a, ro, i;

	snprintf(path, sizeof(path), "/tmp/ckpt-deleted-%d", getpid());
	a = place(open(path, O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0640),
		  F_OFF);
	for (i = 0; i < DELETED_SIZE; i++)
		buf[i] = i * 13;
	if (a < 0 || fchmod(a, 0640) ||
	    write(a, buf, DELETED_SIZE) != DELETED_SIZE)
		return 1;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", a);
	ro = place(open(link, O_RDONLY), F_OFF + 1);
	if (ro < 0 || lseek(ro, 777, SEEK_SET) != 777 || unlink(path))
		return 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;

	if (fstat(a, &st) || st.st_nlink || (st.st_mode & 07777) != 0640 ||
	    st.st_size != DELETED_SIZE)
		return 2;
	if (pread(a, got, DELETED_SIZE, 0) != DELETED_SIZE ||
	    memcmp(buf, got, DELETED_SIZE))
		return 3;
	if (lseek(ro, 0, SEEK_CUR) != 777 ||
	    lseek(a, 0, SEEK_CUR) != DELETED_SIZE)
		return 4;
	/* appended, and read through the other description */
	if (lseek(a, 0, SEEK_SET) || write(a, "tail", 4) != 4 ||
	    pread(ro, got, 4, DELETED_SIZE) != 4 || memcmp(got, "tail", 4) ||
	    write(ro, "x", 1) != -1 || errno != EBADF)
		return 5;
	i = readlink(link, name, sizeof(name) - 1);
	if (i < 0)
		return 6;
	name[i] = 0;
	if (strncmp(name, "/tmp/", 5) || !strstr(name, " (deleted)"))
		return 6;
	/* and no name came back */
	return access(path, F_OK) && errno == ENOENT ? RESTORED : 7;
}

TEST(deleted_file_comes_back_with_its_contents)
{
	EXPECT_EQ(RESTORED, round_trip(deleted_state));
}

/*
 * Refused: a deleted file with another name (a hard link), which would
 * come back as a copy, and one larger than an image keeps.
 */
TEST(deleted_file_linked_elsewhere_or_too_large_is_refused)
{
	char a[64], b[64];
	int f;

	snprintf(a, sizeof(a), "/tmp/ckpt-del-a-%d", getpid());
	snprintf(b, sizeof(b), "/tmp/ckpt-del-b-%d", getpid());
	f = open(a, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, f);
	ASSERT_EQ(0, link(a, b));
	ASSERT_EQ(0, unlink(a));
	ASSERT_EQ(F_OFF + 6, place(f, F_OFF + 6));
	expect_refusal(_metadata, F_OFF + 6, "has another name (a hard link)");
	ASSERT_EQ(0, unlink(b));
	ASSERT_EQ(0, ftruncate(F_OFF + 6, CKPT_DELETED_MAX + 1));
	expect_refusal(_metadata, F_OFF + 6, "more than the 67108864 an image keeps");
	close(F_OFF + 6);
}

/*
 * An inotify instance, non-blocking, watched by an epoll: a directory's
 * watch, a file's IN_ONESHOT one, a third removed (its IN_IGNORED
 * queued, its wd not given again), a fourth of no event (IN_ONLYDIR
 * alone).  After restart the three queued
 * events read back in order with their names, the watches report what
 * happens next to the same inodes under the same wds (the one-shot once,
 * then IN_IGNORED), the epoll finds the instance readable, and the next
 * watch made gets the next wd.
 */
static char ino_dir[64];

static int inotify_state(int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 77 };
	char a[96], b[96], other[96], sub[96];
	struct {
		int wd;
		uint32_t mask;
		const char *name;
	} want[] = {
		{ 3, IN_IGNORED, "" }, { 1, IN_CREATE, "b" },
		{ 1, IN_MODIFY, "a" }, { 1, IN_DELETE, "b" },
		{ 2, IN_ATTRIB, "" }, { 2, IN_IGNORED, "" },
	};
	uint64_t words[512];
	char *buf = (char *)words;
	int in, ep, f, wd, n, i;
	struct inotify_event *e;
	size_t off;

	snprintf(a, sizeof(a), "%s/a", ino_dir);
	snprintf(b, sizeof(b), "%s/b", ino_dir);
	snprintf(other, sizeof(other), "%s/other", ino_dir);
	snprintf(sub, sizeof(sub), "%s/sub", ino_dir);
	in = place(inotify_init1(IN_NONBLOCK), F_OFF);
	ep = place(epoll_create1(0), F_OFF + 1);
	if (in < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, in, &ev))
		return 1;
	f = open(a, O_WRONLY | O_CREAT, 0644);
	if (f < 0 || close(f) || close(open(other, O_WRONLY | O_CREAT, 0644)) ||
	    mkdir(sub, 0755))
		return 1;
	if (inotify_add_watch(in, ino_dir, IN_CREATE | IN_DELETE |
			      IN_MODIFY) != 1 ||
	    inotify_add_watch(in, a, IN_ATTRIB | IN_ONESHOT) != 2 ||
	    inotify_add_watch(in, other, IN_OPEN) != 3 ||
	    inotify_rm_watch(in, 3) ||
	    inotify_add_watch(in, sub, IN_ONLYDIR) != 4)
		return 1;
	f = open(b, O_WRONLY | O_CREAT, 0644);
	if (f < 0 || close(f))
		return 1;
	f = open(a, O_WRONLY);
	if (f < 0 || write(f, "x", 1) != 1 || close(f))
		return 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;

	if (fcntl(in, F_GETFL) != (O_RDONLY | O_NONBLOCK))
		return 2;
	if (epoll_wait(ep, &ev, 1, 0) != 1 || ev.data.u64 != 77)
		return 3;
	if (unlink(b) || chmod(a, 0600) || chmod(a, 0644))
		return 4;
	n = read(in, buf, sizeof(words));
	for (i = 0, off = 0; off < (size_t)n && i < 6; i++) {
		e = (struct inotify_event *)(buf + off);
		if (e->wd != want[i].wd || e->mask != want[i].mask ||
		    strcmp(e->len ? e->name : "", want[i].name))
			return 10 + i;
		off += sizeof(*e) + e->len;
	}
	if (i != 6 || off != (size_t)n || read(in, buf, sizeof(words)) != -1 ||
	    errno != EAGAIN)
		return 5;
	/* the same inode under the same wd; the next wd is the next */
	wd = inotify_add_watch(in, ino_dir, IN_CREATE | IN_MASK_ADD);
	if (wd != 1 || inotify_add_watch(in, sub, IN_MASK_ADD) != 4 ||
	    inotify_add_watch(in, other, IN_OPEN) != 5)
		return 6;
	rmdir(sub);
	unlink(a);
	unlink(other);
	rmdir(ino_dir);
	return RESTORED;
}

TEST(inotify_keeps_its_watches_and_queued_events)
{
	snprintf(ino_dir, sizeof(ino_dir), "/tmp/ckpt-inotify-%d", getpid());
	ASSERT_EQ(0, mkdir(ino_dir, 0755));
	EXPECT_EQ(RESTORED, round_trip(inotify_state));
	rmdir(ino_dir);
}

/*
 * Refused: a watch on a file deleted since (held open, its watch stays),
 * which has no name to be watched by again.
 */
TEST(inotify_watch_on_a_deleted_file_is_refused)
{
	char path[64];
	int in, f;

	snprintf(path, sizeof(path), "/tmp/ckpt-inodel-%d", getpid());
	f = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, f);
	ASSERT_EQ(F_OFF + 6, place(f, F_OFF + 6));
	in = inotify_init1(0);
	ASSERT_EQ(F_OFF + 7, place(in, F_OFF + 7));
	ASSERT_EQ(1, inotify_add_watch(F_OFF + 7, path, IN_MODIFY));
	ASSERT_EQ(0, unlink(path));
	expect_refusal(_metadata, F_OFF + 7,
		       "fd 27: inotify watch 1 is on a file deleted since");
	close(F_OFF + 7);
	close(F_OFF + 6);
}

/*
 * An epoll watching an epoll watching a pipe; edited so that the second
 * watches the first, which epoll_ctl(2) would refuse (ELOOP), the image
 * is refused before the point of no return, not killed after it.
 */
static int epoll_chain(int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int a = place(epoll_create1(0), F_OFF);
	int b = place(epoll_create1(0), F_OFF + 1);
	int p[2];

	if (a < 0 || b < 0 || pipe(p) || place(p[0], F_OFF + 2) < 0)
		return 1;
	ev.data.u64 = 1;
	if (epoll_ctl(a, EPOLL_CTL_ADD, b, &ev))
		return 1;
	ev.data.u64 = 2;
	if (epoll_ctl(b, EPOLL_CTL_ADD, F_OFF + 2, &ev))
		return 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;
	return RESTORED;
}

TEST(epolls_in_a_loop_are_refused_before_anything)
{
	struct record rec[MAX_RECORDS];
	struct ckpt_hdr_epoll_item *it;
	struct ckpt_hdr_fd *f;
	struct image img = {};
	uint32_t id_a = 0;
	int nrec, i, edited = 0;

	ASSERT_EQ(0, child_image(epoll_chain, &img));
	EXPECT_EQ(0, restart_from(img.buf, img.len, 0, RESTART_VERIFY));
	nrec = image_records(&img, rec);
	ASSERT_LT(0, nrec);
	for (i = 0; i < nrec; i++) {
		if (rec[i].type != CKPT_HDR_FD)
			continue;
		f = (void *)(img.buf + rec[i].off);
		if (f->fd == F_OFF)
			id_a = f->file;
	}
	ASSERT_NE(0, id_a);
	for (i = 0; i < nrec; i++) {
		if (rec[i].type != CKPT_HDR_EPOLL_ITEM)
			continue;
		it = (void *)(img.buf + rec[i].off);
		if (it->data != 2)
			continue;
		it->fd = F_OFF;
		it->file = id_a;
		edited++;
	}
	ASSERT_EQ(1, edited);
	image_reseal(&img);
	/* verify reads the image as restart does, to the same check */
	EXPECT_EQ(-ELOOP, restart_from(img.buf, img.len, 0, RESTART_VERIFY));
	image_free(&img);
}

/*
 * An epoll watches its files again, each with its events and data: a
 * pipe with data, an eventfd edge-triggered, a one-shot timerfd and a
 * one-shot pipe whose writer is gone, both fired already, which stay
 * disarmed, and a timerfd that fired, not read, found ready again.
 */
static uint64_t sum_data(const struct epoll_event *ev, int n)
{
	uint64_t sum = 0;

	for (int i = 0; i < n; i++)
		sum += ev[i].data.u64;
	return sum;
}

static int watch(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int epoll_state(int fd)
{
	struct itimerspec soon = { .it_value = { 0, 1000000 } };
	int ep = place(epoll_create1(0), F_OFF);
	int efd = place(eventfd(0, EFD_NONBLOCK), F_OFF + 1);
	int tfd = place(timerfd_create(CLOCK_MONOTONIC, 0), F_OFF + 2);
	int tfd2 = place(timerfd_create(CLOCK_MONOTONIC, 0), F_OFF + 5);
	struct epoll_event ev, got[8];
	uint64_t one = 1;
	int p[2], h[2];

	if (ep < 0 || efd < 0 || tfd < 0 || tfd2 < 0 || pipe(p) || pipe(h) ||
	    place(p[0], F_OFF + 3) < 0 || place(p[1], F_OFF + 4) < 0 ||
	    place(h[0], F_OFF + 6) < 0 || write(F_OFF + 4, "x", 1) != 1)
		return 1;
	close(h[1]);
	if (watch(ep, F_OFF + 3, EPOLLIN, 11) ||
	    watch(ep, efd, EPOLLIN | EPOLLET, 22) ||
	    watch(ep, tfd, EPOLLIN | EPOLLONESHOT, 33) ||
	    watch(ep, tfd2, EPOLLIN, 55) ||
	    watch(ep, F_OFF + 6, EPOLLIN | EPOLLONESHOT, 66) ||
	    timerfd_settime(tfd, 0, &soon, NULL) ||
	    timerfd_settime(tfd2, 0, &soon, NULL))
		return 1;
	/* all but the eventfd; the one-shots report no more */
	usleep(20000);
	if (epoll_wait(ep, got, 8, 1000) != 4 ||
	    sum_data(got, 4) != 11 + 33 + 55 + 66)
		return 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;

	/* the pipe and the timer not read, still; not the one-shots */
	if (epoll_wait(ep, got, 8, 0) != 2 || sum_data(got, 2) != 11 + 55)
		return 2;
	if (write(efd, &one, sizeof(one)) != sizeof(one) ||
	    epoll_wait(ep, got, 8, 0) != 3 || sum_data(got, 3) != 11 + 22 + 55)
		return 3;
	/* edge-triggered: reported once */
	if (epoll_wait(ep, got, 8, 0) != 2)
		return 4;
	/* and a one-shot comes back when asked */
	ev.events = EPOLLIN | EPOLLONESHOT;
	ev.data.u64 = 44;
	if (epoll_ctl(ep, EPOLL_CTL_MOD, tfd, &ev) ||
	    epoll_wait(ep, got, 8, 0) != 3 || sum_data(got, 3) != 11 + 44 + 55)
		return 5;
	return RESTORED;
}

TEST(epoll_watches_its_files_again)
{
	EXPECT_EQ(RESTORED, round_trip(epoll_state));
}

/* An epoll watching a file through an fd since closed is refused. */
TEST(epoll_through_a_closed_fd_is_refused)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = place(epoll_create1(0), F_OFF + 9), p[2];

	ASSERT_LE(0, ep);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(F_OFF + 5, place(p[0], F_OFF + 5));
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, F_OFF + 5, &ev));
	ASSERT_EQ(F_OFF + 6, dup2(F_OFF + 5, F_OFF + 6));
	close(F_OFF + 5);
	expect_refusal(_metadata, F_OFF + 9, "an epoll watching fd 25, since closed");
	close(F_OFF + 6);
	close(F_OFF + 9);
	close(p[1]);
}

TEST_HARNESS_MAIN
