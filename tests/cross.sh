#!/usr/bin/env bash
# The aarch64 step of tests/run-all.sh: venc cross-built for aarch64-unknown-linux-gnu (Debian's
# aarch64-linux-gnu-gcc as linker) and run under qemu-aarch64:
#   clippy -D warnings on the aarch64 build (the NEON code is compiled only there),
#   the library's unit tests (every kernel level against scalar, random and extreme inputs; the
#   codec unit tests),
#   tests/aarch64.rs on the host: the C programs cross-compiled, linked and dlopened, run under
#   qemu; the venc command's stream matrix, each output equal to the x86 one and decoded
#   bit-exact to the recon by ffmpeg and libde265.
# When the target, the cross compiler, its C library or qemu is missing it says SKIPPED and why,
# and exits 0 (tests/setup.sh installs them as root).
# The toolchain is given by environment variables here, not by a .cargo/config.toml, so host
# builds cannot be affected; the aarch64 build has its own target dir (target/cross).
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=aarch64-unknown-linux-gnu
SYSROOT=/usr/aarch64-linux-gnu
QEMU="qemu-aarch64 -L $SYSROOT"

skip() {
  echo "########################################################################"
  echo "SKIPPED: aarch64 cross build and qemu tests: $1"
  echo "########################################################################"
  exit 0
}
command -v rustup >/dev/null 2>&1 || skip "no rustup on PATH (it installs the $TARGET standard library)"
rustup target list --installed 2>/dev/null | grep -qx "$TARGET" ||
  skip "rustup target $TARGET is not installed (rustup target add $TARGET failed or was not run)"
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 ||
  skip "aarch64-linux-gnu-gcc is not installed (Debian package gcc-aarch64-linux-gnu)"
[ -e "$SYSROOT/lib/libc.so" ] && [ -e "$SYSROOT/lib/ld-linux-aarch64.so.1" ] ||
  skip "no aarch64 C library in $SYSROOT (Debian package libc6-dev-arm64-cross)"
command -v qemu-aarch64 >/dev/null 2>&1 || skip "qemu-aarch64 is not installed (Debian package qemu-user)"

export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="$QEMU"
CROSS=(--release --locked --target "$TARGET" --target-dir target/cross)

echo "== aarch64: cargo clippy -D warnings"
cargo clippy "${CROSS[@]}" --all-targets -- -D warnings
echo "== aarch64: cargo build (libvenc.so, libvenc.a, venc)"
cargo build "${CROSS[@]}"
# Runs `cargo test ...` with its output in target/cross/LOG and the summary lines on screen;
# fails unless cargo succeeded and at least one test passed.
run_tests() {
  local log=target/cross/$1 status
  shift
  mkdir -p target/cross
  set +e
  "$@" 2>&1 | tee "$log" | grep -E "^(test result|running|error|failures:|---- )|SKIPPED|^aarch64:"
  status=${PIPESTATUS[0]}
  set -e
  if [ "$status" -ne 0 ] || grep -qE "^test result: FAILED" "$log"; then
    echo "failed (exit $status): see $log"; exit 1
  fi
  grep -qE "^test result: ok. [1-9]" "$log" || { echo "no test ran: see $log"; exit 1; }
}
echo "== aarch64 under qemu: unit tests (kernels at every level against scalar, codec units)"
run_tests unit-tests.log cargo test "${CROSS[@]}" --lib
echo "== aarch64 under qemu: C programs, venc stream matrix against x86, ffmpeg + libde265"
export VENC_AARCH64_DIR="$PWD/target/cross/$TARGET/release" VENC_AARCH64_RUN="$QEMU"
run_tests aarch64.log cargo test --release --locked --test aarch64 -- --nocapture
echo "== aarch64 step done in ${SECONDS} s"
