#!/bin/sh
# make-deb.sh STAGE OUTDIR - build OUTDIR/bpfprof_VERSION_ARCH.deb from the
# files `make install` put in STAGE (PREFIX=/usr, the unit in
# /lib/systemd/system), with dpkg-deb. Depends: from dpkg-shlibdeps on the
# binary (Debian package names only), or the list below when it cannot run.
# The config is a conffile; the maintainer scripts enable and start the unit
# where systemd runs, as Debian services do.
set -e
STAGE=$(cd "$1" && pwd)
OUTDIR=$2
PKG=bpfprof
VERSION=$("$STAGE/usr/bin/bpfprof" --version | sed 's/^bpfprof //')
ARCH=$(dpkg --print-architecture)
MAINTAINER=${DEB_MAINTAINER:-bpfprof maintainers <bpfprof-maintainers@example.org>}
FALLBACK_DEPENDS="libbpf1, libc6, libdw1, libelf1, zlib1g"
DOC=$STAGE/usr/share/doc/$PKG
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Debian's layout: compressed man page and changelog, copyright, modes
gzip -9nf "$STAGE/usr/share/man/man8/bpfprof.8"
mkdir -p "$DOC"
cat >"$DOC/copyright" <<'TEXT'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: bpfprof

Files: *
Copyright: 2026 the bpfprof authors
License: MIT

License: MIT
 Permission is hereby granted, free of charge, to any person obtaining a copy
 of this software and associated documentation files (the "Software"), to deal
 in the Software without restriction, including without limitation the rights
 to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
 copies of the Software, and to permit persons to whom the Software is
 furnished to do so, subject to the following conditions:
 .
 The above copyright notice and this permission notice shall be included in
 all copies or substantial portions of the Software.
 .
 THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
 IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
 FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
 AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
 LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
 OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
 THE SOFTWARE.
TEXT
printf '%s (%s) unstable; urgency=medium\n\n  * Built from source by make deb.\n\n -- %s  %s\n' \
	"$PKG" "$VERSION" "$MAINTAINER" \
	"$(date -R -u -d "@${SOURCE_DATE_EPOCH:-$(stat -c %Y "$STAGE/usr/bin/bpfprof")}")" \
	| gzip -9n >"$DOC/changelog.gz"
# no debug info in the package (a build with it is `make install`)
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$STAGE/usr/bin/bpfprof"
find "$STAGE" -type d -exec chmod 0755 {} +
find "$STAGE" -type f -exec chmod 0644 {} +
chmod 0755 "$STAGE/usr/bin/bpfprof"

# the shared libraries' packages, as dpkg-shlibdeps finds them
mkdir -p "$WORK/debian"
printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$PKG" "$PKG" >"$WORK/debian/control"
DEPENDS=$(cd "$WORK" && dpkg-shlibdeps -O "$STAGE/usr/bin/bpfprof" 2>/dev/null \
	| sed -n 's/^shlibs:Depends=//p') || true
[ -n "$DEPENDS" ] || DEPENDS=$FALLBACK_DEPENDS

mkdir -p "$STAGE/DEBIAN"
cat >"$STAGE/DEBIAN/control" <<TEXT
Package: $PKG
Version: $VERSION
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: $(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
Depends: $DEPENDS
Section: devel
Priority: optional
Description: always-on eBPF CPU profiler
 bpfprof samples the kernel and user stacks of every process with BPF and
 writes flame graphs, pprof and folded stacks. bpfprof.service runs the
 always-on agent: a rolling history on disk, a web UI, the Go pprof endpoint
 for Parca, Grafana Alloy and Pyroscope scrapers, and Prometheus metrics.
TEXT
echo /etc/bpfprof/bpfprof.conf >"$STAGE/DEBIAN/conffiles"

# the unit: enabled and started where systemd runs (not in a chroot, not
# when DPKG_ROOT says the package goes into another root)
cat >"$STAGE/DEBIAN/postinst" <<'TEXT'
#!/bin/sh
set -e
if [ "$1" = configure ] && [ -z "$DPKG_ROOT" ]; then
	if command -v deb-systemd-helper >/dev/null; then
		deb-systemd-helper unmask bpfprof.service >/dev/null || true
		if deb-systemd-helper --quiet was-enabled bpfprof.service; then
			deb-systemd-helper enable bpfprof.service >/dev/null || true
		else
			deb-systemd-helper update-state bpfprof.service >/dev/null || true
		fi
	fi
	if [ -d /run/systemd/system ]; then
		systemctl --system daemon-reload >/dev/null || true
		if [ -n "$2" ]; then
			deb-systemd-invoke restart bpfprof.service >/dev/null || true
		fi
	fi
fi
exit 0
TEXT
cat >"$STAGE/DEBIAN/prerm" <<'TEXT'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -z "$DPKG_ROOT" ] && [ -d /run/systemd/system ]; then
	deb-systemd-invoke stop bpfprof.service >/dev/null || true
fi
exit 0
TEXT
cat >"$STAGE/DEBIAN/postrm" <<'TEXT'
#!/bin/sh
set -e
if [ -z "$DPKG_ROOT" ] && [ -d /run/systemd/system ]; then
	systemctl --system daemon-reload >/dev/null || true
fi
if [ "$1" = purge ]; then
	# the history and the debuginfod cache are the package's
	rm -rf "$DPKG_ROOT/var/lib/bpfprof" "$DPKG_ROOT/var/cache/bpfprof"
	if [ -z "$DPKG_ROOT" ] && command -v deb-systemd-helper >/dev/null; then
		deb-systemd-helper purge bpfprof.service >/dev/null || true
	fi
fi
exit 0
TEXT
chmod 0755 "$STAGE/DEBIAN/postinst" "$STAGE/DEBIAN/prerm" "$STAGE/DEBIAN/postrm"
chmod 0644 "$STAGE/DEBIAN/control" "$STAGE/DEBIAN/conffiles"
mkdir -p "$OUTDIR"
dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$OUTDIR/${PKG}_${VERSION}_${ARCH}.deb" >/dev/null
echo "$OUTDIR/${PKG}_${VERSION}_${ARCH}.deb"
