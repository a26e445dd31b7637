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
#include <sys/stat.h>
#include <sys/utsname.h>
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
	ASSERT_EQ(0, checkpoint_to_image(0, &self->img));
	self->t1 = time(NULL);
	self->nrec = image_records(&self->img, self->rec);
	ASSERT_EQ(4, self->nrec);
	caller_state(&self->before);
}

FIXTURE_TEARDOWN(image)
{
	image_free(&self->img);
}

/* restart(2) of @buf must fail with @err and change nothing in the caller. */
static void expect_refused(struct __test_metadata *_metadata,
			   struct _test_data_image *self, const void *buf,
			   size_t len, int crid, int err, const char *what)
{
	struct caller_state after;

	EXPECT_EQ(-err, restart_from(buf, len, crid, 0)) {
		TH_LOG("%s: wanted %s", what, strerror(err));
	}
	/* a sound image passes verification; a damaged one does not */
	EXPECT_EQ(err == EOPNOTSUPP ? 0 : -err,
		  restart_from(buf, len, crid, RESTART_VERIFY)) {
		TH_LOG("%s (verify): wanted %s", what, strerror(err));
	}
	caller_state(&after);
	EXPECT_EQ(0, memcmp(&self->before, &after, sizeof(after))) {
		TH_LOG("%s: the caller changed", what);
	}
}

TEST_F(image, records_are_header_task_exe_tail)
{
	EXPECT_EQ(CKPT_HDR_HEADER, self->rec[0].type);
	EXPECT_EQ(sizeof(struct ckpt_hdr_header), self->rec[0].len);
	EXPECT_EQ(CKPT_HDR_TASK, self->rec[1].type);
	EXPECT_EQ(sizeof(struct ckpt_hdr_task), self->rec[1].len);
	EXPECT_EQ(CKPT_HDR_EXE, self->rec[2].type);
	EXPECT_EQ(CKPT_HDR_TAIL, self->rec[3].type);
	EXPECT_EQ(sizeof(struct ckpt_hdr_tail), self->rec[3].len);
	for (int i = 0; i < self->nrec; i++)
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
	EXPECT_EQ(0, h->flags);
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
	struct ckpt_hdr *e = image_record(&self->img, self->rec, self->nrec,
					  CKPT_HDR_EXE);
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
	EXPECT_STREQ("ckpt-frame", t->comm);

	ASSERT_LT(0, readlink("/proc/self/exe", exe, sizeof(exe) - 1));
	EXPECT_EQ(sizeof(*e) + strlen(exe) + 1, e->len);
	EXPECT_STREQ(exe, (char *)(e + 1));
}

TEST_F(image, tail_checksum_covers_every_byte_before_it)
{
	struct record *tail = &self->rec[self->nrec - 1];
	struct ckpt_hdr_tail *t = (void *)(self->img.buf + tail->off);

	EXPECT_EQ(CKPT_MAGIC_TAIL, t->magic);
	EXPECT_EQ(xxh64(self->img.buf, tail->off, 0), t->checksum);
}

TEST_F(image, restart_verify_accepts_the_image)
{
	EXPECT_EQ(0, restart_from(self->img.buf, self->img.len, 0,
				  RESTART_VERIFY));
	EXPECT_EQ(0, restart_from(self->img.buf, self->img.len,
				  self->img.crid, RESTART_VERIFY));
}

/* Until process state is in the image there is nothing to become. */
TEST_F(image, restart_is_refused_until_there_is_state)
{
	expect_refused(_metadata, self, self->img.buf, self->img.len, 0,
		       EOPNOTSUPP, "sound image");
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

/* Cut at every length: at each record boundary and inside each record. */
TEST_F(image, restart_refuses_truncation_anywhere)
{
	char what[64];

	for (size_t len = 0; len < self->img.len; len++) {
		snprintf(what, sizeof(what), "cut at %zu", len);
		expect_refused(_metadata, self, self->img.buf, len, 0,
			       ENODATA, what);
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
	if (off < arch)
		return err == EPROTONOSUPPORT;
	if (off < crid)			/* arch, page size */
		return err == ENOEXEC;
	return err == EBADMSG || err == ENODATA;
}

TEST_F(image, restart_refuses_any_flipped_byte)
{
	static const uint8_t flips[] = { 0xff, 0x01, 0x80 };
	char what[64];

	for (size_t off = 0; off < self->img.len; off++) {
		for (size_t f = 0; f < sizeof(flips); f++) {
			long ret;

			self->img.buf[off] ^= flips[f];
			ret = restart_from(self->img.buf, self->img.len, 0,
					   RESTART_VERIFY);
			self->img.buf[off] ^= flips[f];
			snprintf(what, sizeof(what), "byte %zu ^ 0x%02x", off,
				 flips[f]);
			EXPECT_TRUE(ret < 0 && flip_errno_ok(off, -ret)) {
				TH_LOG("%s: restart returned %ld", what, ret);
			}
		}
	}
	/* and it is still a sound image */
	EXPECT_EQ(0, restart_from(self->img.buf, self->img.len, 0,
				  RESTART_VERIFY));
	expect_refused(_metadata, self, self->img.buf, self->img.len, 0,
		       EOPNOTSUPP, "after flips");
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
	struct ckpt_hdr *e;
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
		execl("/target", "target", "--stop-and-exit", NULL);
		_exit(2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status));

	ASSERT_EQ(0, checkpoint_to_image(pid, &img));
	kill(pid, SIGCONT);
	EXPECT_EQ(0, wait_exit(pid));

	n = image_records(&img, rec);
	ASSERT_EQ(4, n);
	e = image_record(&img, rec, n, CKPT_HDR_EXE);
	ASSERT_NE(NULL, e);
	EXPECT_STREQ("/target", (char *)(e + 1));
	EXPECT_EQ(0, restart_from(img.buf, img.len, img.crid, RESTART_VERIFY));

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
