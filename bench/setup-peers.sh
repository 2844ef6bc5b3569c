#!/bin/sh
# setup-peers.sh - install the profilers we measure against (Debian packages
# only) and prepare bcc's kernel headers. Prints the BCC_KERNEL_SOURCE to use.
#
# bcc compiles its BPF program from C at start-up and needs kernel headers;
# this kernel ships none, so Debian's 6.1 headers are merged into one tree
# (common + amd64), as MACHINE-NOTES.md describes.
set -e
need=""
for p in bpfcc-tools linux-headers-amd64 linux-perf time; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need="$need $p"
done
if [ -n "$need" ]; then
	echo "setup-peers: installing$need" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq $need >/dev/null
fi
tree=${BENCH_HEADERS:-/var/tmp/bpfprof-bench-headers}
if [ ! -f "$tree/.merged" ]; then
	common=$(ls -d /usr/src/linux-headers-*-common | sort -V | tail -1)
	arch=$(ls -d /usr/src/linux-headers-*-amd64 | sort -V | tail -1)
	rm -rf "$tree"
	mkdir -p "$tree"
	cp -a "$common/." "$tree/"
	cp -a "$arch/." "$tree/"
	touch "$tree/.merged"
fi
echo "$tree"
