"""Low-delay H.265 (I then P, keyint 30, no B-frames): venc against x265 --preset ultrafast and
--preset veryfast (--bframes 0 --tune psnr --keyint 30, one thread), side by side in one run.
BD-rate (mean PSNR-Y over the frames, fixed QPs 22/27/32/37) and frames per second, on
bigbuckbunny at 720p and scaled up to 1080p. Every stream is decoded by ffmpeg and measured here.

Usage: .venv/bin/python bench/hevc/inter_bd.py [--frames N] [--reps N]   (after tests/setup.sh
and cargo build --release). Prints a Markdown table for BENCHMARKS.md. With --reps N every
encode runs N times and the fastest counts (the machine is shared: a slow run is noise, a
fast one is not)."""
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


def frames_of(path, w, h):
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"],
                         check=True, capture_output=True).stdout
    n = len(raw) // (w * h * 3 // 2)
    return [np.frombuffer(raw, dtype=np.uint8, count=w * h, offset=i * (w * h * 3 // 2)).reshape(h, w)
            for i in range(n)]


def timed(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--reps", type=int, default=1)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="venc-inter-")
    clip = os.path.join(CONTENT, "clips", "bigbuckbunny_1280x720.y4m")
    print("| clip | encoder | fps | bits / PSNR-Y at QP 22,27,32,37 | BD-rate venc vs this |")
    print("|---|---|---|---|---|")
    for w, h in [(1280, 720), (1920, 1080)]:
        y4m = os.path.join(tmp, f"in{w}.y4m")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", clip, "-frames:v", str(args.frames), "-vf",
                        f"scale={w}:{h}:flags=bicubic", "-pix_fmt", "yuv420p", y4m], check=True)
        src = frames_of(y4m, w, h)
        results = {}
        for enc in ["venc", "x265 ultrafast", "x265 veryfast"]:
            pts, secs = [], 0.0
            for qp in QPS:
                out = os.path.join(tmp, f"o{qp}.hevc")
                if enc == "venc":
                    cmd = [VENC, y4m, "--rc", "cqp", "--qp", str(qp), "--keyint", "30", "--threads", "1",
                           "--quiet", "-o", out]
                else:
                    cmd = ["x265", "--input", y4m, "--preset", enc.split()[1], "--bframes", "0", "--tune", "psnr",
                           "--keyint", "30", "--qp", str(qp), "--frame-threads", "1", "--no-wpp", "--pools", "none",
                           "--lookahead-threads", "0", "--log-level", "error", "--no-progress", "-o", out]
                secs += min(timed(cmd) for _ in range(max(1, args.reps)))
                dec = frames_of(out, w, h)
                assert len(dec) == len(src), f"{enc}: decoded {len(dec)} of {len(src)} frames"
                pts.append((os.path.getsize(out) * 8, float(np.mean([psnr(a, b) for a, b in zip(dec, src)]))))
            results[enc] = (pts, len(src) * len(QPS) / secs)
        for enc, (pts, fps) in results.items():
            bd = "" if enc == "venc" else f"{bd_rate(pts, results['venc'][0]):+.1f} %"
            cells = ", ".join(f"{b}/{p:.2f}" for b, p in pts)
            print(f"| bbb {w}x{h} x{len(src)} | {enc} | {fps:.2f} | {cells} | {bd} |")
        ratio = results["venc"][1] / results["x265 ultrafast"][1]
        print(f"| | speed venc / x265 ultrafast | {ratio:.3f}x | | |")


if __name__ == "__main__":
    main()
