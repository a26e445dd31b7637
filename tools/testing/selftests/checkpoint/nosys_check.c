// SPDX-License-Identifier: GPL-2.0
/*
 * Run on a kernel built with CONFIG_CHECKPOINT=n (make test-nosys): both
 * system calls exist as numbers only and fail with ENOSYS.
 */
#include "../kselftest_harness.h"
#include "ckpt_util.h"

TEST(checkpoint_is_enosys)
{
	int fd = memfd_create("img", 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, sys_checkpoint(0, fd, 0));
	EXPECT_EQ(ENOSYS, errno);
	close(fd);
}

TEST(restart_is_enosys)
{
	int fd = memfd_create("img", 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, sys_restart(0, fd, RESTART_VERIFY));
	EXPECT_EQ(ENOSYS, errno);
	close(fd);
}

TEST_HARNESS_MAIN
