"""All-intra H.265: venc against x265 --preset ultrafast --keyint 1 --tune psnr, side by side in
one run. BD-rate (PSNR-Y, QPs 22/27/32/37) over several photos, and 1080p intra frames per second
on one thread. Both streams are decoded by ffmpeg and PSNR is measured here against the source.

Usage: .venv/bin/python bench/hevc/intra_bd.py [--frames N]   (after tests/setup.sh and
cargo build --release). Prints a Markdown table for BENCHMARKS.md."""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from bdrate import bd_rate, psnr  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONTENT = os.environ.get("VENC_CONTENT", os.path.join(ROOT, ".cache", "content"))
VENC = os.path.join(ROOT, "target", "release", "venc")
QPS = [22, 27, 32, 37]
PHOTOS = [("astronaut", 512, 512), ("coffee", 600, 400), ("motorcycle", 740, 500),
          ("hubble", 1000, 872), ("rocket", 640, 426), ("astronaut", 1920, 1080)]


def load_nv12(name, w, h):
    d = np.fromfile(os.path.join(CONTENT, "photos", f"{name}_{w}x{h}.nv12"), dtype=np.uint8)
    y = d[: w * h].reshape(h, w)
    uv = d[w * h:].reshape(h // 2, w // 2, 2)
    return y, uv[:, :, 0], uv[:, :, 1]


def decode(path, w, h):
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(raw[: w * h], dtype=np.uint8).reshape(h, w)


def run_venc(nv12, w, h, qp, out, frames=1):
    cmd = [VENC, nv12, "--size", f"{w}x{h}", "--input-format", "nv12", "--codec", "h265", "--rc", "cqp",
           "--qp", str(qp), "--keyint", "1", "--threads", "1", "--quiet", "-o", out]
    t = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - t


def run_x265(i420, w, h, qp, out):
    cmd = ["x265", "--input", i420, "--input-res", f"{w}x{h}", "--fps", "30", "--preset", "ultrafast",
           "--keyint", "1", "--tune", "psnr", "--qp", str(qp), "--frame-threads", "1", "--no-wpp",
           "--pools", "none", "--lookahead-threads", "0", "--log-level", "error", "--no-progress", "-o", out]
    t = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=10, help="1080p frames for the speed test")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="venc-bd-")
    rows, bds = [], []
    for name, w, h in PHOTOS:
        y, u, v = load_nv12(name, w, h)
        nv12 = os.path.join(CONTENT, "photos", f"{name}_{w}x{h}.nv12")
        i420 = os.path.join(tmp, f"{name}_{w}x{h}.yuv")
        with open(i420, "wb") as f:
            f.write(y.tobytes() + u.tobytes() + v.tobytes())
        pts_v, pts_x = [], []
        for qp in QPS:
            ov, ox = os.path.join(tmp, f"v{qp}.h265"), os.path.join(tmp, f"x{qp}.hevc")
            run_venc(nv12, w, h, qp, ov)
            run_x265(i420, w, h, qp, ox)
            pts_v.append((os.path.getsize(ov) * 8, psnr(decode(ov, w, h), y)))
            pts_x.append((os.path.getsize(ox) * 8, psnr(decode(ox, w, h), y)))
        bd = bd_rate(pts_x, pts_v)
        bds.append(bd)
        rows.append((f"{name} {w}x{h}", pts_x, pts_v, bd))
    print("| picture | x265 ultrafast bits / PSNR-Y at QP 22,27,32,37 | venc bits / PSNR-Y | BD-rate venc vs x265 |")
    print("|---|---|---|---|")
    for n, px, pv, bd in rows:
        fx = ", ".join(f"{b}/{p:.2f}" for b, p in px)
        fv = ", ".join(f"{b}/{p:.2f}" for b, p in pv)
        print(f"| {n} | {fx} | {fv} | {bd:+.1f} % |")
    print(f"| **mean** | | | **{np.mean(bds):+.1f} %** |")

    # Speed: the same 1080p picture repeated, one thread each, QP 32.
    name, w, h = "astronaut", 1920, 1080
    y, u, v = load_nv12(name, w, h)
    src = np.fromfile(os.path.join(CONTENT, "photos", f"{name}_{w}x{h}.nv12"), dtype=np.uint8)
    nv12 = os.path.join(tmp, "speed.nv12")
    i420 = os.path.join(tmp, "speed.yuv")
    with open(nv12, "wb") as f:
        for _ in range(args.frames):
            f.write(src.tobytes())
    with open(i420, "wb") as f:
        for _ in range(args.frames):
            f.write(y.tobytes() + u.tobytes() + v.tobytes())
    tv = run_venc(nv12, w, h, 32, os.path.join(tmp, "s.h265"))
    tx = run_x265(i420, w, h, 32, os.path.join(tmp, "s.hevc"))
    fv, fx = args.frames / tv, args.frames / tx
    print()
    print(f"1080p all-intra, QP 32, {args.frames} frames, one thread: venc {fv:.2f} fps, "
          f"x265 ultrafast {fx:.2f} fps, ratio {fv / fx:.2f}x")


if __name__ == "__main__":
    main()
