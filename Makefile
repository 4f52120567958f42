# arka: PGXS build of the extension (arka.so), the engine core
# (src/core/libarkacore.a) and, later, the arka-cdc daemon.
#
#   make            build      make install   install (as root)
#   make test       every test (installs what is missing, runs as postgres)
#   make demo       a throwaway cluster showing arka at work
#   make bench      benchmarks (figures go to BENCHMARKS.md by hand)

PG_CONFIG ?= /usr/lib/postgresql/15/bin/pg_config

EXTENSION = arka
MODULE_big = arka
DATA = arka--1.0.sql
PGFILEDESC = "arka - compliance rules enforced inside PostgreSQL"

CORE_SRCS = $(sort $(wildcard src/core/*.c))
CORE_OBJS = $(CORE_SRCS:.c=.o)
CORE_LIB = src/core/libarkacore.a

OBJS = \
	src/arka.o \
	src/arka_jsonb.o \
	src/arka_cache.o \
	src/arka_evaluate.o \
	src/arka_decision.o \
	src/arka_tupledoc.o \
	src/arka_protect.o \
	src/arka_record.o \
	src/arka_screen.o \
	src/arka_catalog.o

SHLIB_LINK = $(CORE_LIB) -lcrypto -lutf8proc
PG_CPPFLAGS = -Isrc/core -Isrc
PG_CFLAGS = -std=gnu11

EXTRA_CLEAN = $(CORE_LIB) $(CORE_OBJS) build

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(CORE_LIB): $(CORE_OBJS)
	$(AR) rcs $@ $^

$(shlib): $(CORE_LIB)

# arka-cdc, the logical-replication daemon (plain make in cdc/)
all: cdc-all
cdc-all:
	$(MAKE) -C cdc all
install: install-cdc
install-cdc: cdc-all
	$(MAKE) -C cdc install DESTDIR='$(DESTDIR)' bindir='$(bindir)'
clean: clean-cdc
clean-cdc:
	$(MAKE) -C cdc clean

$(CORE_OBJS) $(OBJS): $(wildcard src/core/*.h src/*.h)

# Rule packs are data files installed beside the extension script.
PACKDIR = $(DESTDIR)$(datadir)/extension/arka_packs
install: install-packs
install-packs:
	$(MKDIR_P) '$(PACKDIR)'
	$(INSTALL_DATA) packs/*.json '$(PACKDIR)/'

# Where the shared conformance data and watchlists live (CI keeps shared/
# beside the clone).
SHARED ?= $(abspath ../shared)
export SHARED

.PHONY: deps test demo bench install-packs core-tests cdc-all install-cdc clean-cdc
deps:
	scripts/deps.sh

test:
	scripts/run-tests.sh

demo:
	scripts/demo.sh

bench:
	scripts/bench.sh
