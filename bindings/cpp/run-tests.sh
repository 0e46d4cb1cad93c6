#!/usr/bin/env bash
# C++ wrapper: builds the test and the example with -std=c++17 -Werror against the freshly built
# libvenc, runs both, checks the example's output with ffmpeg.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd ../.. && pwd)
(cd "$ROOT" && cargo build --release --locked --quiet)
OUT=$ROOT/target/cpp
mkdir -p "$OUT"
FLAGS=(-std=c++17 -Wall -Wextra -Werror -pedantic -O2 -I"$ROOT/include" -I. -L"$ROOT/target/release" -lvenc -pthread
       -Wl,-rpath,"$ROOT/target/release")
g++ test_venc.cpp -o "$OUT/test_venc" "${FLAGS[@]}"
g++ example.cpp -o "$OUT/example" "${FLAGS[@]}"
# libvenc.so.0 (the SONAME) next to libvenc.so for the loader.
ln -sf libvenc.so "$ROOT/target/release/libvenc.so.0"
"$OUT/test_venc"
"$OUT/example" "$OUT/example.mjpeg" 30
ffmpeg -v error -xerror -i "$OUT/example.mjpeg" -f null -
"$OUT/example" "$OUT/example.h265" 30
ffmpeg -v error -xerror -i "$OUT/example.h265" -f null -
echo "C++ wrapper: test and example passed"
