/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Checkpoint/restart: the user ABI and the image format.
 *
 * An image is a stream of records.  Every record starts with a struct
 * ckpt_hdr whose @len counts the whole record, header included; records
 * are padded to CKPT_ALIGN bytes.  The stream opens with a
 * CKPT_HDR_HEADER record and closes with a CKPT_HDR_TAIL record whose
 * checksum covers every byte before it.  All fields are in the byte
 * order of the architecture named in the header.
 *
 * See Documentation/checkpoint.txt.
 */
#ifndef _UAPI_LINUX_CHECKPOINT_H
#define _UAPI_LINUX_CHECKPOINT_H

#include <linux/types.h>

/* checkpoint(2) flags: none are defined yet */
#define CHECKPOINT_FLAGS_ALL	0UL

/* restart(2) flags */
#define RESTART_VERIFY		(1UL << 0)	/* read and check, apply nothing */
#define RESTART_FLAGS_ALL	(RESTART_VERIFY)

#define CKPT_ALIGN		8
#define CKPT_VERSION		1
#define CKPT_REC_MAX		(1U << 16)	/* no record is longer */

#define CKPT_MAGIC_HEAD		"\177CKPTIMG"	/* 8 bytes, no NUL */
#define CKPT_MAGIC_TAIL		0x4c494154544b4350ULL	/* "PCKTTAIL" */

#define CKPT_ARCH_X86_64	1

/* record types; see the structs below */
enum {
	CKPT_HDR_HEADER = 1,
	CKPT_HDR_TAIL = 2,

	CKPT_HDR_TASK = 101,
	CKPT_HDR_EXE = 102,
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

/* One task: ids as seen in the task's own pid and user namespaces. */
struct ckpt_hdr_task {
	struct ckpt_hdr h;
	__s32 pid;
	__s32 tgid;
	__u32 uid, euid, suid, fsuid;
	__u32 gid, egid, sgid, fsgid;
	char comm[16];		/* NUL-terminated */
};

/*
 * The task's executable, as a path relative to the task's root (not the
 * checkpointer's).  @len covers the NUL-terminated path and its padding.
 */
struct ckpt_hdr_exe {
	struct ckpt_hdr h;
	char path[];
};

struct ckpt_hdr_tail {
	struct ckpt_hdr h;
	__u64 magic;		/* CKPT_MAGIC_TAIL */
	__u64 checksum;		/* xxh64, seed 0, of every byte before this record */
};

#endif /* _UAPI_LINUX_CHECKPOINT_H */
