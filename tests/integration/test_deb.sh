#!/bin/bash
# make deb: a package of the binary, man page, unit, conffile and completions
# that depends on Debian packages only, installed with dpkg into a throw-away
# root (never into this system), its files and modes checked, its unit
# verified, its maintainer scripts run against that root; lintian when
# installed.
. "$(dirname "$0")/../lib.sh"

command -v dpkg-deb >/dev/null || { skip all "no dpkg-deb"; finish; }
if ! make -s -C "$ROOT" deb >"$TMP/deb.log" 2>&1; then
	fail builds "make deb: $(tail -c 600 "$TMP/deb.log")"
	finish
fi
VERSION=$("$ROOT/build/bpfprof" --version | sed 's/^bpfprof //')
DEB=$ROOT/build/bpfprof_${VERSION}_$(dpkg --print-architecture).deb
[ -f "$DEB" ] && pass builds || { fail builds "no $DEB"; finish; }

[ "$(dpkg-deb -f "$DEB" Package)" = bpfprof ] && [ "$(dpkg-deb -f "$DEB" Version)" = "$VERSION" ] \
	&& pass control || fail control "$(dpkg-deb -f "$DEB" Package Version)"

# Depends: the libraries the binary links, each a package Debian has
deps=$(dpkg-deb -f "$DEB" Depends)
bad=""
for want in libbpf1 libelf1 libdw1 zlib1g; do
	echo "$deps" | grep -qE "(^|, )$want( |,|$)" || bad="$bad missing $want;"
done
for name in $(echo "$deps" | tr ',|' '\n\n' | awk 'NF { print $1 }'); do
	apt-cache show "$name" >/dev/null 2>&1 || bad="$bad $name is no Debian package;"
done
[ -z "$bad" ] && pass depends || fail depends "$deps:$bad"

# into a throw-away root: an empty dpkg database there, unpack only (the
# configure step would run the maintainer scripts chrooted, with no shell)
R=$TMP/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/var/lib/dpkg/triggers"
touch "$R/var/lib/dpkg/status" "$R/var/lib/dpkg/available"
if dpkg --root="$R" --force-depends --log=/dev/null --unpack "$DEB" >"$TMP/dpkg.log" 2>&1; then
	pass dpkg-unpack
else
	fail dpkg-unpack "$(tail -3 "$TMP/dpkg.log")"
	finish
fi
dpkg --root="$R" -s bpfprof 2>/dev/null | grep -q '^ /etc/bpfprof/bpfprof.conf ' && pass conffile \
	|| fail conffile "/etc/bpfprof/bpfprof.conf is not a conffile"

# each file with its mode, owned by root
bad=""
while read -r mode path; do
	f=$R$path
	# unpacked, not configured: a new conffile waits as .dpkg-new
	[ -f "$f" ] || [ ! -f "$f.dpkg-new" ] || f=$f.dpkg-new
	if [ ! -f "$f" ]; then bad="$bad no $path;"; continue; fi
	got=$(stat -c '%a %U:%G' "$f")
	[ "$got" = "$mode root:root" ] || bad="$bad $path is $got, want $mode root:root;"
done <<'FILES'
755 /usr/bin/bpfprof
644 /usr/share/man/man8/bpfprof.8.gz
644 /lib/systemd/system/bpfprof.service
644 /etc/bpfprof/bpfprof.conf
644 /usr/share/bash-completion/completions/bpfprof
644 /usr/share/zsh/vendor-completions/_bpfprof
644 /usr/share/doc/bpfprof/copyright
644 /usr/share/doc/bpfprof/changelog.gz
FILES
writable=$(find "$R" -path "$R/var" -prune -o -perm /022 ! -type l -print | head -3)
[ -z "$bad" ] && [ -z "$writable" ] && pass files-and-modes \
	|| fail files-and-modes "$bad ${writable:+writable by group or others: $writable}"

"$R/usr/bin/bpfprof" --version | grep -qx "bpfprof $VERSION" && pass binary-runs \
	|| fail binary-runs "$("$R/usr/bin/bpfprof" --version 2>&1)"
MANWIDTH=100 man -l "$R/usr/share/man/man8/bpfprof.8.gz" 2>/dev/null | grep -q 'bpfprof serve' \
	&& pass man-page || fail man-page "the packaged man page does not render"
grep -qx 'ExecStart=/usr/bin/bpfprof serve' "$R/lib/systemd/system/bpfprof.service" \
	&& pass unit-exec || fail unit-exec "$(grep ExecStart "$R/lib/systemd/system/bpfprof.service")"

# the unit names /usr/bin/bpfprof, which only the throw-away root has
if command -v systemd-analyze >/dev/null; then
	sed "s|^ExecStart=/usr/bin/|ExecStart=$R/usr/bin/|" "$R/lib/systemd/system/bpfprof.service" \
		>"$TMP/bpfprof.service"
	MANPATH=$R/usr/share/man systemd-analyze verify "$TMP/bpfprof.service" >"$TMP/verify.out" 2>&1
	rc=$?
	[ $rc -eq 0 ] && [ ! -s "$TMP/verify.out" ] && pass systemd-analyze-verify \
		|| fail systemd-analyze-verify "exit $rc: $(head -5 "$TMP/verify.out")"
else
	skip systemd-analyze-verify "no systemd-analyze"
fi

# the maintainer scripts act on DPKG_ROOT (dpkg sets it), never on this
# system: configure does nothing there, purge removes the history there
INFO=$R/var/lib/dpkg/info
mkdir -p "$R/var/lib/bpfprof/x" "$R/var/cache/bpfprof"
ok=1
for s in postinst prerm postrm; do sh -n "$INFO/bpfprof.$s" || ok=0; done
DPKG_ROOT=$R sh "$INFO/bpfprof.postinst" configure "" >"$TMP/scripts.log" 2>&1 || ok=0
DPKG_ROOT=$R sh "$INFO/bpfprof.prerm" remove >>"$TMP/scripts.log" 2>&1 || ok=0
DPKG_ROOT=$R sh "$INFO/bpfprof.postrm" purge >>"$TMP/scripts.log" 2>&1 || ok=0
[ $ok = 1 ] && [ ! -e "$R/var/lib/bpfprof" ] && [ ! -e "$R/var/cache/bpfprof" ] \
	&& pass maintainer-scripts || fail maintainer-scripts "$(head -5 "$TMP/scripts.log")"

if command -v lintian >/dev/null; then
	lintian "$DEB" 2>/dev/null \
		| grep -E '^[EW]:' >"$TMP/lintian.out"
	[ ! -s "$TMP/lintian.out" ] && pass lintian || fail lintian "$(head -5 "$TMP/lintian.out")"
else
	skip lintian "not installed"
fi
finish
