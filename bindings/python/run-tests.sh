#!/usr/bin/env bash
# Python bindings: pytest against the freshly built libvenc, in the project venv (tests/setup.sh).
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd ../.. && pwd)
VENV=${VENC_VENV:-$ROOT/.venv}
(cd "$ROOT" && cargo build --release --locked --quiet)
export VENC_LIBRARY=$ROOT/target/release/libvenc.so
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
"$VENV/bin/python" -m pytest -q tests
