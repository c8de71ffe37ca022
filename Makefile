# SPDX-License-Identifier: GPL-2.0-or-later
# Makefile - one entry point: build, install, check, fuzz, lint, man
#
# Targets:
#   all (default)  the six tools at the top of the tree, and man pages
#   check          unit tests, unit tests under ASan/UBSan, a short fuzz pass,
#                  then the integration tests (pytest, needs root)
#   unit           unit tests only;  asan: unit tests under sanitizers
#   fuzz           every libFuzzer harness for FUZZ_SECONDS (default 60)
#   integration    pytest suite in tests/integration (root: builds namespaces)
#   lint           the dependency graph check, cppcheck and clang-tidy,
#                  all must be clean
#   policy-check   compile the SELinux modules, parse the AppArmor profiles
#   install        PREFIX (/usr/local), DESTDIR, BINDIR, MANDIR

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1)

CC ?= cc
CLANG ?= clang
PYTEST ?= /usr/bin/python3 -m pytest
PYTHON ?= /usr/bin/python3
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
FUZZ_SECONDS ?= 60

WARN := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wvla -Wno-missing-field-initializers
BASE_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Ilibcommon -DVERSION=\"$(VERSION)\" \
	-fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE $(WARN)
CFLAGS ?= -O2 -g
ALL_CFLAGS := $(BASE_CFLAGS) $(CFLAGS)
LDFLAGS ?= -pie -Wl,-z,relro,-z,now

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
	clean format

all: $(TOOLS) man

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# Objects carry VERSION: rebuild them when it changes
$(B)/.version: FORCE
	@mkdir -p $(B)
	@[ "$$(cat $@ 2>/dev/null)" = "$(VERSION)" ] || echo "$(VERSION)" > $@
FORCE:

$(LIB_OBJS) $(patsubst %.c,$(B)/%.o,$(wildcard tools/*/*.c)): $(B)/.version

$(LIB): $(LIB_OBJS)
	@rm -f $@
	$(call say,AR,$@)
	$(Q)$(AR) rcs $@ $^

define tool_rule
$(1): $$(patsubst %.c,$(B)/%.o,$$(wildcard tools/$(1)/*.c)) $(LIB)
	$$(call say,LD,$$@)
	$$(Q)$$(CC) $$(ALL_CFLAGS) $$(LDFLAGS) $$^ $$(LIBS_$(1)) -o $$@
endef
$(foreach t,$(TOOLS),$(eval $(call tool_rule,$(t))))

man: $(MAN_PAGES)

$(B)/man/%: man/%.scd
	@mkdir -p $(dir $@)
	$(call say,SCDOC,$<)
	$(Q)scdoc < $< > $@

# Unit tests: one binary per tests/unit/test_*.c, linked with libcommon;
# the fixtures they share (tests/unit/*.h) rebuild them all
UNIT_HDRS := $(wildcard tests/unit/*.h)
$(B)/tests/%: tests/unit/%.c $(UNIT_HDRS) $(LIB)
	@mkdir -p $(dir $@)
	$(call say,TEST,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $< $(LIB) -lcmocka $(LIBS_ALL) -o $@

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
	@rm -f $@; $(AR) rcs $@ $(B)/asan/obj/*.o

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
	@rm -f $@; $(AR) rcs $@ $(B)/fuzz/obj/*.o
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
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $< -o $@

check: all unit asan policy-check
	$(MAKE) fuzz FUZZ_SECONDS=$${FUZZ_SECONDS_CHECK:-10}
	$(MAKE) integration

# MAC policies (doc/policies.md). SELinux: each selinux/NAME.te is compiled
# with the reference policy headers of selinux-policy-dev into NAME.pp, and
# NAME.cil is written beside it for tests/integration/test_policies.py.
# AppArmor: each profile is parsed, never loaded (-Q -K -T). The userns rule
# (AppArmor 4 syntax) in apparmor/abi4/ is checked and installed only where
# apparmor_parser accepts it.
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
SELINUXDIR ?= $(PREFIX)/share/selinux/packages
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

policy-check: $(B)/selinux/.built
	@command -v $(AA_PARSER) >/dev/null || { echo "$(AA_PARSER) missing:" \
		"apt-get install apparmor"; exit 1; }
	@set -e; for p in $(AA_PROFILES); do \
		printf '  %-6s %s\n' AA $$p; \
		$(AA_PARSER) $(AA_FLAGS) -I apparmor $$p; \
		if [ "$(aa_userns)" = yes ]; then \
			$(AA_PARSER) $(AA_FLAGS) -I apparmor/abi4 -I apparmor $$p; fi; \
	done

install-policy:
	install -d $(DESTDIR)$(SELINUXDIR) $(DESTDIR)$(APPARMORDIR)/abstractions
	install -m 0644 $(SE_SRCS) $(DESTDIR)$(SELINUXDIR)
	if [ -f $(B)/selinux/.built ]; then \
		install -m 0644 $(SE_MODS:%=$(B)/selinux/%.pp) $(DESTDIR)$(SELINUXDIR); fi
	install -m 0644 $(AA_PROFILES) $(DESTDIR)$(APPARMORDIR)
	install -m 0644 apparmor/abstractions/* $(DESTDIR)$(APPARMORDIR)/abstractions
	if [ "$(aa_userns)" = yes ]; then install -m 0644 \
		apparmor/abi4/abstractions/* $(DESTDIR)$(APPARMORDIR)/abstractions; fi

.PHONY: policy-check install-policy

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

install: all install-policy
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(TOOLS) $(DESTDIR)$(BINDIR)
	install -m 0644 $(MAN_PAGES) $(DESTDIR)$(MANDIR)/man1
	if [ -n "$$(ls units 2>/dev/null)" ]; then \
		install -d $(DESTDIR)$(UNITDIR); \
		for u in units/*; do \
			sed 's|/usr/bin/passt|$(BINDIR)/passt|' $$u > $(DESTDIR)$(UNITDIR)/$${u#units/}; \
			chmod 0644 $(DESTDIR)$(UNITDIR)/$${u#units/}; \
		done; fi

clean:
	rm -rf $(B) $(TOOLS)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
