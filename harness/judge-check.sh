#!/bin/sh
# Checks that judge.awk fails what it must: each case is a console log and
# the verdict it must get.  Run by `make test` before the boot.
set -u
judge="$(dirname "$0")/judge.awk"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
bad=0

# expect EXIT_CODE LINE: reads a log on stdin; the verdict must exit with
# EXIT_CODE and print LINE.  Fails (returns 1) otherwise: a caller in a
# pipeline, a subshell, passes that on with || bad=1.
expect() {
	cat > "$tmp"
	out=$(awk -v mode="${mode:-test}" -f "$judge" "$tmp")
	rc=$?
	if [ "$rc" != "$1" ] || ! printf '%s\n' "$out" | grep -qxF "$2"; then
		echo "judge-check: wanted rc $1 and '$2', got rc $rc and:" >&2
		printf '%s\n' "$out" >&2
		return 1
	fi
}

run='ckpt-harness: run t'
end='ckpt-harness: end'

printf '%s\nok 1 a\nok 2 b # SKIP no\nckpt-harness: exit t 0\n%s\n' "$run" "$end" |
	expect 0 "1 passed, 0 failed, 1 skipped" || bad=1
printf '%s\nok 1 a\nnot ok 2 b\nckpt-harness: exit t 1\n%s\n' "$run" "$end" |
	expect 1 "1 passed, 1 failed, 0 skipped" || bad=1
printf '%s\nok 1 a\nckpt-harness: exit t 139\n%s\n' "$run" "$end" |
	expect 1 "1 passed, 1 failed, 0 skipped" || bad=1
printf '%s\nok 1 a\n' "$run" |
	expect 1 "1 passed, 1 failed, 0 skipped" || bad=1
for s in 'BUG: KASAN: slab-out-of-bounds' 'WARNING: CPU: 0 PID: 1 at x' \
	 'Oops: 0000' 'UBSAN: shift-out-of-bounds' \
	 'general protection fault, probably' \
	 'INFO: task a:1 blocked for more than 30 seconds.' \
	 'Leaked POSIX lock on dev=0x0:0xf ino=0x4b fl_owner=0 fl_flags=0x1'; do
	printf '%s\nok 1 a\n[ 1.0] %s\nckpt-harness: exit t 0\n%s\n' \
		"$run" "$s" "$end" |
		expect 1 "1 passed, 1 failed, 0 skipped" || bad=1
done
# a user process's own general protection fault is not the kernel's
printf '%s\nok 1 a\n[ 1.0] %s\nckpt-harness: exit t 0\n%s\n' "$run" \
	'traps: ckpt_fuzz[2409] general protection fault ip:46b7c7 sp:7fc4abe6e200 error:0 in ckpt_fuzz[6a7c7,401000+8f000]' \
	"$end" | expect 0 "1 passed, 0 failed, 0 skipped" || bad=1
# make test-debug: a leak from the checkpoint code fails, another does not
leak() {
	printf '%s\nok 1 a\nckpt-harness: exit t 0\n%s\n' "$run" "$end"
	printf 'ckpt-harness: kmemleak scanned\n'
	printf 'ckpt-harness: kmemleak begin\n'
	printf 'unreferenced object 0xffff888003a1c000 (size 64):\n'
	printf '  comm "restart_test", pid 90, jiffies 4294937296\n'
	printf '  backtrace (crc 0):\n    __kmalloc_noprof+0x1b4/0x3a0\n'
	printf '    %s+0x2a/0x90\n' "$1"
	printf 'ckpt-harness: kmemleak end\n'
}
leak restore_files | mode=debug expect 1 \
	"kmemleak: 1 unreferenced objects, 1 from the checkpoint code" || bad=1
leak acpi_os_alloc | mode=debug expect 0 \
	"kmemleak: 1 unreferenced objects, 0 from the checkpoint code" || bad=1
# a leak scan that did not happen fails
printf '%s\nok 1 a\nckpt-harness: exit t 0\n%s\n' "$run" "$end" |
	mode=debug expect 1 "boot: kmemleak did not scan" || bad=1
# and a case that passes must not pass the check that it fails
printf '%s\nok 1 a\nckpt-harness: exit t 0\n%s\n' "$run" "$end" |
	expect 1 "1 passed, 0 failed, 0 skipped" 2>/dev/null && bad=1
[ $bad = 0 ] && echo "judge-check: the judge fails what it must"
exit $bad
