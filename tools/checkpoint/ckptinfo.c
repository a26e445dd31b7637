// SPDX-License-Identifier: GPL-2.0
/*
 * ckptinfo - print every record of a checkpoint image in words
 *
 * One line a record: its offset, its type, then key=value fields.  The
 * image is untrusted: a record that runs past the end, or one whose length
 * does not fit its type, ends the walk with an error.
 */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "ckpt.h"

enum { EXIT_USAGE = 2 };

static void print_usage(FILE *f)
{
	fprintf(f,
"Usage: ckptinfo [--tree] [FILE]\n"
"Print every record of the checkpoint image in FILE, or standard input,\n"
"one line a record: offset, type, fields.  The tail's checksum is checked:\n"
"it covers the records, and the page data when flags has csum-pages.\n"
"\n"
"  -t, --tree  print the image's processes instead, one a line, each\n"
"              under its parent: pid, ppid, pgid, sid, threads, state\n"
"  -h, --help  show this help\n"
"\n"
"Exit status: 0 a well-formed image; 1 a malformed one; 2 usage.\n");
}

/* Prints a fixed-size string field, stopping at its NUL or its end. */
static void print_str(const char *key, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	printf(" %s=\"", key);
	for (size_t i = 0; i < n; i++)
		putchar(s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' ? s[i] : '?');
	putchar('"');
}

static void print_header(const struct ckpt_hdr_header *h)
{
	time_t t = h->time;
	struct tm tm;
	char when[32] = "?";

	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf(" magic=%s version=%u arch=%s page_size=%u crid=%d flags=%#llx%s time=%s",
	       memcmp(h->magic, CKPT_MAGIC_HEAD, sizeof(h->magic)) ? "bad" : "ok",
	       h->version, h->arch == CKPT_ARCH_X86_64 ? "x86_64" : "unknown",
	       h->page_size, h->crid, (unsigned long long)h->flags,
	       h->flags & CHECKPOINT_CSUM_PAGES ? ",csum-pages" : "", when);
	print_str("release", h->release, sizeof(h->release));
}

/* What a thread was doing, if in a call it resumes after restart. */
static void print_resume(const struct ckpt_thread *t)
{
	static const char * const calls[] = {
		[CKPT_RESUME_NANOSLEEP] = "nanosleep",
		[CKPT_RESUME_FUTEX] = "futex-wait",
		[CKPT_RESUME_POLL] = "poll",
	};

	if (t->resume == CKPT_RESUME_NONE)
		return;
	printf(" resume=%s left_ns=%lld",
	       t->resume < ARRAY_SIZE(calls) && calls[t->resume] ?
	       calls[t->resume] : "unknown", (long long)t->resume_ns);
}

static void print_task(const struct ckpt_hdr_task *t)
{
	printf(" pid=%d tgid=%d uid=%u,%u,%u,%u gid=%u,%u,%u,%u", t->pid,
	       t->tgid, t->uid, t->euid, t->suid, t->fsuid, t->gid, t->egid,
	       t->sgid, t->fsgid);
	print_str("comm", t->t.comm, sizeof(t->t.comm));
	print_resume(&t->t);
}

static void print_proc(const struct ckpt_hdr_proc *p)
{
	printf(" pid=%d ppid=%d pgid=%d sid=%d threads=%u exit_signal=%u",
	       p->pid, p->ppid, p->pgid, p->sid, p->nr_threads + 1,
	       p->exit_signal);
	if (p->flags & CKPT_PROC_ZOMBIE)
		printf(" zombie=%#x", p->exit_code);
	if (p->files_of)
		printf(" files_of=%u", p->files_of - 1);
	if (p->fs_of)
		printf(" fs_of=%u", p->fs_of - 1);
}

/* What a zombie's wait status says, into @buf. */
static const char *zombie_status(uint32_t code, char *buf, size_t len)
{
	if (code & 0x7f)
		snprintf(buf, len, "zombie, killed by signal %u%s", code & 0x7f,
			 code & 0x80 ? " (core)" : "");
	else
		snprintf(buf, len, "zombie, exited %u", (code >> 8) & 0xff);
	return buf;
}

/*
 * --tree: the processes, in image order (a parent before its children),
 * each indented under its parent.
 */
static int print_tree(const struct image *img)
{
	size_t off = 0, data, page_size = sysconf(_SC_PAGESIZE);
	struct ckpt_hdr_proc *procs = NULL;
	unsigned int nr = 0, i, j, *depth;
	char ns_line[160] = "";
	char state[64];
	int *parent;

	while (off + sizeof(struct ckpt_hdr) <= img->len) {
		const struct ckpt_hdr *h = (const void *)(img->buf + off);

		if (h->len < sizeof(*h) || img->len - off < h->len)
			break;
		if (h->type == CKPT_HDR_TASK)
			break;
		if (h->type == CKPT_HDR_TREE &&
		    h->len == sizeof(struct ckpt_hdr_tree) &&
		    ((const struct ckpt_hdr_tree *)h)->flags & CKPT_TREE_PID_NS)
			snprintf(ns_line, sizeof(ns_line),
				 "a pid namespace: the first process is its init");
		if (h->type == CKPT_HDR_UTS_NS &&
		    h->len == sizeof(struct ckpt_hdr_uts_ns)) {
			const struct ckpt_hdr_uts_ns *u = (const void *)h;
			size_t at = strlen(ns_line);

			snprintf(ns_line + at, sizeof(ns_line) - at,
				 "%shostname %.*s", at ? "; " : "",
				 (int)sizeof(u->nodename), u->nodename);
		}
		if (h->type == CKPT_HDR_PROC && h->len == sizeof(*procs)) {
			procs = realloc(procs, (nr + 1) * sizeof(*procs));
			if (!procs)
				return 1;
			memcpy(&procs[nr++], h, sizeof(*procs));
		}
		off = record_next(off, h, &data, page_size);
	}
	if (!nr) {
		printf("no process records: an image of one process, of a format before version 7\n");
		free(procs);
		return 1;
	}
	parent = calloc(nr, sizeof(*parent));
	depth = calloc(nr, sizeof(*depth));
	if (!parent || !depth) {
		free(depth);
		free(parent);
		free(procs);
		return 1;
	}
	if (ns_line[0])
		printf("%s\n", ns_line);
	printf("%-24s %7s %7s %7s %7s  %s\n", "PID", "PPID", "PGID", "SID",
	       "THREADS", "STATE");
	for (i = 0; i < nr; i++) {
		unsigned int d = 0;

		parent[i] = -1;
		for (j = i; j-- > 0;)
			if (procs[j].pid == procs[i].ppid) {
				parent[i] = j;
				break;
			}
		if (parent[i] >= 0)
			d = depth[parent[i]] + 1;
		depth[i] = d;
		printf("%*s%-*d %7d %7d %7d %7u  %s\n", (int)(2 * (d % 10)), "",
		       24 - (int)(2 * (d % 10)), procs[i].pid, procs[i].ppid,
		       procs[i].pgid, procs[i].sid, procs[i].nr_threads + 1,
		       procs[i].flags & CKPT_PROC_ZOMBIE ?
		       zombie_status(procs[i].exit_code, state, sizeof(state)) :
		       "live");
	}
	free(depth);
	free(parent);
	free(procs);
	return 0;
}

static void print_thread(const struct ckpt_hdr_thread *t)
{
	printf(" tid=%d", t->tid);
	print_str("comm", t->t.comm, sizeof(t->t.comm));
	printf(" nice=%d blocked=%#llx altstack=%#llx+%llu/%#x pending=%u",
	       t->nice, (unsigned long long)t->blocked,
	       (unsigned long long)t->altstack_sp,
	       (unsigned long long)t->altstack_size, t->altstack_flags,
	       t->nr_siginfo);
	print_resume(&t->t);
}

static void print_file(const struct ckpt_hdr_file *f)
{
	printf(" dev=%#llx ino=%llu size=%llu mtime=%lld.%09u mode=%#o",
	       (unsigned long long)f->dev, (unsigned long long)f->ino,
	       (unsigned long long)f->size, (long long)f->mtime_sec,
	       f->mtime_nsec, f->mode);
	print_str("path", f->path, f->h.len - sizeof(*f));
}

static void print_regset(const struct ckpt_hdr_regset *r)
{
	printf(" note=%#x size=%u", r->note_type, r->size);
	if (r->note_type == 1 && r->size >= 17 * 8) {	/* NT_PRSTATUS */
		const uint64_t *g = (const void *)r->data;

		/* user_regs_struct: ip is the 17th, sp the 20th */
		printf(" ip=%#llx sp=%#llx", (unsigned long long)g[16],
		       (unsigned long long)g[19]);
	}
}

static void print_mm(const struct ckpt_hdr_mm *m)
{
	printf(" vmas=%u code=%#llx-%#llx data=%#llx-%#llx brk=%#llx-%#llx stack=%#llx auxv=%u",
	       m->nr_vmas, (unsigned long long)m->start_code,
	       (unsigned long long)m->end_code,
	       (unsigned long long)m->start_data,
	       (unsigned long long)m->end_data,
	       (unsigned long long)m->start_brk, (unsigned long long)m->brk,
	       (unsigned long long)m->start_stack, m->nr_auxv);
}

static void print_vma(const struct ckpt_hdr_vma *v)
{
	static const char * const kinds[] = {
		[CKPT_VMA_ANON] = "anon", [CKPT_VMA_SHMEM] = "shmem",
		[CKPT_VMA_FILE] = "file", [CKPT_VMA_VDSO] = "vdso",
		[CKPT_VMA_VVAR] = "vvar",
	};

	printf(" %#llx-%#llx %c%c%c%c pgoff=%#llx kind=%s flags=%#llx",
	       (unsigned long long)v->start, (unsigned long long)v->end,
	       v->prot & 1 ? 'r' : '-', v->prot & 2 ? 'w' : '-',
	       v->prot & 4 ? 'x' : '-',
	       v->flags & CKPT_VMA_SHARED ? 's' : 'p',
	       (unsigned long long)v->pgoff,
	       v->kind < ARRAY_SIZE(kinds) && kinds[v->kind] ?
	       kinds[v->kind] : "unknown",
	       (unsigned long long)v->flags);
}

static void print_pages(const struct ckpt_hdr_pages *p)
{
	printf(" nr=%u", p->nr_pages);
	if (p->nr_pages)
		printf(" first=%#llx last=%#llx",
		       (unsigned long long)p->addr[0],
		       (unsigned long long)p->addr[p->nr_pages - 1]);
}

/* The parent's pages a process keeps: its runs, and how many pages. */
static void print_keep(const struct ckpt_hdr_pages_keep *k)
{
	unsigned long long pages = 0;

	for (uint32_t i = 0; i < k->nr_runs; i++)
		pages += k->run[i].nr_pages;
	printf(" runs=%u pages=%llu", k->nr_runs, pages);
	if (k->nr_runs)
		printf(" first=%#llx", (unsigned long long)k->run[0].addr);
}

static void print_cred(const struct ckpt_hdr_cred *c)
{
	uint32_t n = (c->h.len - sizeof(*c)) / 4;

	printf(" cap_eff=%#llx cap_prm=%#llx cap_inh=%#llx cap_bnd=%#llx cap_amb=%#llx securebits=%#x groups=",
	       (unsigned long long)c->cap_effective,
	       (unsigned long long)c->cap_permitted,
	       (unsigned long long)c->cap_inheritable,
	       (unsigned long long)c->cap_bset,
	       (unsigned long long)c->cap_ambient, c->securebits);
	if (n > c->ngroups)
		n = c->ngroups;
	for (uint32_t i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", c->groups[i]);
	if (!n)
		printf("-");
}

static void print_attr(const struct ckpt_hdr_attr *a)
{
	printf(" personality=%#x nice=%d umask=%04o pdeath_signal=%u dumpable=%u no_new_privs=%u nofile=%llu/%llu stack=%llu/%llu",
	       a->personality, a->nice, a->umask, a->pdeath_signal,
	       a->dumpable, a->no_new_privs,
	       (unsigned long long)a->rlim[7].cur,
	       (unsigned long long)a->rlim[7].max,
	       (unsigned long long)a->rlim[3].cur,
	       (unsigned long long)a->rlim[3].max);
	printf(" oom_score_adj=%d timer_slack_ns=%llu coredump_filter=%#x%s%s%s%s",
	       a->oom_score_adj, (unsigned long long)a->timer_slack_ns,
	       a->coredump_filter,
	       a->flags & CKPT_ATTR_THP_DISABLE ? " thp-disable" : "",
	       a->flags & CKPT_ATTR_SUBREAPER ? " subreaper" : "",
	       a->flags & CKPT_ATTR_MCE_PROCESS ? " mce-kill" : "",
	       a->flags & CKPT_ATTR_MCE_EARLY ? "-early" : "");
}

static void print_signals(const struct ckpt_hdr_signals *s)
{
	int handled = 0, ignored = 0;

	for (int i = 0; i < CKPT_NSIG; i++) {
		handled += s->action[i].handler > 1;
		ignored += s->action[i].handler == 1;
	}
	printf(" blocked=%#llx handled=%d ignored=%d altstack=%#llx+%llu/%#x pending=%u",
	       (unsigned long long)s->blocked, handled, ignored,
	       (unsigned long long)s->altstack_sp,
	       (unsigned long long)s->altstack_size, s->altstack_flags,
	       s->nr_siginfo);
}

static void print_siginfo(const struct ckpt_hdr_siginfo *s)
{
	const int32_t *i = (const void *)s->info;

	/* siginfo_t begins with si_signo, si_errno, si_code */
	printf(" signo=%d code=%d%s", i[0], i[2],
	       s->flags & CKPT_SIGINFO_SHARED ? " shared" : "");
}

static void print_itimers(const struct ckpt_hdr_itimers *t)
{
	printf(" real=%llu+%llu virtual=%llu+%llu prof=%llu+%llu (ns)",
	       (unsigned long long)t->real.value,
	       (unsigned long long)t->real.interval,
	       (unsigned long long)t->virt.value,
	       (unsigned long long)t->virt.interval,
	       (unsigned long long)t->prof.value,
	       (unsigned long long)t->prof.interval);
}

static void print_posix_timer(const struct ckpt_hdr_posix_timer *t)
{
	static const char *const notify[] = {
		[SIGEV_SIGNAL] = "signal", [SIGEV_NONE] = "none",
		[SIGEV_THREAD] = "thread",
	};
	const char *how = t->notify >= 0 && t->notify < 3 ?
			  notify[t->notify] : NULL;

	printf(" id=%d clock=%d notify=%s", t->id, t->clockid,
	       how ? how : t->notify == (SIGEV_SIGNAL | SIGEV_THREAD_ID) ?
	       "thread_id" : "?");
	if (t->notify != SIGEV_NONE)
		printf(" signo=%d", t->signo);
	if (t->tid)
		printf(" tid=%d", t->tid);
	printf(" value=%lld%s interval=%lld (ns) overrun=%lld/%lld",
	       (long long)t->value,
	       t->flags & CKPT_TIMER_ABSTIME ? " abs" : "",
	       (long long)t->interval, (long long)t->overrun,
	       (long long)t->overrun_last);
	if (t->flags & CKPT_TIMER_QUEUED)
		printf(" pending(overrun=%d%s)", t->queued_overrun,
		       t->flags & CKPT_TIMER_REARM ? ", rearms" : "");
}

static void print_memfd(const struct ckpt_hdr_memfd *m)
{
	if (m->same_as) {
		printf(" same_as=%u", m->same_as);
		return;
	}
	print_str("name", m->name, sizeof(m->name));
	printf(" size=%llu mode=%#o seals=%#x",
	       (unsigned long long)m->size, m->mode, m->seals);
}

static void print_fd(const struct ckpt_hdr_fd *f)
{
	printf(" fd=%d file=%u%s", f->fd, f->file,
	       f->flags & CKPT_FD_CLOEXEC ? " cloexec" : "");
}

static void print_open_file(const struct ckpt_hdr_open_file *f)
{
	static const char * const kinds[] = {
		[CKPT_FILE_REG] = "reg", [CKPT_FILE_DIR] = "dir",
		[CKPT_FILE_CHR] = "chr", [CKPT_FILE_PIPE] = "pipe",
		[CKPT_FILE_FIFO] = "fifo", [CKPT_FILE_EVENTFD] = "eventfd",
		[CKPT_FILE_SIGNALFD] = "signalfd", [CKPT_FILE_TIMERFD] = "timerfd",
		[CKPT_FILE_EPOLL] = "epoll", [CKPT_FILE_MEMFD] = "memfd",
		[CKPT_FILE_DELETED] = "deleted", [CKPT_FILE_INOTIFY] = "inotify",
	};

	printf(" id=%u kind=%s flags=%#o pos=%lld", f->id,
	       f->kind < ARRAY_SIZE(kinds) && kinds[f->kind] ?
	       kinds[f->kind] : "unknown", f->flags, (long long)f->pos);
	if (f->pipe)
		printf(" pipe=%u", f->pipe);
}

static void print_pipe(const struct ckpt_hdr_pipe *p)
{
	printf(" id=%u size=%u bytes=%u%s", p->id, p->size, p->nr_bytes,
	       p->flags & CKPT_PIPE_PACKETS ? " packets" : "");
}

static void print_file_lock(const struct ckpt_hdr_file_lock *l)
{
	static const char * const kinds[] = {
		[CKPT_LOCK_FLOCK] = "flock", [CKPT_LOCK_POSIX] = "posix",
		[CKPT_LOCK_OFD] = "ofd",
	};

	printf(" file=%u kind=%s type=%s start=%lld end=%lld", l->file,
	       l->kind < ARRAY_SIZE(kinds) && kinds[l->kind] ?
	       kinds[l->kind] : "unknown",
	       l->type == F_RDLCK ? "read" : l->type == F_WRLCK ? "write" :
	       "unknown", (long long)l->start, (long long)l->end);
}

static void print_error(const struct ckpt_hdr_error *e)
{
	printf(" error=%d (%s) fd=%d", e->error, strerror(e->error), e->fd);
	print_str("msg", e->msg, e->h.len - sizeof(*e));
}

struct kind {
	uint32_t type;
	const char *name;
	uint32_t min, max;	/* of len, header included */
};

static const struct kind kinds[] = {
	{ CKPT_HDR_HEADER, "header", sizeof(struct ckpt_hdr_header),
	  sizeof(struct ckpt_hdr_header) },
	{ CKPT_HDR_TREE, "tree", sizeof(struct ckpt_hdr_tree),
	  sizeof(struct ckpt_hdr_tree) },
	{ CKPT_HDR_UTS_NS, "uts_ns", sizeof(struct ckpt_hdr_uts_ns),
	  sizeof(struct ckpt_hdr_uts_ns) },
	{ CKPT_HDR_PROC, "proc", sizeof(struct ckpt_hdr_proc),
	  sizeof(struct ckpt_hdr_proc) },
	{ CKPT_HDR_TASK, "task", sizeof(struct ckpt_hdr_task),
	  sizeof(struct ckpt_hdr_task) },
	{ CKPT_HDR_EXE, "exe", sizeof(struct ckpt_hdr_file) + 2,
	  sizeof(struct ckpt_hdr_file) + PATH_MAX },
	{ CKPT_HDR_CRED, "cred", sizeof(struct ckpt_hdr_cred),
	  sizeof(struct ckpt_hdr_cred) + 4 * CKPT_NGROUPS_MAX },
	{ CKPT_HDR_ATTR, "attr", sizeof(struct ckpt_hdr_attr),
	  sizeof(struct ckpt_hdr_attr) },
	{ CKPT_HDR_CWD, "cwd", sizeof(struct ckpt_hdr_file) + 2,
	  sizeof(struct ckpt_hdr_file) + PATH_MAX },
	{ CKPT_HDR_SIGNALS, "signals", sizeof(struct ckpt_hdr_signals),
	  sizeof(struct ckpt_hdr_signals) },
	{ CKPT_HDR_SIGINFO, "siginfo", sizeof(struct ckpt_hdr_siginfo),
	  sizeof(struct ckpt_hdr_siginfo) },
	{ CKPT_HDR_ITIMERS, "itimers", sizeof(struct ckpt_hdr_itimers),
	  sizeof(struct ckpt_hdr_itimers) },
	{ CKPT_HDR_MEMFD, "memfd", sizeof(struct ckpt_hdr_memfd),
	  sizeof(struct ckpt_hdr_memfd) },
	{ CKPT_HDR_FILE_DATA, "filedata",
	  sizeof(struct ckpt_hdr_file_data),
	  sizeof(struct ckpt_hdr_file_data) + CKPT_FILE_CHUNK },
	{ CKPT_HDR_DELETED, "deleted", sizeof(struct ckpt_hdr_deleted),
	  sizeof(struct ckpt_hdr_deleted) },
	{ CKPT_HDR_INOTIFY, "inotify", sizeof(struct ckpt_hdr_inotify),
	  sizeof(struct ckpt_hdr_inotify) },
	{ CKPT_HDR_SCHED, "sched", sizeof(struct ckpt_hdr_sched),
	  sizeof(struct ckpt_hdr_sched) + CKPT_SCHED_CPUS_MAX / 8 },
	{ CKPT_HDR_VMA_MADE, "vmamade", sizeof(struct ckpt_hdr_vma_made),
	  sizeof(struct ckpt_hdr_vma_made) },
	{ CKPT_HDR_VMA_SHMEM, "vmashmem", sizeof(struct ckpt_hdr_vma_shmem),
	  sizeof(struct ckpt_hdr_vma_shmem) },
	{ CKPT_HDR_INOTIFY_WATCH, "inotify_watch",
	  sizeof(struct ckpt_hdr_inotify_watch),
	  sizeof(struct ckpt_hdr_inotify_watch) },
	{ CKPT_HDR_INOTIFY_EVENT, "inotify_event",
	  sizeof(struct ckpt_hdr_inotify_event),
	  sizeof(struct ckpt_hdr_inotify_event) + NAME_MAX },
	{ CKPT_HDR_POSIX_TIMERS, "posix_timers",
	  sizeof(struct ckpt_hdr_posix_timers),
	  sizeof(struct ckpt_hdr_posix_timers) },
	{ CKPT_HDR_POSIX_TIMER, "posix_timer",
	  sizeof(struct ckpt_hdr_posix_timer),
	  sizeof(struct ckpt_hdr_posix_timer) },
	{ CKPT_HDR_ERROR, "error", sizeof(struct ckpt_hdr_error) + 1,
	  CKPT_REC_MAX },
	{ CKPT_HDR_FILES, "files", sizeof(struct ckpt_hdr_files),
	  sizeof(struct ckpt_hdr_files) },
	{ CKPT_HDR_FD, "fd", sizeof(struct ckpt_hdr_fd),
	  sizeof(struct ckpt_hdr_fd) },
	{ CKPT_HDR_OPEN_FILE, "openfile", sizeof(struct ckpt_hdr_open_file),
	  sizeof(struct ckpt_hdr_open_file) },
	{ CKPT_HDR_FILE_PATH, "filepath", sizeof(struct ckpt_hdr_file) + 2,
	  sizeof(struct ckpt_hdr_file) + PATH_MAX },
	{ CKPT_HDR_PIPE, "pipe", sizeof(struct ckpt_hdr_pipe),
	  sizeof(struct ckpt_hdr_pipe) },
	{ CKPT_HDR_PIPE_DATA, "pipedata", sizeof(struct ckpt_hdr_pipe_data) + 1,
	  CKPT_REC_MAX },
	{ CKPT_HDR_FILE_LOCKS, "filelocks", sizeof(struct ckpt_hdr_file_locks),
	  sizeof(struct ckpt_hdr_file_locks) },
	{ CKPT_HDR_FILE_LOCK, "filelock", sizeof(struct ckpt_hdr_file_lock),
	  sizeof(struct ckpt_hdr_file_lock) },
	{ CKPT_HDR_EVENTFD, "eventfd", sizeof(struct ckpt_hdr_eventfd),
	  sizeof(struct ckpt_hdr_eventfd) },
	{ CKPT_HDR_SIGNALFD, "signalfd", sizeof(struct ckpt_hdr_signalfd),
	  sizeof(struct ckpt_hdr_signalfd) },
	{ CKPT_HDR_TIMERFD, "timerfd", sizeof(struct ckpt_hdr_timerfd),
	  sizeof(struct ckpt_hdr_timerfd) },
	{ CKPT_HDR_EPOLL, "epoll", sizeof(struct ckpt_hdr_epoll),
	  sizeof(struct ckpt_hdr_epoll) },
	{ CKPT_HDR_EPOLL_ITEM, "epollitem", sizeof(struct ckpt_hdr_epoll_item),
	  sizeof(struct ckpt_hdr_epoll_item) },
	{ CKPT_HDR_REGSET, "regset", sizeof(struct ckpt_hdr_regset),
	  CKPT_REC_MAX },
	{ CKPT_HDR_THREADS, "threads", sizeof(struct ckpt_hdr_threads),
	  sizeof(struct ckpt_hdr_threads) },
	{ CKPT_HDR_THREAD, "thread", sizeof(struct ckpt_hdr_thread),
	  sizeof(struct ckpt_hdr_thread) },
	{ CKPT_HDR_MM, "mm", sizeof(struct ckpt_hdr_mm),
	  sizeof(struct ckpt_hdr_mm) },
	{ CKPT_HDR_VMA, "vma", sizeof(struct ckpt_hdr_vma),
	  sizeof(struct ckpt_hdr_vma) },
	{ CKPT_HDR_VMA_FILE, "vmafile", sizeof(struct ckpt_hdr_file) + 2,
	  sizeof(struct ckpt_hdr_file) + PATH_MAX },
	{ CKPT_HDR_PAGES, "pages", sizeof(struct ckpt_hdr_pages),
	  sizeof(struct ckpt_hdr_pages) + CKPT_PAGES_MAX * 8 },
	{ CKPT_HDR_PAGES_KEEP, "pageskeep", sizeof(struct ckpt_hdr_pages_keep),
	  sizeof(struct ckpt_hdr_pages_keep) +
	  CKPT_RUNS_MAX * sizeof(struct ckpt_page_run) },
	{ CKPT_HDR_TAIL, "tail", sizeof(struct ckpt_hdr_tail),
	  sizeof(struct ckpt_hdr_tail) },
};

static const struct kind *kind_of(uint32_t type)
{
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (kinds[i].type == type)
			return &kinds[i];
	return NULL;
}

/* Walks and prints @img; returns 0 for a well-formed image. */
static int inspect(const struct image *img)
{
	size_t off = 0, data, page_size = sysconf(_SC_PAGESIZE);

	while (off < img->len) {
		const uint8_t *rec = img->buf + off;
		const struct kind *k;
		struct ckpt_hdr h;

		if (img->len - off < sizeof(h)) {
			printf("%zu\terror\ttruncated record header\n", off);
			return 1;
		}
		memcpy(&h, rec, sizeof(h));
		k = kind_of(h.type);
		printf("%zu\t%s\tlen=%u", off, k ? k->name : "unknown", h.len);
		if (!k || h.len < k->min || h.len > k->max) {
			printf(" type=%u\nerror: a record of this type and length is not known\n",
			       h.type);
			return 1;
		}
		if (img->len - off < h.len) {
			printf("\nerror: the record runs past the end of the image\n");
			return 1;
		}
		switch (h.type) {
		case CKPT_HDR_HEADER:
			print_header((const void *)rec);
			break;
		case CKPT_HDR_SCHED: {
			const struct ckpt_hdr_sched *sc = (const void *)rec;

			printf(" policy=%#x priority=%u cpus=%s", sc->policy,
			       sc->priority,
			       sc->flags & CKPT_SCHED_ALL_CPUS ? "all" : "some");
			break;
		}
		case CKPT_HDR_VMA_MADE:
			printf(" file=%u",
			       ((const struct ckpt_hdr_vma_made *)rec)->file);
			break;
		case CKPT_HDR_VMA_SHMEM: {
			const struct ckpt_hdr_vma_shmem *vs = (const void *)rec;

			printf(" proc=%u vma=%u", vs->proc, vs->vma);
			break;
		}
		case CKPT_HDR_TREE: {
			const struct ckpt_hdr_tree *t = (const void *)rec;

			printf(" nr=%u flags=%#x%s%s%s", t->nr, t->flags,
			       t->flags & CKPT_TREE_PID_NS ? " pid-ns" : "",
			       t->flags & CKPT_TREE_UTS_NS ? " uts-ns" : "",
			       t->flags & CKPT_TREE_IPC_NS ? " ipc-ns" : "");
			break;
		}
		case CKPT_HDR_UTS_NS: {
			const struct ckpt_hdr_uts_ns *u = (const void *)rec;

			printf(" nodename=%.*s domainname=%.*s",
			       (int)sizeof(u->nodename), u->nodename,
			       (int)sizeof(u->domainname), u->domainname);
			break;
		}
		case CKPT_HDR_PROC:
			print_proc((const void *)rec);
			break;
		case CKPT_HDR_TASK:
			print_task((const void *)rec);
			break;
		case CKPT_HDR_CRED:
			print_cred((const void *)rec);
			break;
		case CKPT_HDR_ATTR:
			print_attr((const void *)rec);
			break;
		case CKPT_HDR_SIGNALS:
			print_signals((const void *)rec);
			break;
		case CKPT_HDR_SIGINFO:
			print_siginfo((const void *)rec);
			break;
		case CKPT_HDR_ITIMERS:
			print_itimers((const void *)rec);
			break;
		case CKPT_HDR_POSIX_TIMERS:
			printf(" nr=%u next_id=%d",
			       ((const struct ckpt_hdr_posix_timers *)rec)->nr,
			       ((const struct ckpt_hdr_posix_timers *)rec)->next_id);
			break;
		case CKPT_HDR_POSIX_TIMER:
			print_posix_timer((const void *)rec);
			break;
		case CKPT_HDR_MEMFD:
			print_memfd((const void *)rec);
			break;
		case CKPT_HDR_DELETED: {
			const struct ckpt_hdr_deleted *d = (const void *)rec;

			if (d->same_as)
				printf(" same_as=%u", d->same_as);
			else
				printf(" size=%llu mode=%#o",
				       (unsigned long long)d->size, d->mode);
			break;
		}
		case CKPT_HDR_INOTIFY: {
			const struct ckpt_hdr_inotify *n = (const void *)rec;

			printf(" watches=%u events=%u next_wd=%d", n->nr_watches,
			       n->nr_events, n->next_wd);
			break;
		}
		case CKPT_HDR_INOTIFY_WATCH:
			printf(" wd=%d mask=%#x",
			       ((const struct ckpt_hdr_inotify_watch *)rec)->wd,
			       ((const struct ckpt_hdr_inotify_watch *)rec)->mask);
			break;
		case CKPT_HDR_INOTIFY_EVENT: {
			const struct ckpt_hdr_inotify_event *e = (const void *)rec;
			int len = h.len - sizeof(*e);

			printf(" wd=%d mask=%#x cookie=%u name=\"%.*s\"", e->wd,
			       e->mask, e->cookie, len > 0 ? len : 0, e->name);
			break;
		}
		case CKPT_HDR_FILE_DATA:
			printf(" offset=%llu bytes=%zu",
			       (unsigned long long)((const struct ckpt_hdr_file_data *)rec)->offset,
			       h.len - sizeof(struct ckpt_hdr_file_data));
			break;
		case CKPT_HDR_ERROR:
			print_error((const void *)rec);
			printf("\nerror: the checkpoint failed; the image ends here\n");
			return 1;
		case CKPT_HDR_FILES:
			printf(" nr_fds=%u",
			       ((const struct ckpt_hdr_files *)rec)->nr_fds);
			break;
		case CKPT_HDR_FD:
			print_fd((const void *)rec);
			break;
		case CKPT_HDR_OPEN_FILE:
			print_open_file((const void *)rec);
			break;
		case CKPT_HDR_PIPE:
			print_pipe((const void *)rec);
			break;
		case CKPT_HDR_FILE_LOCKS:
			printf(" nr=%u",
			       ((const struct ckpt_hdr_file_locks *)rec)->nr);
			break;
		case CKPT_HDR_FILE_LOCK:
			print_file_lock((const void *)rec);
			break;
		case CKPT_HDR_EVENTFD: {
			const struct ckpt_hdr_eventfd *e = (const void *)rec;

			printf(" count=%llu%s", (unsigned long long)e->count,
			       e->flags & CKPT_EVENTFD_SEMAPHORE ?
			       " semaphore" : "");
			break;
		}
		case CKPT_HDR_EPOLL:
			printf(" file=%u nr=%u",
			       ((const struct ckpt_hdr_epoll *)rec)->file,
			       ((const struct ckpt_hdr_epoll *)rec)->nr);
			break;
		case CKPT_HDR_EPOLL_ITEM: {
			const struct ckpt_hdr_epoll_item *e = (const void *)rec;

			printf(" fd=%d file=%u events=%#x data=%#llx", e->fd,
			       e->file, e->events, (unsigned long long)e->data);
			break;
		}
		case CKPT_HDR_TIMERFD: {
			const struct ckpt_hdr_timerfd *t = (const void *)rec;

			printf(" clock=%d flags=%#x value=%lld interval=%lld ticks=%llu (ns)",
			       t->clockid, t->flags, (long long)t->value_ns,
			       (long long)t->interval_ns,
			       (unsigned long long)t->ticks);
			break;
		}
		case CKPT_HDR_SIGNALFD:
			printf(" mask=%#llx", (unsigned long long)
			       ((const struct ckpt_hdr_signalfd *)rec)->mask);
			break;
		case CKPT_HDR_PIPE_DATA:
			printf(" bytes=%zu", (size_t)h.len -
			       sizeof(struct ckpt_hdr_pipe_data));
			break;
		case CKPT_HDR_EXE:
		case CKPT_HDR_CWD:
		case CKPT_HDR_FILE_PATH:
		case CKPT_HDR_VMA_FILE:
			print_file((const void *)rec);
			break;
		case CKPT_HDR_REGSET:
			print_regset((const void *)rec);
			break;
		case CKPT_HDR_THREADS:
			printf(" nr=%u",
			       ((const struct ckpt_hdr_threads *)rec)->nr);
			break;
		case CKPT_HDR_THREAD:
			print_thread((const void *)rec);
			break;
		case CKPT_HDR_MM:
			print_mm((const void *)rec);
			break;
		case CKPT_HDR_VMA:
			print_vma((const void *)rec);
			break;
		case CKPT_HDR_PAGES:
			if (h.len < sizeof(struct ckpt_hdr_pages) +
				    8ULL * ((const struct ckpt_hdr_pages *)rec)->nr_pages) {
				printf("\nerror: more pages than addresses\n");
				return 1;
			}
			print_pages((const void *)rec);
			break;
		case CKPT_HDR_PAGES_KEEP:
			if (h.len < sizeof(struct ckpt_hdr_pages_keep) +
				    sizeof(struct ckpt_page_run) *
				    (uint64_t)((const struct ckpt_hdr_pages_keep *)rec)->nr_runs) {
				printf("\nerror: more runs than the record holds\n");
				return 1;
			}
			print_keep((const void *)rec);
			break;
		case CKPT_HDR_TAIL: {
			const struct ckpt_hdr_tail *t = (const void *)rec;
			bool ok = t->checksum == image_checksum(img, off);

			printf(" checksum=%#llx (%s)\n",
			       (unsigned long long)t->checksum,
			       ok ? "ok" : "BAD");
			return ok && t->magic == CKPT_MAGIC_TAIL ? 0 : 1;
		}
		}
		putchar('\n');
		off = record_next(off, (const void *)rec, &data, page_size);
		if (off > img->len) {
			printf("error: page data runs past the end of the image\n");
			return 1;
		}
	}
	printf("error: no tail record; the image is truncated\n");
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "tree", no_argument, NULL, 't' },
		{ }
	};
	struct image img;
	int c, fd = STDIN_FILENO;
	bool tree = false;

	while ((c = getopt_long(argc, argv, "ht", opts, NULL)) != -1) {
		if (c == 'h') {
			print_usage(stdout);
			return 0;
		}
		if (c == 't') {
			tree = true;
			continue;
		}
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (argc - optind > 1) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (optind < argc) {
		fd = open(argv[optind], O_RDONLY);
		if (fd < 0) {
			perror(argv[optind]);
			return EXIT_FAILURE;
		}
	}
	if (read_all(fd, &img)) {
		perror("ckptinfo: read");
		return EXIT_FAILURE;
	}
	c = tree ? print_tree(&img) : inspect(&img);
	image_free(&img);
	return c;
}
