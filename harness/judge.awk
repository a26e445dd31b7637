# Judges a guest's console log: counts the TAP results of the selftests,
# notices test programs that died, a guest that did not reach its end
# marker, and kernel splats.  Prints one closing line and exits 1 on any
# failure.  Usage: awk -v mode=test|demo -f judge.awk LOG
function splat(line) {
	# a user process's own fault, as the kernel reports it ("traps:
	# prog[pid] general protection fault ip:... in prog[...]"): a
	# fuzzed image that runs may crash itself, not the kernel
	if (line ~ /traps: [^ ]+\[[0-9]+\] general protection fault ip:/)
		return 0
	return line ~ /BUG:|WARNING:|Oops|KASAN|UBSAN|kernel BUG|general protection fault|blocked for more than|Kernel panic|Leaked (POSIX lock|locks|flock|lease)/
}
# kmemleak's report (make test-debug): an object is ours when a frame of
# the stack that allocated it is in the checkpoint code
/^ckpt-harness: kmemleak scanned$/ { scanned = 1; next }
/^ckpt-harness: kmemleak begin$/ { inleak = 1; next }
/^ckpt-harness: kmemleak end$/ { inleak = 0; leakend(); next }
inleak && /unreferenced object/ { leakend(); leaks++; obj = $0; next }
inleak && /\+0x[0-9a-f]+\/0x/ && /(ckpt_|checkpoint|restore_|restart)/ { ours = 1 }
inleak { next }
function leakend() {
	if (ours) {
		ourleaks++
		print "boot: kmemleak: ours: " obj
	}
	ours = 0
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
	if (mode == "debug" && !scanned) {
		failed++
		print "boot: kmemleak did not scan"
	}
	if (mode == "debug")
		printf "kmemleak: %d unreferenced objects, %d from the checkpoint code\n", leaks, ourleaks
	if (ourleaks)
		failed++
	if (mode == "demo" || mode == "bench")
		printf "%s: %s\n", mode, failed ? "FAILED" : "ok"
	else
		printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped
	exit failed ? 1 : 0
}