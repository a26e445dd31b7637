/* SPDX-License-Identifier: GPL-2.0 */
/*
 * checkpoint(2) and restart(2) from userspace, and images read whole into
 * memory, walked record by record and checked against their tail's
 * checksum.  Shared by the tools and the selftests.
 */
#ifndef CKPT_H
#define CKPT_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/checkpoint.h>
#include <linux/sched.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#ifndef __NR_checkpoint
#define __NR_checkpoint 463
#endif
#ifndef __NR_restart
#define __NR_restart 464
#endif

static inline long sys_checkpoint(pid_t pid, int fd, unsigned long flags)
{
	return syscall(__NR_checkpoint, pid, fd, flags);
}

static inline long sys_restart(int crid, int fd, unsigned long flags)
{
	return syscall(__NR_restart, crid, fd, flags, -1);
}

/* With RESTART_LOG: a refusal's reason goes to @logfd. */
static inline long sys_restart_log(int crid, int fd, unsigned long flags,
				   int logfd)
{
	return syscall(__NR_restart, crid, fd, flags | RESTART_LOG, logfd);
}

/*
 * fork(), the child getting @pid in the caller's pid namespace, as
 * clone3's set_tid does: the pid must be free, and the caller needs
 * CAP_CHECKPOINT_RESTORE over the namespace.  A restored process with
 * threads needs its own pid back.
 */
/*
 * The fields of the stat file at @path after the task's name, "S PPID
 * ...", in @buf of @size bytes; NULL if it cannot be read.
 */
static inline const char *proc_stat_fields(const char *path, char *buf,
					   size_t size)
{
	const char *p;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p + 2 : NULL;
}

static inline pid_t fork_with_pid(pid_t pid)
{
	struct clone_args args = {
		.exit_signal = SIGCHLD,
		.set_tid = (uintptr_t)&pid,
		.set_tid_size = 1,
	};

	return syscall(SYS_clone3, &args, sizeof(args));
}

/* An image held in memory. */
struct image {
	uint8_t *buf;
	size_t len;
	long crid;
};

static inline void image_free(struct image *img)
{
	free(img->buf);
	img->buf = NULL;
	img->len = 0;
}

/* Reads @fd to its end into @img. */
static inline int read_all(int fd, struct image *img)
{
	size_t cap = 4096;
	ssize_t n;

	img->buf = malloc(cap);
	img->len = 0;
	if (!img->buf)
		return -1;
	for (;;) {
		if (img->len == cap) {
			uint8_t *p = realloc(img->buf, cap *= 2);

			if (!p)
				return -1;
			img->buf = p;
		}
		n = read(fd, img->buf + img->len, cap - img->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (!n)
			return 0;
		img->len += n;
	}
}

static inline int write_all(int fd, const void *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf = (const char *)buf + n;
		len -= n;
	}
	return 0;
}

/* The image's records, in order, as a decoder walks them. */
#define MAX_RECORDS 4096

struct record {
	size_t off;			/* of its header */
	uint32_t type;
	uint32_t len;
	size_t data;			/* bytes of page data after it */
};

/* The offset of the record after the one at @off, with header @h. */
static inline size_t record_next(size_t off, const struct ckpt_hdr *h,
				 size_t *data, size_t page_size)
{
	*data = 0;
	if (h->type == CKPT_HDR_PAGES && h->len >= sizeof(struct ckpt_hdr_pages))
		*data = (size_t)((const struct ckpt_hdr_pages *)h)->nr_pages *
			page_size;
	return off + ((h->len + CKPT_ALIGN - 1) & ~(size_t)(CKPT_ALIGN - 1)) +
	       *data;
}

/*
 * Walks the records of @img into @rec; returns their count, or -1 when
 * a record is malformed or the image does not end right after its tail.
 */
static inline int image_records(const struct image *img, struct record *rec)
{
	size_t off = 0, page_size = sysconf(_SC_PAGESIZE);
	int n = 0;

	while (off < img->len && n < MAX_RECORDS) {
		const struct ckpt_hdr *h = (const void *)(img->buf + off);

		if (img->len - off < sizeof(*h) || h->len < sizeof(*h) ||
		    img->len - off < h->len)
			return -1;
		rec[n].off = off;
		rec[n].type = h->type;
		rec[n].len = h->len;
		off = record_next(off, h, &rec[n].data, page_size);
		if (off > img->len)
			return -1;
		n++;
		if (h->type == CKPT_HDR_TAIL)
			return off == img->len ? n : -1;
	}
	return -1;
}

/* The first record of @type, or NULL. */
static inline void *image_record(const struct image *img, struct record *rec,
				 int nrec, uint32_t type)
{
	for (int i = 0; i < nrec; i++)
		if (rec[i].type == type)
			return img->buf + rec[i].off;
	return NULL;
}

/* xxh64, as the kernel's lib/xxhash.c computes it, for one buffer. */
#define XXH_P1 0x9E3779B185EBCA87ULL
#define XXH_P2 0xC2B2AE3D27D4EB4FULL
#define XXH_P3 0x165667B19E3779F9ULL
#define XXH_P4 0x85EBCA77C2B2AE63ULL
#define XXH_P5 0x27D4EB2F165667C5ULL

static inline uint64_t xxh_rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t xxh_round(uint64_t acc, uint64_t in)
{
	return xxh_rotl(acc + in * XXH_P2, 31) * XXH_P1;
}

static inline uint64_t xxh_merge(uint64_t acc, uint64_t v)
{
	return (acc ^ xxh_round(0, v)) * XXH_P1 + XXH_P4;
}

static inline uint64_t xxh_get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t xxh64(const void *data, size_t len, uint64_t seed)
{
	const uint8_t *p = data, *end = p + len;
	uint64_t h;

	if (len >= 32) {
		uint64_t v1 = seed + XXH_P1 + XXH_P2, v2 = seed + XXH_P2;
		uint64_t v3 = seed, v4 = seed - XXH_P1;

		for (; p + 32 <= end; p += 32) {
			v1 = xxh_round(v1, xxh_get64(p));
			v2 = xxh_round(v2, xxh_get64(p + 8));
			v3 = xxh_round(v3, xxh_get64(p + 16));
			v4 = xxh_round(v4, xxh_get64(p + 24));
		}
		h = xxh_rotl(v1, 1) + xxh_rotl(v2, 7) + xxh_rotl(v3, 12) +
		    xxh_rotl(v4, 18);
		h = xxh_merge(h, v1);
		h = xxh_merge(h, v2);
		h = xxh_merge(h, v3);
		h = xxh_merge(h, v4);
	} else {
		h = seed + XXH_P5;
	}
	h += len;
	for (; p + 8 <= end; p += 8)
		h = xxh_rotl(h ^ xxh_round(0, xxh_get64(p)), 27) * XXH_P1 +
		    XXH_P4;
	if (p + 4 <= end) {
		uint32_t v;

		memcpy(&v, p, sizeof(v));
		h = xxh_rotl(h ^ (uint64_t)v * XXH_P1, 23) * XXH_P2 + XXH_P3;
		p += 4;
	}
	for (; p < end; p++)
		h = xxh_rotl(h ^ *p * XXH_P5, 11) * XXH_P1;
	h ^= h >> 33;
	h *= XXH_P2;
	h ^= h >> 29;
	h *= XXH_P3;
	h ^= h >> 32;
	return h;
}

/*
 * The checksum a tail at @end of @img, a walkable image, should hold: of
 * every record before it, and of the page data too when the header asks
 * for it.
 */
static inline uint64_t image_checksum(const struct image *img, size_t end)
{
	const struct ckpt_hdr_header *hh = (const void *)img->buf;
	size_t off = 0, len = 0, data, next;
	size_t page_size = sysconf(_SC_PAGESIZE);
	uint64_t sum;
	uint8_t *buf;

	if (end >= sizeof(*hh) && hh->flags & CHECKPOINT_CSUM_PAGES)
		return xxh64(img->buf, end, 0);
	buf = malloc(end ? end : 1);
	if (!buf)
		abort();
	while (off < end) {
		next = record_next(off, (const void *)(img->buf + off), &data,
				   page_size);
		memcpy(buf + len, img->buf + off, next - data - off);
		len += next - data - off;
		off = next;
	}
	sum = xxh64(buf, len, 0);
	free(buf);
	return sum;
}

/* Rewrites the tail's checksum after a test edited the image. */
static inline void image_reseal(struct image *img)
{
	struct record rec[MAX_RECORDS];
	int n = image_records(img, rec);
	struct ckpt_hdr_tail *t;

	if (n <= 0)
		return;
	t = (void *)(img->buf + rec[n - 1].off);
	t->checksum = image_checksum(img, rec[n - 1].off);
}

#endif /* CKPT_H */
