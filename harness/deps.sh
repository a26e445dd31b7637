#!/bin/sh
# Installs what the harness needs on a Debian 12 machine, if it is missing:
# for Debian's node, only the libraries it links to, as the host's nodejs
# may be another one (initramfs.sh fetches and unpacks node's own debs).
# Usage: deps.sh KERNEL_DEB_VERSION   (or "-" when a tarball is given)
set -eu

kver=$1
pkgs="qemu-system-x86 busybox-static gcc libc6-dev make flex bison bc
      libelf-dev libssl-dev cpio ccache quilt xz-utils rsync sqlite3
      python3-minimal libpython3.11-stdlib
      libuv1 libc-ares2 libnghttp2-14 libbrotli1 libicu72 libssl3 zlib1g
      libstdc++6 libgcc-s1"
[ "$kver" = - ] || pkgs="linux-source-6.12 $pkgs"

missing=
for p in $pkgs; do
	want=
	[ "$p" = linux-source-6.12 ] && want=$kver
	have=$(dpkg-query -W -f='${Status} ${Version}' "$p" 2>/dev/null || true)
	ok=false
	case "$have" in "install ok installed "*) ok=true ;; esac
	[ -n "$want" ] && [ "$have" != "install ok installed $want" ] && ok=false
	$ok || missing="$missing $p${want:+=$want}"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing:$missing; install them as root" >&2
	exit 1
fi
echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
if [ "$kver" != - ] &&
   ! apt-cache madison linux-source-6.12 | grep -q " $kver "; then
	echo "deps: linux-source-6.12 version $kver cannot be had from apt." >&2
	echo "deps: versions on offer:" >&2
	apt-cache madison linux-source-6.12 | awk '{print "  " $3}' >&2
	echo "deps: pick one with 'make KERNEL_DEB_VERSION=<version> ...'," >&2
	echo "deps: or pass any 6.12 tarball with 'make KERNEL_TARBALL=<file> ...'." >&2
	exit 1
fi
apt-get install -y -q --no-install-recommends --allow-downgrades $missing >/dev/null
