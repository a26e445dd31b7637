#!/bin/sh
# Makes the patched kernel tree: unpacks the source once, applies `series`
# with quilt (again only when a patch changed), and copies in the project's
# new files, touching only those that changed so the build stays
# incremental.
# Usage: prepare.sh TARBALL SRCDIR
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
tarball=$1
src=$2

# the project's new files, at their kernel paths
newfiles="checkpoint include/linux/checkpoint.h include/uapi/linux/checkpoint.h
	  arch/x86/kernel/checkpoint.c Documentation/checkpoint.txt
	  tools/testing/selftests/checkpoint tools/checkpoint"

[ -r "$tarball" ] || { echo "prepare: no kernel source at $tarball" >&2; exit 1; }
# unpacked once per tarball: another version of it means a fresh tree
stamp="$(realpath "$tarball") $(stat -c '%s %Y' "$tarball")"
if [ "$(cat "$src/.unpacked" 2>/dev/null)" != "$stamp" ]; then
	echo "prepare: unpacking $tarball"
	rm -rf "$src"
	mkdir -p "$src"
	tar -xf "$tarball" -C "$src" --strip-components=1
	echo "$stamp" > "$src/.unpacked"
fi

cd "$src"
export QUILT_PATCHES="$top" QUILT_PC=.pc
sum=$(cd "$top" && cat series $(grep -v '^#' series) | sha256sum)
if [ "$(cat .series.sum 2>/dev/null)" != "$sum" ]; then
	if [ -d .pc ]; then
		quilt pop -a -q -f >/dev/null
	fi
	rm -f .series.sum
	quilt push -a -q
	echo "$sum" > .series.sum
fi

for f in $newfiles; do
	[ -e "$top/$f" ] || continue
	mkdir -p "$(dirname "$f")"
	rsync -rc --delete "$top/$f" "$(dirname "$f")/"
done
