# ctprof-exporter build.
#
#   make          build/ctprof and build/ctprof-exporter (optimised)
#   make run      install what is missing, build, run the exporter on this host
#   make test     install what is missing, build again with ASan+UBSan, run every test
#                 (with each libFuzzer harness for 10 s)
#   make bench    benchmarks: capture vs the seven-file floor, render, and the
#                 exporter vs prometheus-process-exporter and node_exporter
#                 (installed by bench/deps.sh); tables in bench/results/
#   make fuzz     every libFuzzer harness for FUZZ_SECONDS (60) each
#   make soak     the wrk load test for 60 s
#   make deps     apt-get install what is missing (as root)
#
# Objects of the builds live apart: build/ (plain), build/asan/ and
# build/fuzz/ (clang, libFuzzer).

.DEFAULT_GOAL := all
.SUFFIXES:
.SECONDARY:

BUILD    ?= build
SANITIZE ?= 0
CC       ?= cc

# Libraries found with pkg-config, and the Debian package that ships each.
PKG_MODULES := libzstd libcjson zlib libnl-genl-3.0 libdw libelf libmicrohttpd
DEPS_PKGCONFIG := libzstd:libzstd-dev libcjson:libcjson-dev zlib:zlib1g-dev cmocka:libcmocka-dev \
	libmicrohttpd:libmicrohttpd-dev libdw:libdw-dev libelf:libelf-dev \
	libnl-genl-3.0:libnl-genl-3-dev jemalloc:libjemalloc-dev \
	yaml-0.1:libyaml-dev gnutls:libgnutls28-dev libcrypt:libcrypt-dev libcap:libcap-dev \
	libseccomp:libseccomp-dev
# Commands the build and the tests run, and their packages.
DEPS_COMMANDS := cc:gcc make:make pkg-config:pkg-config zstd:zstd curl:curl \
	/usr/bin/python3:python3 redis-server:redis-server promtool:prometheus openssl:openssl \
	clang:clang wrk:wrk yamllint:yamllint
# Files, and their packages: libFuzzer's runtime for `make fuzz` and the brief runs in `make test`.
DEPS_FILES = $(shell clang -print-resource-dir 2>/dev/null)/lib/linux/libclang_rt.fuzzer-$(shell uname -m).a:libclang-rt-dev
# Python modules the tests import, for /usr/bin/python3.
DEPS_PYTHON := prometheus_client:python3-prometheus-client yaml:python3-yaml

CFLAGS_COMMON := -std=gnu11 -Wall -Wextra -Werror -g -D_GNU_SOURCE -MMD -MP \
	-Icapture -Imetrics -Iexporter
ifeq ($(SANITIZE),1)
CFLAGS_OPT := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
LDFLAGS_SAN := -fsanitize=address,undefined
else ifeq ($(SANITIZE),fuzz)
# clang only: coverage for libFuzzer in every object, its main at link time.
# libseccomp's SCMP_A0() leaves a field to zero, which clang (not gcc) warns of.
CFLAGS_OPT := -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all -Wno-missing-field-initializers
LDFLAGS_SAN := -fsanitize=fuzzer,address,undefined
else
CFLAGS_OPT := -O2
LDFLAGS_SAN :=
endif

# Only the daemon (and the sandbox helper) link these: web config, TLS,
# bcrypt, capabilities, seccomp.
DAEMON_PKG_MODULES := yaml-0.1 gnutls libcrypt libcap libseccomp

PKG_CFLAGS = $(shell pkg-config --cflags $(PKG_MODULES) $(DAEMON_PKG_MODULES) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKG_MODULES) 2>/dev/null)
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)
DAEMON_LIBS = $(shell pkg-config --libs $(DAEMON_PKG_MODULES) 2>/dev/null)
ALL_CFLAGS = $(CFLAGS_COMMON) $(CFLAGS_OPT) $(PKG_CFLAGS) $(CFLAGS)
ALL_LDLIBS = $(PKG_LIBS) -lm $(LDLIBS)

CAPTURE_SRCS  := $(sort $(wildcard capture/*.c))
METRICS_SRCS  := $(sort $(wildcard metrics/*.c))
CLI_SRCS      := exporter/ctprof_cli.c exporter/ctprof_show.c exporter/render_flags.c exporter/ctprof_compare.c
DAEMON_SRCS   := exporter/exporter_main.c exporter/config.c exporter/http.c exporter/landing.c exporter/log.c exporter/self_metrics.c exporter/service.c exporter/render_flags.c \
	exporter/web_config.c exporter/web_auth.c exporter/sandbox.c
UNIT_SRCS     := $(sort $(wildcard tests/unit/test_*.c))
HELPER_SRCS   := $(sort $(wildcard tests/helpers/*.c))
BENCH_SRCS    := $(sort $(wildcard bench/*.c))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIBCAPTURE := $(BUILD)/libcapture.a
LIBMETRICS := $(BUILD)/libmetrics.a
CTPROF     := $(BUILD)/ctprof
EXPORTER   := $(BUILD)/ctprof-exporter
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
HELPER_BINS := $(patsubst tests/helpers/%.c,$(BUILD)/tests/helpers/%,$(HELPER_SRCS))
BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))

.PHONY: all run test test-build bench deps clean docs fuzz fuzz-build soak
all: $(CTPROF) $(EXPORTER)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIBCAPTURE): $(call obj,$(CAPTURE_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBMETRICS): $(call obj,$(METRICS_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(CTPROF): $(call obj,$(CLI_SRCS)) $(LIBMETRICS) $(LIBCAPTURE)
	$(CC) $(LDFLAGS_SAN) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

$(EXPORTER): $(call obj,$(DAEMON_SRCS)) $(LIBMETRICS) $(LIBCAPTURE)
	$(CC) $(LDFLAGS_SAN) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS) $(DAEMON_LIBS) -lpthread

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LIBMETRICS) $(LIBCAPTURE)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_SAN) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS) $(CMOCKA_LIBS)

$(BUILD)/tests/helpers/%: $(BUILD)/obj/tests/helpers/%.o $(LIBCAPTURE)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_SAN) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS) -lpthread

# Installs the daemon's seccomp filter through exporter/sandbox.c itself.
$(BUILD)/tests/helpers/seccomp_probe: $(BUILD)/obj/tests/helpers/seccomp_probe.o \
		$(BUILD)/obj/exporter/sandbox.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_SAN) $(LDFLAGS) -o $@ $^ $(DAEMON_LIBS)

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(LIBMETRICS) $(LIBCAPTURE)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_SAN) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS) -lpthread

test-build: all $(UNIT_BINS) $(HELPER_BINS)

# Targets of the jemalloc probe tests (tests/jemalloc/*.c). Never built with
# sanitizers, even in the asan build: ptrace and a sanitizer runtime
# interfere, and jemalloc must be the process's real allocator.
JM_DIR      := $(BUILD)/tests/jemalloc
JM_CFLAGS   := -std=gnu11 -Wall -Wextra -Werror -O1 -D_GNU_SOURCE -Itests/jemalloc
JM_LIBDIR    = $(shell pkg-config --variable=libdir jemalloc 2>/dev/null)
JM_TARGETS  := $(addprefix $(JM_DIR)/,tsd_custom tsd_custom_nodebug tsd_custom.debug \
	tsd_custom.stripped tsd_reversed tsd_gd.so je_static je_dynamic churn)

$(JM_DIR)/tsd_custom: tests/jemalloc/tsd_custom.c tests/jemalloc/target_threads.h
	@mkdir -p $(dir $@)
	$(CC) $(JM_CFLAGS) -g -o $@ $< -lpthread
$(JM_DIR)/tsd_custom_nodebug: tests/jemalloc/tsd_custom.c tests/jemalloc/target_threads.h
	@mkdir -p $(dir $@)
	$(CC) $(JM_CFLAGS) -g0 -o $@ $< -lpthread
# The DWARF moved to a separate file, reachable by build-id and debuglink.
$(JM_DIR)/tsd_custom.debug: $(JM_DIR)/tsd_custom
	objcopy --only-keep-debug $< $@
$(JM_DIR)/tsd_custom.stripped: $(JM_DIR)/tsd_custom $(JM_DIR)/tsd_custom.debug
	objcopy --strip-debug --add-gnu-debuglink=$(JM_DIR)/tsd_custom.debug $< $@
$(JM_DIR)/tsd_reversed: tests/jemalloc/tsd_custom.c tests/jemalloc/target_threads.h
	@mkdir -p $(dir $@)
	$(CC) $(JM_CFLAGS) -g -DTSD_REVERSED -o $@ $< -lpthread
# General-dynamic TLS: no TPOFF slot to find the block through.
$(JM_DIR)/tsd_gd.so: tests/jemalloc/tsd_custom.c tests/jemalloc/target_threads.h
	@mkdir -p $(dir $@)
	$(CC) $(JM_CFLAGS) -g -fPIC -shared -ftls-model=global-dynamic -o $@ $< -lpthread
$(JM_DIR)/je_static: tests/jemalloc/je_threads.c tests/jemalloc/target_threads.h
	@mkdir -p $(dir $@)
	$(CC) $(JM_CFLAGS) -o $@ $< $(JM_LIBDIR)/libjemalloc.a -lpthread -ldl -lm
$(JM_DIR)/je_dynamic: tests/jemalloc/je_threads.c tests/jemalloc/target_threads.h
	@mkdir -p $(dir $@)
	$(CC) $(JM_CFLAGS) -o $@ $< -ljemalloc -lpthread
$(JM_DIR)/churn: tests/jemalloc/churn.c
	@mkdir -p $(dir $@)
	$(CC) $(JM_CFLAGS) -o $@ $< -Wl,--no-as-needed -ljemalloc -Wl,--as-needed -lpthread
test-build: $(JM_TARGETS)

# Install what is missing: libraries by pkg-config name, tools by command.
deps:
	@missing=""; \
	command -v pkg-config >/dev/null 2>&1 || missing="pkg-config"; \
	for pair in $(DEPS_PKGCONFIG); do \
		mod=$${pair%%:*}; deb=$${pair#*:}; \
		pkg-config --exists "$$mod" 2>/dev/null || missing="$$missing $$deb"; \
	done; \
	for pair in $(DEPS_COMMANDS); do \
		cmd=$${pair%%:*}; deb=$${pair#*:}; \
		command -v "$$cmd" >/dev/null 2>&1 || missing="$$missing $$deb"; \
	done; \
	for pair in $(DEPS_FILES); do \
		f=$${pair%%:*}; deb=$${pair#*:}; \
		[ -e "$$f" ] || missing="$$missing $$deb"; \
	done; \
	for pair in $(DEPS_PYTHON); do \
		mod=$${pair%%:*}; deb=$${pair#*:}; \
		/usr/bin/python3 -c "import $$mod" >/dev/null 2>&1 || missing="$$missing $$deb"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "deps: missing:$$missing"; \
		echo "deps: run as root: apt-get update && apt-get install -y$$missing"; \
		exit 1; \
	fi; \
	echo "deps: installing$$missing"; \
	apt-get update -q && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing

# Serve this host on :10042 until Ctrl-C (RUN_FLAGS adds exporter flags).
run: deps
	$(MAKE) all
	$(EXPORTER) $(RUN_FLAGS)

# The sanitizer build is the one the tests run.
test: deps
	$(MAKE) all
	$(MAKE) BUILD=build/asan SANITIZE=1 test-build
	$(MAKE) BUILD=$(FUZZ_BUILD) SANITIZE=fuzz CC=clang fuzz-build
	tests/run.sh build/asan

# libFuzzer harnesses (tests/fuzz/fuzz_<name>.c, seeds in tests/fuzz/corpus/<name>/,
# crash reproducers in tests/fuzz/regress/<name>/), built with clang in build/fuzz.
# `make fuzz` runs each for FUZZ_SECONDS (FUZZ_ONLY=name: just that one);
# `make test` runs each briefly (tests/integration/fuzz_brief.sh).
FUZZ_BUILD    := build/fuzz
FUZZ_SECONDS  ?= 60
FUZZ_SRCS     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS     := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
# Everything of the exporter but the two mains, for the HTTP and show/render harnesses.
FUZZ_LIB_SRCS := $(sort $(wildcard $(filter-out exporter/exporter_main.c,$(DAEMON_SRCS))) exporter/ctprof_show.c)

$(BUILD)/libexporter.a: $(call obj,$(FUZZ_LIB_SRCS))
	rm -f $@ && ar rcs $@ $^

$(BUILD)/fuzz/%: $(BUILD)/obj/tests/fuzz/%.o $(BUILD)/libexporter.a $(LIBMETRICS) $(LIBCAPTURE)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_SAN) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS) $(DAEMON_LIBS) -lpthread

fuzz-build: $(FUZZ_BINS)

fuzz: deps
	$(MAKE) BUILD=$(FUZZ_BUILD) SANITIZE=fuzz CC=clang fuzz-build
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_ONLY)

# The load test at the issue's length: wrk for 60 s (`make test` runs 12 s).
soak: deps
	$(MAKE) all
	$(MAKE) BUILD=build/asan SANITIZE=1 test-build
	CTPROF_BUILD=$(CURDIR)/build/asan CTPROF_TOP=$(CURDIR) CTPROF_WRK_SECONDS=60 \
		ASAN_OPTIONS=detect_leaks=1 bash tests/integration/reliability_load.sh

bench: deps
	bench/deps.sh
	$(MAKE) all $(BENCH_BINS) $(HELPER_BINS) $(JM_DIR)/je_dynamic
	bench/run.sh $(BUILD)

# docs/metrics.md is generated from the field table.
docs: $(CTPROF)
	$(CTPROF) metric-list >docs/metrics.md
	/usr/bin/python3 grafana/generate.py
	deploy/kubernetes/gen-prometheusrule.sh >deploy/kubernetes/prometheusrule.yaml

# `make install PREFIX=/usr DESTDIR=/tmp/pkg`: the binaries, the systemd
# unit (its ExecStart pointed at BINDIR) and the man page.
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
UNITDIR ?= $(PREFIX)/lib/systemd/system
MANDIR  ?= $(PREFIX)/share/man
.PHONY: install build-deps
install: $(CTPROF) $(EXPORTER)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(CTPROF) $(EXPORTER) $(DESTDIR)$(BINDIR)/
	sed 's|/usr/local/bin/|$(BINDIR)/|' deploy/systemd/ctprof-exporter.service \
		>$(DESTDIR)$(UNITDIR)/ctprof-exporter.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/ctprof-exporter.service
	install -m 0644 deploy/man/ctprof-exporter.1 $(DESTDIR)$(MANDIR)/man1/

# The Debian packages `make all` needs (deploy/docker/Dockerfile installs them).
build-deps:
	@echo gcc make pkg-config $(foreach p,$(DEPS_PKGCONFIG),$(lastword $(subst :, ,$(p))))

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
