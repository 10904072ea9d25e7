# Thin wrapper over CMake: the README's commands are `make demo`, `make test` and `make fuzz`.
BUILD      ?= build
TEST_BUILD ?= build-test
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
# Tests in parallel: twice the cores. The e2e scripts wait on sockets,
# timers and child processes about half their time (265 s of CPU in 458 s
# of test time, measured on 2 cores), so two a core keep the cores busy.
TEST_JOBS  ?= $(shell echo $$(( $(JOBS) * 2 )))

.PHONY: all deps deps-test build test fuzz demo bench clean install

all: build

# What building needs (make, make demo, make install); the tests' tools too.
deps:
	@scripts/install-deps.sh --build

deps-test:
	@scripts/install-deps.sh

# The tests build in their own tree (make test): this one has none, so it
# needs no test library.
build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DSALVO_TESTS=OFF $(if $(PREFIX),-DCMAKE_INSTALL_PREFIX=$(PREFIX)) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Tests build in Debug (ASan + UBSan) with warnings as errors.
test: deps-test
	@cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSALVO_WERROR=ON -DSALVO_SANITIZE=address,undefined >/dev/null
	@cmake --build $(TEST_BUILD) -j $(JOBS)
	@cd $(TEST_BUILD) && ctest --output-on-failure -j $(TEST_JOBS)

# libFuzzer targets (clang, ASan+UBSan), each run FUZZ_SECONDS on a copy of
# its corpus under tests/fuzz/corpus; fails on any finding.
fuzz: deps-test
	@CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSALVO_WERROR=ON \
		-DSALVO_FUZZ=ON -DSALVO_SANITIZE=address,undefined -DSALVO_MOCK=OFF -DSALVO_TESTS=OFF >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZ_BUILD)

demo: build
	@examples/demo.sh $(BUILD)

bench: deps-test
	@bench/run

# make install PREFIX=/opt/salvo (default: CMake's, /usr/local)
install: build
	@cmake --install $(BUILD) $(if $(PREFIX),--prefix $(PREFIX))

clean:
	rm -rf $(BUILD) $(TEST_BUILD) $(FUZZ_BUILD)
