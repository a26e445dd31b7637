// SPDX-License-Identifier: GPL-2.0
/*
 * File locks come back with the process: flock(2), POSIX (fcntl
 * F_SETLK) and OFD locks, with their ranges and types, held again from
 * before the restored process runs, with the same owners: a POSIX lock
 * belongs to the fd table (any close drops it), a flock or OFD lock to
 * the open file description.  A lock someone else holds at restart is
 * EAGAIN, and the log says which file.  And Debian's sqlite3 keeps its
 * database locked through a checkpoint and restart mid-transaction.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include "../kselftest_harness.h"
#include "ckpt_util.h"

#define F_OFF	20		/* fds the tests place, clear of others */

static char path_a[64], path_b[64], path_c[64];

static void tmp_paths(void)
{
	snprintf(path_a, sizeof(path_a), "/tmp/ckpt-lock-a-%d", getpid());
	snprintf(path_b, sizeof(path_b), "/tmp/ckpt-lock-b-%d", getpid());
	snprintf(path_c, sizeof(path_c), "/tmp/ckpt-lock-c-%d", getpid());
	close(open(path_a, O_RDWR | O_CREAT | O_TRUNC, 0600));
	close(open(path_b, O_RDWR | O_CREAT | O_TRUNC, 0600));
	close(open(path_c, O_RDWR | O_CREAT | O_TRUNC, 0600));
}

static void tmp_unlink(void)
{
	unlink(path_a);
	unlink(path_b);
	unlink(path_c);
}

static int set_lock(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = {
		.l_type = type, .l_whence = SEEK_SET,
		.l_start = start, .l_len = len,
	};

	return fcntl(fd, cmd, &fl);
}

/* What another process sees of @path's locks, from an open of its own. */
struct seen {
	short type;		/* in the way of a write lock on the range */
	pid_t pid;		/* its holder, as F_GETLK says */
	int flock_ex;		/* flock(LOCK_EX | LOCK_NB): 0 or errno */
	int flock_sh;		/* flock(LOCK_SH | LOCK_NB): 0 or errno */
};

static int other_sees(const char *path, off_t start, off_t len,
		      struct seen *out)
{
	struct seen *s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid;
	int ret = -1;

	if (s == MAP_FAILED)
		return -1;
	pid = fork();
	if (!pid) {
		struct flock fl = {
			.l_type = F_WRLCK, .l_whence = SEEK_SET,
			.l_start = start, .l_len = len,
		};
		int fd = open(path, O_RDWR);

		if (fd < 0 || fcntl(fd, F_GETLK, &fl))
			_exit(1);
		s->type = fl.l_type;
		s->pid = fl.l_pid;
		s->flock_sh = flock(fd, LOCK_SH | LOCK_NB) ? errno : 0;
		flock(fd, LOCK_UN);
		s->flock_ex = flock(fd, LOCK_EX | LOCK_NB) ? errno : 0;
		_exit(0);
	}
	if (pid > 0 && wait_exit(pid) == 0) {
		*out = *s;
		ret = 0;
	}
	munmap(s, sizeof(*s));
	return ret;
}

/*
 * One lock of each kind: flock(LOCK_EX) on a, POSIX write on bytes 0-9
 * and read from 20 to the end of b, an OFD read lock on bytes 5-14 of c.
 */
static int take_each(void)
{
	int a = place(open(path_a, O_RDWR), F_OFF);
	int b = place(open(path_b, O_RDWR), F_OFF + 1);
	int c = place(open(path_c, O_RDONLY), F_OFF + 2);

	if (a < 0 || b < 0 || c < 0 || flock(a, LOCK_EX) ||
	    set_lock(b, F_SETLK, F_WRLCK, 0, 10) ||
	    set_lock(b, F_SETLK, F_RDLCK, 20, 0) ||
	    set_lock(c, F_OFD_SETLK, F_RDLCK, 5, 10))
		return -1;
	return 0;
}

static int check_each(void)
{
	struct seen s;

	if (other_sees(path_a, 0, 0, &s) || s.flock_ex != EWOULDBLOCK ||
	    s.flock_sh != EWOULDBLOCK)
		return 1;
	if (other_sees(path_b, 0, 10, &s) || s.type != F_WRLCK ||
	    s.pid != getpid())
		return 2;
	/* the gap between the two is free, the read lock goes on */
	if (other_sees(path_b, 10, 10, &s) || s.type != F_UNLCK)
		return 3;
	if (other_sees(path_b, 1000, 1, &s) || s.type != F_RDLCK ||
	    s.pid != getpid())
		return 4;
	/* an OFD lock's holder is no process: -1 */
	if (other_sees(path_c, 14, 1, &s) || s.type != F_RDLCK || s.pid != -1)
		return 5;
	if (other_sees(path_c, 15, 100, &s) || s.type != F_UNLCK ||
	    s.flock_ex)
		return 6;
	return 0;
}

static int each_kind(int fd)
{
	struct seen s;
	int ret;

	if (take_each())
		return 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;
	ret = check_each();
	if (ret)
		return 10 + ret;
	/* they are the process's: it can let each go */
	if (flock(F_OFF, LOCK_UN) ||
	    set_lock(F_OFF + 1, F_SETLK, F_UNLCK, 0, 0) ||
	    set_lock(F_OFF + 2, F_OFD_SETLK, F_UNLCK, 0, 0))
		return 2;
	if (other_sees(path_a, 0, 0, &s) || s.flock_ex)
		return 3;
	if (other_sees(path_b, 0, 0, &s) || s.type != F_UNLCK)
		return 4;
	if (other_sees(path_c, 0, 0, &s) || s.type != F_UNLCK)
		return 5;
	return RESTORED;
}

TEST(each_kind_of_lock_comes_back_with_its_range)
{
	tmp_paths();
	EXPECT_EQ(RESTORED, round_trip(each_kind));
	tmp_unlink();
}

/*
 * Locks through a description two fds share: the flock and the OFD
 * lock are the description's, the POSIX locks the fd table's, on the
 * file, one of them taken through another description of it.  Closing
 * one of the fds drops the POSIX locks, as any close does, and only
 * those.
 */
static int shared_by_dup(int fd)
{
	struct seen s;
	int a = place(open(path_a, O_RDWR), F_OFF);

	if (a < 0 || dup2(a, F_OFF + 1) != F_OFF + 1 ||
	    place(open(path_a, O_RDONLY), F_OFF + 2) < 0 ||
	    flock(F_OFF, LOCK_SH) ||
	    set_lock(F_OFF + 1, F_SETLK, F_WRLCK, 0, 10) ||
	    set_lock(F_OFF + 1, F_OFD_SETLK, F_WRLCK, 100, 10) ||
	    set_lock(F_OFF + 2, F_SETLK, F_RDLCK, 50, 10))
		return 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;

	if (fcntl(F_OFF, F_GETFL) < 0 || lseek(F_OFF, 7, SEEK_SET) != 7 ||
	    lseek(F_OFF + 1, 0, SEEK_CUR) != 7)
		return 2;
	if (other_sees(path_a, 0, 10, &s) || s.type != F_WRLCK ||
	    s.pid != getpid() || s.flock_sh || s.flock_ex != EWOULDBLOCK)
		return 3;
	/* taken through the other description: the process's all the same */
	if (other_sees(path_a, 50, 10, &s) || s.type != F_RDLCK ||
	    s.pid != getpid())
		return 6;
	close(F_OFF + 1);
	if (other_sees(path_a, 0, 10, &s) || s.type != F_UNLCK)
		return 4;
	if (other_sees(path_a, 50, 10, &s) || s.type != F_UNLCK)
		return 7;
	if (other_sees(path_a, 100, 10, &s) || s.type != F_WRLCK ||
	    s.pid != -1 || s.flock_ex != EWOULDBLOCK)
		return 5;
	return RESTORED;
}

TEST(locks_on_a_description_shared_by_dup)
{
	tmp_paths();
	EXPECT_EQ(RESTORED, round_trip(shared_by_dup));
	tmp_unlink();
}

/* A child that takes one lock of @kind on a, then stops. */
static pid_t stopped_holder(int kind)
{
	pid_t pid = fork();
	int a;

	if (pid)
		return pid;
	a = place(open(path_a, O_RDWR), F_OFF);
	if (a < 0 ||
	    (kind == 0 && flock(a, LOCK_EX)) ||
	    (kind == 1 && set_lock(a, F_SETLK, F_WRLCK, 4, 4)) ||
	    (kind == 2 && set_lock(a, F_OFD_SETLK, F_WRLCK, 0, 0)))
		_exit(1);
	raise(SIGSTOP);
	_exit(0);
}

/*
 * The process that held the lock still runs: a restart is refused with
 * EAGAIN, a verify too, and the log names the file.  A conflicting lock
 * of the restarter's own is in the way as well.  Once the holder is gone,
 * the restart goes through.
 */
static void expect_conflict(struct __test_metadata *_metadata, int kind)
{
	struct image img = {};
	char why[512] = {};
	int log[2], fd;
	struct seen s;
	ssize_t n;
	pid_t pid;

	pid = stopped_holder(kind);
	ASSERT_LE(0, pid);
	ASSERT_EQ(0, wait_stopped(pid));
	ASSERT_EQ(0, checkpoint_to_image(pid, &img));
	fd = image_fd();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, write_all(fd, img.buf, img.len));

	ASSERT_EQ(0, pipe(log));
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	EXPECT_EQ(-1, sys_restart_log(0, fd, RESTART_VERIFY, log[1]));
	EXPECT_EQ(EAGAIN, errno);
	n = read(log[0], why, sizeof(why) - 1);
	ASSERT_LT(0, n);
	EXPECT_NE(NULL, strstr(why, path_a)) {
		TH_LOG("reason: %s", why);
	}
	EXPECT_NE(NULL, strstr(why, "fd 20: ")) {
		TH_LOG("reason: %s", why);
	}
	EXPECT_NE(NULL, strstr(why, "a lock that another process")) {
		TH_LOG("reason: %s", why);
	}
	/* a real restart, in a child, is refused the same way */
	EXPECT_EQ(200 + EAGAIN, wait_exit(fork_restarter(fd, 0, 0, NULL, 0)));
	close(log[0]);
	close(log[1]);

	/* the holder gone, a verify goes through and holds nothing */
	kill(pid, SIGCONT);
	EXPECT_EQ(0, wait_exit(pid));
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	EXPECT_EQ(0, sys_restart(0, fd, RESTART_VERIFY));
	ASSERT_EQ(0, other_sees(path_a, 0, 0, &s));
	EXPECT_EQ(F_UNLCK, s.type);
	EXPECT_EQ(0, s.flock_ex);
	/* and a restart too: the holder, again, goes on and ends */
	EXPECT_EQ(0, wait_exit(fork_restarter(fd, 0, 0, NULL, 0)));
	close(fd);
	image_free(&img);
}

TEST(a_flock_someone_else_holds_is_eagain)
{
	tmp_paths();
	expect_conflict(_metadata, 0);
	tmp_unlink();
}

TEST(a_posix_lock_someone_else_holds_is_eagain)
{
	tmp_paths();
	expect_conflict(_metadata, 1);
	tmp_unlink();
}

TEST(an_ofd_lock_someone_else_holds_is_eagain)
{
	tmp_paths();
	expect_conflict(_metadata, 2);
	tmp_unlink();
}

/*
 * The restarter's own conflicting POSIX lock is in the way too; a
 * refused restart leaves the restarter with its locks and none of the
 * image's.
 */
static int locked_b(int fd)
{
	if (place(open(path_b, O_RDWR), F_OFF) < 0 ||
	    set_lock(F_OFF, F_SETLK, F_WRLCK, 0, 1) ||
	    place(open(path_c, O_RDWR), F_OFF + 1) < 0 ||
	    set_lock(F_OFF + 1, F_SETLK, F_WRLCK, 0, 1))
		return 1;
	return self_checkpoint(fd) ? NOT_RESTORED : RESTORED;
}

TEST(a_refused_restart_takes_no_lock)
{
	struct seen s;
	pid_t pid;
	int fd, c;

	tmp_paths();
	fd = image_fd();
	ASSERT_LE(0, fd);
	ASSERT_EQ(NOT_RESTORED, checkpoint_child(locked_b, fd));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* the restarter holds byte 0 of c: b is taken, c refused */
		c = open(path_c, O_RDWR);
		if (c < 0 || set_lock(c, F_SETLK, F_RDLCK, 0, 1))
			_exit(1);
		lseek(fd, 0, SEEK_SET);
		if (sys_restart(0, fd, 0) != -1 || errno != EAGAIN)
			_exit(2);
		/* and let go again: nobody holds b; c is still its own */
		if (other_sees(path_b, 0, 1, &s) || s.type != F_UNLCK)
			_exit(3);
		if (other_sees(path_c, 0, 1, &s) || s.type != F_RDLCK ||
		    s.pid != getpid())
			_exit(4);
		_exit(0);
	}
	EXPECT_EQ(0, wait_exit(pid));
	close(fd);
	tmp_unlink();
}

/*
 * With RESTART_KEEP_STDIO the restarter's fds replace 0-2: as a dup2()
 * over fd 1 would, that drops the process's POSIX locks on fd 1's file,
 * though they were taken through another description of it; its flock
 * stays with the description another fd keeps, and another file's POSIX
 * lock stays.
 */
static int locked_stdout(int fd)
{
	if (place(open(path_a, O_RDWR), F_OFF) < 0 ||
	    place(open(path_a, O_RDWR), F_OFF + 1) < 0 ||
	    place(open(path_b, O_RDWR), F_OFF + 2) < 0 ||
	    dup2(F_OFF, 1) != 1 || flock(F_OFF, LOCK_EX) ||
	    set_lock(F_OFF + 1, F_SETLK, F_WRLCK, 0, 10) ||
	    set_lock(F_OFF + 2, F_SETLK, F_WRLCK, 0, 10))
		return 1;
	return self_checkpoint(fd) ? NOT_RESTORED : 0;
}

TEST(keep_stdio_drops_posix_locks_on_stdout_file)
{
	struct seen s;
	pid_t pid;
	int fd, p[2];

	tmp_paths();
	fd = image_fd();
	ASSERT_LE(0, fd);
	ASSERT_EQ(NOT_RESTORED, checkpoint_child(locked_stdout, fd));
	ASSERT_EQ(0, pipe(p));
	pid = fork_restarter(fd, 0, RESTART_KEEP_STDIO | RESTART_STOPPED,
			     stdout_to, p[1]);
	ASSERT_LE(0, pid);
	close(p[1]);
	ASSERT_EQ(0, wait_stopped(pid));
	ASSERT_EQ(0, other_sees(path_a, 0, 10, &s));
	EXPECT_EQ(F_UNLCK, s.type);
	EXPECT_EQ(EWOULDBLOCK, s.flock_ex);
	/* another file's POSIX lock stays */
	ASSERT_EQ(0, other_sees(path_b, 0, 10, &s));
	EXPECT_EQ(F_WRLCK, s.type);
	EXPECT_EQ(pid, s.pid);
	kill(pid, SIGCONT);
	EXPECT_EQ(0, wait_exit(pid));
	close(p[0]);
	close(fd);
	tmp_unlink();
}

/* The @n-th lock record of @img, or NULL. */
static struct ckpt_hdr_file_lock *lock_rec(struct image *img, int n)
{
	struct record rec[MAX_RECORDS];
	int nrec = image_records(img, rec), i;

	for (i = 0; i < nrec; i++)
		if (rec[i].type == CKPT_HDR_FILE_LOCK && !n--)
			return (void *)(img->buf + rec[i].off);
	return NULL;
}

/*
 * Lock records that ask for what flock(2) and fcntl(2) would refuse, or
 * that make no sense, are refused as malformed (the image resealed, so
 * that the checks behind the checksum are the ones reached).
 */
TEST(crafted_lock_records_are_refused)
{
	struct ckpt_hdr_file_lock *l, saved;
	struct image img = {};
	int fd, i, nlocks = 0;

	tmp_paths();
	fd = image_fd();
	ASSERT_LE(0, fd);
	ASSERT_EQ(NOT_RESTORED, checkpoint_child(each_kind, fd));
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	ASSERT_EQ(0, read_all(fd, &img));
	while (lock_rec(&img, nlocks))
		nlocks++;
	/* flock on a; POSIX twice on b; OFD on c, open for reading only */
	ASSERT_EQ(4, nlocks);
	EXPECT_EQ(0, restart_from(img.buf, img.len, 0, RESTART_VERIFY));

	for (i = 0; i < 8; i++) {
		l = lock_rec(&img, i < 4 ? 3 : 1);
		ASSERT_NE(NULL, l);
		saved = *l;
		switch (i) {
		case 0:		/* a write lock through a read-only open */
			l->type = F_WRLCK;
			break;
		case 1:		/* neither read nor write */
			l->type = F_UNLCK;
			break;
		case 2:		/* a second flock on a */
			*l = *lock_rec(&img, 0);
			break;
		case 3:		/* no such description */
			l->file = 99;
			break;
		case 4:		/* backwards */
			l->start = l->end + 1;
			break;
		case 5:		/* before the file */
			l->start = -1;
			break;
		case 6:		/* a flock that does not cover the file */
			l->kind = CKPT_LOCK_FLOCK;
			break;
		case 7:
			l->kind = 4;
			break;
		}
		image_reseal(&img);
		EXPECT_EQ(-EBADMSG, restart_from(img.buf, img.len, 0,
						 RESTART_VERIFY)) {
			TH_LOG("case %d", i);
		}
		*l = saved;
		image_reseal(&img);
	}
	EXPECT_EQ(0, restart_from(img.buf, img.len, 0, RESTART_VERIFY));
	image_free(&img);
	close(fd);
	tmp_unlink();
}

/* ---- Debian's sqlite3, in the middle of a transaction ---- */

static const char sqlite[] = "/usr/bin/sqlite3";

/*
 * Runs sqlite3 on @db with stdin from @in and stdout and stderr to @out
 * (-1: /dev/null), the rest closed; @sql, if given, as its argument.
 */
static pid_t run_sqlite(const char *db, int in, int out, const char *sql)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	if (out < 0)
		out = open("/dev/null", O_WRONLY);
	dup2(in >= 0 ? in : open("/dev/null", O_RDONLY), 0);
	dup2(out, 1);
	dup2(out, 2);
	close_range(3, ~0U, 0);
	execl(sqlite, "sqlite3", "-batch", db, sql, (char *)NULL);
	_exit(127);
}

/* The system call @pid is blocked in, as /proc/PID/syscall says, or -1. */
static long blocked_in(pid_t pid, long *arg0)
{
	char path[64], buf[256];
	long nr = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	f = fopen(path, "r");
	if (f && fgets(buf, sizeof(buf), f) &&
	    sscanf(buf, "%ld %lx", &nr, arg0) != 2)
		nr = -1;
	if (f)
		fclose(f);
	return nr;
}

static int read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n < 0 ? -1 : 0;
}

/*
 * sqlite3 takes its database's lock in BEGIN EXCLUSIVE and holds it,
 * waiting for more SQL on its stdin; it is checkpointed there, killed
 * (leaving a hot journal) and restarted with the restarter's stdio.  The
 * restored one still holds the lock: another sqlite3 finds the database
 * locked and leaves the journal alone.  It then commits, and the table
 * is what an uninterrupted run makes of the same SQL.
 */
TEST(sqlite3_keeps_its_lock_across_a_restart)
{
	const char *begin = "CREATE TABLE IF NOT EXISTS t(x);\n"
			    "BEGIN EXCLUSIVE;\nINSERT INTO t VALUES(1);\n";
	const char *end = "INSERT INTO t VALUES(2);\nCOMMIT;\n"
			  "SELECT group_concat(x) FROM t;\n";
	struct timespec ms = { 0, 10 * 1000 * 1000 };
	char db[64], out[64], text[256];
	int in[2], fd, o, i;
	struct image img = {};
	struct seen s;
	long arg0 = -1;
	pid_t sq, rs;

	if (access(sqlite, X_OK))
		SKIP(return, "no %s in this initramfs", sqlite);
	snprintf(db, sizeof(db), "/tmp/ckpt-sql-%d.db", getpid());
	snprintf(out, sizeof(out), "/tmp/ckpt-sql-%d.out", getpid());
	unlink(db);

	/* in the middle of its transaction, waiting on its stdin */
	ASSERT_EQ(0, pipe(in));
	sq = run_sqlite(db, in[0], -1, NULL);
	ASSERT_LE(0, sq);
	close(in[0]);
	ASSERT_EQ(0, write_all(in[1], begin, strlen(begin)));
	for (i = 0; i < 1000; i++) {
		if (!other_sees(db, 0, 0, &s) && s.type == F_WRLCK &&
		    blocked_in(sq, &arg0) == __NR_read && arg0 == 0)
			break;
		nanosleep(&ms, NULL);
	}
	ASSERT_GT(1000, i);
	EXPECT_EQ(sq, s.pid);

	ASSERT_EQ(0, kill(sq, SIGSTOP));
	ASSERT_EQ(0, wait_stopped(sq));
	ASSERT_EQ(0, checkpoint_to_image(sq, &img));
	kill(sq, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, wait_exit(sq));
	close(in[1]);
	/* the lock went with it; the journal stays, hot */
	ASSERT_EQ(0, other_sees(db, 0, 0, &s));
	EXPECT_EQ(F_UNLCK, s.type);

	/* restarted, with a new stdin and its output to a file */
	fd = image_fd();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, write_all(fd, img.buf, img.len));
	ASSERT_EQ(0, pipe(in));
	o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, o);
	rs = fork();
	ASSERT_LE(0, rs);
	if (!rs) {
		dup2(in[0], 0);
		dup2(o, 1);
		dup2(o, 2);
		lseek(fd, 0, SEEK_SET);
		sys_restart(0, fd, RESTART_KEEP_STDIO);
		_exit(200 + errno % 50);
	}
	close(in[0]);
	close(o);
	for (i = 0; i < 1000; i++) {
		if (!other_sees(db, 0, 0, &s) && s.type == F_WRLCK)
			break;
		nanosleep(&ms, NULL);
	}
	ASSERT_GT(1000, i);
	EXPECT_EQ(rs, s.pid);

	/* another sqlite3 is kept out: the database is locked */
	o = open("/tmp/ckpt-sql-other", O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, o);
	EXPECT_NE(0, wait_exit(run_sqlite(db, -1, o, "SELECT count(*) FROM t;")));
	ASSERT_EQ(0, lseek(o, 0, SEEK_SET));
	memset(text, 0, sizeof(text));
	EXPECT_LT(0, read(o, text, sizeof(text) - 1));
	EXPECT_NE(NULL, strstr(text, "locked")) {
		TH_LOG("the other sqlite3 said: %s", text);
	}
	close(o);
	unlink("/tmp/ckpt-sql-other");

	/* the restored one commits, and ends at the end of its input */
	ASSERT_EQ(0, write_all(in[1], end, strlen(end)));
	close(in[1]);
	EXPECT_EQ(0, wait_exit(rs));
	ASSERT_EQ(0, read_text(out, text, sizeof(text)));
	EXPECT_STREQ("1,2\n", text);

	/* the same SQL without a checkpoint makes the same table */
	unlink(db);
	ASSERT_EQ(0, pipe(in));
	o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, o);
	sq = run_sqlite(db, in[0], o, NULL);
	ASSERT_LE(0, sq);
	close(in[0]);
	close(o);
	ASSERT_EQ(0, write_all(in[1], begin, strlen(begin)));
	ASSERT_EQ(0, write_all(in[1], end, strlen(end)));
	close(in[1]);
	EXPECT_EQ(0, wait_exit(sq));
	ASSERT_EQ(0, read_text(out, text, sizeof(text)));
	EXPECT_STREQ("1,2\n", text);

	unlink(db);
	unlink(out);
	close(fd);
	image_free(&img);
}

/*
 * The checkpoint tool's --kill waits until its target is gone, so that a
 * restart right after finds the target's locks let go.
 */
TEST(checkpoint_tool_kill_lets_the_locks_go)
{
	char img[64], pidstr[16];
	struct seen s;
	pid_t pid, tool;
	long arg0;
	int fd, i;

	if (access("/bin/checkpoint", X_OK))
		SKIP(return, "no checkpoint tool");
	tmp_paths();
	snprintf(img, sizeof(img), "/tmp/ckpt-lock-img-%d", getpid());
	for (i = 0; i < 5; i++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			/* memory to free first: its locks go after it */
			size_t len = 64 << 20;
			char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (m == MAP_FAILED ||
			    place(open(path_a, O_RDWR), F_OFF) < 0 ||
			    flock(F_OFF, LOCK_EX) ||
			    set_lock(F_OFF, F_SETLK, F_WRLCK, 0, 0))
				_exit(1);
			memset(m, 1, len);
			for (;;)
				pause();
		}
		/* locked, and its memory touched */
		while (other_sees(path_a, 0, 0, &s) || s.type != F_WRLCK ||
		       blocked_in(pid, &arg0) != __NR_pause)
			usleep(1000);
		snprintf(pidstr, sizeof(pidstr), "%d", pid);
		tool = fork();
		ASSERT_LE(0, tool);
		if (!tool) {
			execl("/bin/checkpoint", "checkpoint", "--kill", "-o", img,
			      pidstr, (char *)NULL);
			_exit(127);
		}
		ASSERT_EQ(0, wait_exit(tool));
		/* at once: no lock of the target's is left in the way */
		fd = open(img, O_RDONLY);
		ASSERT_LE(0, fd);
		EXPECT_EQ(0, sys_restart(0, fd, RESTART_VERIFY));
		close(fd);
		EXPECT_EQ(128 + SIGKILL, wait_exit(pid));
	}
	unlink(img);
	tmp_unlink();
}

TEST_HARNESS_MAIN
