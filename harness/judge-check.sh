#!/bin/sh
# Checks that judge.awk fails what it must: each case is a console log and
# the verdict it must get.  Run by `make test` before the boot.
set -u
judge="$(dirname "$0")/judge.awk"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
bad=0

# expect EXIT_CODE LAST_LINE: reads a log on stdin
expect() {
	cat > "$tmp"
	out=$(awk -v mode=test -f "$judge" "$tmp")
	rc=$?
	last=$(printf '%s\n' "$out" | tail -n 1)
	if [ "$rc" != "$1" ] || [ "$last" != "$2" ]; then
		echo "judge-check: wanted rc $1 and '$2', got rc $rc and '$last'" >&2
		bad=1
	fi
}

run='ckpt-harness: run t'
end='ckpt-harness: end'

printf '%s\nok 1 a\nok 2 b # SKIP no\nckpt-harness: exit t 0\n%s\n' "$run" "$end" |
	expect 0 "1 passed, 0 failed, 1 skipped"
printf '%s\nok 1 a\nnot ok 2 b\nckpt-harness: exit t 1\n%s\n' "$run" "$end" |
	expect 1 "1 passed, 1 failed, 0 skipped"
printf '%s\nok 1 a\nckpt-harness: exit t 139\n%s\n' "$run" "$end" |
	expect 1 "1 passed, 1 failed, 0 skipped"
printf '%s\nok 1 a\n' "$run" |
	expect 1 "1 passed, 1 failed, 0 skipped"
for s in 'BUG: KASAN: slab-out-of-bounds' 'WARNING: CPU: 0 PID: 1 at x' \
	 'Oops: 0000' 'UBSAN: shift-out-of-bounds' \
	 'general protection fault, probably' \
	 'INFO: task a:1 blocked for more than 30 seconds.'; do
	printf '%s\nok 1 a\n[ 1.0] %s\nckpt-harness: exit t 0\n%s\n' \
		"$run" "$s" "$end" | expect 1 "1 passed, 1 failed, 0 skipped"
done
[ $bad = 0 ] && echo "judge-check: the judge fails what it must"
exit $bad
