# Polyglot's single entry point. `make demo` and `make test` each set up what is missing first.
SWIFT      ?= swift
CONFIG     ?= release
BUILD_DIR  ?= .build
DATA_ROOT  ?= $(if $(POLYGLOT_DATA_ROOT),$(POLYGLOT_DATA_ROOT),$(abspath ../shared/data))
POLYGLOT    = $(BUILD_DIR)/$(CONFIG)/polyglot
APT_PACKAGES = libicu-dev libopenblas-dev

.PHONY: setup build demo test bench info clean

# Installs the system libraries Polyglot links against, or names them when it cannot.
setup:
	@bash tools/setup.sh $(APT_PACKAGES)

build: setup
	$(SWIFT) build -c $(CONFIG) --product polyglot

# The main job: the demo on the built-in data (no downloads).
demo: build
	$(POLYGLOT) demo

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
