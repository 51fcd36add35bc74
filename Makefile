# scwd — two commands do all set-up: `make run` and `make test`.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)

.PHONY: all deps configure build run test unit-test sdk-test coverage codegen format bench fuzz clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

configure: $(BUILD_DIR)/build.ninja

build: deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/scwd serve

unit-test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

sdk-test: build
	cd tests/sdk && npm test

test: build
	@scripts/run-tests.sh $(BUILD_DIR)

codegen:
	node tools/codegen/gen.mjs

coverage: build
	$(BUILD_DIR)/scwd routes --served-json > $(BUILD_DIR)/served.json
	node tools/codegen/gen.mjs --coverage $(BUILD_DIR)/served.json

format:
	find src tests bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

bench: build
	bench/http.sh

# libFuzzer harnesses (clang, ASan + UBSan) in build-fuzz/, each run FUZZ_SECONDS (default 30).
FUZZ_SECONDS ?= 30
fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) JOBS=$(JOBS) scripts/fuzz.sh

clean:
	rm -rf $(BUILD_DIR)
