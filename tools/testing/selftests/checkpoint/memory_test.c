// SPDX-License-Identifier: GPL-2.0
/*
 * What a checkpoint writes of a process: its registers and its address
 * space.  Each test builds state in a child, stops it, checkpoints it and
 * decodes the image: the records must match what /proc and ptrace say of
 * the child, and hold exactly the pages that exist.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/user.h>

#include "../kselftest_harness.h"
#include "ckpt_util.h"

static size_t page;

/* A child that ran @prepare, told us @info, and stopped itself. */
struct child {
	pid_t pid;
	unsigned long info[4];
};

static int start_child(struct child *c, void (*prepare)(unsigned long *info))
{
	int p[2], status;

	if (pipe(p))
		return -1;
	c->pid = fork();
	if (c->pid < 0)
		return -1;
	if (!c->pid) {
		unsigned long info[4] = {};

		close(p[0]);
		prepare(info);
		if (write_all(p[1], info, sizeof(info)))
			_exit(1);
		raise(SIGSTOP);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], c->info, sizeof(c->info)) != sizeof(c->info))
		return -1;
	close(p[0]);
	if (waitpid(c->pid, &status, WUNTRACED) != c->pid || !WIFSTOPPED(status))
		return -1;
	return 0;
}

/* The decoded image of a child. */
struct decoded {
	struct image img;
	struct record rec[MAX_RECORDS];
	int nrec;
};

static int decode(pid_t pid, struct decoded *d)
{
	if (checkpoint_to_image(pid, &d->img))
		return -1;
	d->nrec = image_records(&d->img, d->rec);
	return d->nrec > 0 ? 0 : -1;
}

static struct ckpt_hdr_vma *find_vma(struct decoded *d, unsigned long addr)
{
	for (int i = 0; i < d->nrec; i++) {
		struct ckpt_hdr_vma *v = (void *)(d->img.buf + d->rec[i].off);

		if (d->rec[i].type == CKPT_HDR_VMA && v->start <= addr &&
		    addr < v->end)
			return v;
	}
	return NULL;
}

/* The record after @v, for a file VMA its file record. */
static void *next_record(struct decoded *d, void *v)
{
	for (int i = 0; i + 1 < d->nrec; i++)
		if (d->img.buf + d->rec[i].off == v)
			return d->img.buf + d->rec[i + 1].off;
	return NULL;
}

/*
 * Calls @fn for each page of the image in [@start, @end); returns how
 * many there were.
 */
static int for_pages(struct decoded *d, unsigned long start, unsigned long end,
		     void (*fn)(unsigned long addr, const uint8_t *data,
				void *arg), void *arg)
{
	int n = 0;

	for (int i = 0; i < d->nrec; i++) {
		struct ckpt_hdr_pages *p = (void *)(d->img.buf + d->rec[i].off);
		const uint8_t *data;

		if (d->rec[i].type != CKPT_HDR_PAGES)
			continue;
		data = (uint8_t *)p + ((d->rec[i].len + 7) & ~7UL);
		for (uint32_t j = 0; j < p->nr_pages; j++) {
			if (p->addr[j] < start || p->addr[j] >= end)
				continue;
			if (fn)
				fn(p->addr[j], data + j * page, arg);
			n++;
		}
	}
	return n;
}

static uint8_t pattern(unsigned long addr, size_t i)
{
	return (uint8_t)((addr >> 12) * 31 + i * 7 + 1);
}

static void fill(uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = pattern((unsigned long)p + i - i % page, i % page);
}

struct page_check {
	unsigned long seen[64];
	int n;
	bool bad;
};

static void check_page(unsigned long addr, const uint8_t *data, void *arg)
{
	struct page_check *pc = arg;

	for (size_t i = 0; i < page; i++)
		if (data[i] != pattern(addr, i))
			pc->bad = true;
	if (pc->n < 64)
		pc->seen[pc->n++] = addr;
}

#define NPAGES 16

/* Pages 1, 2 and 7 of 16 written; the rest never touched. */
static void anon_some_pages(unsigned long *info)
{
	uint8_t *p = mmap(NULL, NPAGES * page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	fill(p + page, 2 * page);
	fill(p + 7 * page, page);
	info[0] = (unsigned long)p;
}

TEST(only_written_anon_pages_are_in_the_image)
{
	struct page_check pc = {};
	struct ckpt_hdr_vma *v;
	struct decoded d = {};
	struct child c;
	unsigned long a;

	ASSERT_EQ(0, start_child(&c, anon_some_pages));
	ASSERT_EQ(0, decode(c.pid, &d));
	a = c.info[0];

	v = find_vma(&d, a);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(CKPT_VMA_ANON, v->kind);
	EXPECT_EQ(PROT_READ | PROT_WRITE, v->prot);
	EXPECT_EQ(0, v->flags & CKPT_VMA_SHARED);
	EXPECT_EQ(3, for_pages(&d, a, a + NPAGES * page, check_page, &pc));
	EXPECT_FALSE(pc.bad);
	EXPECT_EQ(a + page, pc.seen[0]);
	EXPECT_EQ(a + 2 * page, pc.seen[1]);
	EXPECT_EQ(a + 7 * page, pc.seen[2]);
	/* the image still verifies */
	EXPECT_EQ(0, restart_from(d.img.buf, d.img.len, 0, RESTART_VERIFY));
	image_free(&d.img);
	reap(c.pid);
}

static void huge_one_page(unsigned long *info)
{
	uint8_t *p = mmap(NULL, 1UL << 30, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	p[(1UL << 29) + 123] = 42;
	info[0] = (unsigned long)p;
}

TEST(untouched_gigabyte_costs_nothing)
{
	struct ckpt_hdr_vma *v;
	struct decoded d = {};
	struct child c;

	ASSERT_EQ(0, start_child(&c, huge_one_page));
	ASSERT_EQ(0, decode(c.pid, &d));
	v = find_vma(&d, c.info[0]);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(c.info[0], v->start);
	EXPECT_EQ(c.info[0] + (1UL << 30), v->end);
	EXPECT_EQ(1, for_pages(&d, v->start, v->end, NULL, NULL));
	EXPECT_GT(1 << 20, d.img.len) {
		TH_LOG("image of %zu bytes", d.img.len);
	}
	image_free(&d.img);
	reap(c.pid);
}

/* Three pages, the middle one written and then made PROT_NONE. */
static void prot_none_hole(unsigned long *info)
{
	uint8_t *p = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	fill(p + page, page);
	mprotect(p + page, page, PROT_NONE);
	mprotect(p + 2 * page, page, PROT_READ | PROT_EXEC);
	info[0] = (unsigned long)p;
}

TEST(prot_none_and_exec_regions_are_kept)
{
	struct page_check pc = {};
	struct ckpt_hdr_vma *v;
	struct decoded d = {};
	struct child c;
	unsigned long a;

	ASSERT_EQ(0, start_child(&c, prot_none_hole));
	ASSERT_EQ(0, decode(c.pid, &d));
	a = c.info[0];
	v = find_vma(&d, a);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(PROT_READ | PROT_WRITE, v->prot);
	EXPECT_EQ(a + page, v->end);
	v = find_vma(&d, a + page);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(0, v->prot);
	EXPECT_EQ(a + 2 * page, v->end);
	v = find_vma(&d, a + 2 * page);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(PROT_READ | PROT_EXEC, v->prot);
	/* the data behind PROT_NONE is there too */
	EXPECT_EQ(1, for_pages(&d, a, a + 3 * page, check_page, &pc));
	EXPECT_FALSE(pc.bad);
	image_free(&d.img);
	reap(c.pid);
}

static char file_path[32];

static int make_file(size_t len)
{
	int fd;

	snprintf(file_path, sizeof(file_path), "/tmp/ckpt-map-XXXXXX");
	fd = mkstemp(file_path);
	uint8_t *buf = calloc(1, len);

	if (fd < 0 || !buf || write_all(fd, buf, len))
		return -1;
	free(buf);
	return fd;
}

/* Pages 3 and 9 of a 16-page private file mapping written. */
static void private_file(unsigned long *info)
{
	int fd = open(file_path, O_RDWR);
	uint8_t *p = mmap(NULL, NPAGES * page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE, fd, 0);
	unsigned long sum = 0;

	for (int i = 0; i < NPAGES; i++)	/* all read, two written */
		sum += p[i * page];
	fill(p + 3 * page, page);
	fill(p + 9 * page, page);
	info[0] = (unsigned long)p;
	info[1] = sum;
	close(fd);
}

TEST(private_file_mapping_keeps_only_written_pages)
{
	struct page_check pc = {};
	struct ckpt_hdr_file *f;
	struct ckpt_hdr_vma *v;
	struct decoded d = {};
	struct child c;
	struct stat st;
	int fd;

	fd = make_file(NPAGES * page);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, start_child(&c, private_file));
	ASSERT_EQ(0, decode(c.pid, &d));
	v = find_vma(&d, c.info[0]);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(CKPT_VMA_FILE, v->kind);
	EXPECT_EQ(0, v->pgoff);
	f = next_record(&d, v);
	ASSERT_NE(NULL, f);
	EXPECT_EQ(CKPT_HDR_VMA_FILE, f->h.type);
	EXPECT_STREQ(file_path, f->path);
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(st.st_ino, f->ino);
	EXPECT_EQ(st.st_size, f->size);
	EXPECT_EQ(2, for_pages(&d, v->start, v->end, check_page, &pc));
	EXPECT_FALSE(pc.bad);
	EXPECT_EQ(c.info[0] + 3 * page, pc.seen[0]);
	EXPECT_EQ(c.info[0] + 9 * page, pc.seen[1]);
	image_free(&d.img);
	reap(c.pid);
	close(fd);
	unlink(file_path);
}

static void shared_maps(unsigned long *info)
{
	int fd = open(file_path, O_RDWR);
	uint8_t *f = mmap(NULL, NPAGES * page, PROT_READ | PROT_WRITE,
			  MAP_SHARED, fd, 0);
	uint8_t *a = mmap(NULL, NPAGES * page, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	fill(f + 2 * page, page);
	fill(a + 5 * page, page);
	info[0] = (unsigned long)f;
	info[1] = (unsigned long)a;
	close(fd);
}

/* A shared file mapping's data is in the file; shared anon memory's is not. */
TEST(shared_mappings)
{
	struct page_check pc = {};
	struct ckpt_hdr_vma *v;
	struct decoded d = {};
	struct child c;
	int fd;

	fd = make_file(NPAGES * page);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, start_child(&c, shared_maps));
	ASSERT_EQ(0, decode(c.pid, &d));

	v = find_vma(&d, c.info[0]);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(CKPT_VMA_FILE, v->kind);
	EXPECT_EQ(CKPT_VMA_SHARED | CKPT_VMA_MAYWRITE | CKPT_VMA_FILE_RDWR,
		  v->flags);
	EXPECT_EQ(0, for_pages(&d, v->start, v->end, NULL, NULL));

	v = find_vma(&d, c.info[1]);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(CKPT_VMA_SHMEM, v->kind);
	EXPECT_EQ(CKPT_VMA_SHARED | CKPT_VMA_MAYWRITE, v->flags);
	EXPECT_EQ(1, for_pages(&d, v->start, v->end, check_page, &pc));
	EXPECT_FALSE(pc.bad);
	EXPECT_EQ(c.info[1] + 5 * page, pc.seen[0]);

	image_free(&d.img);
	reap(c.pid);
	close(fd);
	unlink(file_path);
}

static void nothing(unsigned long *info)
{
}

/* Every line of /proc/PID/maps is a VMA record, in order. */
TEST(vmas_match_proc_maps)
{
	struct decoded d = {};
	char path[64], line[512];
	struct child c;
	int i = 0;
	FILE *f;

	ASSERT_EQ(0, start_child(&c, nothing));
	ASSERT_EQ(0, decode(c.pid, &d));
	snprintf(path, sizeof(path), "/proc/%d/maps", c.pid);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end;
		char perms[5], name[256] = "";
		struct ckpt_hdr_vma *v;

		int n = sscanf(line, "%lx-%lx %4s %*s %*s %*s %255s", &start,
			       &end, perms, name);

		ASSERT_LE(3, n);
		while (i < d.nrec && d.rec[i].type != CKPT_HDR_VMA)
			i++;
		ASSERT_GT(d.nrec, i);
		v = (void *)(d.img.buf + d.rec[i++].off);
		EXPECT_EQ(start, v->start);
		EXPECT_EQ(end, v->end);
		EXPECT_EQ(perms[0] == 'r', !!(v->prot & PROT_READ));
		EXPECT_EQ(perms[1] == 'w', !!(v->prot & PROT_WRITE));
		EXPECT_EQ(perms[2] == 'x', !!(v->prot & PROT_EXEC));
		EXPECT_EQ(perms[3] == 's', !!(v->flags & CKPT_VMA_SHARED));
		/* shared anonymous memory shows as "/dev/zero (deleted)" */
		EXPECT_EQ(!strcmp(name, "[vdso]") ? CKPT_VMA_VDSO :
			  !strcmp(name, "[vvar]") ? CKPT_VMA_VVAR :
			  !strcmp(name, "/dev/zero") ? CKPT_VMA_SHMEM :
			  name[0] == '/' ? CKPT_VMA_FILE : CKPT_VMA_ANON,
			  v->kind);
		EXPECT_EQ(!strcmp(name, "[stack]"),
			  !!(v->flags & CKPT_VMA_GROWSDOWN));
	}
	fclose(f);
	/* and no more */
	while (i < d.nrec && d.rec[i].type != CKPT_HDR_VMA)
		i++;
	EXPECT_EQ(d.nrec, i);
	image_free(&d.img);
	reap(c.pid);
}

/* The mm record says what /proc/PID/stat and /proc/PID/auxv say. */
TEST(mm_layout_matches_proc)
{
	unsigned long long v[52] = {};
	struct ckpt_hdr_mm *mm;
	struct decoded d = {};
	uint64_t auxv[128];
	char path[64], buf[2048], *p;
	struct child c;
	ssize_t n;
	int fd, i;

	ASSERT_EQ(0, start_child(&c, nothing));
	ASSERT_EQ(0, decode(c.pid, &d));
	mm = image_record(&d.img, d.rec, d.nrec, CKPT_HDR_MM);
	ASSERT_NE(NULL, mm);

	snprintf(path, sizeof(path), "/proc/%d/stat", c.pid);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	n = read(fd, buf, sizeof(buf) - 1);
	ASSERT_LT(0, n);
	buf[n] = '\0';
	close(fd);
	/* fields from 3 on, after the comm in parentheses */
	p = strrchr(buf, ')') + 2;
	for (i = 3; i <= 51 && p; i++) {
		v[i] = strtoull(*p == '-' ? p + 1 : p, NULL, 10);
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	EXPECT_EQ(v[26], mm->start_code);
	EXPECT_EQ(v[27], mm->end_code);
	EXPECT_EQ(v[28], mm->start_stack);
	EXPECT_EQ(v[45], mm->start_data);
	EXPECT_EQ(v[46], mm->end_data);
	EXPECT_EQ(v[47], mm->start_brk);
	EXPECT_EQ(v[48], mm->arg_start);
	EXPECT_EQ(v[49], mm->arg_end);
	EXPECT_EQ(v[50], mm->env_start);
	EXPECT_EQ(v[51], mm->env_end);

	snprintf(path, sizeof(path), "/proc/%d/auxv", c.pid);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	n = read(fd, auxv, sizeof(auxv));
	close(fd);
	ASSERT_EQ(mm->nr_auxv * 16, n);
	EXPECT_EQ(0, memcmp(auxv, mm->auxv, n));
	image_free(&d.img);
	reap(c.pid);
}

/* The child stops itself under ptrace, with ymm registers of its own. */
static void traced_with_ymm(unsigned long *info)
{
	static const uint8_t ymm[32] = {
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
	};
	long pid = getpid();

	info[0] = (unsigned long)ymm;
	ptrace(PTRACE_TRACEME, 0, 0, 0);
	/* stop with ymm5 loaded, without libc in between */
	asm volatile("vmovdqu %0, %%ymm5\n\t"
		     "syscall"
		     : : "m"(ymm), "a"(SYS_kill), "D"(pid), "S"(SIGSTOP)
		     : "rcx", "r11", "memory");
	_exit(0);
}

TEST(registers_match_ptrace)
{
	struct ckpt_hdr_regset *gen = NULL, *fpu = NULL;
	struct user_regs_struct regs;
	static uint8_t xsave[8192];
	struct iovec iov = { xsave, sizeof(xsave) };
	struct decoded d = {};
	int status, i;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		unsigned long info[4];

		traced_with_ymm(info);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSTOPPED(status));
	ASSERT_EQ(0, ptrace(PTRACE_GETREGS, pid, 0, &regs));
	ASSERT_EQ(0, ptrace(PTRACE_GETREGSET, pid, NT_X86_XSTATE, &iov));

	ASSERT_EQ(0, decode(pid, &d));
	for (i = 0; i < d.nrec; i++) {
		struct ckpt_hdr_regset *r = (void *)(d.img.buf + d.rec[i].off);

		if (d.rec[i].type != CKPT_HDR_REGSET)
			continue;
		if (r->note_type == NT_PRSTATUS)
			gen = r;
		if (r->note_type == NT_X86_XSTATE)
			fpu = r;
	}
	ASSERT_NE(NULL, gen);
	ASSERT_NE(NULL, fpu);
	ASSERT_EQ(sizeof(regs), gen->size);
	EXPECT_EQ(0, memcmp(&regs, gen->data, sizeof(regs)));
	ASSERT_EQ(iov.iov_len, fpu->size);
	EXPECT_EQ(0, memcmp(xsave, fpu->data, iov.iov_len));
	/* ymm5: low half in the legacy area, high half in the AVX one */
	for (i = 0; i < 16; i++) {
		EXPECT_EQ(i + 1, fpu->data[160 + 5 * 16 + i]);
		EXPECT_EQ(i + 17, fpu->data[576 + 5 * 16 + i]);
	}
	image_free(&d.img);
	reap(pid);
}

/* A child stopped in read() on a pipe goes back to the syscall. */
TEST(stopped_in_read_resumes_the_call)
{
	struct ckpt_hdr_regset *gen;
	struct user_regs_struct *r;
	struct decoded d = {};
	uint8_t insn[2] = {};
	char path[64];
	int p[2], status, fd;
	pid_t pid;

	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char c;

		close(p[1]);
		_exit(read(p[0], &c, 1));
	}
	usleep(200000);		/* let it block */
	ASSERT_EQ(0, kill(pid, SIGSTOP));
	ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
	ASSERT_EQ(0, decode(pid, &d));

	gen = image_record(&d.img, d.rec, d.nrec, CKPT_HDR_REGSET);
	ASSERT_NE(NULL, gen);
	r = (void *)gen->data;
	EXPECT_EQ(SYS_read, r->orig_rax);
	EXPECT_EQ(SYS_read, r->rax);	/* to be made again */
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(2, pread(fd, insn, 2, r->rip));
	EXPECT_EQ(0x0f, insn[0]);	/* syscall */
	EXPECT_EQ(0x05, insn[1]);
	close(fd);
	image_free(&d.img);
	reap(pid);
	close(p[0]);
	close(p[1]);
}

/* A self-checkpoint shows checkpoint() returning 0. */
TEST(self_checkpoint_returns_zero_in_the_image)
{
	struct ckpt_hdr_regset *gen;
	struct user_regs_struct *r;
	struct decoded d = {};

	ASSERT_EQ(0, decode(0, &d));
	gen = image_record(&d.img, d.rec, d.nrec, CKPT_HDR_REGSET);
	ASSERT_NE(NULL, gen);
	r = (void *)gen->data;
	EXPECT_EQ(__NR_checkpoint, r->orig_rax);
	EXPECT_EQ(0, r->rax);
	image_free(&d.img);
}

int main(int argc, char **argv)
{
	page = sysconf(_SC_PAGESIZE);
	return test_harness_run(argc, argv);
}
