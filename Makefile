# dnnproof -- build, test, install.  `make`, `make check`, `make check SAN=1`, `make valgrind`,
# `make bench`, `make install PREFIX=...`, `make clean`.  Dependencies (Debian): libmpfr-dev
# libgmp-dev check pkg-config; flags come from pkg-config.

PREFIX ?= /usr/local
CC ?= cc
PKG_CONFIG ?= pkg-config
VERSION = 0.1.0

# SAN=1 builds everything with AddressSanitizer and UBSan, in its own build directory.
ifeq ($(SAN),1)
BUILD ?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD ?= build
SANFLAGS =
endif

WARN = -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) $(SANFLAGS) -fPIC -D_POSIX_C_SOURCE=200809L \
             -Isrc -Iverify -Iprops $(shell $(PKG_CONFIG) --cflags mpfr gmp)
# verify/ and props/ objects also see jansson's flags
CHECK_FLAGS_verify = $(JSON_CFLAGS)
CHECK_FLAGS_props = $(JSON_CFLAGS)
LIBS = $(shell $(PKG_CONFIG) --libs mpfr gmp) -lm -pthread
JSON_CFLAGS = $(shell $(PKG_CONFIG) --cflags jansson)
JSON_LIBS = $(shell $(PKG_CONFIG) --libs jansson)
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs check)
DL_LIBS = -ldl
LDFLAGS_ALL = $(SANFLAGS) $(LDFLAGS)

SRC_C = $(wildcard src/*.c)
VERIFY_C = $(wildcard verify/*.c)
PROPS_C = $(filter-out props/main.c,$(wildcard props/*.c))
TEST_SRC_C = tests/check_src.c tests/impl.c tests/mutants.c $(wildcard tests/src_*.c)
TEST_VERIFY_C = tests/check_verify.c $(wildcard tests/verify_*.c) tests/mutants.c tests/impl.c

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

LIB_A = $(BUILD)/libdnnproof.a
LIB_SO = $(BUILD)/libdnnproof.so
BIN = $(BUILD)/dnnproof
CHECK_SRC = $(BUILD)/tests/check_src
CHECK_VERIFY = $(BUILD)/tests/check_verify

.PHONY: all check valgrind fuzz install uninstall clean
all: $(LIB_A) $(LIB_SO) $(BIN) dnnproof

$(BUILD)/%.o: %.c $(wildcard src/*.h verify/*.h props/*.h tests/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_FLAGS_$(firstword $(subst /, ,$*))) -c $< -o $@

# Test objects need Check's include flags, and where this build's plugins and binary are.
CHECK_FLAGS_tests = $(CHECK_CFLAGS) $(JSON_CFLAGS) -DVR_BUILD_DIR=\"$(BUILD)\"

# The plugins of tests/plugins/ (one correct implementation, the others deliberately wrong), built
# as any implementation would be: plain C, without the sanitizers.
PLUGIN_C = $(wildcard tests/plugins/*.c)
PLUGINS = $(patsubst %.c,$(BUILD)/%.so,$(PLUGIN_C))
$(BUILD)/tests/plugins/%.so: tests/plugins/%.c verify/dnnp_impl.h
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARN) $(CFLAGS) -fPIC -shared -Iverify -o $@ $< -lm

# The adapter of tests/adapters/bridge.c serves a plugin over the --exec protocol (and breaks the
# protocol on request): plain C too.
BRIDGE = $(BUILD)/tests/adapters/bridge
$(BRIDGE): tests/adapters/bridge.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARN) $(CFLAGS) -D_POSIX_C_SOURCE=200809L $(JSON_CFLAGS) -o $@ $< \
	    $(JSON_LIBS) $(DL_LIBS) -lm

$(LIB_A): $(call obj,$(SRC_C))
	rm -f $@
	ar rcs $@ $^

$(LIB_SO): $(call obj,$(SRC_C))
	$(CC) -shared -Wl,-soname,libdnnproof.so.0 $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

$(BIN): $(call obj,props/main.c $(PROPS_C) $(VERIFY_C)) $(LIB_A)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(JSON_LIBS) $(LIBS) $(DL_LIBS)

# ./dnnproof at the top of the tree, for the README's commands.
dnnproof: $(BIN)
	ln -sf $(BIN) $@

$(CHECK_SRC): $(call obj,$(TEST_SRC_C) verify/lib.c) $(LIB_A)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(CHECK_LIBS) $(LIBS)

$(CHECK_VERIFY): $(call obj,$(TEST_VERIFY_C) $(PROPS_C) $(VERIFY_C)) $(LIB_A)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(CHECK_LIBS) $(JSON_LIBS) $(LIBS) $(DL_LIBS)

check: all $(CHECK_SRC) $(CHECK_VERIFY) $(PLUGINS) $(BRIDGE)
	$(CHECK_SRC)
	bash tests/mutants.sh $(CHECK_SRC)
	$(CHECK_VERIFY)

# The suites under valgrind, unforked so that valgrind sees every test.  The propositions'
# suite (thousands of generated cases) is left to the sanitizer build; under valgrind the
# catalogue runs on 15 cases a proposition (its verdicts may then miss coverage: exit 1 is
# accepted, a valgrind error exits 99).
VALGRIND = valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=all
valgrind: $(CHECK_SRC) $(CHECK_VERIFY) $(BIN) $(PLUGINS) $(BRIDGE)
	CK_FORK=no $(VALGRIND) $(CHECK_SRC)
	CK_FORK=no CK_RUN_SUITE=engine $(VALGRIND) $(CHECK_VERIFY)
	CK_FORK=no CK_RUN_SUITE=token $(VALGRIND) $(CHECK_VERIFY)
	CK_FORK=no CK_RUN_SUITE="finite differences" $(VALGRIND) $(CHECK_VERIFY)
	CK_FORK=no CK_RUN_SUITE=exec $(VALGRIND) $(CHECK_VERIFY)
	CK_FORK=no CK_RUN_SUITE=consistency $(VALGRIND) $(CHECK_VERIFY)
	CK_FORK=no CK_RUN_SUITE=netcheck $(VALGRIND) $(CHECK_VERIFY)
	CK_FORK=no CK_RUN_SUITE=vectors $(VALGRIND) $(CHECK_VERIFY)
	$(VALGRIND) $(BIN) verify --cases 15 -j 2 > /dev/null; test $$? -le 1

# Fuzz targets (libFuzzer: clang and Debian's libclang-rt-14-dev), not part of check:
# `make fuzz` builds them in build-fuzz/; run e.g. build-fuzz/fuzz_token tests/fuzz/corpus/token
FUZZ_FLAGS = -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -D_POSIX_C_SOURCE=200809L \
             -Isrc -Iverify $(shell $(PKG_CONFIG) --cflags mpfr gmp)
# Each tests/fuzz/fuzz_NAME.c is a target, linked with the whole library; the corpus to start from
# is tests/fuzz/corpus/NAME.
FUZZ_TARGETS = $(patsubst tests/fuzz/%.c,build-fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
fuzz: $(FUZZ_TARGETS)
build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(SRC_C) $(VERIFY_C) $(PROPS_C) $(wildcard src/*.h verify/*.h)
	@mkdir -p build-fuzz
	clang $(FUZZ_FLAGS) -Iprops $(JSON_CFLAGS) -o $@ $< $(SRC_C) $(VERIFY_C) $(PROPS_C) \
	    $(JSON_LIBS) $(LIBS) $(DL_LIBS)

# `make bench`: one table of how fast dnnproof checks (verify/bench/bench.c, docs/performance.md),
# beside torch.autograd.gradcheck run by PYTHON (one with torch; without it, dnnproof's figures
# alone).  BENCH_ARGS passes options on, e.g. BENCH_ARGS='--format json'.
PYTHON ?= /usr/bin/python3
BENCH = $(BUILD)/dnnproof-bench
.PHONY: bench
bench: $(BENCH) $(BIN)
	$(BENCH) --dnnproof $(BIN) --python $(PYTHON) --gradcheck verify/bench/gradcheck.py $(BENCH_ARGS)
$(BENCH): $(call obj,verify/bench/bench.c $(PROPS_C) $(VERIFY_C)) $(LIB_A)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(JSON_LIBS) $(LIBS) $(DL_LIBS)

install: all
	install -d $(DESTDIR)$(PREFIX)/include/dnnproof $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	           $(DESTDIR)$(PREFIX)/bin
	install -m 644 src/dnnproof.h $(DESTDIR)$(PREFIX)/include/dnnproof.h
	install -m 644 verify/dnnp_impl.h $(DESTDIR)$(PREFIX)/include/dnnproof/impl.h
	install -m 644 $(LIB_A) $(DESTDIR)$(PREFIX)/lib/libdnnproof.a
	install -m 755 $(LIB_SO) $(DESTDIR)$(PREFIX)/lib/libdnnproof.so.$(VERSION)
	ln -sf libdnnproof.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libdnnproof.so.0
	ln -sf libdnnproof.so.0 $(DESTDIR)$(PREFIX)/lib/libdnnproof.so
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/dnnproof
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 docs/dnnproof.1 $(DESTDIR)$(PREFIX)/share/man/man1/dnnproof.1
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' src/dnnproof.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/dnnproof.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/include/dnnproof.h $(DESTDIR)$(PREFIX)/include/dnnproof/impl.h \
	      $(DESTDIR)$(PREFIX)/lib/libdnnproof.* \
	      $(DESTDIR)$(PREFIX)/bin/dnnproof $(DESTDIR)$(PREFIX)/lib/pkgconfig/dnnproof.pc \
	      $(DESTDIR)$(PREFIX)/share/man/man1/dnnproof.1

clean:
	rm -rf build build-san build-fuzz dnnproof
