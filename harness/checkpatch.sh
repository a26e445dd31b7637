#!/bin/sh
# Runs the kernel's checkpatch.pl over the series and the new kernel files,
# from the patched tree.  Exits non-zero if it finds anything.
# Usage: checkpatch.sh SRCDIR
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
src=$1
cp="$src/scripts/checkpatch.pl --no-tree --no-signoff --quiet \
    --ignore FILE_PATH_CHANGES,COMMIT_MESSAGE"
# kernel code is held to --strict; the userspace tools and tests to the rest
rc=0

for p in $(grep -v '^#' "$top/series"); do
	$cp --strict "$top/$p" || rc=1
done
cd "$top"
for f in $(find checkpoint arch/x86/kernel include -name '*.[ch]' | sort); do
	$cp --strict -f "$f" || rc=1
done
# ENOSYS: nosys_check.c does mean "no such system call"
# VOLATILE: userspace signal handlers share volatile sig_atomic_t
for f in $(find tools -name '*.[ch]' | sort); do
	$cp --ignore ENOSYS,VOLATILE -f "$f" || rc=1
done
[ $rc = 0 ] && echo "checkpatch: clean"
exit $rc
