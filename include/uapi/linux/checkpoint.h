/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Checkpoint/restart: the user ABI and the image format.
 *
 * An image is a stream of records.  Every record starts with a struct
 * ckpt_hdr whose @len counts the whole record, header included; records
 * are padded to CKPT_ALIGN bytes.  The stream opens with a
 * CKPT_HDR_HEADER record and closes with a CKPT_HDR_TAIL record whose
 * checksum covers every record before it, and the page data after the
 * CKPT_HDR_PAGES records too when the header has CHECKPOINT_CSUM_PAGES.  All fields are in the byte
 * order of the architecture named in the header.
 *
 * See Documentation/checkpoint.txt.
 */
#ifndef _UAPI_LINUX_CHECKPOINT_H
#define _UAPI_LINUX_CHECKPOINT_H

#include <linux/types.h>

/* checkpoint(2) flags, kept in the image header */
#define CHECKPOINT_CSUM_PAGES	(1UL << 0)	/* the tail covers page data too */
#define CHECKPOINT_TREE		(1UL << 1)	/* the process and all its
						 * descendants (version 7)
						 */
#define CHECKPOINT_KILL		(1UL << 2)	/* kill the processes once the
						 * image is whole, before they
						 * run again, and wait until
						 * they are gone
						 */
#define CHECKPOINT_FLAGS_ALL	(CHECKPOINT_CSUM_PAGES | CHECKPOINT_TREE | \
				 CHECKPOINT_KILL)

/* restart(2) flags */
#define RESTART_VERIFY		(1UL << 0)	/* read and check, apply nothing */
#define RESTART_STOPPED		(1UL << 1)	/* the restored process stops */
#define RESTART_KEEP_STDIO	(1UL << 2)	/* fds 0-2 stay the caller's */
#define RESTART_STRICT_FILES	(1UL << 3)	/* files open for writing only
						 * must not have grown either
						 */
#define RESTART_LOG		(1UL << 4)	/* the fourth argument is an fd
						 * open for writing: a refused
						 * restart writes why there
						 */
#define RESTART_FLAGS_ALL	(RESTART_VERIFY | RESTART_STOPPED | \
				 RESTART_KEEP_STDIO | RESTART_STRICT_FILES | \
				 RESTART_LOG)

#define CKPT_ALIGN		8
#define CKPT_VERSION		7	/* restart reads 2 to 6 too */
#define CKPT_REC_MAX		(1U << 16)	/* no record is longer */

#define CKPT_MAGIC_HEAD		"\177CKPTIMG"	/* 8 bytes, no NUL */
#define CKPT_MAGIC_TAIL		0x4c494154544b4350ULL	/* "PCKTTAIL" */

#define CKPT_ARCH_X86_64	1

/* record types; see the structs below */
enum {
	CKPT_HDR_HEADER = 1,
	CKPT_HDR_TAIL = 2,
	CKPT_HDR_ERROR = 3,

	CKPT_HDR_TASK = 101,
	CKPT_HDR_EXE = 102,
	CKPT_HDR_CRED = 103,
	CKPT_HDR_ATTR = 104,
	CKPT_HDR_CWD = 105,
	CKPT_HDR_SCHED = 106,

	CKPT_HDR_REGSET = 201,
	CKPT_HDR_THREADS = 202,
	CKPT_HDR_THREAD = 203,

	CKPT_HDR_MM = 301,
	CKPT_HDR_VMA = 302,
	CKPT_HDR_VMA_FILE = 303,
	CKPT_HDR_PAGES = 304,
	CKPT_HDR_VMA_MADE = 305,
	CKPT_HDR_VMA_SHMEM = 306,
	CKPT_HDR_PAGES_KEEP = 307,

	CKPT_HDR_SIGNALS = 401,
	CKPT_HDR_SIGINFO = 402,
	CKPT_HDR_ITIMERS = 403,
	CKPT_HDR_POSIX_TIMERS = 404,
	CKPT_HDR_POSIX_TIMER = 405,

	CKPT_HDR_FILES = 501,
	CKPT_HDR_FD = 502,
	CKPT_HDR_OPEN_FILE = 503,
	CKPT_HDR_FILE_PATH = 504,
	CKPT_HDR_PIPE = 505,
	CKPT_HDR_PIPE_DATA = 506,
	CKPT_HDR_FILE_LOCKS = 507,
	CKPT_HDR_FILE_LOCK = 508,
	CKPT_HDR_EVENTFD = 509,
	CKPT_HDR_SIGNALFD = 510,
	CKPT_HDR_TIMERFD = 511,
	CKPT_HDR_EPOLL = 512,
	CKPT_HDR_EPOLL_ITEM = 513,
	CKPT_HDR_MEMFD = 514,
	CKPT_HDR_FILE_DATA = 515,
	CKPT_HDR_DELETED = 516,
	CKPT_HDR_INOTIFY = 517,
	CKPT_HDR_INOTIFY_WATCH = 518,
	CKPT_HDR_INOTIFY_EVENT = 519,

	CKPT_HDR_TREE = 601,
	CKPT_HDR_PROC = 602,
	CKPT_HDR_UTS_NS = 603,
};

struct ckpt_hdr {
	__u32 type;
	__u32 len;
};

#define CKPT_RELEASE_LEN	72	/* holds utsname()->release (65) */

struct ckpt_hdr_header {
	struct ckpt_hdr h;
	__u8 magic[8];		/* CKPT_MAGIC_HEAD */
	__u32 version;		/* CKPT_VERSION */
	__u32 arch;		/* CKPT_ARCH_* */
	__u32 page_size;
	__s32 crid;		/* checkpoint id, unique in the pid namespace */
	__u64 flags;		/* checkpoint(2) flags */
	__s64 time;		/* CLOCK_REALTIME seconds at checkpoint */
	char release[CKPT_RELEASE_LEN];	/* kernel release, NUL-padded */
};

/*
 * The processes of the image (version 7), after its header: @nr
 * CKPT_HDR_PROC records, in the order restart makes them, a parent
 * before its children and each child's descendants before its next
 * sibling.  The first is the process checkpoint(2) was given, the only
 * one without CHECKPOINT_TREE.  Each live process then has its sections
 * (task to memory layout), in that order, and after all of them, in the
 * same order, its pages.  A zombie has none.
 */
#define CKPT_PROCS_MAX		(1U << 15)

/* flags of struct ckpt_hdr_tree */
#define CKPT_TREE_PID_NS	(1U << 0)	/* the first process is the
						 * init (pid 1) of a pid
						 * namespace of the tree's
						 * own, all of whose
						 * processes are the tree's
						 */
#define CKPT_TREE_UTS_NS	(1U << 1)	/* the tree has a UTS
						 * namespace of its own: a
						 * CKPT_HDR_UTS_NS record
						 * follows the processes'
						 */
#define CKPT_TREE_IPC_NS	(1U << 2)	/* the tree has an IPC
						 * namespace of its own, with
						 * no SysV objects
						 */
#define CKPT_TREE_FLAGS_ALL	(CKPT_TREE_PID_NS | CKPT_TREE_UTS_NS | \
				 CKPT_TREE_IPC_NS)

struct ckpt_hdr_tree {
	struct ckpt_hdr h;
	__u32 nr;		/* processes */
	__u32 flags;		/* CKPT_TREE_* */
};

/*
 * The tree's UTS namespace, one not the checkpointer's: its names, each
 * NUL-terminated and NUL-padded.  Restart gives the tree a new one with
 * them, as unshare(CLONE_NEWUTS) and sethostname(2) would.
 */
#define CKPT_UTS_LEN		72	/* holds __NEW_UTS_LEN + 1 (65) */

struct ckpt_hdr_uts_ns {
	struct ckpt_hdr h;
	char nodename[CKPT_UTS_LEN];
	char domainname[CKPT_UTS_LEN];
};

/* flags of struct ckpt_hdr_proc */
#define CKPT_PROC_ZOMBIE	(1U << 0)	/* exited, not yet waited for */

/*
 * A process: ids in the pid namespace of the first process, 0 for one
 * not seen there (a session of the container's parent).
 */
struct ckpt_hdr_proc {
	struct ckpt_hdr h;
	__s32 pid;
	__s32 ppid;		/* an earlier process's, or the first's parent */
	__s32 pgid;
	__s32 sid;
	__u32 flags;		/* CKPT_PROC_* */
	__u32 exit_signal;	/* sent to the parent on exit: SIGCHLD, ... */
	__u32 exit_code;	/* a zombie's wait status, as wait(2) has it */
	__u32 nr_threads;	/* besides the one that leads it */
	__u32 files_of;		/* 1 + the index of the earlier process
				 * whose fd table it shares (CLONE_FILES),
				 * or 0: its own
				 */
	__u32 fs_of;		/* the same for its working directory and
				 * umask (CLONE_FS)
				 */
};

/*
 * What the kernel keeps for each thread besides its registers and
 * signals: part of the task record, for the thread that leads the
 * process, and of each thread record, for the others.
 */
struct ckpt_thread {
	char comm[16];		/* NUL-terminated */
	/* user addresses the kernel keeps for the thread */
	__u64 clear_child_tid;	/* set_tid_address(2) */
	__u64 robust_list;	/* set_robust_list(2) */
	__u64 robust_list_len;
	__u64 rseq;		/* rseq(2), 0 if none */
	__u32 rseq_len;
	__u32 rseq_sig;
	/* a system call to resume after restart: see CKPT_RESUME_* */
	__u32 resume;
	__s32 resume_clockid;	/* the clock of its timeout */
	__s64 resume_ns;	/* the time it had left */
	__u64 resume_rmtp;	/* nanosleep: where it writes what is left */
};

/*
 * A call resumed through its restart block.  The call's own arguments
 * are the thread's registers, as it made the call.
 */
#define CKPT_RESUME_NONE	0
#define CKPT_RESUME_NANOSLEEP	1	/* nanosleep(2), clock_nanosleep(2) */
#define CKPT_RESUME_FUTEX	2	/* a futex wait with a timeout
					 * (version 4)
					 */
#define CKPT_RESUME_POLL	3	/* poll(2) (version 4): with a
					 * timeout on CLOCK_MONOTONIC, or
					 * none (clock -1)
					 */

/*
 * The process, and the thread that leads it: ids as seen in the task's
 * own pid and user namespaces.
 */
struct ckpt_hdr_task {
	struct ckpt_hdr h;
	__s32 pid;
	__s32 tgid;
	__u32 uid, euid, suid, fsuid;
	__u32 gid, egid, sgid, fsgid;
	struct ckpt_thread t;
};

/*
 * The task's credentials beyond the ids of its task record, as seen in
 * its own user namespace.  Restart does not take them: it compares them
 * with the restarter's (see Documentation/checkpoint.txt).
 */
#define CKPT_NGROUPS_MAX	4096

struct ckpt_hdr_cred {
	struct ckpt_hdr h;
	__u64 cap_inheritable;
	__u64 cap_permitted;
	__u64 cap_effective;
	__u64 cap_bset;
	__u64 cap_ambient;
	__u32 securebits;
	__u32 ngroups;		/* up to CKPT_NGROUPS_MAX */
	__u32 groups[];
};

/* Attributes of the task and its process that are not addresses. */
#define CKPT_RLIM_NLIMITS	16

struct ckpt_rlimit {
	__u64 cur;
	__u64 max;
};

/* settings of struct ckpt_hdr_attr's @flags */
#define CKPT_ATTR_THP_DISABLE	(1U << 0)	/* PR_SET_THP_DISABLE */
#define CKPT_ATTR_SUBREAPER	(1U << 1)	/* PR_SET_CHILD_SUBREAPER */
#define CKPT_ATTR_MCE_PROCESS	(1U << 2)	/* PR_MCE_KILL_SET ... */
#define CKPT_ATTR_MCE_EARLY	(1U << 3)	/* ... PR_MCE_KILL_EARLY */
#define CKPT_ATTR_FLAGS_ALL	((1U << 4) - 1)

struct ckpt_hdr_attr {
	struct ckpt_hdr h;
	__u32 personality;
	__s32 nice;
	__u32 umask;
	__u32 pdeath_signal;
	__u32 dumpable;		/* 0, 1 or 2, as PR_GET_DUMPABLE */
	__u32 no_new_privs;	/* 0 or 1 */
	struct ckpt_rlimit rlim[CKPT_RLIM_NLIMITS];	/* RLIMIT_* order */
	__s32 oom_score_adj;	/* /proc/PID/oom_score_adj */
	__u32 flags;		/* CKPT_ATTR_* */
	__u64 timer_slack_ns;	/* PR_SET_TIMERSLACK */
	__u32 coredump_filter;	/* /proc/PID/coredump_filter */
	__u32 pad;
};

/*
 * A file by name and identity: the path is relative to the task's root
 * (not the checkpointer's), NUL-terminated, and @len covers it.  Restart
 * reopens the path and refuses a file whose identity changed.  Used for
 * CKPT_HDR_EXE, the task's executable, and CKPT_HDR_VMA_FILE, the file
 * of the mapping before it; CKPT_HDR_CWD, the working directory (whose
 * size and mtime are not compared: a directory's change with its
 * entries).
 */
struct ckpt_hdr_file {
	struct ckpt_hdr h;
	__u64 dev;		/* new_encode_dev() of the filesystem */
	__u64 ino;
	__u64 size;
	__s64 mtime_sec;
	__u32 mtime_nsec;
	__u32 mode;		/* S_IFMT and permission bits */
	__u64 rdev;		/* new_encode_dev() of a device file */
	char path[];
};

/*
 * One register set of the task, in the layout PTRACE_GETREGSET gives for
 * the ELF note type @note_type (NT_PRSTATUS: struct user_regs_struct;
 * NT_X86_XSTATE: the XSAVE buffer).  Restart writes it back through the
 * same regset, so ptrace's checks apply.
 */
struct ckpt_hdr_regset {
	struct ckpt_hdr h;
	__u32 note_type;
	__u32 size;		/* of data[] */
	__u8 data[];
};

/*
 * The process's other threads (version 4), after the registers of the
 * thread that leads it: @nr CKPT_HDR_THREAD records, each followed by its
 * @nr_siginfo CKPT_HDR_SIGINFO records (the signals pending for that
 * thread alone) and its CKPT_HDR_REGSET records.  They share everything
 * else with the leading thread.
 */
#define CKPT_THREADS_MAX	(1U << 16)

struct ckpt_hdr_threads {
	struct ckpt_hdr h;
	__u32 nr;		/* threads besides the leading one */
	__u32 pad;
};

struct ckpt_hdr_thread {
	struct ckpt_hdr h;
	__s32 tid;		/* in the process's pid namespace */
	__s32 nice;
	__u64 timer_slack_ns;	/* PR_SET_TIMERSLACK */
	struct ckpt_thread t;
	__u64 blocked;		/* its signal mask, bit n-1 for signal n */
	__u64 altstack_sp;	/* its sigaltstack(2) */
	__u64 altstack_size;
	__u32 altstack_flags;
	__u32 nr_siginfo;
};

/*
 * A thread's scheduling (version 6): after the attr record for the
 * thread that leads the process, after its thread record for another.
 * Its policy and real-time priority, as sched_getscheduler(2) and
 * sched_getparam(2) give them, and the CPUs it asked to run on with
 * sched_setaffinity(2), bit n of @cpus for CPU n; with
 * CKPT_SCHED_ALL_CPUS (never bound, or bound to every CPU there was)
 * no @cpus.
 */
#define CKPT_SCHED_ALL_CPUS	1
#define CKPT_SCHED_CPUS_MAX	8192	/* bits in @cpus, at most */

struct ckpt_hdr_sched {
	struct ckpt_hdr h;
	__u32 policy;		/* SCHED_OTHER, _BATCH, _IDLE, _FIFO or _RR,
				 * with SCHED_RESET_ON_FORK
				 */
	__u32 priority;		/* 1 to 99 for _FIFO and _RR, else 0 */
	__u32 flags;		/* CKPT_SCHED_* */
	__u32 nr_cpus;		/* bits in @cpus, a multiple of 64 */
	__u64 cpus[];
};

/* The address space: its layout, then @nr_vmas CKPT_HDR_VMA records. */
struct ckpt_hdr_mm {
	struct ckpt_hdr h;
	__u64 start_code, end_code, start_data, end_data;
	__u64 start_brk, brk, start_stack;
	__u64 arg_start, arg_end, env_start, env_end;
	__u32 nr_vmas;
	__u32 nr_auxv;		/* entries (pairs) of auxv[] in use */
	__u64 auxv[2 * 64];
};

enum ckpt_vma_kind {
	CKPT_VMA_ANON = 1,	/* private anonymous: heap, stack, ... */
	CKPT_VMA_SHMEM = 2,	/* shared anonymous */
	CKPT_VMA_FILE = 3,	/* a file; CKPT_HDR_VMA_FILE follows */
	CKPT_VMA_VDSO = 4,
	CKPT_VMA_VVAR = 5,
};

/* VM_* flags a VMA record may carry (besides protection) */
#define CKPT_VMA_SHARED		(1ULL << 0)
#define CKPT_VMA_GROWSDOWN	(1ULL << 1)
#define CKPT_VMA_LOCKED		(1ULL << 2)
#define CKPT_VMA_DONTCOPY	(1ULL << 3)
#define CKPT_VMA_DONTDUMP	(1ULL << 4)
#define CKPT_VMA_MAYWRITE	(1ULL << 5)	/* of a shared file mapping */
#define CKPT_VMA_NORESERVE	(1ULL << 6)	/* MAP_NORESERVE */
#define CKPT_VMA_WIPEONFORK	(1ULL << 7)	/* MADV_WIPEONFORK */
#define CKPT_VMA_SEQ_READ	(1ULL << 8)	/* MADV_SEQUENTIAL */
#define CKPT_VMA_RAND_READ	(1ULL << 9)	/* MADV_RANDOM */
#define CKPT_VMA_HUGEPAGE	(1ULL << 10)	/* MADV_HUGEPAGE */
#define CKPT_VMA_NOHUGEPAGE	(1ULL << 11)	/* MADV_NOHUGEPAGE */
#define CKPT_VMA_FILE_RDWR	(1ULL << 12)	/* the mapped file was open
						 * for writing too (version 3)
						 */
#define CKPT_VMA_MADE		(1ULL << 13)	/* a memfd's or a deleted
						 * file's: CKPT_HDR_VMA_MADE
						 * follows (version 6)
						 */
#define CKPT_VMA_SAME_SHMEM	(1ULL << 14)	/* version 7: shared anonymous
						 * memory an earlier process of
						 * the tree maps: a
						 * CKPT_HDR_VMA_SHMEM record
						 * follows, and no pages
						 */
#define CKPT_VMA_COW		(1ULL << 15)	/* version 7: private memory
						 * shared copy-on-write with
						 * the parent since a fork():
						 * the parent has this VMA,
						 * alike, and the pages of
						 * CKPT_HDR_PAGES_KEEP records
						 * are its
						 */
#define CKPT_VMA_FLAGS_ALL	((1ULL << 16) - 1)

struct ckpt_hdr_vma {
	struct ckpt_hdr h;
	__u64 start;
	__u64 end;
	__u64 pgoff;		/* in pages, into the file or shmem object */
	__u64 flags;		/* CKPT_VMA_* */
	__u32 prot;		/* PROT_READ | PROT_WRITE | PROT_EXEC */
	__u32 kind;		/* enum ckpt_vma_kind */
};

/*
 * The file of a CKPT_VMA_FILE mapping with CKPT_VMA_MADE, a memfd or a
 * regular file deleted while mapped, which has no name to be mapped by
 * again: the id of an open file description of the files section, of
 * kind CKPT_FILE_MEMFD or CKPT_FILE_DELETED, that the mapping was made
 * through (version 6).
 */
struct ckpt_hdr_vma_made {
	struct ckpt_hdr h;
	__u32 file;
	__u32 pad;
};

/*
 * The shared anonymous memory a CKPT_VMA_SAME_SHMEM mapping maps (version
 * 7): that of VMA @vma (its index in its mm section) of the earlier
 * process @proc (its index in the tree), whose range in the object holds
 * this one's.
 */
struct ckpt_hdr_vma_shmem {
	struct ckpt_hdr h;
	__u32 proc;
	__u32 vma;
};

/*
 * Memory contents: @nr_pages pages of raw data follow the record, one for
 * each address, in ascending order.  Only pages that exist are written:
 * never-touched memory, and file pages never written privately, come back
 * by themselves.  A record with nr_pages == 0 ends the memory section.
 */
#define CKPT_PAGES_MAX		512

struct ckpt_hdr_pages {
	struct ckpt_hdr h;
	__u32 nr_pages;
	__u32 pad;
	__u64 addr[];
};

/*
 * Pages of CKPT_VMA_COW mappings that are the parent's (version 7): the
 * same pages, shared copy-on-write since a fork(), which no process
 * wrote since.  No data follows; restart makes the process from its
 * restored parent and keeps them.  Every other page of those mappings
 * is the process's own, in CKPT_HDR_PAGES records, or none.  Among the
 * memory section's records, the runs and the addresses of both kinds
 * ascend together; each run lies in one CKPT_VMA_COW mapping.
 */
#define CKPT_RUNS_MAX		512

struct ckpt_page_run {
	__u64 addr;
	__u64 nr_pages;
};

struct ckpt_hdr_pages_keep {
	struct ckpt_hdr h;
	__u32 nr_runs;
	__u32 pad;
	struct ckpt_page_run run[];
};

/*
 * Signal dispositions, the blocked mask and the alternate stack, then
 * @nr_siginfo CKPT_HDR_SIGINFO records: the pending signals, in the
 * order they would be delivered.
 */
#define CKPT_NSIG		64

struct ckpt_sigaction {
	__u64 handler;		/* SIG_DFL (0), SIG_IGN (1) or an address */
	__u64 flags;		/* SA_* */
	__u64 restorer;
	__u64 mask;		/* bit n-1 for signal n */
};

struct ckpt_hdr_signals {
	struct ckpt_hdr h;
	__u64 blocked;		/* bit n-1 for signal n */
	__u64 altstack_sp;	/* sigaltstack(2) */
	__u64 altstack_size;
	__u32 altstack_flags;	/* SS_DISABLE, or 0 or SS_AUTODISARM */
	__u32 nr_siginfo;
	struct ckpt_sigaction action[CKPT_NSIG];	/* of signal n + 1 */
};

#define CKPT_SIGINFO_SHARED	1	/* pending for the process */

struct ckpt_hdr_siginfo {
	struct ckpt_hdr h;
	__u32 flags;		/* CKPT_SIGINFO_* */
	__u32 pad;
	__u8 info[128];		/* siginfo_t, as signal handlers see it */
};

/* setitimer(2) timers: the time left and the interval, in nanoseconds */
struct ckpt_itimer {
	__u64 value;
	__u64 interval;
};

struct ckpt_hdr_itimers {
	struct ckpt_hdr h;
	struct ckpt_itimer real, virt, prof;
};

/*
 * POSIX timers (timer_create(2)), after the setitimer(2) timers in a
 * version 5 image: @nr CKPT_HDR_POSIX_TIMER records, in ascending order
 * of id.  A timer's pending signal is part of its record, not of the
 * pending signals.
 */
#define CKPT_TIMERS_MAX		(1U << 16)

struct ckpt_hdr_posix_timers {
	struct ckpt_hdr h;
	__u32 nr;
	__s32 next_id;		/* the id timer_create(2) tries first */
};

#define CKPT_TIMER_ABSTIME	1	/* REALTIME set TIMER_ABSTIME, or TAI */
#define CKPT_TIMER_QUEUED	2	/* its signal is pending */
#define CKPT_TIMER_REARM	4	/* taking it rearms the timer */
#define CKPT_TIMER_FLAGS	7

struct ckpt_hdr_posix_timer {
	struct ckpt_hdr h;
	__s32 id;
	__s32 clockid;		/* CLOCK_REALTIME, _MONOTONIC, _BOOTTIME, _TAI */
	__s32 notify;		/* sigev_notify */
	__s32 signo;		/* sigev_signo */
	__s32 tid;		/* SIGEV_THREAD_ID: the thread it signals */
	__u32 flags;		/* CKPT_TIMER_* */
	__u64 sigval;		/* sigev_value */
	/* ns left, or with CKPT_TIMER_ABSTIME the clock's expiry */
	__s64 value;
	__s64 interval;		/* ns */
	__s64 overrun;		/* expiries since its signal was queued */
	__s64 overrun_last;	/* timer_getoverrun(2) */
	__s32 queued_overrun;	/* si_overrun of the pending signal */
	__u32 pad;
};

/*
 * The file descriptor table: @nr_fds CKPT_HDR_FD records, in ascending
 * order of fd.  An fd whose open file description was not seen before is
 * followed by a CKPT_HDR_OPEN_FILE record for it, which gets the next
 * id, from 1; an fd that shares one (dup(2), inheritance) names its id.
 * A description of a file with a name is followed by a CKPT_HDR_FILE_PATH
 * record (struct ckpt_hdr_file); one of a pipe not seen before by a
 * CKPT_HDR_PIPE record, then the pipe's unread data in CKPT_HDR_PIPE_DATA
 * records.  Then @nr_mapped CKPT_HDR_OPEN_FILE records of the next ids,
 * each with what follows it: the descriptions of memfds and deleted
 * files that mappings hold and no fd does.
 */
struct ckpt_hdr_files {
	struct ckpt_hdr h;
	__u32 nr_fds;
	__u32 nr_mapped;	/* version 6: the descriptions no fd has */
};

#define CKPT_FD_CLOEXEC		1

struct ckpt_hdr_fd {
	struct ckpt_hdr h;
	__s32 fd;
	__u32 flags;		/* CKPT_FD_* */
	__u32 file;		/* id of its open file description */
	__u32 pad;
};

enum ckpt_file_kind {
	CKPT_FILE_REG = 1,	/* a regular file */
	CKPT_FILE_DIR = 2,
	CKPT_FILE_CHR = 3,	/* /dev/null, /dev/zero, ..., and terminals */
	CKPT_FILE_PIPE = 4,	/* one end of a pipe(2) */
	CKPT_FILE_FIFO = 5,	/* one end of a named pipe */
	CKPT_FILE_EVENTFD = 6,	/* eventfd(2); CKPT_HDR_EVENTFD follows */
	CKPT_FILE_SIGNALFD = 7,	/* signalfd(2); CKPT_HDR_SIGNALFD follows */
	CKPT_FILE_TIMERFD = 8,	/* timerfd_create(2); CKPT_HDR_TIMERFD follows */
	CKPT_FILE_EPOLL = 9,	/* epoll_create1(2); its interest list in
				 * the epoll section
				 */
	CKPT_FILE_MEMFD = 10,	/* memfd_create(2); CKPT_HDR_MEMFD follows */
	CKPT_FILE_DELETED = 11,	/* a regular file deleted; CKPT_HDR_DELETED
				 * follows
				 */
	CKPT_FILE_INOTIFY = 12,	/* inotify_init1(2); CKPT_HDR_INOTIFY follows */
};

struct ckpt_hdr_open_file {
	struct ckpt_hdr h;
	__u32 id;
	__u32 kind;		/* enum ckpt_file_kind */
	__u32 flags;		/* O_* access mode and status flags */
	__u32 pipe;		/* the pipe's id, from 1; 0 for other kinds */
	__s64 pos;		/* the file offset */
};

/*
 * A pipe, with its unread data in the CKPT_HDR_PIPE_DATA records that
 * follow.  A pipe may hold more than its capacity (buffers spliced from a
 * socket are larger than a page), up to 8 times it.  In packet mode
 * (O_DIRECT) each data record is one packet.
 */
#define CKPT_PIPE_PACKETS	1

struct ckpt_hdr_pipe {
	struct ckpt_hdr h;
	__u32 id;
	__u32 size;		/* capacity in bytes, as F_GETPIPE_SZ */
	__u32 nr_bytes;		/* unread data in the records that follow */
	__u32 flags;		/* CKPT_PIPE_* */
};

struct ckpt_hdr_pipe_data {
	struct ckpt_hdr h;
	__u8 data[];
};

/*
 * A memfd (version 5), after its open file record.  The first
 * description of a memfd holds its name, size, seals and mode, then its
 * contents in CKPT_HDR_FILE_DATA records in ascending order of offset,
 * ended by one with no data; a chunk of zeros is not written.  Another
 * description of the same memfd (an open of /proc/self/fd/N) names the
 * first one's id in @same_as, and nothing more.
 */
#define CKPT_MEMFD_NAME_LEN	256	/* after "memfd:", NUL-terminated */
#define CKPT_FILE_CHUNK		(8 * 4096)	/* data per record, at most */

struct ckpt_hdr_memfd {
	struct ckpt_hdr h;
	__u32 same_as;		/* the id of the memfd's first description */
	__u32 seals;		/* F_SEAL_* */
	__u64 size;
	__u32 mode;		/* its permission bits */
	__u32 pad;
	char name[CKPT_MEMFD_NAME_LEN];
};

/* The contents of a memfd or of a deleted file, a chunk a record. */
struct ckpt_hdr_file_data {
	struct ckpt_hdr h;
	__u64 offset;		/* a multiple of CKPT_FILE_CHUNK */
	__u8 data[];
};

/*
 * A regular file deleted while open (version 5), after its open file
 * record: with @same_as 0, the first description of the file, followed
 * by its last name and identity (CKPT_HDR_FILE_PATH) and its contents
 * (CKPT_HDR_FILE_DATA records, as a memfd's); else the id of that first
 * description, and nothing more.  Up to CKPT_DELETED_MAX bytes.
 */
#define CKPT_DELETED_MAX	(64ULL << 20)

struct ckpt_hdr_deleted {
	struct ckpt_hdr h;
	__u32 same_as;
	__u32 mode;		/* its permission bits */
	__u64 size;
};

/*
 * An inotify instance (version 6), after its open file record: its
 * @nr_events queued events, each a CKPT_HDR_INOTIFY_EVENT record, in the
 * order read(2) gives them, then its @nr_watches watches in ascending
 * order of wd, each a CKPT_HDR_INOTIFY_WATCH record followed by the
 * CKPT_HDR_FILE_PATH of the inode it watches.
 */
#define CKPT_INOTIFY_WATCHES_MAX	(1U << 20)
#define CKPT_INOTIFY_EVENTS_MAX		(1U << 16)

struct ckpt_hdr_inotify {
	struct ckpt_hdr h;
	__u32 nr_watches;
	__u32 nr_events;
	__s32 next_wd;		/* the wd inotify_add_watch(2) tries next,
				 * from 1
				 */
	__u32 pad;
};

struct ckpt_hdr_inotify_watch {
	struct ckpt_hdr h;
	__s32 wd;		/* from 1 */
	__u32 mask;		/* its events, IN_EXCL_UNLINK, IN_ONESHOT;
				 * none for one of IN_ONLYDIR alone
				 */
};

struct ckpt_hdr_inotify_event {
	struct ckpt_hdr h;
	__s32 wd;		/* -1 for IN_Q_OVERFLOW */
	__u32 mask;		/* as read(2) gives it */
	__u32 cookie;
	__u32 len;		/* of @name, no NUL: the record's rest */
	char name[];
};

/* An eventfd's state (version 4), after its open file record. */
#define CKPT_EVENTFD_SEMAPHORE	1	/* EFD_SEMAPHORE */

struct ckpt_hdr_eventfd {
	struct ckpt_hdr h;
	__u64 count;		/* below 2^64 - 1 */
	__u32 flags;		/* CKPT_EVENTFD_* */
	__u32 pad;
};

/* A signalfd's mask (version 4), after its open file record. */
struct ckpt_hdr_signalfd {
	struct ckpt_hdr h;
	__u64 mask;		/* the signals it reads, bit n-1 for signal n */
};

/*
 * A timerfd (version 4), after its open file record: on a clock other
 * than an alarm one.
 */
struct ckpt_hdr_timerfd {
	struct ckpt_hdr h;
	__s32 clockid;		/* CLOCK_REALTIME, _MONOTONIC or _BOOTTIME */
	__u32 flags;		/* TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET */
	__s64 value_ns;		/* the time left, or with TFD_TIMER_ABSTIME
				 * the expiry on its clock; 0: disarmed
				 */
	__s64 interval_ns;
	__u64 ticks;		/* expirations not read yet */
};

/*
 * The file locks the process holds (version 3): @nr CKPT_HDR_FILE_LOCK
 * records, after the last CKPT_HDR_FD record.  Each names the open file
 * description it was taken through by id: a flock(2) lock and OFD locks
 * belong to that description, POSIX (fcntl F_SETLK) locks to the process,
 * on the description's file.  Ranges are inclusive, as the kernel keeps
 * them; a flock(2) lock covers 0 to CKPT_LOCK_END.
 */
#define CKPT_LOCKS_MAX		(1U << 16)
#define CKPT_LOCK_END		0x7fffffffffffffffLL	/* to the end */

struct ckpt_hdr_file_locks {
	struct ckpt_hdr h;
	__u32 nr;
	__u32 pad;
};

enum ckpt_lock_kind {
	CKPT_LOCK_FLOCK = 1,	/* flock(2) */
	CKPT_LOCK_POSIX = 2,	/* fcntl(F_SETLK) */
	CKPT_LOCK_OFD = 3,	/* fcntl(F_OFD_SETLK) */
};

struct ckpt_hdr_file_lock {
	struct ckpt_hdr h;
	__u32 file;		/* id of the open file description */
	__u16 kind;		/* enum ckpt_lock_kind */
	__u16 type;		/* F_RDLCK or F_WRLCK */
	__s64 start;		/* first byte */
	__s64 end;		/* last byte */
};

/*
 * The interest lists of the epolls (version 4), after the file locks:
 * for each description of kind CKPT_FILE_EPOLL, in the order of their
 * ids, a CKPT_HDR_EPOLL record and its @nr CKPT_HDR_EPOLL_ITEM records.
 * An item watches the description @file through fd @fd of the process,
 * which has that description.
 */
#define CKPT_EPOLL_ITEMS_MAX	(1U << 16)

struct ckpt_hdr_epoll {
	struct ckpt_hdr h;
	__u32 file;		/* the epoll's description */
	__u32 nr;
};

struct ckpt_hdr_epoll_item {
	struct ckpt_hdr h;
	__s32 fd;
	__u32 file;		/* the description it watches */
	__u32 events;		/* EPOLLIN, ..., EPOLLET, EPOLLONESHOT, ... */
	__u32 pad;
	__u64 data;
};

/*
 * A failed checkpoint ends its image with why, when it can say so: the
 * errno it returned, the file descriptor concerned or -1, and a message
 * for people.  Restart sees an image that ends early (-ENODATA).
 */
struct ckpt_hdr_error {
	struct ckpt_hdr h;
	__s32 error;		/* positive errno */
	__s32 fd;
	char msg[];		/* NUL-terminated */
};

struct ckpt_hdr_tail {
	struct ckpt_hdr h;
	__u64 magic;		/* CKPT_MAGIC_TAIL */
	__u64 checksum;		/* xxh64, seed 0, of the bytes before it */
};

#endif /* _UAPI_LINUX_CHECKPOINT_H */
