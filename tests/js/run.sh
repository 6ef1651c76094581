#!/usr/bin/env bash
# Every test of the npm package @gatehouse/auth0, ending with `N passed, M failed`:
#
#  1. builds pkg/ (`cargo xtask pkg`; SKIP_PKG=1 to reuse it) and `gatehouse` (the emulator);
#  2. starts `gatehouse emulator` behind tests/js/harness.mjs (CORS for the browser,
#     pkg/ and the test pages on the API's origin);
#  3. the crate's host unit tests (`cargo test -p gatehouse-js --lib`);
#  4. the wasm-bindgen-test suite crates/js/tests/wasm.rs against the emulator,
#     in Node and in headless Chromium (chromedriver);
#  5. the node:test suites: every operation of both specs ($AUTH0_SHARED_DIR) as a
#     method of pkg/ (request line and .d.ts signature), the packed tarball installed into a scratch project
#     (+ tsc on typed-example.ts), the README's examples, the package in a
#     page in Chromium (playwright-core), and a page built by Vite in Chromium.
#
# Needs: Rust with wasm32-unknown-unknown, wasm-bindgen-cli (the Cargo.lock
# version), Node 20+ with npm, /usr/bin/chromium and /usr/bin/chromedriver.

set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
PASSED=0
FAILED=0
LOG=$(mktemp -d)
HARNESS_PID=

cleanup() {
  if [[ -n "$HARNESS_PID" ]]; then kill "$HARNESS_PID" 2>/dev/null; wait "$HARNESS_PID" 2>/dev/null; fi
}
trap cleanup EXIT

fail_step() {
  echo "FAILED: $1"
  FAILED=$((FAILED + 1))
}

# Adds the counts of cargo's `test result:` lines in file $1 (0 counted as a failure).
count_cargo() {
  local p f
  p=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed' "$1" | awk '{s += $4} END {print s + 0}')
  f=$(grep -Eo '[0-9]+ failed' "$1" | awk '{s += $1} END {print s + 0}')
  if [[ "$p" -eq 0 && "$f" -eq 0 ]]; then f=1; fi
  PASSED=$((PASSED + p)); FAILED=$((FAILED + f))
  echo "    -> $p passed, $f failed"
}

# Adds the counts of node --test's `# pass` / `# fail` lines in file $1.
count_node() {
  local p f
  p=$(grep -E '^# pass ' "$1" | awk '{s += $3} END {print s + 0}')
  f=$(grep -E '^# (fail|cancelled) ' "$1" | awk '{s += $3} END {print s + 0}')
  if [[ "$p" -eq 0 && "$f" -eq 0 ]]; then f=1; fi
  PASSED=$((PASSED + p)); FAILED=$((FAILED + f))
  echo "    -> $p passed, $f failed"
}

echo "==> build the package (cargo xtask pkg)"
if [[ "${SKIP_PKG:-}" == 1 && -f pkg/gatehouse_js_bg.wasm ]]; then
  echo "skipped (SKIP_PKG=1)"
elif ! cargo xtask pkg; then
  fail_step "cargo xtask pkg"
  echo "$PASSED passed, $FAILED failed"
  exit 1
fi

echo "==> build gatehouse (the emulator)"
if ! cargo build -p gatehouse; then
  fail_step "cargo build -p gatehouse"
  echo "$PASSED passed, $FAILED failed"
  exit 1
fi
export GATEHOUSE_BIN="$CARGO_TARGET_DIR/debug/gatehouse"

echo "==> npm install (tests/js)"
(cd tests/js && npm install --no-audit --no-fund --loglevel=error) || fail_step "npm install"

echo "==> start the emulator"
node tests/js/harness.mjs --rate-limit 1000 --burst 1000 --seed-users 1100 --token-lifetime 3 > "$LOG/harness.out" 2> "$LOG/harness.err" &
HARNESS_PID=$!
for _ in $(seq 1 120); do
  grep -q '^ready ' "$LOG/harness.out" 2>/dev/null && break
  sleep 0.5
done
if ! grep -q '^ready ' "$LOG/harness.out"; then
  cat "$LOG/harness.err"
  fail_step "the emulator did not start"
  echo "$PASSED passed, $FAILED failed"
  exit 1
fi
read -r _ URL CLIENT_ID CLIENT_SECRET _ < "$LOG/harness.out"
export GATEHOUSE_JS_TEST_URL=$URL GATEHOUSE_JS_TEST_CLIENT_ID=$CLIENT_ID GATEHOUSE_JS_TEST_CLIENT_SECRET=$CLIENT_SECRET
echo "emulator at $URL"

echo "==> host unit tests (cargo test -p gatehouse-js --lib)"
cargo test -p gatehouse-js --lib 2>&1 | tee "$LOG/unit.log"
count_cargo "$LOG/unit.log"

export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-180}

echo "==> wasm-bindgen-test in Node"
cargo test -p gatehouse-js --target wasm32-unknown-unknown --test wasm 2>&1 | tee "$LOG/wasm-node.log"
count_cargo "$LOG/wasm-node.log"

echo "==> wasm-bindgen-test in headless Chromium"
WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver} \
  WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/tests/js/webdriver.json" \
  cargo test -p gatehouse-js --target wasm32-unknown-unknown --test wasm 2>&1 | tee "$LOG/wasm-browser.log"
count_cargo "$LOG/wasm-browser.log"

echo "==> node:test suites (every operation, packed tarball + tsc, README examples, page in Chromium, Vite build)"
(cd tests/js && node --test --test-concurrency=1 --test-reporter=tap ops.test.mjs pack.test.mjs readme.test.mjs browser.test.mjs vite.test.mjs) 2>&1 | tee "$LOG/node.log"
count_node "$LOG/node.log"

echo
echo "npm package tests: $PASSED passed, $FAILED failed"
echo "$PASSED passed, $FAILED failed"
[[ "$FAILED" -eq 0 ]]
