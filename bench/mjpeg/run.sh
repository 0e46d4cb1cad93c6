#!/usr/bin/env bash
# MJPEG speed, side by side in one run: venc (one and two threads) against libjpeg-turbo's
# tjbench on the same 1080p picture, quality 85, 4:2:0, compression only.
# Usage: bench/mjpeg/run.sh [SECONDS]   (after tests/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS=${1:-3}
CONTENT=${VENC_CONTENT:-$PWD/.cache/content}
SRC=$CONTENT/photos/astronaut_1920x1080.nv12
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cargo build --release --quiet --features bench --example mjpeg_bench
ffmpeg -v error -y -f rawvideo -pix_fmt nv12 -s 1920x1080 -i "$SRC" -pix_fmt rgb24 "$TMP/img.ppm"
BIN=target/release/examples/mjpeg_bench
v1=$($BIN "$SRC" 1920 1080 85 1 "$SECS")
v2=$($BIN "$SRC" 1920 1080 85 2 "$SECS")
# tjbench: YUV-plane input (-yuv), compression only; prints "Comp. perf" in Mpixels/sec.
tj=$(cd "$TMP" && tjbench img.ppm 85 -subsamp 420 -yuv -componly -nowrite -benchtime "$SECS" -warmup 1 -quiet 2>&1 | grep "4:2:0" | tail -n 1)
echo "$v1"
echo "$v2"
echo "tjbench: $tj"
python3 - "$v1" "$v2" "$tj" <<'PY'
import re, sys
v1 = float(re.search(r"([0-9.]+) Mpixel/s", sys.argv[1]).group(1))
v2 = float(re.search(r"([0-9.]+) Mpixel/s", sys.argv[2]).group(1))
# -quiet prints: Format Subsamp Qual Width Height EncodePerf CompPerf CompRatio ...
f = sys.argv[3].split()
i = f.index("4:2:0")
tj = float(f[i + 5])
print(f"venc 1 thread: {v1:.1f} Mpixel/s, tjbench: {tj:.1f} Mpixel/s, ratio {v1/tj:.2f}x; "
      f"2 threads: {v2:.1f} Mpixel/s, scaling {v2/v1:.2f}x")
PY
