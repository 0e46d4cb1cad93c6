#!/usr/bin/env python3
"""Send -> packet latency of a live camera: frames paced at the camera's rate, a reader thread
taking packets; p50 / p99 / max per configuration, and whether any packet took longer than the
board's 2 s get_frame timeout. Recorded, not a test (the machine's load moves the figures).

    python3 bench/latency.py [--frames 60] [--fps 30] [--sizes 1920x1080,4096x2160] [--threads 1,2]
                             [--codecs h265,mjpeg] [--presets ultrafast,veryfast]

Content: bigbuckbunny 720p (tests/setup.sh) scaled by ffmpeg to each size, so P pictures carry
real motion. The library is the release build (VENC_LIBRARY, else target/release/libvenc.so).
"""
import argparse
import os
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))
os.environ.setdefault("VENC_LIBRARY", os.path.join(ROOT, "target", "release", "libvenc.so"))
import venc  # noqa: E402

CONTENT = os.environ.get("VENC_CONTENT", os.path.join(ROOT, ".cache", "content"))


def frames(w, h, n):
    """n NV12 frames of bbb 720p scaled to w x h."""
    clip = os.path.join(CONTENT, "clips", "bigbuckbunny_1280x720.y4m")
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", clip, "-frames:v", str(n), "-vf",
                          f"scale={w}:{h},format=nv12", "-f", "rawvideo", "-"],
                         check=True, capture_output=True).stdout
    size = w * h * 3 // 2
    out = [raw[i:i + size] for i in range(0, len(raw), size)]
    while len(out) < n:  # the clip is shorter: play it back and forth
        out += out[::-1][: n - len(out)]
    return out


def percentile(xs, p):
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def measure(codec, w, h, threads, preset, pics, fps):
    sent = {}
    lat = []
    enc = venc.Encoder({"h265": venc.H265, "mjpeg": venc.MJPEG}[codec], w, h, 8000, threads=threads,
                       preset=preset)
    done = threading.Event()

    def reader():
        while True:
            p = enc.get(timeout_ms=-1)
            if p is None:
                break
            lat.append(time.perf_counter() - sent[p.pts])
        done.set()

    t = threading.Thread(target=reader)
    t.start()
    t0 = time.perf_counter()
    for i, f in enumerate(pics):
        # A camera delivers frame i at t0 + i / fps; a full queue makes send wait (back-pressure).
        wait = t0 + i / fps - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        sent[i] = time.perf_counter()
        enc.send(f, pts=i)
    enc.flush()
    t.join()
    wall = time.perf_counter() - t0
    enc.close()
    return lat, wall


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--fps", type=float, default=30)
    ap.add_argument("--sizes", default="1920x1080,4096x2160")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--codecs", default="h265,mjpeg")
    ap.add_argument("--presets", default="ultrafast,veryfast", help="H.265 presets (MJPEG has none)")
    a = ap.parse_args()
    print(f"libvenc {venc.version()}, {a.frames} frames paced at {a.fps} fps, bbb scaled; "
          f"{os.cpu_count()} cores")
    print("| codec | preset | size | threads | p50 ms | p99 ms | max ms | first (IDR) ms | > 2 s | achieved fps |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for size in a.sizes.split(","):
        w, h = map(int, size.split("x"))
        pics = frames(w, h, a.frames)
        for codec in a.codecs.split(","):
            for preset in (a.presets.split(",") if codec == "h265" else ["-"]):
                for th in map(int, a.threads.split(",")):
                    lat, wall = measure(codec, w, h, th, None if preset == "-" else preset, pics, a.fps)
                    ms = [x * 1000 for x in lat]
                    print(f"| {codec} | {preset} | {w}x{h} | {th} | {percentile(ms, 50):.0f} | "
                          f"{percentile(ms, 99):.0f} | {max(ms):.0f} | {ms[0]:.0f} | "
                          f"{sum(x > 2000 for x in ms)} | {len(ms) / wall:.1f} |", flush=True)


if __name__ == "__main__":
    main()
