#!/usr/bin/env bash
# Idempotent test set-up: system tools, a Python venv, and real test content in .cache/content.
# Called by tests/run-all.sh (the README's test command). Safe to run again; does only what is missing.
#
# Content written to $VENC_CONTENT (default .cache/content):
#   photos/NAME_WxH.nv12   stills from scikit-image, cropped to even sizes, tightly packed NV12
#   photos/astronaut_1920x1080.nv12, photos/coffee_4096x2160.nv12, photos/astronaut_4096x4096.nv12 (scaled)
#   clips/NAME_WxH.y4m      clips from scikit-video (4:2:0 Y4M): bikes 640x272, bigbuckbunny 1280x720,
#                           carphone 176x144
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CONTENT=${VENC_CONTENT:-$ROOT/.cache/content}
VENV=${VENC_VENV:-$ROOT/.venv}

need_apt=()
for pair in ffmpeg:ffmpeg libde265-dec265:libde265-examples djpeg:libjpeg-turbo-progs tjbench:libjpeg-turbo-progs \
            x265:x265 pkg-config:pkg-config gcc:gcc g++:g++ go:golang-go valgrind:valgrind; do
  bin=${pair%%:*}; pkg=${pair#*:}
  command -v "$bin" >/dev/null 2>&1 || need_apt+=("$pkg")
done
# bindgen needs libclang at test time.
ls /usr/lib/llvm-*/lib/libclang.so >/dev/null 2>&1 || need_apt+=(libclang-dev)  # libclang-cpp alone is not enough
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: apt-get install ${need_apt[*]}"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "setup: missing ${need_apt[*]}; install them (Debian packages) or run as root" >&2
    exit 1
  fi
fi

# The lint gates of run-all.sh: rustup's clippy and rustfmt components (on the image already).
if command -v rustup >/dev/null 2>&1; then
  for c in clippy rustfmt; do
    rustup component list --installed 2>/dev/null | grep -q "^$c" || rustup component add "$c"
  done
fi

# The aarch64 cross step (tests/cross.sh): rustup's aarch64 target, Debian's cross gcc and C
# library, qemu-user. Not fatal: tests/cross.sh prints SKIPPED with the reason when one is missing.
if command -v rustup >/dev/null 2>&1; then
  rustup target list --installed 2>/dev/null | grep -qx aarch64-unknown-linux-gnu || \
    rustup target add aarch64-unknown-linux-gnu || echo "setup: rustup target add aarch64-unknown-linux-gnu failed" >&2
fi
cross_apt=()
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || cross_apt+=(gcc-aarch64-linux-gnu)
[ -e /usr/aarch64-linux-gnu/lib/libc.so ] || cross_apt+=(libc6-dev-arm64-cross)
command -v qemu-aarch64 >/dev/null 2>&1 || cross_apt+=(qemu-user)
if [ ${#cross_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: apt-get install ${cross_apt[*]}"
    { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${cross_apt[@]}" >/dev/null; } || echo "setup: could not install ${cross_apt[*]} (the aarch64 step will be skipped)" >&2
  else
    echo "setup: missing ${cross_apt[*]} for the aarch64 step (Debian packages; run as root to install)" >&2
  fi
fi

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -c "import numpy, skimage, skvideo, cv2, pytest, setuptools.command.bdist_wheel" 2>/dev/null || \
  "$VENV/bin/pip" install -q numpy scikit-image scikit-video opencv-python-headless pytest "setuptools>=70.1"

SITE=$("$VENV/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
SKI=$SITE/skimage/data
SKV=$SITE/skvideo/datasets/data
mkdir -p "$CONTENT/photos" "$CONTENT/clips"

photo() { # src out_name w h [vf]
  local src=$1 name=$2 w=$3 h=$4 vf=${5:-"crop=$3:$4:0:0"}
  local out="$CONTENT/photos/${name}_${w}x${h}.nv12"
  [ -s "$out" ] && return 0
  ffmpeg -v error -y -i "$src" -vf "$vf,format=nv12" -frames:v 1 -f rawvideo "$out.tmp" && mv "$out.tmp" "$out"
}
photo "$SKI/astronaut.png" astronaut 512 512
photo "$SKI/coffee.png" coffee 600 400
photo "$SKI/chelsea.png" chelsea 450 300
photo "$SKI/motorcycle_left.png" motorcycle 740 500
photo "$SKI/rocket.jpg" rocket 640 426
photo "$SKI/text.png" text 448 172
photo "$SKI/camera.png" camera 512 512
photo "$SKI/hubble_deep_field.jpg" hubble 1000 872
photo "$SKI/astronaut.png" astronaut 1920 1080 "scale=1920:1080:flags=bicubic"
photo "$SKI/coffee.png" coffee 4096 2160 "scale=4096:2160:flags=bicubic"
photo "$SKI/astronaut.png" astronaut 4096 4096 "scale=4096:4096:flags=bicubic"

clip() { # src name w h frames
  local out="$CONTENT/clips/$2_$3x$4.y4m"
  [ -s "$out" ] && return 0
  ffmpeg -v error -y -i "$1" -vf "scale=$3:$4,format=yuv420p" -frames:v "$5" -f yuv4mpegpipe "$out.tmp" && mv "$out.tmp" "$out"
}
clip "$SKV/bikes.mp4" bikes 640 272 250
clip "$SKV/bigbuckbunny.mp4" bigbuckbunny 1280 720 132
clip "$SKV/carphone_pristine.mp4" carphone 176 144 120
echo "setup: content ready in $CONTENT"
