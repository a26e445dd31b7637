// SPDX-License-Identifier: GPL-2.0
/*
 * The demo's program: counts, one number a line, a few times a second,
 * on standard output.  Its count lives only in its memory and registers,
 * so a restarted counter that goes on from where it stopped shows that
 * both came back.
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec tick = { 0, 300 * 1000 * 1000 };
	unsigned long n = 0;

	setvbuf(stdout, NULL, _IONBF, 0);
	for (;;) {
		printf("counter %d: %lu\n", getpid(), n++);
		nanosleep(&tick, NULL);
	}
}
