#!/bin/sh
# Install every Debian package the build, the tests and the benchmarks need.
# Idempotent and quiet when everything is already present.
set -e
PKGS="make gcc clang llvm libbpf-dev libelf-dev libdw-dev zlib1g-dev bpftool
      binutils elfutils util-linux libcap2-bin golang-go chromium nodejs npm
      debuginfod libdebuginfod-dev valgrind linux-perf python3-prometheus-client curl
      libiberty-dev g++ libc6-dbg python3 python3.11 python3.11-dev"
missing=""
for p in $PKGS; do
	# nodejs may come from elsewhere; accept any node on PATH.
	if [ "$p" = nodejs ] || [ "$p" = npm ]; then
		command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && continue
	fi
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
		|| missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing (run as root to install)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
