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

say "What cannot be checkpointed yet is refused, with the reason: here a deleted file held open."
(exec 3> /tmp/gone; rm /tmp/gone; exec sleep 1000) &
pid=$!
sleep 1
run checkpoint -o /tmp/refused.img "$pid" && fail "a deleted file accepted"
kill "$pid"

say "A counter counts in its memory and logs to a file. Checkpoint it, kill it, bring it back."
rm -f /tmp/counter.log
counter >> /tmp/counter.log &
pid=$!
sleep 2
echo "\$ checkpoint --kill -o /tmp/counter.img $pid"
checkpoint --kill -o /tmp/counter.img "$pid" >/dev/null || fail "checkpoint"
wait "$pid" 2>/dev/null
echo "process $pid is gone; its log ends:"
tail -n 2 /tmp/counter.log
last=$(tail -n 1 /tmp/counter.log | sed 's/.*: //')

echo "\$ restart -i /tmp/counter.img &"
restart -i /tmp/counter.img &
rpid=$!
sleep 2
now=$(pidof counter)
echo "restart waits for the counter, back under its pid: $now"
[ "$now" = "$pid" ] || fail "the counter's pid"
kill "$rpid"
wait "$rpid" 2>/dev/null
echo "the restarted counter reopened the log and appended to it:"
grep -A 2 ": $last\$" /tmp/counter.log
sed 's/.*: //' /tmp/counter.log |
	awk 'NR - 1 != $1 { bad = 1 } END { exit bad || NR < 2 }' ||
	fail "the log does not count on without a gap"
echo "$(wc -l < /tmp/counter.log) lines, from 0, each number once."

say "Through a pipe, as to another machine: checkpoint | restart. With --keep-stdio the restarted counter writes to restart's output, not its old log."
counter > /tmp/before.log &
pid=$!
sleep 1
echo "\$ checkpoint --kill $pid | restart --keep-stdio > /tmp/after.log"
checkpoint --kill "$pid" 2>/dev/null | restart --keep-stdio > /tmp/after.log &
sleep 2
kill $(pidof counter) 2>/dev/null
last=$(tail -n 1 /tmp/before.log | sed 's/.*: //')
first=$(head -n 1 /tmp/after.log | sed 's/.*: //')
echo "before: $(tail -n 1 /tmp/before.log)"
echo "after:  $(head -n 1 /tmp/after.log)"
[ -n "$first" ] && [ "$first" = $((last + 1)) ] || fail "through a pipe"

say "A tree: a shell runs a pipeline, one loop feeding another through a pipe into a file. checkpoint --tree takes the shell and its children, unseen; restart brings back all three, the pipe between them."
rm -f /tmp/pipeline.out
sh -c 'i=0; while [ $i -lt 400 ]; do echo $i; i=$((i + 1)); sleep 0.01; done |
	while read x; do echo $((x * 2)); done > /tmp/pipeline.out' &
pid=$!
sleep 2
echo "\$ checkpoint --tree --kill -o /tmp/tree.img $pid"
checkpoint --tree --kill -o /tmp/tree.img "$pid" >/dev/null || fail "checkpoint --tree"
wait "$pid" 2>/dev/null
echo "\$ ckptinfo --tree /tmp/tree.img"
ckptinfo --tree /tmp/tree.img || fail "ckptinfo --tree"
echo "the pipeline stopped at: $(tail -n 1 /tmp/pipeline.out)"
echo "\$ restart --ns -i /tmp/tree.img"
restart --ns -i /tmp/tree.img || fail "restart of the tree"
n=$(wc -l < /tmp/pipeline.out)
awk 'NR - 1 != $1 / 2 { bad = 1 } END { exit bad || NR != 400 }' /tmp/pipeline.out ||
	fail "the pipeline's output"
echo "the pipeline ran to its end: $n lines, each number once."

echo
echo "ckpt-demo: done"
