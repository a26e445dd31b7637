/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Checkpoint/restart: the in-kernel interface shared by the core
 * (checkpoint/), the object files and the architecture hooks.
 */
#ifndef _LINUX_CHECKPOINT_H
#define _LINUX_CHECKPOINT_H

#include <linux/err.h>
#include <linux/path.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include <linux/xxhash.h>
#include <uapi/linux/checkpoint.h>

struct ckpt_rst_mm;
struct ckpt_rst_sched;
struct ckpt_rst_signals;
struct ckpt_rst_files;
struct ckpt_rst_threads;
struct ckpt_park;
struct rlimit;
struct ckpt_pid_index;
struct ckpt_rst_descs;
struct ckpt_rst_tree;
struct ckpt_seen;
struct ckpt_shmem_def;
struct ckpt_vmas;
struct dentry;
struct file;
struct iov_iter;
struct mm_struct;
struct page;
struct task_struct;

enum ckpt_kind {
	CKPT_CTX_CHECKPOINT,
	CKPT_CTX_RESTART,
};

/*
 * How a thread's interrupted system call resumes, for the architecture's
 * fixup of its registers: one of the image's CKPT_RESUME_*, or this, a
 * call made again from its registers as they are.
 */
#define CKPT_RESUME_REPEAT	(~0U)

/* A thread of the target besides the one that leads it. */
struct ckpt_thread_ref {
	struct task_struct *task;
	unsigned long switches;		/* at the start, as ctx->switches */
	bool stack;			/* its kernel stack pinned */
	bool parked;			/* by the checkpoint, not stopped */
};

/* How a task parked for a checkpoint waits: killable, not counted as load */
#define CKPT_PARK_STATE		(TASK_KILLABLE | TASK_NOLOAD)

/*
 * What one process of an operation has: its target's state on checkpoint,
 * what restart read of it, to apply after the point of no return.  The
 * operation works on one process at a time, whose state is the
 * context's; the others' wait in their struct ckpt_proc
 * (ckpt_proc_switch()).
 */
struct ckpt_proc_state {
	struct task_struct *task;	/* the target, the thread that
					 * leads it; current on restart
					 */
	struct mm_struct *mm;		/* the target's, when checked */
	bool stack;			/* its kernel stack pinned */
	bool self;			/* the caller's own process */
	bool parked;			/* by the checkpoint, not
					 * stopped
					 */
	u32 resume;			/* CKPT_RESUME_* of the target */
	unsigned long switches;		/* its context switches then */
	struct ckpt_thread_ref *threads;	/* its other threads */
	unsigned int nr_threads;
	struct path root;		/* the target's root: paths are
					 * its; the restarter's on
					 * restart
					 */
	struct ckpt_made_map *made_maps;	/* files.c: the memfds
						 * and deleted files
						 * mapped
						 */
	unsigned int nr_made_maps;
	struct ckpt_vmas *vmas;		/* memory.c: until its pages */

	/*
	 * Restart reads and checks everything it can before its point
	 * of no return, and keeps it here to apply after it.
	 */
	struct ckpt_hdr_task *rst_task;	/* process.c */
	struct ckpt_hdr_attr *rst_attr;
	struct ckpt_rst_sched *rst_sched;	/* sched.c */
	struct file *rst_exe;
	struct file *rst_cwd;
	struct ckpt_rst_signals *rst_sig;	/* signal.c */
	struct ckpt_rst_files *rst_files;	/* files.c */
	struct ckpt_rst_mm *rst_mm;	/* memory.c */
	struct ckpt_rst_threads *rst_threads;	/* thread.c */
	void *rst_arch;			/* the architecture's registers */
	long rst_retval;		/* its return register: what
					 * restart(2) returns to it
					 */
	bool rst_stop;			/* a SIGSTOP came for it */
};

/*
 * One checkpoint or restart operation.  It lives for one system call and
 * owns a reference on everything it points to.
 */
struct ckpt_ctx {
	enum ckpt_kind kind;
	unsigned long flags;		/* checkpoint(2) or restart(2) flags */
	int crid;			/* the image's id; 0 on restart: any */

	struct file *file;		/* the image stream */
	loff_t *ppos;			/* NULL for a stream without position */
	struct xxh64_state csum;	/* of every record moved so far */
	bool csum_pages;		/* and of page data: the image's
					 * CHECKPOINT_CSUM_PAGES
					 */
	u64 bytes;			/* moved so far */

	char *err_msg;			/* why checkpoint refused, for the
					 * image's error record
					 */
	int err_fd;
	bool err_final;			/* writing the error record */

	/* the processes: the first is the one checkpoint(2) names */
	struct ckpt_proc *procs;
	unsigned int nr_procs;
	unsigned int cur;		/* whose state is below */
	struct ckpt_park *park;		/* the tasks parked for the dump */
	struct ckpt_seen *seen;		/* files.c: the descriptions, and
					 * the shared anonymous memory
					 */
	struct ckpt_shmem_def *shmem_defs;	/* memory.c: that memory */
	unsigned int nr_shmem_defs, cap_shmem_defs;
	struct ckpt_rst_descs *rst_descs;	/* and on restart */
	struct ckpt_rst_tree *rst_tree;	/* tree.c */
	u32 tree_flags;			/* CKPT_TREE_* */
	struct ckpt_hdr_uts_ns *uts;	/* for CKPT_TREE_UTS_NS */
	struct nsproxy *rst_nsproxy;	/* restart: the tree's, made */
	struct ckpt_pid_index *rst_pids;	/* the processes, by pid */
	struct rlimit *rst_rlim;	/* the restarter's, for the tree */
	unsigned long rst_charged;	/* pages the processes will charge
					 * to the commit limit
					 */
	unsigned long rst_fork_charged;	/* the most a fork() of a parent
					 * charges, for a while
					 */
	struct file *rst_stdio[3];	/* RESTART_KEEP_STDIO: the
					 * restarter's fds 0-2, for the tree
					 */

	/* the current process's */
	struct ckpt_proc_state p;

	u32 rst_version;		/* the image's format version */
	u64 rst_hdr_flags;		/* its checkpoint(2) flags */
	bool rst_ponr;			/* past the point of no return */
	int rst_dumpable;		/* the restarter's, at the start */
};

/* A process of the operation, while another is current. */
struct ckpt_proc {
	struct ckpt_hdr_proc h;
	int parent;			/* its index, -1 for the first */
	struct ckpt_proc_state st;
	struct task_struct *made;	/* restart: the process made */
	const void *files, *fs;		/* checkpoint: which, to compare */
};

/* the image stream: sys.c */
int ckpt_stream(struct ckpt_ctx *ctx, struct iov_iter *iter);
bool ckpt_task_dying(struct task_struct *task);
bool ckpt_task_is_stopped(struct task_struct *task);
int ckpt_threads_get(struct ckpt_ctx *ctx);
bool ckpt_threads_all(struct ckpt_ctx *ctx);
int ckpt_target_moved(struct ckpt_ctx *ctx);
int ckpt_threads_moved(struct ckpt_ctx *ctx);
bool restart_retry_read(struct ckpt_ctx *ctx);
int ckpt_stream_pages(struct ckpt_ctx *ctx, struct page **pages,
		      unsigned int nr);

__printf(4, 5)
int ckpt_refuse(struct ckpt_ctx *ctx, int err, int fd, const char *fmt, ...);

/* record I/O: checkpoint.c and restart.c */
int ckpt_write(struct ckpt_ctx *ctx, const void *buf, size_t len);
int ckpt_write_obj(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 type,
		   u32 len);
int ckpt_write_path(struct ckpt_ctx *ctx, u32 type, const struct path *path,
		    int fd);
int ckpt_write_deleted_path(struct ckpt_ctx *ctx, const struct path *path,
			    int fd);
int ckpt_write_file(struct ckpt_ctx *ctx, u32 type, struct file *file, int fd);
int ckpt_refuse_internal(struct ckpt_ctx *ctx, struct file *file, int fd);
bool ckpt_file_internal(struct file *file);

int ckpt_read(struct ckpt_ctx *ctx, void *buf, size_t len);
int ckpt_read_page(struct ckpt_ctx *ctx, void *buf);
struct file *ckpt_open_file(struct ckpt_ctx *ctx,
			    const struct ckpt_hdr_file *h, int flags);
struct file *ckpt_open_file_grown(struct ckpt_ctx *ctx,
				  const struct ckpt_hdr_file *h, int flags,
				  bool grown);
int ckpt_read_obj(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 type,
		  u32 min, u32 max);
int ckpt_read_obj_of(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 type,
		     u32 alt, u32 min, u32 max);
void *ckpt_read_obj_alloc(struct ckpt_ctx *ctx, u32 type, u32 min, u32 max);
struct ckpt_hdr_file *ckpt_read_file(struct ckpt_ctx *ctx, u32 type);
int ckpt_lookup_file(struct ckpt_ctx *ctx, const struct ckpt_hdr_file *h,
		     struct path *path);
int ckpt_array_grow(void **arr, unsigned int *cap, unsigned int i,
		    size_t size);
int ckpt_cmp_int(const void *a, const void *b);
bool ckpt_ints_distinct(int *v, unsigned int nr);

int do_checkpoint(struct ckpt_ctx *ctx);
void checkpoint_error(struct ckpt_ctx *ctx, int err);
long do_restart(struct ckpt_ctx *ctx);
int restart_proc_apply(struct ckpt_ctx *ctx);

/* the processes of a tree: tree.c */
void ckpt_proc_switch(struct ckpt_ctx *ctx, unsigned int i);
bool ckpt_proc_is_zombie(struct ckpt_ctx *ctx, unsigned int i);
int ckpt_tree_get(struct ckpt_ctx *ctx);
int checkpoint_tree(struct ckpt_ctx *ctx);
int ckpt_tree_moved(struct ckpt_ctx *ctx);
int ckpt_tree_kill(struct ckpt_ctx *ctx);
int restore_tree(struct ckpt_ctx *ctx);
int restore_tree_check(struct ckpt_ctx *ctx);
int restore_tree_ponr(struct ckpt_ctx *ctx);
void restore_tree_ns_apply(struct ckpt_ctx *ctx);
int restore_tree_charges_check(struct ckpt_ctx *ctx);
int restore_tree_sigpending_check(struct ckpt_ctx *ctx);
void restore_nnp_apply(struct ckpt_ctx *ctx);
int restore_tree_ids_check(struct ckpt_ctx *ctx);
int ckpt_tree_pipes(struct ckpt_ctx *ctx);
int ckpt_tree_records(struct ckpt_ctx *ctx);
int restore_children_apply(struct ckpt_ctx *ctx);
int restore_tree_ids_apply(struct ckpt_ctx *ctx);
void restore_tree_end(struct ckpt_ctx *ctx, int err);
void ckpt_tree_free(struct ckpt_ctx *ctx);
unsigned int ckpt_tree_users(struct ckpt_ctx *ctx, bool fs);
u32 restore_proc_files_of(struct ckpt_ctx *ctx);
u32 restore_proc_fs_of(struct ckpt_ctx *ctx);
int restore_share_files(struct ckpt_ctx *ctx);
int restore_share_fs(struct ckpt_ctx *ctx);

/*
 * Objects, each written and restored side by side in its own file.  On
 * restart, restore_X() reads and checks, restore_X_apply() applies after
 * the point of no return, restore_X_free() drops what restore_X() kept.
 */
int checkpoint_task(struct ckpt_ctx *ctx);		/* process.c */
int restore_task(struct ckpt_ctx *ctx);
int restore_task_apply(struct ckpt_ctx *ctx);
int restore_rlimits_apply(struct ckpt_ctx *ctx, bool nproc);
void restore_task_free(struct ckpt_ctx *ctx);
int checkpoint_thread_check(struct ckpt_ctx *ctx, struct task_struct *t);
u32 checkpoint_thread_state(struct task_struct *task, struct ckpt_thread *h);
bool ckpt_thread_state_valid(const struct ckpt_thread *h, u32 version);
bool ckpt_thread_resume_valid(const struct ckpt_thread *h, const void *cpu);
int restore_thread_state(const struct ckpt_thread *h);
int checkpoint_threads(struct ckpt_ctx *ctx);		/* thread.c */
int ckpt_park(struct ckpt_ctx *ctx);
int ckpt_park_add(struct ckpt_ctx *ctx, struct task_struct *t);
int ckpt_park_wait(struct ckpt_ctx *ctx);
void ckpt_unpark(struct ckpt_ctx *ctx);
int restore_threads(struct ckpt_ctx *ctx);
bool restore_thread_is(struct ckpt_ctx *ctx, pid_t tid);
unsigned long restore_threads_signals_nr(struct ckpt_ctx *ctx);
int restore_threads_apply(struct ckpt_ctx *ctx);
int restore_ax_later(long ax);
unsigned int restore_threads_tids(struct ckpt_ctx *ctx, const pid_t **tids);
bool ckpt_nproc_over(unsigned int nr);
void ckpt_threads_put(struct ckpt_ctx *ctx);
void restore_threads_go(struct ckpt_ctx *ctx);
void restore_threads_free(struct ckpt_ctx *ctx);
int checkpoint_signals(struct ckpt_ctx *ctx);		/* signal.c */
int restore_signals(struct ckpt_ctx *ctx);
int restore_sigactions_apply(struct ckpt_ctx *ctx);
int restore_signals_apply(struct ckpt_ctx *ctx);
void restore_signals_free(struct ckpt_ctx *ctx);
struct ckpt_hdr_siginfo *checkpoint_thread_signals(struct task_struct *t,
						   struct ckpt_hdr_thread *h);
bool ckpt_thread_signals_valid(const struct ckpt_hdr_thread *h,
			       unsigned long *total);
unsigned long restore_signals_nr(struct ckpt_ctx *ctx);
int restore_posix_timers_check(struct ckpt_ctx *ctx);
void restore_signals_ponr(void);
int restore_siginfos(struct ckpt_ctx *ctx, struct ckpt_hdr_siginfo **info,
		     unsigned int *cap, unsigned int nr, bool shared);
int restore_thread_signals(const struct ckpt_hdr_thread *h,
			   const struct ckpt_hdr_siginfo *info);
int checkpoint_files(struct ckpt_ctx *ctx);		/* files.c */
int restore_files(struct ckpt_ctx *ctx);
int restore_files_apply(struct ckpt_ctx *ctx);
void restore_files_free(struct ckpt_ctx *ctx);
void restore_descs_free(struct ckpt_ctx *ctx);
int restore_files_seals(struct ckpt_ctx *ctx);
void checkpoint_files_free(struct ckpt_ctx *ctx);
int ckpt_seen_get(struct ckpt_ctx *ctx, const void *key, u32 *id);
int ckpt_seen_put(struct ckpt_ctx *ctx, const void *key, u32 id);
int checkpoint_mm(struct ckpt_ctx *ctx);		/* memory.c */
int checkpoint_mm_pages(struct ckpt_ctx *ctx);
void checkpoint_mm_free(struct ckpt_ctx *ctx);
int restore_mm(struct ckpt_ctx *ctx);
int restore_mm_apply(struct ckpt_ctx *ctx);
int restore_mm_pages(struct ckpt_ctx *ctx);
bool restore_mm_forked(const struct ckpt_proc_state *st);
void restore_mm_free(struct ckpt_ctx *ctx);

/* the records of event objects behind fds */
union ckpt_anon_state {
	struct ckpt_hdr_eventfd eventfd;
	struct ckpt_hdr_signalfd signalfd;
	struct ckpt_hdr_timerfd timerfd;
};

/* files.c */
struct ckpt_made_map {
	struct file *file;		/* a mapping's, referenced */
	u32 id;				/* its description in the image */
	bool own;			/* written after the fds': no fd has it */
};

bool ckpt_file_is_made(struct file *file);
u32 ckpt_made_map_id(struct ckpt_ctx *ctx, struct file *file);
void ckpt_made_maps_put(struct ckpt_ctx *ctx);
struct file *restore_made_file(struct ckpt_ctx *ctx, u32 id, u32 *acc);

/* memfd.c */
bool ckpt_memfd_is(struct file *file);
int checkpoint_memfd(struct ckpt_ctx *ctx, int fd, struct file *file,
		     u32 same_as);
struct file *restore_memfd(struct ckpt_ctx *ctx, u32 *same_as, u32 *late);
int restore_memfd_seals(struct file *file, u32 seals);
int checkpoint_deleted(struct ckpt_ctx *ctx, int fd, struct file *file,
		       u32 same_as);
struct file *restore_deleted(struct ckpt_ctx *ctx, u32 *same_as);
int checkpoint_file_data(struct ckpt_ctx *ctx, struct file *file, loff_t size);
int restore_file_data(struct ckpt_ctx *ctx, struct file *file, loff_t size);

/* sched.c */
int checkpoint_sched(struct ckpt_ctx *ctx, struct task_struct *t);
int restore_sched(struct ckpt_ctx *ctx, int nice, bool leader,
		  struct ckpt_rst_sched **out);
int restore_sched_apply(const struct ckpt_rst_sched *s);

/* inotify.c */
#ifdef CONFIG_INOTIFY_USER
bool ckpt_inotify_is(struct file *file);
int checkpoint_inotify(struct ckpt_ctx *ctx, int fd, struct file *file);
struct file *restore_inotify(struct ckpt_ctx *ctx, u32 flags);
#else
static inline bool ckpt_inotify_is(struct file *file)
{
	return false;
}

static inline int checkpoint_inotify(struct ckpt_ctx *ctx, int fd,
				     struct file *file)
{
	return -EOPNOTSUPP;
}

static inline struct file *restore_inotify(struct ckpt_ctx *ctx, u32 flags)
{
	return ERR_PTR(-EOPNOTSUPP);
}
#endif

/* fs/namespace.c: a mount of @dentry that a process of root @root sees */
int mount_of_dentry(const struct path *root, struct dentry *dentry,
		    struct path *path);

bool ckpt_anon_kind(struct file *file, u32 *kind);	/* anonfd.c */
int checkpoint_anon_file(struct ckpt_ctx *ctx, struct file *file, u32 kind);
int restore_anon_file(struct ckpt_ctx *ctx, u32 kind,
		      union ckpt_anon_state *st);
struct file *restore_anon_open(u32 kind, const union ckpt_anon_state *st,
			       u32 flags);
int restore_anon_apply(struct file *file, u32 kind,
		       const union ckpt_anon_state *st);

/* architecture hooks: arch/x86/kernel/checkpoint.c */
u32 ckpt_arch_id(void);
int ckpt_arch_checkpoint_cpu(struct ckpt_ctx *ctx, struct task_struct *task,
			     u32 resume);
void *ckpt_arch_restore_cpu(struct ckpt_ctx *ctx);
void ckpt_arch_syscall_args(const void *cpu, unsigned long *args);
int ckpt_arch_restore_cpu_apply(const void *cpu, long *ax);
void ckpt_arch_restore_cpu_free(void *cpu);
int ckpt_arch_check_special(u32 kind, unsigned long start, unsigned long end);
int ckpt_arch_map_special(u32 kind, unsigned long start);
void ckpt_arch_forget_special(void);

#endif /* _LINUX_CHECKPOINT_H */
