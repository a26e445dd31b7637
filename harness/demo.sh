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

kill "$pid"

say "A counter counts in its memory. Checkpoint it, kill it, bring it back."
counter > /tmp/before.log &
pid=$!
sleep 2
echo "\$ checkpoint --kill -o /tmp/counter.img $pid"
checkpoint --kill -o /tmp/counter.img "$pid" >/dev/null || fail "checkpoint"
wait "$pid" 2>/dev/null
echo "process $pid is gone; it had printed:"
tail -n 3 /tmp/before.log
last=$(tail -n 1 /tmp/before.log | sed 's/.*: //')

echo "\$ restart -i /tmp/counter.img"
restart -i /tmp/counter.img > /tmp/after.log &
rpid=$!
sleep 2
kill "$rpid"
echo "the restarted counter (pid $rpid) printed:"
head -n 3 /tmp/after.log
first=$(head -n 1 /tmp/after.log | sed 's/.*: //')
[ -n "$first" ] && [ "$first" = $((last + 1)) ] ||
	fail "the counter went on from ${first:-nothing}, not $((last + 1))"
echo "it went on from $last to $first."

say "The same through a pipe, as to another machine: checkpoint | restart."
counter > /tmp/before.log &
pid=$!
sleep 1
checkpoint --kill "$pid" 2>/dev/null | restart > /tmp/after.log &
sleep 2
kill $(pidof counter) 2>/dev/null
last=$(tail -n 1 /tmp/before.log | sed 's/.*: //')
first=$(head -n 1 /tmp/after.log | sed 's/.*: //')
echo "before: $(tail -n 1 /tmp/before.log)"
echo "after:  $(head -n 1 /tmp/after.log)"
[ -n "$first" ] && [ "$first" = $((last + 1)) ] || fail "through a pipe"

echo
echo "ckpt-demo: done"
