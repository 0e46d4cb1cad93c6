# Build and install libvenc (shared + static), its header and pkg-config file.
#   make                      build (release)
#   make install PREFIX=/usr/local [DESTDIR=...]
#   make test                 every test (same as tests/run-all.sh, the README's command)
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
MAJOR := $(firstword $(subst ., ,$(VERSION)))
# Where the built libraries are (tests point this at the profile they built).
BUILD_DIR ?= target/release

.PHONY: all build install uninstall test clean FORCE
all: build
build:
	cargo build --release --locked

venc.pc: venc.pc.in Cargo.toml FORCE
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' venc.pc.in > $@

$(BUILD_DIR)/libvenc.so $(BUILD_DIR)/libvenc.a:
	cargo build --release --locked

install: $(BUILD_DIR)/libvenc.so $(BUILD_DIR)/libvenc.a venc.pc
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)
	install -m 0755 $(BUILD_DIR)/libvenc.so $(DESTDIR)$(LIBDIR)/libvenc.so.$(VERSION)
	ln -sf libvenc.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libvenc.so.$(MAJOR)
	ln -sf libvenc.so.$(MAJOR) $(DESTDIR)$(LIBDIR)/libvenc.so
	install -m 0644 $(BUILD_DIR)/libvenc.a $(DESTDIR)$(LIBDIR)/libvenc.a
	install -m 0644 include/venc.h $(DESTDIR)$(INCLUDEDIR)/venc.h
	install -m 0644 venc.pc $(DESTDIR)$(LIBDIR)/pkgconfig/venc.pc

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libvenc.so* $(DESTDIR)$(LIBDIR)/libvenc.a \
	      $(DESTDIR)$(INCLUDEDIR)/venc.h $(DESTDIR)$(LIBDIR)/pkgconfig/venc.pc

test:
	tests/run-all.sh

clean:
	cargo clean
	rm -f venc.pc
