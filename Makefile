# bpfprof - build, test and run.
#
#   make          build build/bpfprof (BPF object -> skeleton -> binary)
#   make deps     install the Debian packages the build and tests need
#   make run      deps + build + start the agent on http://127.0.0.1:7070/
#   make test     deps + build + every test (as root, real BPF)
#   make install  the binary, man page, completions, systemd unit and config
#                 (PREFIX=/usr/local, SYSCONFDIR=/etc, DESTDIR)
#   make deb      a Debian package in build/ (tools/make-deb.sh)
#   make fuzz     every fuzz target for 5 minutes each (FUZZ_SECONDS=N)
#   make CC=clang builds with clang instead of gcc

OUT      := build
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
PREFIX   ?= /usr/local
SYSCONFDIR ?= /etc
DESTDIR  ?=
ARCH     := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -MMD -MP \
	    -I$(OUT) -I. -Iprofiler $(EXTRA_CFLAGS)
LDLIBS   := -lbpf -ldw -lelf -lz -lpthread -liberty $(EXTRA_LDLIBS)
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Wextra -Werror \
	    -Wno-unused-parameter \
	    -I$(OUT) -Ibpf -MMD -MP

# profiler/ is one folder per layer: sample/ unwind/ format/ agent/ cmd/
PROFILER_SRCS   := $(wildcard profiler/*/*.c)
SYMBOLIZER_SRCS := $(wildcard symbolizer/*.c)
COMMON_SRCS     := $(wildcard common/*.c)
LIB_SRCS        := $(filter-out profiler/cmd/main.c,$(PROFILER_SRCS)) $(SYMBOLIZER_SRCS) $(COMMON_SRCS)
LIB_OBJS        := $(patsubst %.c,$(OUT)/%.o,$(LIB_SRCS)) $(OUT)/web_assets.o
MAIN_OBJ        := $(OUT)/profiler/cmd/main.o
SKEL            := $(OUT)/profile.skel.h

.PHONY: all deps run test fuzz soak install deb clean format lint bench bench-symbolize bench-unwind
all: $(OUT)/bpfprof $(OUT)/bpfprof.8

$(OUT)/vmlinux.h:
	@mkdir -p $(OUT)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(OUT)/profile.bpf.o: bpf/profile.bpf.c $(OUT)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) -MT $@ -MF $(OUT)/profile.bpf.d -c $< -o $(OUT)/profile.tmp.bpf.o
	$(BPFTOOL) gen object $@ $(OUT)/profile.tmp.bpf.o

$(SKEL): $(OUT)/profile.bpf.o
	$(BPFTOOL) gen skeleton $< name profile_bpf > $@.tmp && mv $@.tmp $@

# Every user-space object may include the skeleton; build it first.
$(OUT)/%.o: %.c | $(SKEL)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

# The web pages (web/) are compiled into the binary; the agent serves every
# one of them by name under /ui/.
WEB_FILES := $(sort $(wildcard web/*.html web/*.js web/*.css))
$(OUT)/web_assets.c: $(WEB_FILES) tools/embed.sh
	@mkdir -p $(OUT)
	./tools/embed.sh $@ $(WEB_FILES)

$(OUT)/web_assets.o: $(OUT)/web_assets.c
	$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/libbpfprof.a: $(LIB_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

$(OUT)/bpfprof: $(MAIN_OBJ) $(OUT)/libbpfprof.a
	$(CC) $(CFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)

deps:
	@./tools/install-deps.sh

# The man page, generated from every command's --help (tools/manpage.sh).
$(OUT)/bpfprof.8: $(OUT)/bpfprof tools/manpage.sh
	./tools/manpage.sh $(OUT)/bpfprof $@

# The binary, man page, shell completions and systemd unit under
# $(DESTDIR)$(PREFIX); the example config under $(DESTDIR)$(SYSCONFDIR)
# unless one is there already (it is the administrator's).
BASH_COMPLETION_DIR := $(PREFIX)/share/bash-completion/completions
SYSTEMD_UNIT_DIR    ?= $(PREFIX)/lib/systemd/system
install: all
	install -D -m 0755 $(OUT)/bpfprof $(DESTDIR)$(PREFIX)/bin/bpfprof
	install -D -m 0644 $(OUT)/bpfprof.8 $(DESTDIR)$(PREFIX)/share/man/man8/bpfprof.8
	install -D -m 0644 tools/completion/bpfprof.bash $(DESTDIR)$(BASH_COMPLETION_DIR)/bpfprof
	install -d $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions
	sed 's|@BASH_COMPLETION@|$(BASH_COMPLETION_DIR)/bpfprof|' tools/completion/_bpfprof \
		>$(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_bpfprof
	install -d $(DESTDIR)$(SYSTEMD_UNIT_DIR)
	sed 's|@BINDIR@|$(PREFIX)/bin|g' deploy/bpfprof.service \
		>$(DESTDIR)$(SYSTEMD_UNIT_DIR)/bpfprof.service
	chmod 0644 $(DESTDIR)$(SYSTEMD_UNIT_DIR)/bpfprof.service
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/bpfprof
	[ -e $(DESTDIR)$(SYSCONFDIR)/bpfprof/bpfprof.conf ] || \
		install -m 0644 deploy/bpfprof.conf $(DESTDIR)$(SYSCONFDIR)/bpfprof/bpfprof.conf

# A Debian package of the same files: build/bpfprof_VERSION_ARCH.deb
# (tools/make-deb.sh: dpkg-deb, no debhelper).
deb: all
	rm -rf $(OUT)/deb
	$(MAKE) --no-print-directory install DESTDIR=$(CURDIR)/$(OUT)/deb/root PREFIX=/usr \
		SYSCONFDIR=/etc SYSTEMD_UNIT_DIR=/lib/systemd/system
	./tools/make-deb.sh $(OUT)/deb/root $(OUT)

$(OUT)/bench-unwind-table: tools/bench_unwind_table.c $(OUT)/libbpfprof.a
	$(CC) $(CFLAGS) $< $(OUT)/libbpfprof.a -o $@ $(LDFLAGS) $(LDLIBS)

# unwind tables vs frame pointers vs perf --call-graph dwarf (README figures)
bench-unwind: all $(OUT)/bench-unwind-table
	@$(MAKE) --no-print-directory -C tests build
	@./tools/bench-unwind.sh

run: deps
	@$(MAKE) --no-print-directory all
	./$(OUT)/bpfprof serve --listen 127.0.0.1:7070 --data-dir $(OUT)/data

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory -C tests

# Every fuzz target for FUZZ_SECONDS each (default 5 minutes; make test runs
# them for 8 s each).
fuzz: all
	@$(MAKE) --no-print-directory -C tests build
	FUZZ_SECONDS=$${FUZZ_SECONDS:-300} FUZZ_SEED=$${FUZZ_SEED:-0} TEST_TIMEOUT=0 tests/run.sh test_fuzz

# The soak test, long: 10 minutes of process and binary churn under serve
# (tests/integration/test_soak.sh; SOAK_SECONDS overrides).
soak: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory -C tests build
	SOAK_SECONDS=$${SOAK_SECONDS:-600} bash tests/integration/test_soak.sh

# Overhead next to perf and bcc (installs them); prints one table, ~5 min.
bench: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory -C tests build
	./bench/bench.sh

# Symbolizer speed against addr2line, eu-addr2line, llvm-symbolizer (not a test).
bench-symbolize: all
	python3 bench/bench_symbolize.py

clean:
	rm -rf $(OUT)
	@$(MAKE) --no-print-directory -C tests clean

format:
	clang-format -i bpf/*.[ch] common/*.[ch] profiler/*/*.[ch] symbolizer/*.[ch] tests/*.[ch] \
		tests/unit/*.c tests/fuzz/*.c

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--suppress=missingIncludeSystem -I . -I profiler \
		common profiler symbolizer

-include $(shell find $(OUT) -name '*.d' 2>/dev/null)
