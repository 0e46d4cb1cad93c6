"""Every venc preset against x265 (--bframes 0 --tune psnr, keyint 30, fixed QPs 22/27/32/37),
low delay, side by side in one run: CPU seconds with one thread each (the encoder process's
user+system time), BD-rate (mean PSNR-Y, every stream decoded by ffmpeg) against each anchor.

Usage: .venv/bin/python bench/hevc/presets.py [--frames N] [--clips bbb720,bikes720]
       [--presets ultrafast,...] [--anchors ultrafast,superfast,veryfast]
after tests/setup.sh and cargo build --release. Prints a Markdown table for BENCHMARKS.md.
Clips: bigbuckbunny 1280x720 (bbb720, bbb1080 scaled up), bikes 640x272 scaled to 1280x720
(bikes720) and 1920x1080 (bikes1080).
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(__file__))
from bdrate import bd_rate, psnr  # noqa: E402
from inter_bd import frames_of  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONTENT = os.environ.get("VENC_CONTENT", os.path.join(ROOT, ".cache", "content"))
VENC = os.path.join(ROOT, "target", "release", "venc")
QPS = [22, 27, 32, 37]
PRESETS = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium"]
CLIPS = {
    "bbb720": ("bigbuckbunny_1280x720.y4m", 1280, 720),
    "bbb1080": ("bigbuckbunny_1280x720.y4m", 1920, 1080),
    "bikes720": ("bikes_640x272.y4m", 1280, 720),
    "bikes1080": ("bikes_640x272.y4m", 1920, 1080),
}


def cpu_seconds(cmd):
    """Runs cmd; its own user + system CPU time (not the wall clock: the machine is shared)."""
    p = subprocess.Popen(cmd)
    _, status, ru = os.wait4(p.pid, 0)
    if status != 0:
        raise SystemExit(f"{cmd[0]} failed ({status}): {' '.join(cmd)}")
    return ru.ru_utime + ru.ru_stime


def encode_cmd(enc, preset, y4m, qp, out):
    if enc == "venc":
        return [VENC, y4m, "--rc", "cqp", "--qp", str(qp), "--keyint", "30", "--threads", "1",
                "--preset", preset, "--quiet", "-o", out]
    return ["x265", "--input", y4m, "--preset", preset, "--bframes", "0", "--tune", "psnr", "--keyint", "30",
            "--qp", str(qp), "--frame-threads", "1", "--no-wpp", "--pools", "none", "--lookahead-threads", "0",
            "--log-level", "error", "--no-progress", "-o", out]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--clips", default="bbb720,bikes720")
    ap.add_argument("--presets", default=",".join(PRESETS))
    ap.add_argument("--anchors", default="ultrafast,superfast,veryfast")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="venc-presets-")
    anchors = [("x265", a) for a in args.anchors.split(",")]
    ours = [("venc", p) for p in args.presets.split(",")]
    print("| clip | encoder | CPU s | " + " | ".join(f"BD-rate vs x265 {a}" for _, a in anchors) + " |")
    print("|---|---|---|" + "---|" * len(anchors))
    for name in args.clips.split(","):
        src_name, w, h = CLIPS[name]
        y4m = os.path.join(tmp, f"{name}.y4m")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", os.path.join(CONTENT, "clips", src_name),
                        "-frames:v", str(args.frames), "-vf", f"scale={w}:{h}:flags=bicubic", "-pix_fmt",
                        "yuv420p", y4m], check=True)
        src = frames_of(y4m, w, h)
        res = {}
        # Interleaved by QP so a burst of load on the machine hits every encoder alike.
        for qp in QPS:
            for enc, preset in anchors + ours:
                out = os.path.join(tmp, f"{enc}-{preset}-{qp}.hevc")
                secs = cpu_seconds(encode_cmd(enc, preset, y4m, qp, out))
                dec = frames_of(out, w, h)
                assert len(dec) == len(src), f"{enc} {preset}: decoded {len(dec)} of {len(src)} frames"
                point = (os.path.getsize(out) * 8, float(np.mean([psnr(a, b) for a, b in zip(dec, src)])))
                pts, total = res.get((enc, preset), ([], 0.0))
                res[(enc, preset)] = (pts + [point], total + secs)
        for key in anchors + ours:
            pts, secs = res[key]
            cells = " | ".join(f"{bd_rate(res[a][0], pts):+.1f} %" for a in anchors)
            print(f"| {name} x{len(src)} | {key[0]} {key[1]} | {secs:.2f} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
