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
#include <poll.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/resource.h>
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


/*
 * A secret that a setuid-root program makes in its memory once it runs:
 * no process before its execve() holds these bytes.
 */
#define SECRET_LEN	(64 * 1024)

static void secret_bytes(uint8_t *buf, size_t len)
{
	uint32_t x = 0x9e3779b9;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = x >> 24;
	}
}

/*
 * perm_test --secret FD: the setuid-root helper; makes its secret, says
 * so on FD with its effective uid, and waits.
 */
static int hold_secret(const char *fd)
{
	uint8_t *secret = malloc(SECRET_LEN);
	char euid = geteuid() ? 'u' : 'r';

	if (!secret)
		return 1;
	secret_bytes(secret, SECRET_LEN);
	if (write(atoi(fd), &euid, 1) != 1)
		return 1;
	for (;;)
		pause();
}

static char helper[64];

/* A copy of this program at @path, owned by root, with @mode. */
static int copy_self(const char *path, mode_t mode)
{
	char buf[65536];
	int in = open("/proc/self/exe", O_RDONLY), out;
	ssize_t n;

	unlink(path);
	out = open(path, O_WRONLY | O_CREAT | O_EXCL, 0700);
	if (in < 0 || out < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write_all(out, buf, n))
			return -1;
	close(in);
	close(out);
	if (chown(path, 0, 0) || chmod(path, mode))
		return -1;
	return n;
}

static bool holds_secret_window(const struct image *img)
{
	uint8_t *secret = malloc(SECRET_LEN);
	bool found = false;

	if (!secret)
		return true;
	secret_bytes(secret, SECRET_LEN);
	/* any 64 bytes of it, taken a page apart */
	for (size_t s = 0; s < SECRET_LEN && !found; s += 4096)
		found = memmem(img->buf, img->len, secret + s, 64) != NULL;
	free(secret);
	return found;
}

/*
 * uid 1000 checkpoints its own stopped child into a pipe nobody reads yet;
 * meanwhile it continues the child, which execve()s a setuid-root
 * program holding a secret.  The exec is not held up by the checkpoint,
 * and the checkpoint does not go on with the new program: it refuses a
 * target that ran, and no byte of the secret is in the image.
 */
TEST(checkpoint_never_reads_a_setuid_program_execd_meanwhile)
{
	char fdarg[16], said = 0, exe[64] = "", path[32];
	struct pollfd pfd;
	struct image img = {};
	pid_t target, ckpt;
	int p[2], st[2], code;

	snprintf(helper, sizeof(helper), "/tmp/ckpt-suid-%d", getpid());
	ASSERT_EQ(0, copy_self(helper, 04755));
	ASSERT_EQ(0, pipe(st));
	snprintf(fdarg, sizeof(fdarg), "%d", st[1]);
	target = fork();
	ASSERT_LE(0, target);
	if (!target) {
		take_target_creds(T_USER);
		raise(SIGSTOP);
		execl(helper, helper, "--secret", fdarg, NULL);
		_exit(1);
	}
	ASSERT_EQ(0, wait_stopped(target));
	close(st[1]);

	/* the checkpointer's alone: EOF when it is done */
	ASSERT_EQ(0, pipe(p));
	ckpt = fork();
	ASSERT_LE(0, ckpt);
	if (!ckpt) {
		close(p[0]);
		become(USER_PLAIN);
		/* full after the first records: it blocks there */
		fcntl(p[1], F_SETPIPE_SZ, 4096);
		_exit(sys_checkpoint(target, p[1], 0) > 0 ? 0 : errno);
	}
	close(p[1]);
	usleep(300000);
	ASSERT_EQ(0, kill(target, SIGCONT));
	/* the helper runs, as root, while the checkpoint is blocked */
	pfd.fd = st[0];
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, 10000));
	ASSERT_EQ(1, read(st[0], &said, 1));
	EXPECT_EQ('r', said);
	snprintf(path, sizeof(path), "/proc/%d/exe", target);
	EXPECT_LT(0, readlink(path, exe, sizeof(exe) - 1));
	EXPECT_STREQ(helper, exe);
	ASSERT_EQ(0, read_all(p[0], &img));
	code = wait_exit(ckpt);
	EXPECT_TRUE(code == EBUSY || code == ESRCH) {
		TH_LOG("checkpoint: %s", strerror(code));
	}
	EXPECT_FALSE(holds_secret_window(&img));
	reap(target);
	image_free(&img);
	close(p[0]);
	close(st[0]);
	unlink(helper);
}

/* perm_test --restart-self FD: checkpoints itself into FD. */
static int checkpoint_self_into(const char *fd)
{
	char exe[PATH_MAX];
	ssize_t n;

	/*
	 * execve() cleared the keep-caps bit that become() sets: set it
	 * again, or the credentials alone would differ from a restarter's.
	 */
	prctl(PR_SET_KEEPCAPS, 1);
	if (self_checkpoint(atoi(fd)))
		return NOT_RESTORED;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return 62;
	exe[n] = 0;
	return strcmp(exe, helper) ? 62 : 61;
}

/* The restored process's exit, or 200 + errno, as @who restarts @fd. */
static int restart_as(enum caller who, int fd)
{
	pid_t pid = fork_restarter(fd, 0, RESTART_KEEP_STDIO,
				   become_restarter, who);

	return pid < 0 ? -1 : wait_exit(pid);
}

/*
 * /proc/PID/exe names what a process runs, and mainline lets a process
 * point it elsewhere only with CAP_SYS_RESOURCE or CAP_CHECKPOINT_RESTORE.
 * So does restart: uid 1000 restarting its own image whose program is not
 * the one the restarter runs is refused, a setuid-root program above all
 * (the image edited to name one); with CAP_CHECKPOINT_RESTORE, or as
 * root, the process comes back with the image's program.
 */
TEST(restart_sets_another_exe_only_with_the_right)
{
	struct record rec[MAX_RECORDS];
	struct ckpt_hdr_file *exe;
	struct image img = {};
	struct stat st;
	char fdarg[16];
	int fd = image_fd(), n;
	pid_t pid;

	ASSERT_LE(0, fd);
	snprintf(helper, sizeof(helper), "/tmp/ckpt-exe-%d", getpid());
	ASSERT_EQ(0, copy_self(helper, 0755));
	snprintf(fdarg, sizeof(fdarg), "%d", fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		take_target_creds(T_USER);
		execl(helper, helper, "--restart-self", fdarg, NULL);
		_exit(1);
	}
	ASSERT_EQ(NOT_RESTORED, wait_exit(pid));

	EXPECT_EQ(200 + EPERM, restart_as(USER_PLAIN, fd));
	EXPECT_EQ(61, restart_as(USER_CR, fd));
	EXPECT_EQ(61, restart_as(ROOT, fd));

	/* the same image, edited to name a setuid-root program */
	ASSERT_EQ(0, chmod(helper, 04755));
	ASSERT_EQ(0, stat(helper, &st));
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	ASSERT_EQ(0, read_all(fd, &img));
	n = image_records(&img, rec);
	ASSERT_LT(0, n);
	/* the executable, and its mappings */
	for (int i = 0; i < n; i++) {
		exe = (void *)(img.buf + rec[i].off);
		if ((rec[i].type == CKPT_HDR_EXE ||
		     rec[i].type == CKPT_HDR_VMA_FILE) && exe->ino == st.st_ino)
			exe->mode = st.st_mode;
	}
	exe = image_record(&img, rec, n, CKPT_HDR_EXE);
	ASSERT_NE(NULL, exe);
	ASSERT_EQ(st.st_mode, exe->mode);
	image_reseal(&img);
	ASSERT_EQ(0, ftruncate(fd, 0));
	ASSERT_EQ(0, pwrite(fd, img.buf, img.len, 0) != (ssize_t)img.len);
	EXPECT_EQ(200 + EPERM, restart_as(USER_PLAIN, fd));
	EXPECT_EQ(61, restart_as(USER_CR, fd));
	image_free(&img);
	close(fd);
	unlink(helper);
}

/* The committed size of the kernel's vmalloc space, in kB. */
static long vmalloc_used(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmallocUsed: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static int checkpoint_then_exit(int fd)
{
	return self_checkpoint(fd) ? NOT_RESTORED : RESTORED;
}

/*
 * Feeds restart the first @len bytes of @img and holds the stream open:
 * the restarter sleeps on it.  Returns how much vmalloc space it took
 * meanwhile, in kB, having killed it.
 */
static long vmalloc_of_a_sleeping_restart(const struct image *img, size_t len)
{
	long before = vmalloc_used(), during;
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	if (write_all(p[1], img->buf, len))
		return -1;
	pid = fork_restarter(p[0], 0, 0, NULL, 0);
	usleep(500000);
	during = vmalloc_used();
	reap(pid);
	close(p[0]);
	close(p[1]);
	return during - before;
}

/*
 * An image declares how many fds and pending signals follow, up to the
 * limits of the process it holds.  Restart allocates as the records come,
 * not by the count: a restart that a hostile image leaves waiting on its
 * stream after the count holds next to nothing (the count would be 1M
 * fds, some 100 MiB of kernel memory).
 */
TEST(restart_allocates_by_the_records_not_by_declared_counts)
{
	struct rlimit lim = { 65536, 65536 };
	struct record rec[MAX_RECORDS];
	struct image img = {};
	uint32_t types[] = { CKPT_HDR_SIGNALS, CKPT_HDR_FILES };
	int n;

	/* the restarters may queue that many signals, as their images say */
	ASSERT_EQ(0, setrlimit(RLIMIT_SIGPENDING, &lim));
	ASSERT_EQ(0, child_image(checkpoint_then_exit, &img));
	n = image_records(&img, rec);
	ASSERT_LT(0, n);

	for (int t = 0; t < 2; t++) {
		struct image copy = { .len = img.len };
		struct ckpt_hdr_signals *sig;
		struct ckpt_hdr_files *files;
		struct ckpt_hdr_attr *attr;
		size_t end = 0;
		long kb;

		copy.buf = malloc(img.len);
		ASSERT_NE(NULL, copy.buf);
		memcpy(copy.buf, img.buf, img.len);
		attr = image_record(&copy, rec, n, CKPT_HDR_ATTR);
		files = image_record(&copy, rec, n, CKPT_HDR_FILES);
		sig = image_record(&copy, rec, n, CKPT_HDR_SIGNALS);
		ASSERT_NE(NULL, attr);
		ASSERT_NE(NULL, files);
		ASSERT_NE(NULL, sig);
		if (types[t] == CKPT_HDR_SIGNALS) {
			sig->nr_siginfo = 65536 + 2 * 64;
		} else {
			attr->rlim[RLIMIT_NOFILE].cur = 1 << 20;
			attr->rlim[RLIMIT_NOFILE].max = 1 << 20;
			files->nr_fds = 1 << 20;
		}
		for (int i = 0; i < n; i++)
			if (rec[i].type == types[t])
				end = rec[i].off + ((rec[i].len + 7) & ~7U);
		kb = vmalloc_of_a_sleeping_restart(&copy, end);
		EXPECT_GT(4096, kb) {
			TH_LOG("a restart waiting after record %u took %ld kB",
			       types[t], kb);
		}
		image_free(&copy);
	}
	image_free(&img);
}

/*
 * uid 1000's deleted file and memfd, each open for writing by two
 * descriptions, then made 0400: restarted by uid 1000, whom the mode
 * would not let open them so now, every description is open as it was
 * and writes, and the mode is kept.
 */
static int hold_readonly_made(int fd)
{
	char path[64], link[64], got[2];
	int d, m, d2, m2;
	struct stat st;

	become(USER_PLAIN);
	snprintf(path, sizeof(path), "/tmp/ckpt-ro-%d", getpid());
	d = dup2(open(path, O_RDWR | O_CREAT | O_EXCL, 0600), 40);
	m = dup2(memfd_create("ro", 0), 41);
	if (d < 0 || m < 0 || write(d, "dd", 2) != 2 || write(m, "mm", 2) != 2)
		return 1;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", d);
	d2 = dup2(open(link, O_WRONLY), 42);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", m);
	m2 = dup2(open(link, O_WRONLY), 43);
	if (d2 < 0 || m2 < 0 || unlink(path) || fchmod(d, 0400) ||
	    fchmod(m, 0400))
		return 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;

	if (getuid() != USER)
		return 2;
	if (fstat(d, &st) || (st.st_mode & 07777) != 0400 ||
	    fstat(m, &st) || (st.st_mode & 07777) != 0400)
		return 3;
	if (pwrite(d2, "D", 1, 0) != 1 || pwrite(d, "x", 1, 1) != 1 ||
	    pwrite(m2, "M", 1, 0) != 1 || pwrite(m, "y", 1, 1) != 1)
		return 4;
	if (pread(d, got, 2, 0) != 2 || memcmp(got, "Dx", 2) ||
	    pread(m, got, 2, 0) != 2 || memcmp(got, "My", 2))
		return 5;
	return RESTORED;
}

TEST(made_files_keep_descriptions_their_mode_now_forbids)
{
	int fd = image_fd();
	pid_t pid;

	ASSERT_LE(0, fd);
	ASSERT_EQ(NOT_RESTORED, checkpoint_child(hold_readonly_made, fd));
	pid = fork_restarter(fd, 0, RESTART_KEEP_STDIO, become_restarter,
			     USER_PLAIN);
	ASSERT_LE(0, pid);
	EXPECT_EQ(RESTORED, wait_exit(pid));
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--secret"))
		return hold_secret(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "--restart-self")) {
		snprintf(helper, sizeof(helper), "%s", argv[0]);
		return checkpoint_self_into(argv[2]);
	}
	return test_harness_run(argc, argv);
}
