// SPDX-License-Identifier: GPL-2.0
/*
 * restart(2) brings a process back: each test builds state in a child,
 * which checkpoints itself; a fresh child restarts the image and becomes
 * that process, where checkpoint() returns 0, checks the state and exits
 * with RESTORED.
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/rseq.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "../kselftest_harness.h"
#include "ckpt_util.h"

static size_t page;

static int generation;

/* The state at the checkpoint comes back; what came after it does not. */
static int self_restart(int fd)
{
	long crid;

	generation = 1;
	crid = self_checkpoint(fd);
	if (!crid)
		return generation == 1 ? RESTORED : 1;
	generation = 2;
	lseek(fd, 0, SEEK_SET);
	sys_restart(crid, fd, 0);
	return 2;
}

TEST(self_checkpoint_returns_crid_then_zero)
{
	int fd = image_fd();

	ASSERT_LE(0, fd);
	EXPECT_EQ(RESTORED, checkpoint_child(self_restart, fd));
	close(fd);
}

static int exit_after_checkpoint(int fd)
{
	return self_checkpoint(fd) ? NOT_RESTORED : RESTORED;
}

TEST(restart_in_a_fresh_process)
{
	EXPECT_EQ(RESTORED, round_trip(exit_after_checkpoint));
}

TEST(one_image_restarts_twice)
{
	int fd = image_fd();

	ASSERT_LE(0, fd);
	ASSERT_EQ(NOT_RESTORED, checkpoint_child(exit_after_checkpoint, fd));
	EXPECT_EQ(RESTORED, restart_child(fd, 0));
	EXPECT_EQ(RESTORED, restart_child(fd, 0));
	close(fd);
}

static uint64_t checksum(const uint8_t *p, size_t len)
{
	return xxh64(p, len, 0);
}

static size_t mem_len;

/* @mem_len bytes of a pattern, and a checksum taken before the checkpoint. */
static int memory_pattern(int fd)
{
	uint8_t *p = mmap(NULL, mem_len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t sum;

	if (p == MAP_FAILED)
		return 3;
	for (size_t i = 0; i < mem_len; i += 8)
		*(uint64_t *)(p + i) = i * 0x9E3779B97F4A7C15ULL;
	sum = checksum(p, mem_len);
	if (self_checkpoint(fd))
		return NOT_RESTORED;
	return checksum(p, mem_len) == sum ? RESTORED : 1;
}

/* 4 MiB of it, for a test that needs page data to cut */
static int memory_pattern_small(int fd)
{
	mem_len = 4 << 20;
	return memory_pattern(fd);
}

FIXTURE(big) {
};

FIXTURE_SETUP(big)
{
}

FIXTURE_TEARDOWN(big)
{
}

TEST_F_TIMEOUT(big, memory_survives_from_one_page_to_256_mib, 600)
{
	size_t sizes[] = { 1, 16, 1024, 64 << 10 };	/* in pages */

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		int fd = image_fd();

		ASSERT_LE(0, fd);
		mem_len = sizes[i] * page;
		ASSERT_EQ(NOT_RESTORED, checkpoint_child(memory_pattern, fd));
		EXPECT_EQ(RESTORED, restart_child(fd, 0)) {
			TH_LOG("%zu pages", sizes[i]);
		}
		close(fd);
	}
}

static __thread int tls_value = 7;

static int tls_and_heap(int fd)
{
	char *heap = malloc(100000);

	tls_value = 1234;
	snprintf(heap, 100000, "on the heap");
	if (self_checkpoint(fd))
		return NOT_RESTORED;
	return tls_value == 1234 && !strcmp(heap, "on the heap") ?
	       RESTORED : 1;
}

TEST(tls_and_heap_survive)
{
	EXPECT_EQ(RESTORED, round_trip(tls_and_heap));
}

/* Read-only, executable, PROT_NONE and shared anonymous memory. */
static int mappings(int fd)
{
	uint8_t *ro = mmap(NULL, page, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *none = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *shared = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint8_t *code = mmap(NULL, page, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *tail = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	static const uint8_t ret42[] = { 0xb8, 42, 0, 0, 0, 0xc3 };
	char path[64];
	FILE *f;
	int n = 0;

	memset(ro, 0x5a, page);
	mprotect(ro, page, PROT_READ);
	memset(none + page, 0x77, page);
	mprotect(none + page, page, PROT_NONE);
	memset(shared + page, 0x33, page);
	/* shared anonymous memory that starts inside its object */
	memset(tail + page, 0x44, page);
	munmap(tail, page);
	memcpy(code, ret42, sizeof(ret42));
	mprotect(code, page, PROT_READ | PROT_EXEC);

	if (self_checkpoint(fd))
		return NOT_RESTORED;

	if (ro[0] != 0x5a || ro[page - 1] != 0x5a || shared[page] != 0x33 ||
	    shared[0] != 0 || tail[page] != 0x44 || tail[2 * page - 1] != 0x44)
		return 1;
	if (((int (*)(void))code)() != 42)
		return 2;
	/* the hole is still a hole */
	snprintf(path, sizeof(path), "/proc/self/maps");
	f = fopen(path, "r");
	if (!f)
		return 3;
	for (char line[256]; fgets(line, sizeof(line), f);) {
		unsigned long start, end;
		char perms[5];

		if (sscanf(line, "%lx-%lx %4s", &start, &end, perms) == 3 &&
		    start == (unsigned long)none + page &&
		    end == start + page && !strcmp(perms, "---p"))
			n++;
	}
	fclose(f);
	if (n != 1)
		return 4;
	mprotect(none + page, page, PROT_READ);
	return none[page] == 0x77 ? RESTORED : 5;
}

TEST(mappings_keep_their_protection_and_data)
{
	EXPECT_EQ(RESTORED, round_trip(mappings));
}

static char file_path[32];

/* A private file mapping written in two pages; a shared one in one. */
static int file_mappings(int fd)
{
	int f = open(file_path, O_RDWR);
	uint8_t *priv = mmap(NULL, 8 * page, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE, f, 0);
	uint8_t *shared = mmap(NULL, 8 * page, PROT_READ | PROT_WRITE,
			       MAP_SHARED, f, 0);

	close(f);
	priv[2 * page] = 'p';
	priv[5 * page] = 'q';
	shared[7 * page] = 's';
	if (self_checkpoint(fd))
		return NOT_RESTORED;
	/* private: ours; the rest and the shared mapping: the file's */
	if (priv[2 * page] != 'p' || priv[5 * page] != 'q' ||
	    priv[7 * page] != 's' || shared[7 * page] != 's')
		return 1;
	shared[6 * page] = 'w';		/* goes to the file */
	return priv[6 * page] == 'w' ? RESTORED : 2;
}

TEST(file_mappings_survive)
{
	int fd = image_fd(), f;
	char c = 0;

	ASSERT_LE(0, fd);
	snprintf(file_path, sizeof(file_path), "/tmp/ckpt-file-XXXXXX");
	f = mkstemp(file_path);
	ASSERT_LE(0, f);
	ASSERT_EQ(0, ftruncate(f, 8 * page));
	ASSERT_EQ(NOT_RESTORED, checkpoint_child(file_mappings, fd));
	EXPECT_EQ(RESTORED, restart_child(fd, 0));
	ASSERT_EQ(1, pread(f, &c, 1, 6 * page));
	EXPECT_EQ('w', c);
	close(f);
	unlink(file_path);
	close(fd);
}

/* xmm, ymm, MXCSR and the x87 control word, set around the checkpoint. */
static int fpu_state(int fd)
{
	static const uint8_t want[32] = {
		0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
		0xfe, 0xed, 0xfa, 0xce, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
		23, 24,
	};
	uint8_t got[32] = {};
	uint32_t mxcsr = 0x1f80 | (3 << 13), mxcsr_got = 0;	/* RZ */
	uint16_t fcw = (0x037f & ~(3 << 10)) | (1 << 10), fcw_got = 0;
	long ret;

	asm volatile("vmovdqu %[w], %%ymm7\n\t"
		     "ldmxcsr %[m]\n\t"
		     "fldcw %[c]\n\t"
		     "syscall\n\t"
		     "vmovdqu %%ymm7, %[g]\n\t"
		     "stmxcsr %[mg]\n\t"
		     "fnstcw %[cg]"
		     : "=a"(ret), [g] "=m"(got), [mg] "=m"(mxcsr_got),
		       [cg] "=m"(fcw_got)
		     : "a"(__NR_checkpoint), "D"(0), "S"(fd), "d"(0),
		       [w] "m"(want), [m] "m"(mxcsr), [c] "m"(fcw)
		     : "rcx", "r11", "memory");
	if (ret < 0)
		return 100;
	if (ret)
		return NOT_RESTORED;
	if (memcmp(got, want, sizeof(want)))
		return 1;
	if (mxcsr_got != mxcsr)
		return 2;
	return fcw_got == fcw ? RESTORED : 3;
}

TEST(fpu_registers_survive)
{
	EXPECT_EQ(RESTORED, round_trip(fpu_state));
}

/*
 * The registrations the kernel keeps for a task: glibc's rseq area, and the
 * robust futex list, both at their addresses in the restored memory.
 */
static int kernel_registrations(int fd)
{
	void *area = (char *)__builtin_thread_pointer() + __rseq_offset;
	struct robust_list_head *head = NULL, *after = NULL;
	size_t len = 0;

	if (!__rseq_size)
		return 10;	/* glibc did not register rseq */
	if (syscall(SYS_get_robust_list, 0, &head, &len) || !head)
		return 11;
	if (self_checkpoint(fd))
		return NOT_RESTORED;
	if (syscall(SYS_get_robust_list, 0, &after, &len) || after != head)
		return 1;
	/*
	 * Unregistering succeeds only for the area, length and signature in
	 * place.  glibc registers 32 bytes; newer ones say 20 in __rseq_size.
	 */
	if (syscall(__NR_rseq, area, 32, RSEQ_FLAG_UNREGISTER, RSEQ_SIG) &&
	    syscall(__NR_rseq, area, __rseq_size, RSEQ_FLAG_UNREGISTER,
		    RSEQ_SIG))
		return 2;
	return RESTORED;
}

TEST(rseq_and_robust_list_survive)
{
	EXPECT_EQ(RESTORED, round_trip(kernel_registrations));
}

static ssize_t read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len);
	close(fd);
	return n;
}

/* The mm's ranges: /proc/self/cmdline, environ and auxv read as before. */
static int proc_views(int fd)
{
	static const char * const files[] = {
		"/proc/self/cmdline", "/proc/self/environ", "/proc/self/auxv",
	};
	static char before[3][4096], after[4096];
	static ssize_t len[3];

	for (int i = 0; i < 3; i++) {
		len[i] = read_file(files[i], before[i], sizeof(before[i]));
		if (len[i] <= 0)
			return 10 + i;
	}
	if (self_checkpoint(fd))
		return NOT_RESTORED;
	for (int i = 0; i < 3; i++) {
		if (read_file(files[i], after, sizeof(after)) != len[i] ||
		    memcmp(before[i], after, len[i]))
			return 1 + i;
	}
	return RESTORED;
}

TEST(proc_cmdline_environ_and_auxv_read_right)
{
	EXPECT_EQ(RESTORED, round_trip(proc_views));
}

/* An image can come through a pipe, written and read at once. */
TEST(restart_from_a_pipe)
{
	int p[2], status;
	pid_t writer, reader;

	ASSERT_EQ(0, pipe(p));
	writer = fork();
	ASSERT_LE(0, writer);
	if (!writer) {
		close(p[0]);
		_exit(exit_after_checkpoint(p[1]));
	}
	reader = fork();
	ASSERT_LE(0, reader);
	if (!reader) {
		close(p[1]);
		sys_restart(0, p[0], 0);
		_exit(200 + errno % 50);
	}
	close(p[0]);
	close(p[1]);
	ASSERT_EQ(writer, waitpid(writer, &status, 0));
	EXPECT_EQ(NOT_RESTORED, WEXITSTATUS(status));
	EXPECT_EQ(RESTORED, wait_exit(reader));
}

/* The restored process is the restarter's pid, with the image's name. */
static int keeps_name(int fd)
{
	char comm[16] = "";

	prctl(PR_SET_NAME, "ckpt-restored");
	if (self_checkpoint(fd))
		return NOT_RESTORED;
	prctl(PR_GET_NAME, comm);
	return !strcmp(comm, "ckpt-restored") ? RESTORED : 1;
}

TEST(restored_process_keeps_the_restarter_pid)
{
	EXPECT_EQ(RESTORED, round_trip(keeps_name));
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * A child asleep in nanosleep() is checkpointed and killed; restarted, it
 * sleeps the rest of its time, as after a stop and continue, and the call
 * returns 0.
 */
TEST(nanosleep_resumes_after_restart)
{
	struct timespec two = { 2, 0 };
	int fd = image_fd(), status;
	pid_t pid;

	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		double t0 = now();

		if (nanosleep(&two, NULL))
			_exit(1);
		_exit(now() - t0 >= 2.0 ? RESTORED : 2);
	}
	usleep(500000);
	ASSERT_EQ(0, kill(pid, SIGSTOP));
	ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
	ASSERT_LT(0, sys_checkpoint(pid, fd, 0));
	reap(pid);
	EXPECT_EQ(RESTORED, restart_child(fd, 0));
	close(fd);
}

/*
 * Checkpoints and kills @pid, stopped, into @fd.  The restarter, a child
 * of this process as @pid was, inherits the same descriptors.
 */
static void checkpoint_and_kill(struct __test_metadata *_metadata, pid_t pid,
				int fd)
{
	int status;

	usleep(300000);		/* let it block */
	ASSERT_EQ(0, kill(pid, SIGSTOP));
	ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
	ASSERT_LT(0, sys_checkpoint(pid, fd, 0));
	reap(pid);
}

/*
 * A child blocked in read() on a pipe, its stdin, reads once restarted
 * what comes on the stdin the restarter hands it (RESTART_KEEP_STDIO).
 */
TEST(pipe_read_resumes_after_restart)
{
	int fd = image_fd(), p[2], q[2];
	pid_t pid, restarted;
	char c;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, pipe(q));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		stdin_from(p[0]);
		_exit(read(0, &c, 1) == 1 && c == 'x' ? RESTORED : 1);
	}
	checkpoint_and_kill(_metadata, pid, fd);

	restarted = fork_restarter(fd, 0, RESTART_KEEP_STDIO, stdin_from, q[0]);
	ASSERT_LE(0, restarted);
	usleep(300000);
	ASSERT_EQ(1, write(q[1], "x", 1));
	EXPECT_EQ(RESTORED, wait_exit(restarted));
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	close(fd);
}

/* RESTART_STOPPED: the restored process stops before it runs. */
TEST(restart_can_leave_the_process_stopped)
{
	int fd = image_fd(), status;
	pid_t pid;

	ASSERT_LE(0, fd);
	ASSERT_EQ(NOT_RESTORED, checkpoint_child(exit_after_checkpoint, fd));
	pid = fork_restarter(fd, 0, RESTART_STOPPED, NULL, 0);
	ASSERT_LE(0, pid);
	ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status));
	EXPECT_EQ(SIGSTOP, WSTOPSIG(status));
	/* stopped, it is a process like any other: it can be checkpointed */
	EXPECT_LT(0, sys_checkpoint(pid, fd, 0));
	ASSERT_EQ(0, kill(pid, SIGCONT));
	EXPECT_EQ(RESTORED, wait_exit(pid));
	close(fd);
}

static void *park(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

/* Like execve(), restart replaces a whole process: not one of its threads. */
TEST(multithreaded_restarter_is_refused)
{
	int fd = image_fd();
	pthread_t thread;

	ASSERT_LE(0, fd);
	ASSERT_EQ(NOT_RESTORED, checkpoint_child(exit_after_checkpoint, fd));
	ASSERT_EQ(0, pthread_create(&thread, NULL, park, NULL));
	lseek(fd, 0, SEEK_SET);
	EXPECT_EQ(-1, sys_restart(0, fd, 0));
	EXPECT_EQ(EBUSY, errno);
	close(fd);
}

/* An image of a binary that changed since is refused before anything. */
TEST(changed_binary_is_refused)
{
	char bin[] = "/tmp/ckpt-bin-XXXXXX";
	struct image self = {};
	int fd = image_fd(), b, rd;
	pid_t pid;

	ASSERT_LE(0, fd);
	b = mkstemp(bin);
	ASSERT_LE(0, b);
	rd = open("/proc/self/exe", O_RDONLY);
	ASSERT_EQ(0, read_all(rd, &self));
	close(rd);
	ASSERT_EQ(0, write_all(b, self.buf, self.len));
	ASSERT_EQ(0, fchmod(b, 0755));
	close(b);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char arg[16];

		snprintf(arg, sizeof(arg), "%d", fd);
		execl(bin, bin, "--checkpoint-into", arg, NULL);
		_exit(99);
	}
	ASSERT_EQ(NOT_RESTORED, wait_exit(pid));
	/* the image restarts while the binary is as it was */
	lseek(fd, 0, SEEK_SET);
	EXPECT_EQ(0, sys_restart(0, fd, RESTART_VERIFY));

	b = open(bin, O_WRONLY | O_APPEND);
	ASSERT_LE(0, b);
	ASSERT_EQ(1, write(b, "x", 1));
	close(b);
	lseek(fd, 0, SEEK_SET);
	EXPECT_EQ(-1, sys_restart(0, fd, 0));
	EXPECT_EQ(ESTALE, errno);
	EXPECT_EQ(200 + ESTALE % 50, restart_child(fd, 0));

	image_free(&self);
	unlink(bin);
	close(fd);
}

/*
 * Bounds.  64 GiB reserved with MAP_NORESERVE and one page of it written:
 * more than the machine has, which the process may map, and so may its
 * restart.
 */
#define GIANT (64UL << 30)

static int noreserve_giant(int fd)
{
	char *p = mmap(NULL, GIANT, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return 1;
	p[GIANT / 2] = 7;
	if (self_checkpoint(fd))
		return NOT_RESTORED;
	return p[GIANT / 2] == 7 && !p[0] && !p[GIANT - 1] ? RESTORED : 1;
}

TEST(noreserve_mapping_beyond_the_machine_survives)
{
	EXPECT_EQ(RESTORED, round_trip(noreserve_giant));
}

/*
 * An image that needs more memory than the machine may commit fails with
 * ENOMEM before the point of no return: restart returns, the restarter
 * lives on.  The giant image is made so by taking its mapping's
 * MAP_NORESERVE away.
 */
TEST(image_beyond_the_machine_is_enomem_before_replacing_the_caller)
{
	static struct record rec[MAX_RECORDS];
	struct image img = {};
	int fd, n, found = 0;

	ASSERT_EQ(0, child_image(noreserve_giant, &img));
	n = image_records(&img, rec);
	ASSERT_LT(0, n);
	for (int i = 0; i < n; i++) {
		struct ckpt_hdr_vma *v = (void *)(img.buf + rec[i].off);

		if (rec[i].type == CKPT_HDR_VMA &&
		    v->flags & CKPT_VMA_NORESERVE) {
			EXPECT_EQ(GIANT, v->end - v->start);
			v->flags &= ~CKPT_VMA_NORESERVE;
			found++;
		}
	}
	ASSERT_EQ(1, found);
	image_reseal(&img);
	fd = image_fd();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, write_all(fd, img.buf, img.len));
	image_free(&img);

	EXPECT_EQ(200 + ENOMEM, restart_child(fd, 0));
	lseek(fd, 0, SEEK_SET);
	EXPECT_EQ(-1, sys_restart(0, fd, RESTART_VERIFY));
	EXPECT_EQ(ENOMEM, errno);
	close(fd);
}

static void limit_as(int gib)
{
	struct rlimit r = { (rlim_t)gib << 30, (rlim_t)gib << 30 };

	setrlimit(RLIMIT_AS, &r);
}

/* And one that needs more address space than RLIMIT_AS allows. */
TEST(image_beyond_rlimit_as_is_enomem_before_replacing_the_caller)
{
	int fd = image_fd();

	ASSERT_LE(0, fd);
	ASSERT_EQ(NOT_RESTORED, checkpoint_child(noreserve_giant, fd));
	EXPECT_EQ(200 + ENOMEM,
		  wait_exit(fork_restarter(fd, 0, 0, limit_as, 1)));
	close(fd);
}

/*
 * Under vm.overcommit_memory=2 mmap() ignores MAP_NORESERVE and charges
 * the mapping: the giant NORESERVE image is then ENOMEM before the point
 * of no return, not a SIGKILL after it.
 */
TEST(noreserve_image_is_enomem_when_overcommit_is_never)
{
	int fd = image_fd(), sys = open("/proc/sys/vm/overcommit_memory",
					O_RDWR);
	char old[4] = {};

	ASSERT_LE(0, fd);
	ASSERT_LE(0, sys);
	ASSERT_EQ(NOT_RESTORED, checkpoint_child(noreserve_giant, fd));
	ASSERT_LT(0, read(sys, old, sizeof(old) - 1));
	ASSERT_EQ(2, pwrite(sys, "2\n", 2, 0));
	EXPECT_EQ(200 + ENOMEM, restart_child(fd, 0));
	ASSERT_LT(0, pwrite(sys, old, strlen(old), 0));
	EXPECT_EQ(RESTORED, restart_child(fd, 0));
	close(sys);
	close(fd);
}

#define DATA_MIB 8

static int private_data(int fd)
{
	char *p = mmap(NULL, DATA_MIB << 20, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 1;
	p[0] = 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;
	return p[0] == 1 ? RESTORED : 2;
}

static void limit_data(int mib)
{
	struct rlimit r = { (rlim_t)mib << 20, (rlim_t)mib << 20 };

	setrlimit(RLIMIT_DATA, &r);
}

/* An image with more private writable memory than RLIMIT_DATA allows. */
TEST(image_beyond_rlimit_data_is_enomem_before_replacing_the_caller)
{
	int fd = image_fd();
	pid_t pid;

	ASSERT_LE(0, fd);
	ASSERT_EQ(NOT_RESTORED, checkpoint_child(private_data, fd));
	pid = fork_restarter(fd, 0, 0, limit_data, DATA_MIB / 2);
	ASSERT_LE(0, pid);
	EXPECT_EQ(200 + ENOMEM, wait_exit(pid));
	pid = fork_restarter(fd, 0, 0, limit_data, DATA_MIB * 4);
	ASSERT_LE(0, pid);
	EXPECT_EQ(RESTORED, wait_exit(pid));
	close(fd);
}

/*
 * Past its point of no return a restore reads the rest of its image from a
 * pipe; a debugger's PTRACE_INTERRUPT meanwhile does not end it.  The
 * debugger sees the restored process stop once it is whole, and it runs
 * on when let go.
 */
TEST(ptrace_interrupt_past_the_point_of_no_return_is_survived)
{
	struct record rec[MAX_RECORDS];
	struct image img = {};
	size_t cut = 0;
	int p[2], n, status;
	pid_t pid;

	ASSERT_EQ(0, child_image(memory_pattern_small, &img));
	n = image_records(&img, rec);
	ASSERT_LT(0, n);
	/* in the first page data, past the point of no return */
	for (int i = 0; i < n && !cut; i++)
		if (rec[i].type == CKPT_HDR_PAGES && rec[i].data)
			cut = rec[i].off + rec[i].len + rec[i].data / 2;
	ASSERT_LT(0, cut);
	ASSERT_EQ(0, pipe(p));
	pid = fork_restarter(p[0], 0, 0, NULL, 0);
	ASSERT_LE(0, pid);
	/* the restarter's alone: a restore killed is EPIPE, not a hang */
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, write_all(p[1], img.buf, cut));
	usleep(500000);
	ASSERT_EQ(0, ptrace(PTRACE_SEIZE, pid, 0, 0));
	ASSERT_EQ(0, ptrace(PTRACE_INTERRUPT, pid, 0, 0));
	usleep(300000);
	EXPECT_EQ(0, write_all(p[1], img.buf + cut, img.len - cut));
	close(p[1]);
	signal(SIGPIPE, SIG_DFL);
	/* the trap is taken when the restored process heads for user space */
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSTOPPED(status)) {
		TH_LOG("status %#x", status);
	}
	EXPECT_EQ(PTRACE_EVENT_STOP, status >> 16);
	ASSERT_EQ(0, ptrace(PTRACE_DETACH, pid, 0, 0));
	EXPECT_EQ(RESTORED, wait_exit(pid));
	image_free(&img);
}

int main(int argc, char **argv)
{
	page = sysconf(_SC_PAGESIZE);
	/* the process of changed_binary_is_refused, run from a copy */
	if (argc == 3 && !strcmp(argv[1], "--checkpoint-into"))
		return exit_after_checkpoint(atoi(argv[2]));
	return test_harness_run(argc, argv);
}
