#!/bin/sh
# Boots the patched kernel under QEMU (TCG) with the initramfs, shows the
# console, and judges the run: a failed test, a timeout, a guest that does
# not reach the end, or a kernel splat on the console fails it.
# Usage: boot.sh BZIMAGE INITRAMFS test|demo TIMEOUT_SECONDS
set -eu

bzimage=$1
initrd=$2
mode=$3
timeout=$4
log=$(dirname "$initrd")/console-$mode.log
mem=${MEM:-2G}

echo "boot: qemu -accel tcg, $mem, mode $mode, timeout ${timeout}s; console in $log"
rc=0
timeout --foreground -k 10 "$timeout" \
	qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m "$mem" \
	-nodefaults -nographic -no-reboot -serial stdio -monitor none \
	-kernel "$bzimage" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 oops=panic loglevel=5 ckpt.mode=$mode" \
	</dev/null 2>&1 | tr -d '\r' | tee "$log" || rc=$?
# the pipeline's status is tee's; timeout's shows as a missing end marker

awk -v mode="$mode" '
function splat(line) {
	return line ~ /BUG:|WARNING:|Oops|KASAN|UBSAN|kernel BUG|general protection fault|blocked for more than|Kernel panic/
}
/^ckpt-harness: run / { bin = $3; binfail = 0; next }
/^ckpt-harness: exit / {
	if ($4 != 0 && !binfail) {
		failed++
		printf "boot: %s exited with %s\n", $3, $4
	}
	next
}
/^ckpt-harness: end$/ { ended = 1 }
/^ckpt-demo: done$/ { ended = 1 }
/^ckpt-demo: FAILED/ { failed++ }
/^ok [0-9]+ / {
	if ($0 ~ /# SKIP/) skipped++; else passed++
	next
}
/^not ok [0-9]+ / {
	if ($0 ~ /# SKIP/) { skipped++; next }
	failed++; binfail = 1
	next
}
splat($0) { splats++; print "boot: kernel splat: " $0 }
END {
	if (!ended) {
		failed++
		print "boot: the guest did not reach the end (timeout or crash)"
	}
	if (splats)
		failed++
	if (mode == "demo")
		printf "demo: %s\n", failed ? "FAILED" : "ok"
	else
		printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped
	exit failed ? 1 : 0
}' "$log"
