# Thin wrapper over CMake: the README's commands are `make demo`, `make test` and `make fuzz`.
BUILD      ?= build
TEST_BUILD ?= build-test
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build test fuzz demo bench clean install

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(if $(PREFIX),-DCMAKE_INSTALL_PREFIX=$(PREFIX)) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Tests build in Debug (ASan + UBSan) with warnings as errors.
test: deps
	@cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSALVO_WERROR=ON -DSALVO_SANITIZE=address,undefined >/dev/null
	@cmake --build $(TEST_BUILD) -j $(JOBS)
	@cd $(TEST_BUILD) && ctest --output-on-failure -j $(JOBS)

# libFuzzer targets (clang, ASan+UBSan), each run FUZZ_SECONDS on a copy of
# its corpus under tests/fuzz/corpus; fails on any finding.
fuzz: deps
	@CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSALVO_WERROR=ON \
		-DSALVO_FUZZ=ON -DSALVO_SANITIZE=address,undefined -DSALVO_MOCK=OFF -DSALVO_TESTS=OFF >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZ_BUILD)

demo: build
	@examples/demo.sh $(BUILD)

bench: deps
	@bench/run

# make install PREFIX=/opt/salvo (default: CMake's, /usr/local)
install: build
	@cmake --install $(BUILD) $(if $(PREFIX),--prefix $(PREFIX))

clean:
	rm -rf $(BUILD) $(TEST_BUILD) $(FUZZ_BUILD)
