// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint/restart: the x86-64 hooks.  Nothing outside this file names
 * an x86 register or image field specific to x86.
 */
#include <linux/checkpoint.h>

u32 ckpt_arch_id(void)
{
	return CKPT_ARCH_X86_64;
}
