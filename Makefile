# maestro-gate. The two commands a user needs:
#   make demo   build the npm package into pkg/ and serve the demo on http://127.0.0.1:8080
#   make test   run every test: native, headless Chromium and Firefox, end-to-end, Vitest, Jest
# Both install what they need first (scripts/tools.sh).
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/node_modules/.bin:$(PATH)
export CHROMEDRIVER ?= /usr/bin/chromedriver
export GECKODRIVER ?= $(HOME)/.cargo/bin/geckodriver
export WASM_BINDGEN_TEST_TIMEOUT ?= 120
CARGO_WASM := cargo test --target wasm32-unknown-unknown -p maestro-gate --test web --test cleanup --test delivery --test conformance --test hardening

.PHONY: tools test-tools fuzz-tools fuzz test-fuzz pkg demo demo-build example test test-lint test-publish test-native test-chromium test-firefox test-e2e test-vitest test-jest test-db test-unleash unleash test-budgets bench

tools:
	@bash scripts/tools.sh build

test-tools:
	@bash scripts/tools.sh test

fuzz-tools:
	@bash scripts/tools.sh fuzz

pkg: tools
	@bash scripts/build-pkg.sh

www/node_modules/.package-lock.json: www/package.json www/package-lock.json
	cd www && npm ci --no-audit --no-fund --loglevel=error

tests/vitest/node_modules/.package-lock.json: tests/vitest/package.json tests/vitest/package-lock.json
	cd tests/vitest && npm ci --no-audit --no-fund --loglevel=error

tests/jest/node_modules/.package-lock.json: tests/jest/package.json tests/jest/package-lock.json
	cd tests/jest && npm ci --no-audit --no-fund --loglevel=error

tests/apps/node_modules/.package-lock.json: tests/apps/package.json tests/apps/package-lock.json
	cd tests/apps && npm ci --no-audit --no-fund --loglevel=error

# Builds the demo with the shell's VITE_MAESTRO_ENABLED, as a deployment would.
demo-build: pkg www/node_modules/.package-lock.json
	cd www && npx vite build --logLevel warn

demo: demo-build
	@echo "maestro-gate demo: http://127.0.0.1:8080  (VITE_MAESTRO_ENABLED=$${VITE_MAESTRO_ENABLED-unset})"
	cd www && npx vite preview --host 127.0.0.1 --port 8080 --strictPort

test: test-tools pkg
	$(MAKE) --no-print-directory test-lint test-budgets test-publish test-native test-fuzz test-chromium test-firefox test-e2e test-vitest test-jest test-db test-unleash

# The Yew example over the Rust binding, with pkg/ beside it, into
# target/example-dist/ (a debug build; pkg/ must be built first).
example:
	bash scripts/build-example.sh

# Every crate of the workspace, on the host and as the wasm it ships as (one
# crate at a time: built together, the rollback's serde with std would be
# unified into the gate, which is no_std).
test-lint:
	node scripts/module-cycles.mjs src crates/*/src
	cargo fmt --all --check
	cargo fmt --manifest-path fuzz/Cargo.toml --check
	cargo clippy --quiet --workspace --exclude maestro-db --all-targets -- -D warnings
	cargo clippy --quiet --target wasm32-unknown-unknown -p maestro-gate --tests -- -D warnings
	for crate in maestro-gate-wasm maestro-gate-util maestro-gate-rollback maestro-gate-remote maestro-gate-rollout maestro-gate-sw maestro-gate-node maestro-gate-js; do \
	  cargo clippy --quiet --target wasm32-unknown-unknown -p $$crate --lib -- -D warnings || exit 1; \
	done
	cargo clippy --quiet --target wasm32-unknown-unknown -p maestro-gate-wasm --lib --no-default-features --features beacon -- -D warnings
	cargo clippy --quiet --target wasm32-unknown-unknown -p maestro-gate-wasm --lib --no-default-features --features answer -- -D warnings
	cargo clippy --quiet --target wasm32-unknown-unknown -p maestro-gate-wasm --lib --no-default-features --features answer-unleash -- -D warnings
	cargo clippy --quiet --target wasm32-unknown-unknown -p maestro-gate-wasm --lib --no-default-features --features answer-unleash-slim -- -D warnings
	cargo clippy --quiet --target wasm32-unknown-unknown -p maestro-gate-wasm --lib --no-default-features --features answer-slim -- -D warnings
	cargo clippy --quiet --target wasm32-unknown-unknown -p maestro-gate-wasm --lib --no-default-features --features keep -- -D warnings
	cargo clippy --quiet --target wasm32-unknown-unknown -p maestro-gate-wasm --lib --no-default-features --features narrow -- -D warnings
	cargo fmt --check --manifest-path examples/yew/Cargo.toml
	cargo clippy --quiet --manifest-path examples/yew/Cargo.toml --target wasm32-unknown-unknown --target-dir target/example -- -D warnings

# The two crates meant for crates.io, packaged and built as crates.io would
# (the rules, and the Rust binding to the npm package).
test-publish:
	cargo publish --dry-run --allow-dirty --quiet -p maestro-gate
	cargo publish --dry-run --allow-dirty --quiet -p maestro-gate-js

# The npm tools, and Unleash's client specification that test-native reads
# (scripts/tools.sh installs them the same way for `make test`).
node_modules/.package-lock.json: package.json package-lock.json
	PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error

# The rules, the ABI table against js/core.js, the conformance table and
# Unleash's rollout cases (from node_modules), natively (maestro-db's tests
# need the PostgreSQL that test-db starts).
test-native: node_modules/.package-lock.json
	cargo test --quiet --workspace --exclude maestro-db

test-chromium:
	env -u GECKODRIVER $(CARGO_WASM)

test-firefox:
	env -u CHROMEDRIVER $(CARGO_WASM)

# The types (the bindings' against their peers' types, from tests/apps), the
# README's snippets, the bindings in Node with their real peers (OpenFeature's
# SDK, React's server rendering, Vue), then every page, app and tab in both
# browsers (tests/e2e/bindings.test.mjs builds tests/apps with Vite;
# rust-example.test.mjs serves the example `make example` built).
test-e2e: www/node_modules/.package-lock.json tests/apps/node_modules/.package-lock.json example
	tsc -p js
	tsc -p tests/types
	tsc -p tests/types/exact
	node tests/types/readme.mjs && tsc -p tests/types/readme
	cd tests/apps && node --preserve-symlinks --test test/
	node --test --test-concurrency=1 tests/e2e/

# An app's own tests under Vitest (tests/vitest), importing the package as an
# app does, in the node and jsdom environments: both states, the toggle and
# the cleanup path through maestro-gate/testing, and the README's testing
# snippet. Then the runbook's "Run test suite without MAESTRO": the same
# suite under VITE_MAESTRO_ENABLED=false.
test-vitest: tests/vitest/node_modules/.package-lock.json
	node tests/vitest/readme.mjs
	cd tests/vitest && env -u VITE_MAESTRO_ENABLED npx vitest run
	cd tests/vitest && VITE_MAESTRO_ENABLED=false npx vitest run
	cd tests/vitest && VITE_MAESTRO_ENABLED=false npx vitest run --exclude '**/*maestro*'

# An app's own tests under Jest 30 (tests/jest), installing the package as an
# app does, and its types through require (tests/jest/types.ts, CommonJS).
# CommonJS (Jest's default, no flag) in the node and jsdom environments with
# no configuration, then ES modules (*.test.mjs, under
# --experimental-vm-modules as Jest requires) in both, jsdom with the README's
# one line. Then the runbook's "Run test suite without MAESTRO": MAESTRO's
# own test files left out, the rest under VITE_MAESTRO_ENABLED=false (the
# pattern anchored at <rootDir>: a checkout whose path holds "maestro" would
# leave out every file).
test-jest: tests/jest/node_modules/.package-lock.json
	node tests/jest/readme.mjs
	tsc -p tests/jest
	cd tests/jest && env -u VITE_MAESTRO_ENABLED -u NODE_OPTIONS npx jest --selectProjects node jsdom
	cd tests/jest && env -u VITE_MAESTRO_ENABLED NODE_OPTIONS=--experimental-vm-modules npx jest --selectProjects node-esm jsdom-esm
	cd tests/jest && VITE_MAESTRO_ENABLED=false npm test -- --testPathIgnorePatterns='<rootDir>/.*maestro'

# The fuzz targets (fuzz/, issue 25; CONTRIBUTING.md "Fuzzing"), cargo-fuzz and
# libFuzzer on nightly, built without a sanitizer (the rules are safe Rust: a
# panic or an overflow is the finding) and with debug assertions.
# `make fuzz` runs each target for FUZZ_SECONDS (10 minutes) and adds what it
# finds to fuzz/corpus/<target>; `make test-fuzz` runs each over its corpus
# and FUZZ_RUNS more inputs, adding nothing to the corpus.
FUZZ_TARGETS ?= flag health options summary quote
FUZZ_SECONDS ?= 600
FUZZ_RUNS ?= 50000
FUZZ_FLAGS := +nightly fuzz run --sanitizer none --debug-assertions
FUZZ_ARGS := -max_len=9000 -timeout=10 -print_final_stats=1

fuzz: fuzz-tools
	for t in $(FUZZ_TARGETS); do \
	  nice -n 19 cargo $(FUZZ_FLAGS) $$t -- $(FUZZ_ARGS) -max_total_time=$(FUZZ_SECONDS) || exit 1; \
	done

test-fuzz: fuzz-tools
	cd fuzz && cargo +nightly clippy --quiet --lib --bins -- -D warnings
	for t in $(FUZZ_TARGETS); do \
	  new=$$(mktemp -d); \
	  cargo $(FUZZ_FLAGS) $$t $$new fuzz/corpus/$$t -- $(FUZZ_ARGS) -runs=$(FUZZ_RUNS) 2>&1 | grep -v '^#\|^INFO\|^MS:\|^Base' ; \
	  status=$${PIPESTATUS[0]}; rm -rf $$new; [ $$status = 0 ] || exit 1; \
	done

# maestro-db on a throwaway PostgreSQL 15 cluster, started and stopped by the script.
test-db:
	bash scripts/test-db.sh

bench/node_modules/.package-lock.json: bench/package.json bench/package-lock.json
	cd bench && npm ci --no-audit --no-fund --loglevel=error

# The byte budgets (issue 20), on what pkg/ ships: fails when a size passes its
# ceiling, or bench/budgets.json and the tables generated from it are stale
# (bench/budgets.mjs; `node bench/budgets.mjs --write` after a change that moves bytes).
test-budgets: bench/node_modules/.package-lock.json
	node bench/budgets.mjs --check

# init({ unleash }) in Chromium and Firefox against a real Unleash and
# PostgreSQL, started once for the file and stopped after it
# (scripts/unleash.sh --run; tests/unleash/).
test-unleash:
	bash scripts/unleash.sh --run node --test --test-concurrency=1 tests/unleash/

# A local Unleash (unleash-server, pinned in unleash/package-lock.json) on a
# throwaway PostgreSQL 15, with a frontend token and the `maestro` kill-switch
# toggle; prints the API's URL, the tokens and the admin UI's login. Ctrl-C
# stops everything (scripts/unleash.sh).
unleash:
	@bash scripts/unleash.sh

# The benchmark against the flag-SDK field (not part of `make test`): prints a
# table and writes BENCHMARKS.md. The time to first decision runs in Chromium
# and Firefox, 101 interleaved loads of each page; `make bench BENCH_LOADS=11`
# is a quicker run, BENCH_BROWSERS=chromium one browser, BENCH_ONLY=ttfd the
# sizes and the time to first decision only (BENCHMARKS.md left as it is).
bench: test-tools pkg bench/node_modules/.package-lock.json
	node bench/run.mjs
