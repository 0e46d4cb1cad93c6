#!/usr/bin/env python3
"""Speed A/B between two git revisions of venc, side by side in one run.

Builds both revisions in scratch worktrees, then runs the same encodes interleaved
(A B A B ...) so machine drift hits both alike, and reports CPU seconds, wall seconds and
their ratios (B / A), plus callgrind instruction counts (repeatable on a noisy machine) for a
short encode of each codec. It also checks that both revisions wrote identical streams.

Usage: bench/ab.py [--reps N] [--no-callgrind] OLD_REV [NEW_REV]   (NEW_REV defaults to the
working tree; run after tests/setup.sh so the test content exists)
"""
import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTENT = Path(os.environ.get("VENC_CONTENT", ROOT / ".cache/content"))
BBB = CONTENT / "clips/bigbuckbunny_1280x720.y4m"
BIKES = CONTENT / "clips/bikes_640x272.y4m"
PHOTO = CONTENT / "photos/astronaut_1920x1080.nv12"


def build(rev, scratch):
    """A release build of the CLI at `rev` (None: the working tree); returns the binary path."""
    if rev is None:
        src = ROOT
    else:
        src = Path(scratch) / f"rev-{rev}"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(src), rev],
                       check=True)
    # A shared target dir per revision keeps the two builds apart.
    target = Path(scratch) / f"target-{rev or 'work'}"
    env = dict(os.environ, CARGO_TARGET_DIR=str(target))
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "venc"], cwd=src, env=env,
                   check=True)
    return target / "release/venc"


def cases():
    """(name, CLI arguments after the binary, output suffix)."""
    return [
        ("h265 bbb 720p 30f CBR 1 thread", [str(BBB), "--frames", "30", "--bitrate", "4000",
                                            "--threads", "1"], ".h265"),
        ("h265 bbb 720p 30f CBR 2 threads", [str(BBB), "--frames", "30", "--bitrate", "4000",
                                             "--threads", "2"], ".h265"),
        ("h265 bikes 30f QP 32 1 thread", [str(BIKES), "--frames", "30", "--rc", "cqp", "--qp",
                                           "32", "--threads", "1"], ".h265"),
        ("mjpeg 1080p q85 x20 1 thread", ["-", "--size", "1920x1080", "--input-format", "nv12",
                                          "--rc", "quality", "--quality", "85", "--threads", "1"],
         ".mjpeg"),
    ]


def run(binary, args, out, stdin_data=None):
    """Runs one encode; returns (cpu seconds of the child, wall seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run([str(binary), *args, "-o", out, "--quiet"], input=stdin_data, check=True,
                   stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def callgrind(binary, args, stdin_data, scratch, ext):
    out = Path(scratch) / "cg.out"
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", str(binary),
                    *args, "-o", str(Path(scratch) / f"cg{ext}"), "--quiet"], input=stdin_data,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for line in out.read_text().splitlines():
        if line.startswith("summary:") or line.startswith("totals:"):
            return int(line.split()[1])
    raise RuntimeError("no callgrind total")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("old")
    ap.add_argument("new", nargs="?")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--no-callgrind", action="store_true")
    a = ap.parse_args()
    for f in (BBB, BIKES, PHOTO):
        if not f.exists():
            sys.exit(f"missing test content {f}: run tests/setup.sh first")
    photo20 = PHOTO.read_bytes() * 20
    scratch = tempfile.mkdtemp(prefix="venc-ab-")
    try:
        bins = {"A": build(a.old, scratch), "B": build(a.new, scratch)}
        print(f"A = {a.old}, B = {a.new or 'working tree'}; {a.reps} interleaved runs per case")
        print("| case | A cpu s | B cpu s | B/A cpu | A wall s | B wall s | B/A wall | streams |")
        print("|---|---|---|---|---|---|---|---|")
        for name, args, ext in cases():
            data = photo20 if args[0] == "-" else None
            res = {"A": [], "B": []}
            outs = {k: str(Path(scratch) / f"{k}{ext}") for k in bins}
            for _ in range(a.reps):
                for k, b in bins.items():
                    res[k].append(run(b, args, outs[k], data))
            same = Path(outs["A"]).read_bytes() == Path(outs["B"]).read_bytes()
            # The minimum is the run least disturbed by the rest of the machine.
            ca, cb = (min(c for c, _ in res[k]) for k in "AB")
            wa, wb = (min(w for _, w in res[k]) for k in "AB")
            print(f"| {name} | {ca:.2f} | {cb:.2f} | {cb / ca:.3f} | {wa:.2f} | {wb:.2f} | "
                  f"{wb / wa:.3f} | {'identical' if same else 'DIFFER'} |")
        if not a.no_callgrind and shutil.which("valgrind"):
            print("\n| callgrind (instructions) | A | B | B/A |\n|---|---|---|---|")
            short = [("h265 bbb 720p 3f CBR 1 thread",
                      [str(BBB), "--frames", "3", "--bitrate", "4000", "--threads", "1"], None, ".h265"),
                     ("mjpeg 1080p q85 x2 1 thread", cases()[3][1], PHOTO.read_bytes() * 2, ".mjpeg")]
            for name, args, data, ext in short:
                ia, ib = (callgrind(bins[k], args, data, scratch, ext) for k in "AB")
                print(f"| {name} | {ia:,} | {ib:,} | {ib / ia:.4f} |")
    finally:
        for p in Path(scratch).glob("rev-*"):
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(p)],
                           check=False)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
