# Polyglot's single entry point. `make demo` and `make test` each set up what is missing first.
SWIFT      ?= swift
CONFIG     ?= release
BUILD_DIR  ?= .build
DATA_ROOT  ?= $(if $(POLYGLOT_DATA_ROOT),$(POLYGLOT_DATA_ROOT),$(abspath ../shared/data))
POLYGLOT    = $(BUILD_DIR)/$(CONFIG)/polyglot
APT_PACKAGES = libicu-dev libopenblas-dev zlib1g-dev openmpi-bin

.PHONY: setup build demo test bench info clean fuzz-build fuzz fuzz-ci

# Installs the system libraries Polyglot links against, or names them when it cannot.
setup:
	@bash tools/setup.sh $(APT_PACKAGES)

build: setup
	$(SWIFT) build -c $(CONFIG) --product polyglot

# The main job: the demo on the built-in data (no downloads). OpenBLAS picks its kernels by CPU, and the demo's
# small model amplifies their rounding differences into different tables, so the demo asks for the Haswell (AVX2)
# kernels on x86-64 (the class Package.swift compiles Polyglot's own kernels for); OPENBLAS_CORETYPE set in the
# environment wins, and other architectures keep OpenBLAS's own choice.
DEMO_BLAS_CORE ?= $(or $(OPENBLAS_CORETYPE),$(if $(filter x86_64,$(shell uname -m)),Haswell))
demo: build
	$(if $(DEMO_BLAS_CORE),OPENBLAS_CORETYPE=$(DEMO_BLAS_CORE) )$(POLYGLOT) demo

# The whole test suite, in release mode (numeric tests are slow in debug builds). One build with testing
# enabled serves both the tests and the `polyglot` binary that the training tests run as a subprocess
# (kill -9 and resume).
test: setup
	$(SWIFT) build -c $(CONFIG) --build-tests -Xswiftc -enable-testing
	POLYGLOT_DATA_ROOT=$(DATA_ROOT) $(SWIFT) test -c $(CONFIG) --skip-build

bench: build
	$(POLYGLOT) bench train

info: build
	$(POLYGLOT) info

clean:
	rm -rf $(BUILD_DIR)

# Fuzzing (libFuzzer with AddressSanitizer and LeakSanitizer): one executable, PolyglotFuzz, holds a
# target per parser; it exists only with POLYGLOT_FUZZ=1 and builds in its own folder. The build is a
# debug configuration optimised with -O, so Swift's overflow and bounds checks stay on (release
# builds use -Ounchecked). C code (libyaml inside Yams, the ICU wrappers) is instrumented as well.
FUZZ_BUILD_DIR ?= .build-fuzz
FUZZ_WORK      ?= $(FUZZ_BUILD_DIR)/work
FUZZ_SECONDS   ?= 60
FUZZ_CI_SECONDS ?= 8
FUZZ_TARGETS   ?= safetensors tokenizer conllu tsv csv jsonl squad iob2 task-yaml language-yaml experiment-yaml sweep-yaml
FUZZ_BIN        = $(FUZZ_BUILD_DIR)/debug/PolyglotFuzz

fuzz-build: setup
	POLYGLOT_FUZZ=1 $(SWIFT) build --scratch-path $(FUZZ_BUILD_DIR) -c debug --product PolyglotFuzz \
	  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -O -Xswiftc -use-ld=lld \
	  -Xcc -fsanitize=fuzzer-no-link,address

# Each target for FUZZ_SECONDS (FUZZ_TARGETS=conllu for one); new inputs go to $(FUZZ_WORK)/corpus,
# crashes to $(FUZZ_WORK)/crashes.
fuzz: fuzz-build
	bash Fuzz/run.sh $(FUZZ_BIN) $(FUZZ_SECONDS) $(FUZZ_WORK) $(FUZZ_TARGETS)

# CI: each target on the committed seed corpus for FUZZ_CI_SECONDS, from an empty work folder.
fuzz-ci: fuzz-build
	rm -rf $(FUZZ_BUILD_DIR)/ci-work
	bash Fuzz/run.sh $(FUZZ_BIN) $(FUZZ_CI_SECONDS) $(FUZZ_BUILD_DIR)/ci-work $(FUZZ_TARGETS)
