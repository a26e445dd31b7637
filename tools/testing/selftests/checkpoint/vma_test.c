// SPDX-License-Identifier: GPL-2.0
/*
 * What a mapping carries besides its data comes back with it, on exactly
 * its range: mlock(), the flags madvise() sets, the protection it had
 * whatever the personality; shared anonymous memory comes back whole,
 * pages another process wrote included; and a checkpoint leaves its
 * target's transparent huge pages as they were.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "../kselftest_harness.h"
#include "ckpt_util.h"

static size_t page;

/* The value of field @key (say "VmLck:") of /proc/@pid/@file, or -1. */
static long proc_field(pid_t pid, const char *file, const char *key)
{
	char path[64], line[256];
	long val = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key))) {
			val = strtol(line + strlen(key), NULL, 10);
			break;
		}
	if (f)
		fclose(f);
	return val;
}

/* The "VmFlags:" line of the mapping at @addr in /proc/self/smaps. */
static int vm_flags_of(void *addr, char *flags, size_t len)
{
	unsigned long start, end, want = (unsigned long)addr;
	char line[256];
	bool in = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in = start <= want && want < end;
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8)) {
			snprintf(flags, len, "%s", line + 8);
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return -1;
}

/* The permissions /proc/self/maps shows for the mapping at @addr. */
static int perms_of(void *addr, char perms[5])
{
	unsigned long start, end, want = (unsigned long)addr;
	char line[256];
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %4s", &start, &end, perms) == 3 &&
		    start <= want && want < end) {
			fclose(f);
			return 0;
		}
	if (f)
		fclose(f);
	return -1;
}

static int mlocked(int fd)
{
	char *p = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || mlock(p, 4 * page))
		return 1;
	p[0] = 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;
	if (proc_field(getpid(), "status", "VmLck:") != 4 * (long)page / 1024)
		return 2;
	return p[0] == 1 ? RESTORED : 3;
}

TEST(mlocked_memory_stays_locked)
{
	EXPECT_EQ(RESTORED, round_trip(mlocked));
}

static sigjmp_buf fault;

static void on_segv(int sig)
{
	siglongjmp(fault, 1);
}

/* In a child of the caller: 0 if @p reads @want, 1 if it faults. */
static int child_reads(volatile char *p, char want)
{
	pid_t pid = fork();

	if (!pid) {
		signal(SIGSEGV, on_segv);
		if (sigsetjmp(fault, 1))
			_exit(1);
		_exit(*p == want ? 0 : 2);
	}
	return wait_exit(pid);
}

/*
 * Three neighbouring pages, the middle one with MADV_DONTFORK, the last
 * with MADV_WIPEONFORK and MADV_DONTDUMP: after restart a child of the
 * process sees the first page whole, no middle page, the last one wiped.
 */
static int fork_flags(int fd)
{
	char *p = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char flags[256];

	if (p == MAP_FAILED)
		return 1;
	memset(p, 'x', 3 * page);
	if (madvise(p + page, page, MADV_DONTFORK) ||
	    madvise(p + 2 * page, page, MADV_WIPEONFORK) ||
	    madvise(p + 2 * page, page, MADV_DONTDUMP) ||
	    madvise(p, page, MADV_SEQUENTIAL))
		return 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;

	if (child_reads(p, 'x') != 0 || child_reads(p + page, 'x') != 1 ||
	    child_reads(p + 2 * page, 0) != 0)
		return 2;
	if (vm_flags_of(p, flags, sizeof(flags)) || !strstr(flags, " sr") ||
	    strstr(flags, " dd"))
		return 3;
	if (vm_flags_of(p + 2 * page, flags, sizeof(flags)) ||
	    !strstr(flags, " dd") || !strstr(flags, " wf"))
		return 4;
	return RESTORED;
}

TEST(madvise_flags_stay_on_exactly_their_range)
{
	EXPECT_EQ(RESTORED, round_trip(fork_flags));
}

/*
 * Shared anonymous memory is one object: pages its parent wrote after the
 * fork, which the target never touched, are in the image and come back.
 */
TEST(shared_memory_written_by_another_process_survives)
{
	int fd = image_fd();
	char *p;
	pid_t pid;

	ASSERT_LE(0, fd);
	p = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 'a';
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		raise(SIGSTOP);
		_exit(p[0] == 'a' && p[2 * page] == 'b' &&
		      p[3 * page + 7] == 'c' ? RESTORED : 1);
	}
	ASSERT_EQ(0, wait_stopped(pid));
	p[2 * page] = 'b';
	p[3 * page + 7] = 'c';
	ASSERT_LT(0, sys_checkpoint(pid, fd, 0));
	reap(pid);
	munmap(p, 4 * page);
	EXPECT_EQ(RESTORED, restart_child(fd, 0));
	close(fd);
}

static int read_only(int fd)
{
	char *p = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	char perms[5];

	if (p == MAP_FAILED)
		return 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;
	if (perms_of(p, perms) || strcmp(perms, "r--p"))
		return 2;
	return personality(0xffffffff) == PER_LINUX ? RESTORED : 3;
}

static void read_implies_exec(int unused)
{
	personality(READ_IMPLIES_EXEC);
}

/* The restarter's READ_IMPLIES_EXEC does not make PROT_READ executable. */
TEST(protection_ignores_the_restarters_personality)
{
	EXPECT_EQ(RESTORED, round_trip_prep(read_only, 0, read_implies_exec, 0));
}

static const char access_file[] = "/tmp/ckpt-vma-access";

/* Whether the /proc/self/map_files link of @p grants writing. */
static int map_file_writable(void *p)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx",
		 (unsigned long)p, (unsigned long)p + page);
	if (lstat(path, &st))
		return -1;
	return !!(st.st_mode & 0200);
}

/*
 * Three read-only views of one file: private and shared from an open for
 * reading and writing, shared from one for reading only.  The fds are
 * closed: only the mappings hold the file.
 */
static int file_access(int fd)
{
	int rw = open(access_file, O_RDWR), ro = open(access_file, O_RDONLY);
	char *priv, *shared, *ro_shared;

	if (rw < 0 || ro < 0)
		return 1;
	priv = mmap(NULL, page, PROT_READ, MAP_PRIVATE, rw, 0);
	shared = mmap(NULL, page, PROT_READ, MAP_SHARED, rw, 0);
	ro_shared = mmap(NULL, page, PROT_READ, MAP_SHARED, ro, 0);
	if (priv == MAP_FAILED || shared == MAP_FAILED ||
	    ro_shared == MAP_FAILED)
		return 2;
	close(rw);
	close(ro);
	if (self_checkpoint(fd))
		return NOT_RESTORED;

	if (map_file_writable(priv) != 1 || map_file_writable(shared) != 1 ||
	    map_file_writable(ro_shared) != 0)
		return 3;
	/* the shared view of the file open for writing may write */
	if (mprotect(shared, page, PROT_READ | PROT_WRITE))
		return 4;
	shared[0] = 'w';
	if (priv[0] != 'w' || ro_shared[0] != 'w')
		return 5;
	/* and the other one still may not */
	if (!mprotect(ro_shared, page, PROT_READ | PROT_WRITE) ||
	    errno != EACCES)
		return 6;
	return RESTORED;
}

TEST(mapped_files_keep_the_access_they_were_opened_with)
{
	int fd = open(access_file, O_RDWR | O_CREAT | O_TRUNC, 0600);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, page));
	close(fd);
	EXPECT_EQ(RESTORED, round_trip(file_access));
	unlink(access_file);
}

/*
 * /dev/zero mapped shared from a read-only open is private anonymous
 * memory (the kernel gives it no shared object): it comes back as such.
 */
static int zero_shared_read_only(int fd)
{
	int z = open("/dev/zero", O_RDONLY);
	char *p = mmap(NULL, page, PROT_READ, MAP_SHARED, z, 0);

	if (z < 0 || p == MAP_FAILED)
		return 1;
	close(z);
	if (self_checkpoint(fd))
		return NOT_RESTORED;
	return p[0] == 0 && p[page - 1] == 0 ? RESTORED : 2;
}

TEST(dev_zero_mapped_shared_read_only)
{
	EXPECT_EQ(RESTORED, round_trip(zero_shared_read_only));
}

/*
 * @img as the previous format version wrote it: no lock records, no
 * CKPT_VMA_FILE_RDWR, version 2, resealed.
 */
static int to_version_2(struct image *img)
{
	struct record rec[MAX_RECORDS];
	int nrec = image_records(img, rec), i;
	uint8_t *buf = malloc(img->len);
	size_t len = 0, end;

	if (nrec <= 0 || !buf)
		return -1;
	for (i = 0; i < nrec; i++) {
		end = i + 1 < nrec ? rec[i + 1].off : img->len;
		/* none of these in version 2 */
		if (rec[i].type == CKPT_HDR_FILE_LOCKS ||
		    rec[i].type == CKPT_HDR_FILE_LOCK ||
		    rec[i].type == CKPT_HDR_THREADS ||
		    rec[i].type == CKPT_HDR_SCHED ||
		    rec[i].type == CKPT_HDR_POSIX_TIMERS ||
		    rec[i].type == CKPT_HDR_POSIX_TIMER ||
		    rec[i].type == CKPT_HDR_TREE ||
		    rec[i].type == CKPT_HDR_PROC)
			continue;
		memcpy(buf + len, img->buf + rec[i].off, end - rec[i].off);
		if (rec[i].type == CKPT_HDR_HEADER)
			((struct ckpt_hdr_header *)(buf + len))->version = 2;
		if (rec[i].type == CKPT_HDR_VMA)
			((struct ckpt_hdr_vma *)(buf + len))->flags &=
				~CKPT_VMA_FILE_RDWR;
		len += end - rec[i].off;
	}
	free(img->buf);
	img->buf = buf;
	img->len = len;
	image_reseal(img);
	return 0;
}

/*
 * Shared anonymous memory, a writable shared file mapping and a private
 * one, and a lock: an image of the previous version restores them, the
 * shared file mapping writable as before (its MAYWRITE says the file was
 * open for writing), the lock not taken (that version had none).
 */
static int v2_state(int fd)
{
	int f = open(access_file, O_RDWR);
	char *a = mmap(NULL, page, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *sh = mmap(NULL, page, PROT_READ, MAP_SHARED, f, 0);
	char *pr = mmap(NULL, page, PROT_READ, MAP_PRIVATE, f, 0);

	if (f < 0 || a == MAP_FAILED || sh == MAP_FAILED || pr == MAP_FAILED)
		return 1;
	a[0] = 'a';
	if (flock(f, LOCK_EX))
		return 1;
	if (self_checkpoint(fd))
		return NOT_RESTORED;
	if (a[0] != 'a' || mprotect(sh, page, PROT_READ | PROT_WRITE))
		return 2;
	sh[1] = 's';
	return pr[1] == 's' ? RESTORED : 3;
}

TEST(version_2_images_are_read)
{
	int fd = open(access_file, O_RDWR | O_CREAT | O_TRUNC, 0600);
	struct image img = {};

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, page));
	close(fd);
	fd = image_fd();
	ASSERT_LE(0, fd);
	ASSERT_EQ(NOT_RESTORED, checkpoint_child(v2_state, fd));
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	ASSERT_EQ(0, read_all(fd, &img));
	close(fd);
	ASSERT_EQ(0, to_version_2(&img));
	fd = image_fd();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, write_all(fd, img.buf, img.len));
	EXPECT_EQ(RESTORED, restart_child(fd, 0));
	close(fd);
	image_free(&img);
	unlink(access_file);
}

#define HUGE_SIZE	(2UL << 20)

/* A 2 MiB-aligned region, asked to be a huge page, touched. */
static char *huge_region(void)
{
	char *p = mmap(NULL, 2 * HUGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	p = (char *)(((unsigned long)p + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1));
	if (madvise(p, HUGE_SIZE, MADV_HUGEPAGE))
		return NULL;
	memset(p, 'h', HUGE_SIZE);
	return p;
}

/*
 * A checkpoint does not change its target: its huge page is not split.
 * The image holds the huge page's data, and the restored process's
 * mapping is still one that asked for huge pages.
 */
TEST(checkpoint_does_not_split_huge_pages)
{
	int fd = image_fd(), p[2];
	long before, after;
	pid_t pid;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char *h = huge_region(), flags[256];

		write(p[1], &h, sizeof(h));
		raise(SIGSTOP);
		if (!h || h[HUGE_SIZE - 1] != 'h')
			_exit(1);
		if (vm_flags_of(h, flags, sizeof(flags)) ||
		    !strstr(flags, " hg"))
			_exit(2);
		_exit(RESTORED);
	}
	ASSERT_EQ(0, wait_stopped(pid));
	before = proc_field(pid, "smaps_rollup", "AnonHugePages:");
	if (before < 2048) {
		reap(pid);
		SKIP(return, "no huge page was made (%ld kB)", before);
	}
	ASSERT_LT(0, sys_checkpoint(pid, fd, 0));
	after = proc_field(pid, "smaps_rollup", "AnonHugePages:");
	EXPECT_EQ(before, after);
	reap(pid);
	EXPECT_EQ(RESTORED, restart_child(fd, 0));
	close(p[0]);
	close(p[1]);
	close(fd);
}

int main(int argc, char **argv)
{
	page = sysconf(_SC_PAGESIZE);
	return test_harness_run(argc, argv);
}
