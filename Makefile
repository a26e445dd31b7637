# Build, boot and test the checkpoint/restart patch series under QEMU.
# `make help` lists the targets.

# The kernel source: Debian's linux-source-6.12, at this version.  Another
# version: make KERNEL_DEB_VERSION=...; any 6.12 tarball: KERNEL_TARBALL=...
KERNEL_DEB_VERSION ?= 6.12.117-1~deb12u1
KERNEL_TARBALL ?=

TOP	:= $(CURDIR)
BUILD	?= $(TOP)/build
SRC	:= $(BUILD)/src
OBJ	:= $(BUILD)/obj
KSFT	:= $(BUILD)/selftests
TOOLS	:= $(BUILD)/tools
INITRD	:= $(BUILD)/initramfs.cpio.gz
BZIMAGE	:= $(OBJ)/arch/x86/boot/bzImage
# the same tree with CONFIG_CHECKPOINT=n, for make test-nosys
NOSYS	:= $(BUILD)/obj-nosys
# the same tree with KASAN, UBSAN, lockdep and kmemleak, for make test-debug
DEBUG	:= $(BUILD)/obj-debug

TIMEOUT	?= 900
# hostile images for make soak, and for make test-debug after the suite
FUZZ	?= 100000
DEBUG_FUZZ ?= 8000
JOBS	?= $(shell nproc)

ifeq ($(KERNEL_TARBALL),)
TARBALL	:= /usr/src/linux-source-6.12.tar.xz
DEPVER	:= $(KERNEL_DEB_VERSION)
else
TARBALL	:= $(KERNEL_TARBALL)
DEPVER	:= -
endif

# chosen when a build runs, not when make starts: on a fresh machine the
# deps target installs ccache first, and a CC that changed between two runs
# would rebuild the whole kernel
CCACHE	= $(shell command -v ccache)
# paths below the checkout are hashed relative to it, so that a build in
# another clone (CI's) hits the cache too
export CCACHE_BASEDIR := $(TOP)
export CCACHE_NOHASHDIR := true
KMAKE	= $(MAKE) -C $(SRC) ARCH=x86_64 -j$(JOBS) \
	  CC="$(CCACHE) gcc" KBUILD_BUILD_TIMESTAMP=0 \
	  KBUILD_BUILD_USER=ckpt KBUILD_BUILD_HOST=harness
FRAGMENTS := $(TOP)/harness/kernel.config \
	     $(TOP)/tools/testing/selftests/checkpoint/config

.PHONY: help deps prepare kernel kernel-nosys kernel-debug selftests tools \
	initramfs test test-nosys test-debug soak demo bench judge-check \
	checkpatch clean distclean

help:
	@echo "make demo       boot the patched kernel and show the system calls at work"
	@echo "make test       build everything, boot, run the selftests, print the TAP"
	@echo "make bench      boot and print checkpoint/restart speed against write()/read()"
	@echo "make test-nosys the same tree with CONFIG_CHECKPOINT=n: both calls are ENOSYS"
	@echo "make test-debug the selftests and DEBUG_FUZZ=$(DEBUG_FUZZ) fuzzed images on a KASAN/UBSAN/lockdep/kmemleak"
	@echo "                kernel, then a leak scan"
	@echo "make soak       FUZZ=$(FUZZ) fuzzed images on that kernel"
	@echo "make kernel     patch and build the kernel (incremental)"
	@echo "make selftests  build the selftests, static, against the patched uapi"
	@echo "make tools      build tools/checkpoint, static"
	@echo "make initramfs  pack busybox, the tests and the tools"
	@echo "make checkpatch run scripts/checkpatch.pl on the series and new files"
	@echo "make deps       install what is missing (Debian 12, as root)"
	@echo "make clean      remove the build products, keep the unpacked source"
	@echo "make distclean  remove $(BUILD)"
	@echo "Variables: KERNEL_DEB_VERSION=$(KERNEL_DEB_VERSION) KERNEL_TARBALL= TIMEOUT=$(TIMEOUT)"
	@echo "           DEBUG_FUZZ=$(DEBUG_FUZZ) FUZZ=$(FUZZ) ONLY=prog,prog (make test-debug: those tests alone)"
	@echo "           SIZES=64,256 (make bench: those MiB alone)"

deps:
	@$(TOP)/harness/deps.sh '$(DEPVER)'

prepare: deps
	@$(TOP)/harness/prepare.sh $(TARBALL) $(SRC)

# $(call kconfig,OBJDIR,FRAGMENTS): tinyconfig plus the fragments, checked
define kconfig
	mkdir -p $(1)
	$(KMAKE) O=$(1) tinyconfig >/dev/null
	cd $(SRC) && scripts/kconfig/merge_config.sh -m -O $(1) \
		$(1)/.config $(2) >/dev/null
	$(KMAKE) O=$(1) olddefconfig >/dev/null
	@cat $(2) | grep '^CONFIG_' | sort -u | while read -r line; do \
		cat $(2) | grep -q "^# $${line%%=*} is not set" && continue; \
		grep -qx "$$line" $(1)/.config || \
		echo "config: $$line did not take" >&2; done
endef

# $(call kbuild,OBJDIR,TARGETS)
define kbuild
	@echo "kernel: building in $(1) (log: $(1)/build.log)"
	@$(KMAKE) O=$(1) $(2) >$(1)/build.log 2>&1 || \
		{ grep -B2 -A8 'error:' $(1)/build.log | head -80; \
		  echo "kernel: build failed, see $(1)/build.log" >&2; exit 1; }
	@grep -A4 'warning:' $(1)/build.log || true
endef

$(OBJ)/.config: $(FRAGMENTS) | prepare
	$(call kconfig,$(OBJ),$(FRAGMENTS))
	@grep -qx CONFIG_CHECKPOINT=y $@

$(NOSYS)/.config: $(FRAGMENTS) $(TOP)/harness/nosys.config | prepare
	$(call kconfig,$(NOSYS),$(FRAGMENTS) $(TOP)/harness/nosys.config)
	@! grep -q '^CONFIG_CHECKPOINT=y' $@

$(DEBUG)/.config: $(FRAGMENTS) $(TOP)/harness/debug.config | prepare
	$(call kconfig,$(DEBUG),$(FRAGMENTS) $(TOP)/harness/debug.config)
	@grep -qx CONFIG_KASAN=y $@

kernel: prepare $(OBJ)/.config
	$(call kbuild,$(OBJ),bzImage headers)

kernel-nosys: prepare $(NOSYS)/.config
	$(call kbuild,$(NOSYS),bzImage)

kernel-debug: prepare $(DEBUG)/.config
	$(call kbuild,$(DEBUG),bzImage)

# programs older than the uapi header they were built against go
UAPI	:= $(OBJ)/usr/include/linux/checkpoint.h

selftests: kernel
	mkdir -p $(KSFT)
	find $(KSFT) -type f ! -newer $(UAPI) -delete
	$(MAKE) -C $(SRC)/tools/testing/selftests/checkpoint OUTPUT=$(KSFT) \
		KHDR_INCLUDES="-isystem $(OBJ)/usr/include" LDFLAGS=-static

tools: kernel
	mkdir -p $(TOOLS)
	find $(TOOLS) -type f ! -newer $(UAPI) -delete
	$(MAKE) -C $(SRC)/tools/checkpoint OUTPUT=$(TOOLS)/ \
		KHDR_INCLUDES="-isystem $(OBJ)/usr/include" LDFLAGS=-static

initramfs: selftests tools
	$(TOP)/harness/initramfs.sh $(INITRD) $(KSFT) $(TOOLS)

judge-check:
	@$(TOP)/harness/judge-check.sh

test: judge-check initramfs
	$(TOP)/harness/boot.sh $(BZIMAGE) $(INITRD) test $(TIMEOUT)

test-nosys: judge-check kernel-nosys initramfs
	$(TOP)/harness/boot.sh $(NOSYS)/arch/x86/boot/bzImage $(INITRD) nosys $(TIMEOUT)

# KASAN's shadow and kmemleak's pool want room; a sanitized kernel under
# emulation is slow: the suite takes about 4 minutes, and the fuzzer does
# about 60 images a second.  The time limit leaves CI's 90 minutes room.
test-debug: judge-check kernel-debug initramfs
	MEM=3G KARGS="ckpt.fuzz=$(DEBUG_FUZZ) $(if $(ONLY),ckpt.only=$(ONLY))" \
		$(TOP)/harness/boot.sh $(DEBUG)/arch/x86/boot/bzImage $(INITRD) debug \
		$$(( $(TIMEOUT) * 2 + $(DEBUG_FUZZ) / 10 ))

# at least 5 images a second, or it is too slow
soak: judge-check kernel-debug initramfs
	MEM=3G KARGS=ckpt.fuzz=$(FUZZ) $(TOP)/harness/boot.sh \
		$(DEBUG)/arch/x86/boot/bzImage $(INITRD) soak \
		$$(( $(FUZZ) / 5 + 600 ))

demo: initramfs
	$(TOP)/harness/boot.sh $(BZIMAGE) $(INITRD) demo $(TIMEOUT)

# 1 GiB of touched memory, its image in tmpfs and a raw copy need room
bench: initramfs
	MEM=6G KARGS="$(if $(SIZES),ckpt.sizes=$(SIZES))" \
		$(TOP)/harness/boot.sh $(BZIMAGE) $(INITRD) bench $(TIMEOUT)

checkpatch: prepare
	$(TOP)/harness/checkpatch.sh $(SRC)

clean:
	rm -rf $(OBJ) $(NOSYS) $(DEBUG) $(KSFT) $(TOOLS) $(INITRD)

distclean:
	rm -rf $(BUILD)
