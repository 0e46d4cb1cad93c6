"""H.265 wavefront scaling: the same clip encoded with 1 and N threads (wall time, bits, PSNR-Y),
side by side in one run. bigbuckbunny scaled to 1920x1080, first 30 frames, QPs 27 and 37.

Usage: .venv/bin/python bench/hevc/threads.py [--frames N] [--threads N]   (after tests/setup.sh
and cargo build --release). Prints a Markdown table for BENCHMARKS.md."""
import argparse
import os
import subprocess
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONTENT = os.environ.get("VENC_CONTENT", os.path.join(ROOT, ".cache", "content"))
VENC = os.path.join(ROOT, "target", "release", "venc")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="venc-threads-")
    y4m = os.path.join(tmp, "in.y4m")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", os.path.join(CONTENT, "clips", "bigbuckbunny_1280x720.y4m"),
                    "-frames:v", str(args.frames), "-vf", "scale=1920:1080:flags=bicubic", "-pix_fmt", "yuv420p", y4m],
                   check=True)
    print("| QP | threads | wall s | fps | bytes | PSNR-Y | speed-up |")
    print("|---|---|---|---|---|---|---|")
    for qp in [27, 37]:
        base = None
        for t in [1, args.threads]:
            out = os.path.join(tmp, f"t{t}.hevc")
            t0 = time.perf_counter()
            r = subprocess.run([VENC, y4m, "--rc", "cqp", "--qp", str(qp), "--keyint", "30", "--threads", str(t),
                                "--psnr", "-o", out], check=True, capture_output=True, text=True)
            secs = time.perf_counter() - t0
            psnr = [l for l in (r.stdout + r.stderr).splitlines() if "PSNR Y" in l][-1].split()[2]
            base = base or secs
            print(f"| {qp} | {t} | {secs:.2f} | {args.frames / secs:.2f} | {os.path.getsize(out)} | {psnr} | "
                  f"{base / secs:.2f}x |")


if __name__ == "__main__":
    main()
