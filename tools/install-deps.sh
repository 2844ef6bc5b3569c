#!/bin/sh
# Install every Debian package the build, the tests and the benchmarks need.
# Idempotent and quiet when everything is already present.
set -e
PKGS="make gcc clang llvm libbpf-dev libelf-dev libdw-dev zlib1g-dev bpftool
      binutils elfutils util-linux libcap2-bin golang-go chromium nodejs npm
      debuginfod libdebuginfod-dev valgrind linux-perf python3-prometheus-client curl
      libiberty-dev g++ libc6-dbg python3 prometheus dpkg-dev man-db groff-base
      libcurl4-openssl-dev python3.11 python3.11-dev"
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
# prometheus' postinst would start a daemon on :9090 where it can: the test
# (test_prometheus_scrape.sh) starts its own, so keep services from starting
# unless the machine already has a policy
policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	policy=/usr/sbin/policy-rc.d
	printf '#!/bin/sh\nexit 101\n' >$policy && chmod 0755 $policy
fi
rc=0
apt-get install -y -qq --no-install-recommends $missing >/dev/null || rc=$?
[ -z "$policy" ] || rm -f "$policy"
exit $rc
