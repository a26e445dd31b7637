#!/bin/sh
# Packs the guest's initramfs: busybox, the init script, the selftests,
# the tools, and Debian's sqlite3, python3 and node with their libraries.
# Usage: initramfs.sh OUT.cpio.gz SELFTESTS_DIR TOOLS_DIR
# Debian's node debs are kept in debs/ next to OUT.cpio.gz.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
out=$1
ksft=$2
tools=$3

root=$(mktemp -d)
stage=$(mktemp -d)
chmod 755 "$root"
trap 'rm -rf "$root" "$stage"' EXIT

mkdir -p "$root/bin" "$root/sbin" "$root/dev" "$root/proc" "$root/sys" \
	 "$root/tmp" "$root/root" "$root/etc" "$root/selftests"
cp /bin/busybox "$root/bin/busybox"
for app in $("$root/bin/busybox" --list); do
	[ -e "$root/bin/$app" ] || ln -s busybox "$root/bin/$app"
done
gcc -static -O2 -Wall -o "$root/bin/counter" "$top/harness/counter.c"
cp "$top/harness/init" "$root/init"
cp "$top/harness/demo.sh" "$root/demo.sh"
chmod +x "$root/init" "$root/demo.sh"
echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
echo "user:x:1000:1000:user:/tmp:/bin/sh" >> "$root/etc/passwd"
echo "root:x:0:" > "$root/etc/group"
echo "user:x:1000:" >> "$root/etc/group"

# Debian's own programs, for the tests that run real ones: each at its
# path, with the shared libraries ldd finds for it at theirs
host_program() {
	[ -x "$1" ] || return 0
	for f in "$1" $(ldd "$1" | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$f")"
		cp -L "$f" "$root$f"
	done
}
host_program /usr/bin/sqlite3
host_program /bin/bash

# Debian's python3, with the modules the tests import: those sys.modules
# holds once they are, with their compiled bytecode, and the shared
# libraries of the compiled ones
host_python() {
	py=$(readlink -f /usr/bin/python3 2>/dev/null) || return 0
	[ -x "$py" ] || return 0
	host_program "$py"
	ln -sf "$(basename "$py")" "$root/usr/bin/python3"
	# where it looks for its compiled modules, whether any is needed
	dynload=$("$py" -I -S -c "import sys
print(f'{sys.prefix}/lib/python{sys.version_info[0]}.{sys.version_info[1]}/lib-dynload')")
	mkdir -p "$root$dynload"
	"$py" -I -S -c "import sys, $1
print('\n'.join(sorted({m.__file__ for m in sys.modules.values()
                         if getattr(m, '__file__', None)})))" |
	while read -r f; do
		mkdir -p "$root$(dirname "$f")"
		cp -L "$f" "$root$f"
		pyc=$("$py" -I -S -c "import importlib.util as u, sys
print(u.cache_from_source(sys.argv[1]))" "$f" 2>/dev/null) || continue
		if [ -f "$pyc" ]; then
			mkdir -p "$root$(dirname "$pyc")"
			cp -L "$pyc" "$root$pyc"
		fi
		case "$f" in
		*.so) for l in $(ldd "$f" | grep -o '/[^ ]*'); do
			mkdir -p "$root$(dirname "$l")"
			cp -L "$l" "$root$l"
		done ;;
		esac
	done
}
host_python threading,time

# Debian's node (nodejs 18 and libnode108), whatever nodejs the host has
# (nodesource's, or none): their debs are fetched once, not installed,
# and unpacked aside; node goes to /usr/bin/node, libnode to its path,
# and the libraries ldd finds for them (installed by deps.sh) to theirs.
# Without the debs (no network), no node, and its tests skip
debian_node() {
	ver=$(apt-cache madison nodejs 2>/dev/null |
	      awk -F' *[|] *' '/ Packages$/ && !/nodesource/ {print $2; exit}')
	if [ -z "$ver" ]; then
		echo "initramfs: apt knows no Debian nodejs (apt-get update?): no node in the guest" >&2
		return 0
	fi
	debs=$(cd "$(dirname "$out")" && pwd)/debs/nodejs-$ver
	if [ ! -d "$debs" ]; then
		rm -rf "$debs.tmp"
		mkdir -p "$debs.tmp"
		# node-*: the scripts libnode loads at start from /usr/share;
		# as root, apt would drop to _apt, which may not write here
		if ! (cd "$debs.tmp" && apt-get download -q \
		      -o APT::Sandbox::User=root "nodejs=$ver" "libnode108=$ver" \
		      node-acorn node-cjs-module-lexer node-undici >/dev/null); then
			rm -rf "$debs.tmp"
			echo "initramfs: cannot download nodejs $ver: no node in the guest" >&2
			return 0
		fi
		mv "$debs.tmp" "$debs"
	fi
	for d in "$debs"/*.deb; do
		dpkg-deb -x "$d" "$stage"
	done
	lib=$stage/usr/lib/x86_64-linux-gnu
	libs=$(LD_LIBRARY_PATH=$lib ldd "$stage/usr/bin/node")
	if echo "$libs" | grep 'not found' >&2; then
		echo "initramfs: Debian's node $ver needs the libraries above; make deps installs them" >&2
		exit 1
	fi
	# the scripts are those libnode names; it aborts without one
	js=$(grep -ao '/usr/share/nodejs/[[:alnum:]/._-]*\.js' "$lib/libnode.so.108" |
	     sort -u)
	for f in "$stage/usr/bin/node" $(echo "$libs" | grep -o '/[^ ]*') \
		 $(for j in $js; do echo "$stage$j"; done); do
		if [ ! -f "$f" ]; then
			echo "initramfs: Debian's node $ver needs ${f#"$stage"}, which its debs lack" >&2
			exit 1
		fi
		to=${f#"$stage"}
		mkdir -p "$root$(dirname "$to")"
		cp -L "$f" "$root$to"
	done
	# it reads the CA bundle at start, and warns when there is none
	mkdir -p "$root/etc/ssl/certs"
	: > "$root/etc/ssl/certs/ca-certificates.crt"
}
debian_node

for t in "$ksft"/*; do
	[ -f "$t" ] && [ -x "$t" ] && cp "$t" "$root/selftests/"
done
if [ -d "$tools" ]; then
	for t in "$tools"/*; do
		[ -f "$t" ] && [ -x "$t" ] && cp "$t" "$root/bin/"
	done
fi

(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
