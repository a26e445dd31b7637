// SPDX-License-Identifier: GPL-2.0
/*
 * The image's frame: a userspace decoder checks every field of the header,
 * task and tail records, and restart(2) refuses every damaged image with
 * the errno that names the damage, leaving the caller as it was.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/user.h>
#include <sys/utsname.h>
#include <linux/elf.h>
#include <time.h>

#include "../kselftest_harness.h"
#include "ckpt_util.h"

/* What restart(2) must not change when it refuses an image. */
struct caller_state {
	pid_t pid, ppid;
	uid_t uid;
	sigset_t mask;
	char cwd[PATH_MAX];
	mode_t umask;
	int nfds;
	uint64_t canary_sum;
};

static uint8_t canary[3 * 4096];

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void caller_state(struct caller_state *s)
{
	memset(s, 0, sizeof(*s));
	s->pid = getpid();
	s->ppid = getppid();
	s->uid = getuid();
	sigprocmask(SIG_BLOCK, NULL, &s->mask);
	if (!getcwd(s->cwd, sizeof(s->cwd)))
		s->cwd[0] = '\0';
	s->umask = umask(022);
	umask(s->umask);
	s->nfds = count_fds();
	s->canary_sum = xxh64(canary, sizeof(canary), 0);
}

FIXTURE(image) {
	struct image img;
	struct record rec[MAX_RECORDS];
	int nrec;
	struct caller_state before;
	time_t t0, t1;
};

/* The tail covers the records only, or the page data too. */
FIXTURE_VARIANT(image) {
	unsigned long flags;
};

FIXTURE_VARIANT_ADD(image, records) {
	.flags = 0,
};

FIXTURE_VARIANT_ADD(image, pages) {
	.flags = CHECKPOINT_CSUM_PAGES,
};

FIXTURE_SETUP(image)
{
	sigset_t set;

	for (size_t i = 0; i < sizeof(canary); i++)
		canary[i] = i * 7 + 3;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &set, NULL));
	ASSERT_EQ(0, prctl(PR_SET_NAME, "ckpt-frame"));

	self->t0 = time(NULL);
	ASSERT_EQ(0, checkpoint_to_image_flags(0, variant->flags,
					       &self->img));
	self->t1 = time(NULL);
	self->nrec = image_records(&self->img, self->rec);
	ASSERT_LT(0, self->nrec);
	caller_state(&self->before);
}

FIXTURE_TEARDOWN(image)
{
	image_free(&self->img);
}

/*
 * restart(2) of @buf must fail with @err and change nothing in the caller
 * when it only verifies.  Without RESTART_VERIFY, in a child: damage found
 * before the point of no return is the same error, damage found after it
 * (in page data, or by the checksum) kills the child.
 */
static void expect_refused(struct __test_metadata *_metadata,
			   struct _test_data_image *self, const void *buf,
			   size_t len, int crid, int err, const char *what)
{
	struct caller_state after;
	int code;
	pid_t pid;

	EXPECT_EQ(-err, restart_from(buf, len, crid, RESTART_VERIFY)) {
		TH_LOG("%s (verify): wanted %s", what, strerror(err));
	}
	caller_state(&after);
	EXPECT_EQ(0, memcmp(&self->before, &after, sizeof(after))) {
		TH_LOG("%s: the caller changed", what);
	}

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(-restart_from(buf, len, crid, 0));
	code = wait_exit(pid);
	EXPECT_TRUE(code == err || code == 128 + SIGKILL) {
		TH_LOG("%s: restart ended with %d", what, code);
	}
}

TEST_F(image, records_come_in_order)
{
	struct ckpt_hdr_mm *mm;
	struct ckpt_hdr_regset *rs;
	struct ckpt_hdr_posix_timers *pt;
	struct ckpt_hdr_signals *sg;
	struct ckpt_hdr_files *fl;
	struct ckpt_hdr_file_locks *lk;
	struct ckpt_hdr_pages *pg = NULL;
	struct ckpt_hdr_proc *pr;
	int i = 0, vmas = 0;

	ASSERT_LT(8, self->nrec);
	TH_LOG("image of %zu bytes in %d records", self->img.len, self->nrec);
	EXPECT_EQ(CKPT_HDR_HEADER, self->rec[i].type);
	EXPECT_EQ(sizeof(struct ckpt_hdr_header), self->rec[i++].len);
	/* a tree of one process: the caller, as it is */
	ASSERT_EQ(CKPT_HDR_TREE, self->rec[i].type);
	EXPECT_EQ(sizeof(struct ckpt_hdr_tree), self->rec[i].len);
	EXPECT_EQ(1, ((struct ckpt_hdr_tree *)(self->img.buf +
					       self->rec[i++].off))->nr);
	ASSERT_EQ(CKPT_HDR_PROC, self->rec[i].type);
	EXPECT_EQ(sizeof(struct ckpt_hdr_proc), self->rec[i].len);
	pr = (void *)(self->img.buf + self->rec[i++].off);
	EXPECT_EQ(getpid(), pr->pid);
	EXPECT_EQ(getppid(), pr->ppid);
	EXPECT_EQ(getpgrp(), pr->pgid);
	EXPECT_EQ(getsid(0), pr->sid);
	EXPECT_EQ(0, pr->flags);
	EXPECT_EQ(0, pr->nr_threads);
	EXPECT_EQ(CKPT_HDR_TASK, self->rec[i].type);
	EXPECT_EQ(sizeof(struct ckpt_hdr_task), self->rec[i++].len);
	EXPECT_EQ(CKPT_HDR_EXE, self->rec[i++].type);
	EXPECT_EQ(CKPT_HDR_CRED, self->rec[i++].type);
	EXPECT_EQ(CKPT_HDR_ATTR, self->rec[i].type);
	EXPECT_EQ(sizeof(struct ckpt_hdr_attr), self->rec[i++].len);
	EXPECT_EQ(CKPT_HDR_SCHED, self->rec[i].type);
	EXPECT_EQ(sizeof(struct ckpt_hdr_sched), self->rec[i++].len);
	EXPECT_EQ(CKPT_HDR_CWD, self->rec[i++].type);
	ASSERT_EQ(CKPT_HDR_SIGNALS, self->rec[i].type);
	sg = (void *)(self->img.buf + self->rec[i++].off);
	for (unsigned int n = 0; n < sg->nr_siginfo; n++)
		EXPECT_EQ(CKPT_HDR_SIGINFO, self->rec[i++].type);
	EXPECT_EQ(CKPT_HDR_ITIMERS, self->rec[i++].type);
	ASSERT_EQ(CKPT_HDR_POSIX_TIMERS, self->rec[i].type);
	pt = (void *)(self->img.buf + self->rec[i++].off);
	for (unsigned int n = 0; n < pt->nr; n++)
		EXPECT_EQ(CKPT_HDR_POSIX_TIMER, self->rec[i++].type);
	ASSERT_EQ(CKPT_HDR_FILES, self->rec[i].type);
	fl = (void *)(self->img.buf + self->rec[i++].off);
	for (unsigned int n = 0; n < fl->nr_fds; n++) {
		EXPECT_EQ(CKPT_HDR_FD, self->rec[i++].type);
		if (self->rec[i].type != CKPT_HDR_OPEN_FILE)
			continue;
		i++;
		if (self->rec[i].type == CKPT_HDR_FILE_PATH)
			i++;
		if (self->rec[i].type != CKPT_HDR_PIPE)
			continue;
		while (self->rec[++i].type == CKPT_HDR_PIPE_DATA)
			;
	}
	ASSERT_EQ(CKPT_HDR_FILE_LOCKS, self->rec[i].type);
	lk = (void *)(self->img.buf + self->rec[i++].off);
	for (unsigned int n = 0; n < lk->nr; n++)
		EXPECT_EQ(CKPT_HDR_FILE_LOCK, self->rec[i++].type);

	ASSERT_EQ(CKPT_HDR_REGSET, self->rec[i].type);
	rs = (void *)(self->img.buf + self->rec[i++].off);
	EXPECT_EQ(NT_PRSTATUS, rs->note_type);
	EXPECT_EQ(sizeof(struct user_regs_struct), rs->size);
	ASSERT_EQ(CKPT_HDR_REGSET, self->rec[i].type);
	rs = (void *)(self->img.buf + self->rec[i++].off);
	EXPECT_EQ(NT_X86_XSTATE, rs->note_type);

	/* a process of one thread: no other */
	ASSERT_EQ(CKPT_HDR_THREADS, self->rec[i].type);
	EXPECT_EQ(0, ((struct ckpt_hdr_threads *)(self->img.buf +
						  self->rec[i++].off))->nr);

	ASSERT_EQ(CKPT_HDR_MM, self->rec[i].type);
	mm = (void *)(self->img.buf + self->rec[i++].off);
	while (i < self->nrec && self->rec[i].type == CKPT_HDR_VMA) {
		struct ckpt_hdr_vma *v = (void *)(self->img.buf +
						  self->rec[i++].off);

		vmas++;
		if (v->kind == CKPT_VMA_FILE)
			EXPECT_EQ(CKPT_HDR_VMA_FILE, self->rec[i++].type);
	}
	EXPECT_EQ(mm->nr_vmas, vmas);

	while (i < self->nrec && self->rec[i].type == CKPT_HDR_PAGES) {
		pg = (void *)(self->img.buf + self->rec[i++].off);
		if (!pg->nr_pages)
			break;
		EXPECT_GE(CKPT_PAGES_MAX, pg->nr_pages);
	}
	ASSERT_NE(NULL, pg);
	EXPECT_EQ(0, pg->nr_pages);
	ASSERT_EQ(self->nrec - 1, i);
	EXPECT_EQ(CKPT_HDR_TAIL, self->rec[i].type);
	EXPECT_EQ(sizeof(struct ckpt_hdr_tail), self->rec[i].len);

	for (i = 0; i < self->nrec; i++)
		EXPECT_EQ(0, self->rec[i].off % CKPT_ALIGN);
}

TEST_F(image, header_fields_match_the_kernel)
{
	struct ckpt_hdr_header *h = (void *)self->img.buf;
	struct utsname u;

	ASSERT_EQ(0, uname(&u));
	EXPECT_EQ(0, memcmp(h->magic, CKPT_MAGIC_HEAD, sizeof(h->magic)));
	EXPECT_EQ(CKPT_VERSION, h->version);
	EXPECT_EQ(CKPT_ARCH_X86_64, h->arch);
	EXPECT_EQ(sysconf(_SC_PAGESIZE), h->page_size);
	EXPECT_EQ(self->img.crid, h->crid);
	EXPECT_EQ(variant->flags, h->flags);
	EXPECT_LE(self->t0, h->time);
	EXPECT_GE(self->t1, h->time);
	EXPECT_STREQ(u.release, h->release);
	/* NUL-padded, so nothing of the kernel's memory travels along */
	for (size_t i = strlen(h->release); i < sizeof(h->release); i++)
		EXPECT_EQ(0, h->release[i]);
}

TEST_F(image, task_record_matches_the_process)
{
	struct ckpt_hdr_task *t = image_record(&self->img, self->rec,
					       self->nrec, CKPT_HDR_TASK);
	struct ckpt_hdr_file *e = image_record(&self->img, self->rec,
					       self->nrec, CKPT_HDR_EXE);
	struct stat st;
	uid_t r, eu, s;
	gid_t gr, ge, gs;
	char exe[PATH_MAX] = "";

	ASSERT_NE(NULL, t);
	ASSERT_NE(NULL, e);
	ASSERT_EQ(0, getresuid(&r, &eu, &s));
	ASSERT_EQ(0, getresgid(&gr, &ge, &gs));
	EXPECT_EQ(getpid(), t->pid);
	EXPECT_EQ(getpid(), t->tgid);
	EXPECT_EQ(r, t->uid);
	EXPECT_EQ(eu, t->euid);
	EXPECT_EQ(s, t->suid);
	EXPECT_EQ(eu, t->fsuid);
	EXPECT_EQ(gr, t->gid);
	EXPECT_EQ(ge, t->egid);
	EXPECT_EQ(gs, t->sgid);
	EXPECT_EQ(ge, t->fsgid);
	EXPECT_STREQ("ckpt-frame", t->t.comm);

	ASSERT_LT(0, readlink("/proc/self/exe", exe, sizeof(exe) - 1));
	EXPECT_EQ(sizeof(*e) + strlen(exe) + 1, e->h.len);
	EXPECT_STREQ(exe, e->path);
	ASSERT_EQ(0, stat(exe, &st));
	EXPECT_EQ(st.st_ino, e->ino);
	EXPECT_EQ(st.st_size, e->size);
	EXPECT_EQ(st.st_mtim.tv_sec, e->mtime_sec);
	EXPECT_EQ(st.st_mtim.tv_nsec, e->mtime_nsec);
	EXPECT_EQ(st.st_mode, e->mode);
}

TEST_F(image, attributes_match_the_process)
{
	struct ckpt_hdr_cred *c = image_record(&self->img, self->rec,
					       self->nrec, CKPT_HDR_CRED);
	struct ckpt_hdr_attr *a = image_record(&self->img, self->rec,
					       self->nrec, CKPT_HDR_ATTR);
	struct ckpt_hdr_file *cwd = image_record(&self->img, self->rec,
						 self->nrec, CKPT_HDR_CWD);
	struct ckpt_hdr_signals *sg = image_record(&self->img, self->rec,
						   self->nrec,
						   CKPT_HDR_SIGNALS);
	gid_t groups[64];
	struct rlimit r;
	char dir[PATH_MAX];
	int n = getgroups(ARRAY_SIZE(groups), groups);

	ASSERT_NE(NULL, c);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, cwd);
	ASSERT_NE(NULL, sg);
	ASSERT_LE(0, n);
	EXPECT_EQ(n, c->ngroups);
	for (int i = 0; i < n && i < (int)c->ngroups; i++)
		EXPECT_EQ(groups[i], c->groups[i]);
	EXPECT_EQ(self->before.umask, a->umask);
	EXPECT_EQ(getpriority(PRIO_PROCESS, 0), a->nice);
	EXPECT_EQ(prctl(PR_GET_DUMPABLE), (int)a->dumpable);
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		ASSERT_EQ(0, getrlimit(i, &r));
		EXPECT_EQ(r.rlim_cur, a->rlim[i].cur);
		EXPECT_EQ(r.rlim_max, a->rlim[i].max);
	}
	ASSERT_NE(NULL, getcwd(dir, sizeof(dir)));
	EXPECT_STREQ(dir, cwd->path);
	/* the fixture blocks SIGUSR2 */
	EXPECT_EQ(1ULL << (SIGUSR2 - 1), sg->blocked);
	EXPECT_EQ(SS_DISABLE, sg->altstack_flags);
	EXPECT_EQ(0, sg->action[SIGKILL - 1].handler);
}

TEST_F(image, tail_checksum_covers_what_the_header_says)
{
	struct record *tail = &self->rec[self->nrec - 1];
	struct ckpt_hdr_tail *t = (void *)(self->img.buf + tail->off);
	uint64_t all = xxh64(self->img.buf, tail->off, 0);

	EXPECT_EQ(CKPT_MAGIC_TAIL, t->magic);
	EXPECT_EQ(image_checksum(&self->img, tail->off), t->checksum);
	/* and that is of every byte before it only when the pages count */
	EXPECT_EQ(!!(variant->flags & CHECKPOINT_CSUM_PAGES),
		  all == t->checksum);
}

TEST_F(image, restart_verify_accepts_the_image)
{
	EXPECT_EQ(0, restart_from(self->img.buf, self->img.len, 0,
				  RESTART_VERIFY));
	EXPECT_EQ(0, restart_from(self->img.buf, self->img.len,
				  self->img.crid, RESTART_VERIFY));
}

TEST_F(image, restart_refuses_a_bad_magic)
{
	struct ckpt_hdr_header *h = (void *)self->img.buf;

	h->magic[3] ^= 0x20;
	image_reseal(&self->img);
	expect_refused(_metadata, self, self->img.buf, self->img.len, 0,
		       ENOEXEC, "magic");
}

TEST_F(image, restart_refuses_a_foreign_first_record)
{
	struct ckpt_hdr_header *h = (void *)self->img.buf;

	h->h.type = CKPT_HDR_TASK;
	image_reseal(&self->img);
	expect_refused(_metadata, self, self->img.buf, self->img.len, 0,
		       ENOEXEC, "first record");
}

TEST_F(image, restart_refuses_a_wrong_version)
{
	struct ckpt_hdr_header *h = (void *)self->img.buf;

	h->version = CKPT_VERSION + 1;
	image_reseal(&self->img);
	expect_refused(_metadata, self, self->img.buf, self->img.len, 0,
		       EPROTONOSUPPORT, "version");
}

TEST_F(image, restart_refuses_a_wrong_architecture)
{
	struct ckpt_hdr_header *h = (void *)self->img.buf;

	h->arch = CKPT_ARCH_X86_64 + 1;
	image_reseal(&self->img);
	expect_refused(_metadata, self, self->img.buf, self->img.len, 0,
		       ENOEXEC, "arch");
}

TEST_F(image, restart_refuses_a_wrong_page_size)
{
	struct ckpt_hdr_header *h = (void *)self->img.buf;

	h->page_size *= 4;
	image_reseal(&self->img);
	expect_refused(_metadata, self, self->img.buf, self->img.len, 0,
		       ENOEXEC, "page size");
}

TEST_F(image, restart_refuses_a_crid_mismatch)
{
	expect_refused(_metadata, self, self->img.buf, self->img.len,
		       self->img.crid + 1, EINVAL, "crid");
}

TEST_F(image, restart_refuses_a_bad_checksum)
{
	struct ckpt_hdr_tail *t = (void *)(self->img.buf +
					   self->rec[self->nrec - 1].off);

	t->checksum++;
	expect_refused(_metadata, self, self->img.buf, self->img.len, 0,
		       EBADMSG, "checksum");
}

TEST_F(image, restart_refuses_a_duplicated_record)
{
	struct record *task = &self->rec[1];
	size_t len = self->img.len + task->len;
	uint8_t *buf = malloc(len);

	ASSERT_NE(NULL, buf);
	/* header, task, task, exe, tail */
	memcpy(buf, self->img.buf, task->off + task->len);
	memcpy(buf + task->off + task->len, self->img.buf + task->off,
	       self->img.len - task->off);
	free(self->img.buf);
	self->img.buf = buf;
	self->img.len = len;
	image_reseal(&self->img);
	expect_refused(_metadata, self, self->img.buf, self->img.len, 0,
		       EBADMSG, "duplicate");
}

/*
 * An fd's record may not name another device than those restart reopens:
 * here /dev/mem (1:1) where the console was.
 */
TEST_F(image, restart_refuses_a_device_it_does_not_reopen)
{
	struct ckpt_hdr_file *p = NULL;

	for (int r = 0; r < self->nrec && !p; r++) {
		struct ckpt_hdr_file *h = (void *)(self->img.buf +
						   self->rec[r].off);

		if (self->rec[r].type == CKPT_HDR_FILE_PATH &&
		    S_ISCHR(h->mode))
			p = h;
	}
	ASSERT_NE(NULL, p);
	p->rdev = (1 << 8) | 1;		/* new_encode_dev(MKDEV(1, 1)) */
	image_reseal(&self->img);
	expect_refused(_metadata, self, self->img.buf, self->img.len, 0,
		       EBADMSG, "device");
}

/*
 * Cut at each record boundary, and inside each record: after its first
 * byte, at its middle, before its last byte; the same inside page data.
 */
/*
 * The sanitizer kernel (make test-debug) is too slow to try every byte:
 * its init sets CKPT_FLIP_STRIDE.  There every header byte is flipped
 * whole and one body byte in that many, and a record is cut at its start
 * and at a quarter of the other places.  The plain suite tries them all,
 * and flips the headers' bytes also by their lowest and highest bit.
 */
static size_t flip_stride(void)
{
	const char *s = getenv("CKPT_FLIP_STRIDE");
	long n = s ? strtol(s, NULL, 10) : 1;

	return n > 1 ? n : 1;
}

TEST_F(image, restart_refuses_truncation_anywhere)
{
	size_t stride = flip_stride();
	char what[64];

	for (int r = 0; r < self->nrec; r++) {
		size_t len = self->rec[r].len, data = self->rec[r].data;
		size_t off = self->rec[r].off;
		size_t body = (len + CKPT_ALIGN - 1) & ~(size_t)(CKPT_ALIGN - 1);
		size_t cuts[] = { off, off + 1, off + len / 2, off + len - 1,
				  off + body + data / 2, off + body + data - 1 };

		for (size_t c = 0; c < ARRAY_SIZE(cuts); c++) {
			if (c >= 4 && !data)
				break;
			if (c && stride > 1 && (r + c) % 4)
				continue;
			snprintf(what, sizeof(what), "record %d cut at %zu", r,
				 cuts[c]);
			expect_refused(_metadata, self, self->img.buf, cuts[c],
				       0, ENODATA, what);
		}
	}
}

/*
 * Which errno a corrupted byte at @off should draw: the header's fields are
 * checked as they are read; everything else is caught by its record's
 * checks, by a length that runs past the end, or by the checksum.
 */
static bool flip_errno_ok(size_t off, int err)
{
	size_t magic = offsetof(struct ckpt_hdr_header, magic);
	size_t version = offsetof(struct ckpt_hdr_header, version);
	size_t arch = offsetof(struct ckpt_hdr_header, arch);
	size_t crid = offsetof(struct ckpt_hdr_header, crid);

	if (off < magic)		/* the header's type and len */
		return err == ENOEXEC;
	if (off < version)
		return err == ENOEXEC;
	/* a version this kernel reads too misreads the rest */
	if (off < arch)
		return err == EPROTONOSUPPORT || err == EBADMSG;
	if (off < crid)			/* arch, page size */
		return err == ENOEXEC;
	switch (err) {
	case EBADMSG:		/* a record's checks, or the checksum */
	case ENODATA:		/* a length that runs past the end */
	case ENOEXEC:		/* register state or vDSO of another machine */
	case ESTALE:		/* a file's identity */
	case ENOENT:		/* a file's path */
	case ENOTDIR:
	case EPERM:		/* a mapping below mmap_min_addr */
	case ENOMEM:		/* more memory than RLIMIT_AS */
		return true;
	}
	return false;
}

/*
 * Flips byte @off of the image held in @fd and returns what restart(2)
 * made of it.
 */
static long restart_flipped(int fd, uint8_t *buf, size_t off, uint8_t flip)
{
	uint8_t b = buf[off] ^ flip;
	long ret;

	if (pwrite(fd, &b, 1, off) != 1 || lseek(fd, 0, SEEK_SET))
		return -1000;
	ret = sys_restart(0, fd, RESTART_VERIFY);
	if (ret < 0)
		ret = -errno;
	if (pwrite(fd, &buf[off], 1, off) != 1)
		return -1000;
	return ret;
}

static void flip_check(struct __test_metadata *_metadata, int fd,
		       uint8_t *buf, size_t off, bool all_flips)
{
	static const uint8_t flips[] = { 0xff, 0x01, 0x80 };

	for (size_t f = 0; f < (all_flips ? sizeof(flips) : 1); f++) {
		long ret = restart_flipped(fd, buf, off, flips[f]);

		EXPECT_TRUE(ret < 0 && flip_errno_ok(off, -ret)) {
			TH_LOG("byte %zu ^ 0x%02x: restart returned %ld", off,
			       flips[f], ret);
		}
	}
}

/* A flipped byte of page data that no checksum covers is just data. */
static void flip_data(struct __test_metadata *_metadata, int fd,
		      uint8_t *buf, size_t off, bool covered)
{
	long ret;

	if (covered) {
		flip_check(_metadata, fd, buf, off, false);
		return;
	}
	ret = restart_flipped(fd, buf, off, 0xff);
	EXPECT_EQ(0, ret) {
		TH_LOG("page byte %zu: restart returned %ld", off, ret);
	}
}

/*
 * Every byte of every record, and the first and last of each page, each
 * flipped whole; the record headers and the image header also by their
 * lowest and highest bit.  Damaged page data is refused only when the
 * checksum covers it.
 */
TEST_F_TIMEOUT(image, restart_refuses_any_flipped_byte, 600)
{
	size_t page = sysconf(_SC_PAGESIZE), stride = flip_stride();
	bool covered = variant->flags & CHECKPOINT_CSUM_PAGES;
	int fd = memfd_create("img", 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, write_all(fd, self->img.buf, self->img.len));
	if (stride > 1)
		TH_LOG("CKPT_FLIP_STRIDE=%zu: every header byte, flipped whole, then one byte in %zu",
		       stride, stride);
	for (int r = 0; r < self->nrec; r++) {
		size_t off = self->rec[r].off, len = self->rec[r].len;
		size_t body = (len + CKPT_ALIGN - 1) & ~(size_t)(CKPT_ALIGN - 1);
		size_t hdr = sizeof(struct ckpt_hdr);

		for (size_t i = 0; i < body; i++) {
			/* a different phase in each record */
			if (r && i >= hdr && (i + r) % stride)
				continue;
			flip_check(_metadata, fd, self->img.buf, off + i,
				   stride == 1 && (r == 0 || i < hdr));
		}
		for (size_t d = 0; d < self->rec[r].data; d += page) {
			flip_data(_metadata, fd, self->img.buf, off + body + d,
				  covered);
			flip_data(_metadata, fd, self->img.buf,
				  off + body + d + page - 1, covered);
		}
	}
	close(fd);
	/* and it is still a sound image */
	EXPECT_EQ(0, restart_from(self->img.buf, self->img.len, 0,
				  RESTART_VERIFY));
}

/*
 * A checkpointer outside a chroot records the target's executable as the
 * target sees it, from its own root.
 */
TEST(exe_path_is_relative_to_the_target_root)
{
	char jail[] = "/tmp/ckpt-jail-XXXXXX";
	char bin[PATH_MAX];
	struct image exe = {};
	int fd;
	struct record rec[MAX_RECORDS];
	struct image img = {};
	struct ckpt_hdr_file *e;
	int n, status;
	pid_t pid;

	ASSERT_NE(NULL, mkdtemp(jail));
	snprintf(bin, sizeof(bin), "%s/target", jail);
	fd = open("/proc/self/exe", O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, read_all(fd, &exe));
	close(fd);
	fd = open(bin, O_WRONLY | O_CREAT | O_EXCL, 0755);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, write_all(fd, exe.buf, exe.len));
	close(fd);
	image_free(&exe);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (chroot(jail) || chdir("/"))
			_exit(1);
		/* the console is outside the jail: its fds would be refused */
		close_range(0, ~0U, 0);
		execl("/target", "target", "--stop-and-exit", NULL);
		_exit(2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status));

	ASSERT_EQ(0, checkpoint_to_image(pid, &img));
	kill(pid, SIGCONT);
	EXPECT_EQ(0, wait_exit(pid));

	n = image_records(&img, rec);
	ASSERT_LT(0, n);
	e = image_record(&img, rec, n, CKPT_HDR_EXE);
	ASSERT_NE(NULL, e);
	EXPECT_STREQ("/target", e->path);
	/* a restarter finds it from the same root, and only there */
	EXPECT_EQ(-ENOENT, restart_from(img.buf, img.len, img.crid,
					RESTART_VERIFY));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (chroot(jail))
			_exit(1);
		_exit(-restart_from(img.buf, img.len, img.crid,
				    RESTART_VERIFY));
	}
	EXPECT_EQ(0, wait_exit(pid));

	image_free(&img);
	unlink(bin);
	rmdir(jail);
}

int main(int argc, char **argv)
{
	/* the target of exe_path_is_relative_to_the_target_root */
	if (argc == 2 && !strcmp(argv[1], "--stop-and-exit")) {
		raise(SIGSTOP);
		return 0;
	}
	return test_harness_run(argc, argv);
}
