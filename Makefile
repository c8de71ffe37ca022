# SPDX-License-Identifier: GPL-2.0-or-later
# Makefile - one entry point: build, install, check, fuzz, lint, man, dist
#
# Targets:
#   all (default)  the six tools at the top of the tree, and man pages
#   version        print the version the build uses (see VERSION below)
#   check          unit tests, unit tests under ASan/UBSan, a short fuzz pass,
#                  then the integration tests (pytest, needs root)
#   unit           unit tests only;  asan: unit tests under sanitizers
#   fuzz           every libFuzzer harness for FUZZ_SECONDS (default 60);
#                  fuzz-build: build them only
#   integration    pytest suite in tests/integration (root: builds namespaces)
#   lint           the dependency graph check, cppcheck and clang-tidy,
#                  all must be clean
#   selinux        compile the SELinux modules into build/selinux/*.pp
#   policy-check   compile the SELinux modules, parse the AppArmor profiles
#   install        install-bin, install-apparmor and install-selinux:
#     install-bin       tools in BINDIR, man pages (uncompressed) in
#                       MANDIR/man1, systemd units in UNITDIR
#     install-apparmor  profiles and abstractions in APPARMORDIR
#                       (abstractions/passt-userns only if AA_USERNS=yes)
#     install-selinux   modules (*.pp) in SELINUXDIR and interfaces (*.if)
#                       in SEINCDIR; builds them first (selinux-policy-dev)
#   dist           passt-VERSION.tar.xz of HEAD with a VERSION file in it,
#                  from a clean git tree only; same bytes every time
#   bench          throughput and latency report (doc/bench.md), not a test
#   format         clang-format the sources in place
#   clean          remove build/ and the tools
#
# Variables:
#   CFLAGS (default -O2 -g), CPPFLAGS, LDFLAGS: the caller's, from the
#     environment or the command line (dpkg-buildflags); our warnings
#     (-Werror), -std, -I, -D_GNU_SOURCE, -fPIE, -fstack-protector-strong,
#     -ffile-prefix-map and -DVERSION are always added, -pie at link, and
#     -D_FORTIFY_SOURCE=2 when the caller's flags set no _FORTIFY_SOURCE and
#     optimise. Changed flags rebuild everything (build/.flags).
#   VERSION: the VERSION file at the top of the tree, else git describe (of
#     this tree only), else the first entry of debian/changelog, else unknown
#   SOURCE_DATE_EPOCH: the date in the man pages; without it they have none
#   PREFIX (/usr/local), DESTDIR, INSTALL (install), BINDIR, MANDIR,
#     UNITDIR ($(PREFIX)/lib/systemd/system), APPARMORDIR (/etc/apparmor.d),
#     SELINUXDIR ($(PREFIX)/share/selinux/packages/passt),
#     SEINCDIR ($(PREFIX)/share/selinux/devel/include/distributed),
#     AA_USERNS (yes/no; default: yes if the installed apparmor_parser
#     accepts the AppArmor 4 userns rule)
#   V=1 shows the full commands

# The version: computed once (:=), whatever git is or isn't there
# (first line of debian/changelog: "passt (VERSION) unstable; ...")
CHANGELOG_SED := 1s/^[^ ]* [(]\([^ ]*\)[)].*/\1/p
ifeq ($(origin VERSION),undefined)
VERSION := $(shell \
	if [ -f VERSION ]; then head -n1 VERSION; \
	elif [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$(CURDIR)" ] && \
		git describe --tags --always --dirty 2>/dev/null; then :; \
	elif [ -f debian/changelog ]; then \
		sed -n '$(CHANGELOG_SED)' debian/changelog; \
	else echo unknown; fi)
ifeq ($(VERSION),)
VERSION := unknown
endif
endif

CC ?= cc
CLANG ?= clang
PYTEST ?= /usr/bin/python3 -m pytest
PYTHON ?= /usr/bin/python3
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
FUZZ_SECONDS ?= 60
INSTALL ?= install

WARN := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wvla -Wno-missing-field-initializers
# What every compile of ours has, whatever the caller's flags: no build path
# in the objects (-ffile-prefix-map), so two trees give the same bytes
OUR_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Ilibcommon -DVERSION=\"$(VERSION)\" \
	-fstack-protector-strong -fPIE -ffile-prefix-map=$(CURDIR)=.
BASE_CFLAGS := $(OUR_CFLAGS) $(WARN)
# The caller's flags (dpkg-buildflags, dh): theirs replace these defaults
CFLAGS ?= -O2 -g
CPPFLAGS ?=
LDFLAGS ?= -Wl,-z,relro,-z,now
# Our fortification unless the caller chose one, and only where it works
# (glibc warns, and -Werror fails, when it is asked for without -O)
CALLER_O := $(lastword $(filter -O%,$(CFLAGS)))
FORTIFY := $(if $(findstring _FORTIFY_SOURCE,$(CPPFLAGS) $(CFLAGS)),,\
	$(if $(filter-out -O0,$(CALLER_O)),-D_FORTIFY_SOURCE=2))
# (our warnings last: a caller's -Wformat would undo our -Wformat=2)
ALL_CFLAGS := $(CPPFLAGS) $(OUR_CFLAGS) $(FORTIFY) $(CFLAGS) $(WARN)
ALL_LDFLAGS := -pie $(LDFLAGS)

B := build

# V=1 shows the full commands
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2)
endif

LIB_SRCS := $(sort $(wildcard libcommon/*/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/%.o)
LIB := $(B)/libcommon.a

TOOLS := passt pasta pasta-netcfg passt-repair qrap pesto
# Libraries each tool links, beyond libcommon
LIBS_passt := -lmnl -lseccomp -lcap-ng -lsystemd
LIBS_pasta := -lmnl -lseccomp -lcap-ng
LIBS_pasta-netcfg := -lmnl -lseccomp -lcap-ng
LIBS_passt-repair := -lseccomp -lcap-ng
LIBS_qrap :=
LIBS_pesto := -lseccomp -lcap-ng
LIBS_ALL := -lmnl -lseccomp -lcap-ng -lsystemd

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
ASAN_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/asan/%)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(B)/fuzz/%)
MAN_SRCS := $(sort $(wildcard man/*.scd))
MAN_PAGES := $(MAN_SRCS:man/%.scd=$(B)/man/%)

.PHONY: FORCE all man check unit asan fuzz fuzz-build integration lint install \
	install-bin install-apparmor install-selinux selinux clean format version \
	dist

all: $(TOOLS) man

version:
	@echo $(VERSION)

$(B)/%.o: %.c $(B)/.flags
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# Objects carry VERSION and the flags: rebuild them when either changes.
# build/.version is read by tests (test_systemd_pid1.py), build/.flags holds
# the compiler, the compile and the link flags; each is rewritten only when
# its text changes, so an unchanged build stays up to date.
sq = '$(subst ','\'',$(1))'
stamp = t=$$(printf '%s\n' $(call sq,$(1))); \
	[ -f $@ ] && [ "$$(cat $@)" = "$$t" ] || printf '%s\n' "$$t" > $@
$(B)/.version: FORCE
	@mkdir -p $(B)
	@$(call stamp,$(VERSION))
$(B)/.flags: $(B)/.version FORCE
	@$(call stamp,$(CC) $(ALL_CFLAGS) LD $(ALL_LDFLAGS))
FORCE:

$(LIB): $(LIB_OBJS)
	@rm -f $@
	$(call say,AR,$@)
	$(Q)$(AR) rcsD $@ $^

define tool_rule
$(1): $$(patsubst %.c,$(B)/%.o,$$(wildcard tools/$(1)/*.c)) $(LIB) $(B)/.flags
	$$(call say,LD,$$@)
	$$(Q)$$(CC) $$(ALL_CFLAGS) $$(ALL_LDFLAGS) $$(filter %.o %.a,$$^) \
		$$(LIBS_$(1)) -o $$@
endef
$(foreach t,$(TOOLS),$(eval $(call tool_rule,$(t))))

man: $(MAN_PAGES)

# scdoc dates a page SOURCE_DATE_EPOCH, else today: without
# SOURCE_DATE_EPOCH the date is left out, so the page depends on its source
# only
$(B)/.mandate: FORCE
	@mkdir -p $(B)
	@$(call stamp,$(SOURCE_DATE_EPOCH))
$(B)/man/%: man/%.scd $(B)/.mandate
	@mkdir -p $(dir $@)
	$(call say,SCDOC,$<)
ifeq ($(SOURCE_DATE_EPOCH),)
	$(Q)scdoc < $< | sed '/^\.TH /s/^\(\.TH "[^"]*" "[^"]*"\) "[0-9-]*"/\1 ""/' > $@.tmp
else
	$(Q)scdoc < $< > $@.tmp
endif
	@mv $@.tmp $@

# Unit tests: one binary per tests/unit/test_*.c, linked with libcommon;
# the fixtures they share (tests/unit/*.h) rebuild them all
UNIT_HDRS := $(wildcard tests/unit/*.h)
$(B)/tests/%: tests/unit/%.c $(UNIT_HDRS) $(LIB)
	@mkdir -p $(dir $@)
	$(call say,TEST,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $< $(LIB) -lcmocka $(LIBS_ALL) -o $@

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; ./$$t; done

# The same tests with AddressSanitizer and UBSan, libcommon rebuilt with them
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
# (objects of sources that moved or went away must not stay in the archive)
LIB_HDRS := $(wildcard libcommon/*/*.h)
$(B)/asan/libcommon.a: $(LIB_SRCS) $(LIB_HDRS)
	@rm -rf $(B)/asan/obj; mkdir -p $(B)/asan/obj
	@set -e; for s in $(LIB_SRCS); do \
		o=$(B)/asan/obj/$$(echo $$s | tr / _).o; \
		$(CC) $(BASE_CFLAGS) -O1 -g -U_FORTIFY_SOURCE $(SAN) -c $$s -o $$o; \
	done
	@rm -f $@; $(AR) rcsD $@ $(B)/asan/obj/*.o

$(B)/asan/%: tests/unit/%.c $(UNIT_HDRS) $(B)/asan/libcommon.a
	$(call say,ASAN,$@)
	$(Q)$(CC) $(BASE_CFLAGS) -O1 -g -U_FORTIFY_SOURCE $(SAN) $< \
		$(B)/asan/libcommon.a -lcmocka $(LIBS_ALL) -o $@

asan: $(ASAN_BINS)
	@set -e; for t in $(ASAN_BINS); do echo "== $$t"; \
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ./$$t; done

# Fuzz harnesses: clang, libFuzzer, ASan and UBSan, libcommon rebuilt with it
FUZZ_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Ilibcommon -DVERSION=\"fuzz\" -g -O1 \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
$(B)/fuzz/libcommon.a: $(LIB_SRCS) $(LIB_HDRS)
	@rm -rf $(B)/fuzz/obj; mkdir -p $(B)/fuzz/obj
	@set -e; for s in $(LIB_SRCS); do \
		o=$(B)/fuzz/obj/$$(echo $$s | tr / _).o; \
		$(CLANG) $(subst fuzzer$(comma),fuzzer-no-link$(comma),$(FUZZ_CFLAGS)) \
			-c $$s -o $$o; \
	done
	@rm -f $@; $(AR) rcsD $@ $(B)/fuzz/obj/*.o
comma := ,

$(B)/fuzz/%: tests/fuzz/%.c $(B)/fuzz/libcommon.a
	$(call say,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $< $(B)/fuzz/libcommon.a $(LIBS_ALL) -o $@

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	@set -e; for f in $(FUZZ_BINS); do n=$$(basename $$f); \
		mkdir -p $(B)/corpus/$$n; \
		echo "== $$n for $(FUZZ_SECONDS)s"; \
		if ! $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 \
			-artifact_prefix=$(B)/ \
			$(B)/corpus/$$n tests/fuzz/corpus/$$n \
			> $(B)/corpus/$$n.log 2>&1; then \
			tail -60 $(B)/corpus/$$n.log; \
			echo "$$n: FAILED (crash inputs: $(B)/crash-*)"; exit 1; \
		fi; \
		tail -1 $(B)/corpus/$$n.log; \
	done

integration: all
	tests/integration/run $(PYTEST) -v tests/integration

# Test helper: passt's stream socket bridged to a tap in a namespace
# (tests/integration/guest_bridge.py builds it on demand as well)
integration: $(B)/guest_bridge
$(B)/guest_bridge: tests/integration/guest_bridge.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $< -o $@

check: all unit asan policy-check
	$(MAKE) fuzz FUZZ_SECONDS=$${FUZZ_SECONDS_CHECK:-10}
	$(MAKE) integration

# MAC policies (doc/policies.md). SELinux: each selinux/NAME.te is compiled
# with the reference policy headers of selinux-policy-dev into NAME.pp, and
# NAME.cil is written beside it for tests/integration/test_policies.py.
# AppArmor: each profile is parsed, never loaded (-Q -K -T). The userns rule
# (AppArmor 4 syntax) in apparmor/abi4/ is checked, and installed, only where
# apparmor_parser accepts it (AA_USERNS=yes or no decides for a package).
SE_MODS := $(sort $(basename $(notdir $(wildcard selinux/*.te))))
SE_SRCS := $(wildcard selinux/*.te selinux/*.if selinux/*.fc)
SE_DEVEL ?= /usr/share/selinux/devel/Makefile
AA_PROFILES := $(sort $(wildcard apparmor/usr.bin.*))
AA_PARSER ?= apparmor_parser
AA_FEATURES ?= /usr/share/apparmor-features/features
AA_FLAGS = -Q -K -T $(if $(wildcard $(AA_FEATURES)),--features-file $(AA_FEATURES)) \
	$(AA_EXTRA)
aa_userns = $(shell printf 'profile t {\n userns,\n}\n' | \
	$(AA_PARSER) $(AA_FLAGS) >/dev/null 2>&1 && echo yes)
AA_USERNS ?= $(aa_userns)
# Where Fedora's passt-selinux puts them: the modules for semodule -i, the
# interfaces for other modules' builds
SELINUXDIR ?= $(PREFIX)/share/selinux/packages/passt
SEINCDIR ?= $(PREFIX)/share/selinux/devel/include/distributed
APPARMORDIR ?= /etc/apparmor.d

$(B)/selinux/.built: $(SE_SRCS)
	@test -f $(SE_DEVEL) || { echo "$(SE_DEVEL) missing:" \
		"apt-get install selinux-policy-dev checkpolicy semodule-utils"; exit 1; }
	@rm -rf $(B)/selinux; mkdir -p $(B)/selinux
	@cp $(SE_SRCS) $(B)/selinux/
	$(call say,SEPOL,$(B)/selinux)
	$(Q)cd $(B)/selinux && $(MAKE) -s --no-print-directory MAKEFLAGS= \
		-f $(SE_DEVEL) NAME=default $(SE_MODS:%=%.pp) >log 2>&1 || \
		{ grep -v 'selinux/config' log; exit 1; }
	$(Q)cd $(B)/selinux && for m in $(SE_MODS); do \
		checkmodule -M -m -C -o $$m.cil tmp/$$m.tmp >/dev/null 2>&1 \
			|| exit 1; done
	@touch $@

selinux: $(B)/selinux/.built

policy-check: $(B)/selinux/.built
	@command -v $(AA_PARSER) >/dev/null || { echo "$(AA_PARSER) missing:" \
		"apt-get install apparmor"; exit 1; }
	@set -e; for p in $(AA_PROFILES); do \
		printf '  %-6s %s\n' AA $$p; \
		$(AA_PARSER) $(AA_FLAGS) -I apparmor $$p; \
		if [ "$(aa_userns)" = yes ]; then \
			$(AA_PARSER) $(AA_FLAGS) -I apparmor/abi4 -I apparmor $$p; fi; \
	done

# install = install-bin install-apparmor install-selinux, each usable alone
# (packaging splits them); nothing else is installed
install-apparmor:
	$(INSTALL) -d $(DESTDIR)$(APPARMORDIR)/abstractions
	$(INSTALL) -m 0644 $(AA_PROFILES) $(DESTDIR)$(APPARMORDIR)
	$(INSTALL) -m 0644 apparmor/abstractions/* $(DESTDIR)$(APPARMORDIR)/abstractions
	if [ "$(AA_USERNS)" = yes ]; then $(INSTALL) -m 0644 \
		apparmor/abi4/abstractions/* $(DESTDIR)$(APPARMORDIR)/abstractions; fi

install-selinux: $(B)/selinux/.built
	$(INSTALL) -d $(DESTDIR)$(SELINUXDIR) $(DESTDIR)$(SEINCDIR)
	$(INSTALL) -m 0644 $(SE_MODS:%=$(B)/selinux/%.pp) $(DESTDIR)$(SELINUXDIR)
	$(INSTALL) -m 0644 $(SE_MODS:%=selinux/%.if) $(DESTDIR)$(SEINCDIR)

.PHONY: policy-check

# A report, not a test (never part of check): TCP and UDP throughput
# (iperf3) and request/response latency (bench/rr.c) through our pasta,
# Debian's pasta, slirp4netns and a bare veth pair; see doc/bench.md
.PHONY: bench
bench: pasta passt
	bench/run

# depgraph.py (tests/lint/): libcommon's modules form no cycle, folders use
# only lower layers (doc/README.md), no source file over 1000 lines; its self
# test runs first. Call edges come from the objects, hence the build.
lint: $(LIB_OBJS)
	$(PYTHON) tests/lint/test_depgraph.py -q
	$(PYTHON) tests/lint/depgraph.py --objects $(B)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
		--inline-suppr --std=c11 -D_GNU_SOURCE -Ilibcommon \
		--suppress=missingIncludeSystem libcommon tools
	clang-tidy --quiet $(LIB_SRCS) $(wildcard tools/*/*.c) -- \
		$(BASE_CFLAGS)

format:
	clang-format -i $(LIB_SRCS) $(wildcard libcommon/*/*.h tools/*/*.c tests/unit/*.c tests/fuzz/*.c)

install: install-bin install-apparmor install-selinux

UNITS := $(sort $(wildcard units/*))
install-bin: $(TOOLS) man
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(UNITDIR)
	$(INSTALL) -m 0755 $(TOOLS) $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 0644 $(MAN_PAGES) $(DESTDIR)$(MANDIR)/man1
	for u in $(UNITS); do \
		sed 's|/usr/bin/passt|$(BINDIR)/passt|' $$u \
			> $(DESTDIR)$(UNITDIR)/$${u#units/}; \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$${u#units/}; \
	done

# The release tarball: HEAD as git archive has it, plus a VERSION file, so
# the tree builds without git. Reproducible: every entry is dated the
# commit, owned by 0:0, modes without group/other write, names sorted, and
# xz stores no date. Modified tracked files would not be in it: refused.
DIST := passt-$(VERSION)
dist:
	@[ -d .git ] || [ -f .git ] || { echo "make dist: not a git checkout"; exit 1; }
	@git update-index -q --refresh; \
	if [ -n "$$(git status --porcelain --untracked-files=no)" ]; then \
		echo "make dist: the tree has uncommitted changes (git status):" \
			"commit or stash them first"; exit 1; fi
	@rm -rf $(B)/dist; mkdir -p $(B)/dist
	$(call say,DIST,$(DIST).tar.xz)
	$(Q)git archive --format=tar --prefix=$(DIST)/ -o $(B)/dist/git.tar HEAD
	$(Q)tar -C $(B)/dist -xf $(B)/dist/git.tar
	$(Q)echo $(VERSION) > $(B)/dist/$(DIST)/VERSION
	$(Q)t=$$(git log -1 --format=%ct HEAD) && \
	tar -C $(B)/dist --sort=name --format=gnu --mtime=@$$t --owner=0 \
		--group=0 --numeric-owner --mode=go-w,u+rw \
		-cf $(B)/dist/$(DIST).tar $(DIST)
	$(Q)xz -T1 -6 -c $(B)/dist/$(DIST).tar > $(B)/dist/$(DIST).tar.xz
	@mv $(B)/dist/$(DIST).tar.xz $(DIST).tar.xz; rm -rf $(B)/dist
	@echo $(DIST).tar.xz

clean:
	rm -rf $(B) $(TOOLS)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
