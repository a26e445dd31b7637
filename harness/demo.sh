#!/bin/sh
# The demo, run in the guest by `make demo`: the system calls at work on a
# running program, through the tools in tools/checkpoint/.
say() { printf '\n# %s\n' "$*"; }
run() { echo "\$ $*"; "$@"; }
fail() { echo "ckpt-demo: FAILED: $*"; exit 1; }

echo "ckpt-demo: kernel $(uname -r), checkpoint(2) = 463, restart(2) = 464"

say "A running program: busybox sleep."
sleep 1000 &
pid=$!
sleep 1

say "Checkpoint it to a file. The tool stops it, dumps it, lets it go on."
echo "\$ checkpoint -o /tmp/sleep.img $pid"
crid=$(checkpoint -o /tmp/sleep.img "$pid") || fail "checkpoint"
echo "crid $crid, $(wc -c < /tmp/sleep.img) bytes"
state=$(sed 's/.*) \(.\).*/\1/' "/proc/$pid/stat")
echo "process $pid is running on (state $state)"
[ "$state" != T ] || fail "left stopped"

say "Every record of the image, in words."
run ckptinfo /tmp/sleep.img || fail "ckptinfo"

say "The same again, through a pipe: images are streams."
echo "\$ checkpoint $pid | ckptinfo"
checkpoint "$pid" 2>/dev/null | ckptinfo | head -1 || fail "pipe"

say "restart --verify reads and checks a whole image, and changes nothing."
run restart --verify --crid "$crid" -i /tmp/sleep.img || fail "verify"
echo "\$ cat /tmp/sleep.img | restart --verify"
cat /tmp/sleep.img | restart --verify || fail "verify from a pipe"

say "A damaged image is refused, and says why."
cp /tmp/sleep.img /tmp/bad.img
printf '\377' | dd of=/tmp/bad.img bs=1 seek=150 conv=notrunc 2>/dev/null
run restart --verify -i /tmp/bad.img && fail "corrupt image accepted"
head -c 100 /tmp/sleep.img > /tmp/short.img
run restart --verify -i /tmp/short.img && fail "short image accepted"
run restart --verify --crid $((crid + 1)) -i /tmp/sleep.img &&
	fail "wrong crid accepted"

say "Restoring process state comes next; this kernel says so."
run restart -i /tmp/sleep.img && fail "restart returned 0"

kill "$pid"
echo
echo "ckpt-demo: done"
