#!/usr/bin/env bash
# Every test venc has: the README's test command, and what .ci/run runs.
# Set-up free on a fresh Debian machine (as root it installs what is missing).
#   tests/run-all.sh            the default run (well under 30 minutes on 2 cores)
#   VENC_LONG=1 tests/run-all.sh  adds the long sweeps and soaks
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export VENC_CONTENT=${VENC_CONTENT:-$ROOT/.cache/content}
# One switch for every long version (the rate-control sweep still reads its older name).
if [ -n "${VENC_LONG:-}" ] && [ "${VENC_LONG}" != 0 ]; then
  export VENC_LONG_TESTS=${VENC_LONG_TESTS:-1}
fi

echo "== set-up"
tests/setup.sh

echo "== cargo fmt --check, cargo clippy -D warnings"
cargo fmt --all -- --check
cargo clippy --all-targets --release --locked -- -D warnings
cargo clippy --release --locked --features bench --example mjpeg_bench -- -D warnings

echo "== cargo test (unit, codec vs real decoders, channels, C programs, header/ABI, reliability: RELIABILITY.md)"
mkdir -p target  # tee needs it: on a fresh clone a missing target/ made the failure check read nothing
set +e
cargo test --release --locked 2>&1 | tee target/cargo-test.log | grep -E "^(test result|running|error|failures:|---- |SKIPPED)"
status=${PIPESTATUS[0]}  # cargo's own exit status, not tee's or grep's
set -e
if [ "$status" -ne 0 ] || grep -qE "^test result: FAILED" target/cargo-test.log; then
  echo "cargo test failed (exit $status): see target/cargo-test.log"; exit 1
fi
grep -q "^test result: ok" target/cargo-test.log || { echo "cargo test ran no test: see target/cargo-test.log"; exit 1; }

echo "== aarch64 (tests/cross.sh): cross build; unit tests, C programs, stream matrix under qemu"
tests/cross.sh

for extra in bindings/cpp/run-tests.sh bindings/go/run-tests.sh bindings/python/run-tests.sh; do
  if [ -x "$extra" ]; then
    echo "== $extra"
    "$extra"
  fi
done
echo "== all tests passed"
