// SPDX-License-Identifier: GPL-2.0
/*
 * The permission matrix.  Checkpoint needs the right a debugger needs to
 * attach (ptrace_may_access); restart of an image whose credentials are
 * not the caller's needs CAP_CHECKPOINT_RESTORE, and the restored process
 * always runs with the caller's credentials; files are reopened with the
 * caller's rights.
 *
 * Callers: root; uid 1000 with no capability; uid 1000 with only
 * CAP_SYS_PTRACE; uid 1000 with only CAP_CHECKPOINT_RESTORE.
 * Targets and images: root's; uid 1000's; uid 1000's, not dumpable; a
 * setuid-root program's (real uid 1000, effective and saved uid 0, not
 * dumpable, as exec of a setuid program leaves it).
 */
#define _GNU_SOURCE
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "../kselftest_harness.h"
#include "ckpt_util.h"

#define USER 1000

enum caller { ROOT, USER_PLAIN, USER_PTRACE, USER_CR, NR_CALLERS };
enum target { T_ROOT, T_USER, T_NODUMP, T_SETUID, NR_TARGETS };

static const char *const caller_name[] = {
	"root", "uid 1000", "uid 1000 with CAP_SYS_PTRACE",
	"uid 1000 with CAP_CHECKPOINT_RESTORE",
};
static const char *const target_name[] = {
	"root's", "uid 1000's", "uid 1000's non-dumpable", "setuid root's",
};

/* In a child: becomes @who, or exits with 90. */
static void become(enum caller who)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {};
	int cap = who == USER_PTRACE ? CAP_SYS_PTRACE :
		  who == USER_CR ? CAP_CHECKPOINT_RESTORE : -1;

	if (who == ROOT)
		return;
	if (prctl(PR_SET_KEEPCAPS, 1) || setgroups(0, NULL) ||
	    setresgid(USER, USER, USER) || setresuid(USER, USER, USER))
		_exit(90);
	if (cap >= 0) {
		data[cap / 32].permitted = 1U << (cap % 32);
		data[cap / 32].effective = 1U << (cap % 32);
	}
	if (syscall(SYS_capset, &hdr, data))
		_exit(90);
}

/* In a child: takes the credentials and dumpability of @t. */
static void take_target_creds(enum target t)
{
	switch (t) {
	case T_ROOT:
		break;
	case T_USER:
	case T_NODUMP:
		become(USER_PLAIN);
		/* the change of uid cleared it; set what the row wants */
		prctl(PR_SET_DUMPABLE, t == T_USER);
		break;
	case T_SETUID:
		if (setresuid(USER, 0, 0))
			_exit(90);
		prctl(PR_SET_DUMPABLE, 0);
		break;
	default:
		_exit(90);
	}
}

static pid_t spawn_target(enum target t)
{
	pid_t pid = fork();

	if (!pid) {
		take_target_creds(t);
		raise(SIGSTOP);
		_exit(0);
	}
	if (pid < 0 || wait_stopped(pid))
		return -1;
	return pid;
}

/* @who checkpoints @pid; 0 or the errno. */
static int checkpoint_as(enum caller who, pid_t pid)
{
	pid_t c = fork();

	if (!c) {
		int fd = memfd_create("img", 0);

		become(who);
		_exit(sys_checkpoint(pid, fd, 0) > 0 ? 0 : errno);
	}
	return wait_exit(c);
}

TEST(who_may_checkpoint_whom)
{
	/* 0 or the errno, by caller and target */
	static const int expect[NR_CALLERS][NR_TARGETS] = {
		[ROOT] = { 0, 0, 0, 0 },
		[USER_PLAIN] = { EPERM, 0, EPERM, EPERM },
		[USER_PTRACE] = { 0, 0, 0, 0 },
		[USER_CR] = { EPERM, 0, EPERM, EPERM },
	};
	pid_t pid[NR_TARGETS];

	for (int t = 0; t < NR_TARGETS; t++) {
		pid[t] = spawn_target(t);
		ASSERT_LT(0, pid[t]);
	}
	for (int c = 0; c < NR_CALLERS; c++) {
		for (int t = 0; t < NR_TARGETS; t++) {
			EXPECT_EQ(expect[c][t], checkpoint_as(c, pid[t])) {
				TH_LOG("%s checkpointing %s process",
				       caller_name[c], target_name[t]);
			}
		}
	}
	/* a kernel thread: refused even to root */
	EXPECT_EQ(EPERM, checkpoint_as(ROOT, 2));
	for (int t = 0; t < NR_TARGETS; t++)
		reap(pid[t]);
}

/*
 * What the restored process runs as: 60 as root, 61 as uid 1000 in all
 * its ids with no capability but CAP_CHECKPOINT_RESTORE, 62 otherwise.
 */
static int ids_code(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {};
	uid_t r, e, s;

	if (getresuid(&r, &e, &s) || syscall(SYS_capget, &hdr, data))
		return 62;
	if (!r && !e && !s)
		return 60;
	data[CAP_CHECKPOINT_RESTORE / 32].effective &=
		~(1U << (CAP_CHECKPOINT_RESTORE % 32));
	if (r == USER && e == USER && s == USER && getgid() == USER &&
	    !data[0].effective && !data[1].effective)
		return 61;
	return 62;
}

static int checkpoint_then_ids(int fd)
{
	return self_checkpoint(fd) ? NOT_RESTORED : ids_code();
}

static void become_restarter(int who)
{
	become(who);
}

TEST(who_may_restart_what)
{
	enum target images[] = { T_ROOT, T_USER, T_SETUID };
	/*
	 * The restored process's ids_code(), or 200 + the errno.  Any
	 * difference counts, a capability the image lacks too: uid 1000 with
	 * CAP_SYS_PTRACE may not restart the image of uid 1000 without it.
	 */
	static const int expect[NR_CALLERS][3] = {
		[ROOT] = { 60, 60, 60 },
		[USER_PLAIN] = { 200 + EPERM, 61, 200 + EPERM },
		[USER_PTRACE] = { 200 + EPERM, 200 + EPERM, 200 + EPERM },
		[USER_CR] = { 61, 61, 61 },
	};

	for (int i = 0; i < 3; i++) {
		int fd = image_fd();
		pid_t pid = fork();

		ASSERT_LE(0, fd);
		ASSERT_LE(0, pid);
		if (!pid) {
			take_target_creds(images[i]);
			_exit(checkpoint_then_ids(fd));
		}
		ASSERT_EQ(NOT_RESTORED, wait_exit(pid));
		for (int c = 0; c < NR_CALLERS; c++) {
			/* the image's stdio is the console, root's */
			pid = fork_restarter(fd, 0, RESTART_KEEP_STDIO,
					     become_restarter, c);
			ASSERT_LE(0, pid);
			EXPECT_EQ(expect[c][i], wait_exit(pid)) {
				TH_LOG("%s restarting %s image",
				       caller_name[c], target_name[images[i]]);
			}
		}
		close(fd);
	}
}

/* A refused restart leaves the caller as it was: ids, fds, cwd. */
TEST(refused_restart_leaves_the_caller_as_it_was)
{
	int fd = image_fd();
	pid_t pid;

	ASSERT_LE(0, fd);
	ASSERT_EQ(NOT_RESTORED, checkpoint_child(checkpoint_then_ids, fd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char cwd[64];

		become(USER_PTRACE);
		lseek(fd, 0, SEEK_SET);
		if (sys_restart(0, fd, 0) != -1 || errno != EPERM)
			_exit(1);
		if (getuid() != USER || fcntl(fd, F_GETFD) ||
		    !getcwd(cwd, sizeof(cwd)) || strcmp(cwd, "/tmp"))
			_exit(2);
		_exit(0);
	}
	EXPECT_EQ(0, wait_exit(pid));
	close(fd);
}

static char locked_dir[64];
static char locked_file[PATH_MAX];

static int map_locked_file(int fd)
{
	int f;

	become(USER_PLAIN);
	f = open(locked_file, O_RDONLY);
	if (f < 0 || mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, f, 0) ==
		     MAP_FAILED)
		return 1;
	close(f);
	return self_checkpoint(fd) ? NOT_RESTORED : RESTORED;
}

/*
 * A file the restarter may not open fails restart before it replaces
 * the caller, even when the caller may restart the image otherwise.
 */
TEST(file_the_restarter_cannot_open_fails_cleanly)
{
	int fd = image_fd(), f;
	pid_t pid;

	ASSERT_LE(0, fd);
	snprintf(locked_dir, sizeof(locked_dir), "/tmp/ckpt-locked-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(locked_dir));
	ASSERT_EQ(0, chmod(locked_dir, 0755));
	snprintf(locked_file, sizeof(locked_file), "%s/data", locked_dir);
	f = open(locked_file, O_WRONLY | O_CREAT, 0644);
	ASSERT_LE(0, f);
	ASSERT_EQ(0, ftruncate(f, 4096));
	close(f);
	ASSERT_EQ(NOT_RESTORED, checkpoint_child(map_locked_file, fd));
	ASSERT_EQ(0, chmod(locked_dir, 0700));

	/* uid 1000 restarting its own image, with or without the right */
	for (int c = USER_PLAIN; c < NR_CALLERS; c += USER_CR - USER_PLAIN) {
		pid = fork_restarter(fd, 0, RESTART_KEEP_STDIO,
				     become_restarter, c);
		ASSERT_LE(0, pid);
		EXPECT_EQ(200 + EACCES, wait_exit(pid)) {
			TH_LOG("%s", caller_name[c]);
		}
	}
	/* root may open it: the same image restarts */
	EXPECT_EQ(RESTORED, restart_child(fd, 0));
	unlink(locked_file);
	rmdir(locked_dir);
	close(fd);
}

TEST_HARNESS_MAIN
