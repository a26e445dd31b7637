#!/bin/sh
# Boots the patched kernel under QEMU (TCG) with the initramfs, shows the
# console, and judges the run: a failed test, a timeout, a guest that does
# not reach the end, or a kernel splat on the console fails it.
# Usage: boot.sh BZIMAGE INITRAMFS MODE TIMEOUT_SECONDS, with MODE one of
# test, debug, nosys, demo, bench or soak; KARGS= adds to the kernel's
# command line.
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
	-append "console=ttyS0 panic=-1 oops=panic loglevel=5 ckpt.mode=$mode ${KARGS:-}" \
	</dev/null 2>&1 | stdbuf -oL tr -d '\r' | tee "$log" || rc=$?
# the pipeline's status is tee's; timeout's shows as a missing end marker

awk -v mode="$mode" -f "$(dirname "$0")/judge.awk" "$log"
