"""Bjontegaard delta rate (BD-rate): the average bitrate difference of a test codec against an
anchor at equal PSNR, from four (rate, PSNR) points each. Piecewise-cubic fit of log-rate as a
function of PSNR, integrated over the overlapping PSNR range (VCEG-M33, as HM/JVET tools do)."""
import numpy as np


def bd_rate(anchor, test):
    """anchor, test: lists of (bitrate, psnr). Returns the percent rate change of test vs anchor
    (negative = test needs fewer bits)."""
    ra, pa = np.log([r for r, _ in anchor]), np.array([p for _, p in anchor])
    rt, pt = np.log([r for r, _ in test]), np.array([p for _, p in test])
    fa = np.polyfit(pa, ra, 3)
    ft = np.polyfit(pt, rt, 3)
    lo, hi = max(pa.min(), pt.min()), min(pa.max(), pt.max())
    if hi <= lo:
        raise ValueError("PSNR ranges do not overlap")
    ia, it = np.polyint(fa), np.polyint(ft)
    avg_a = (np.polyval(ia, hi) - np.polyval(ia, lo)) / (hi - lo)
    avg_t = (np.polyval(it, hi) - np.polyval(it, lo)) / (hi - lo)
    return (np.exp(avg_t - avg_a) - 1.0) * 100.0


def psnr(a, b):
    d = a.astype(np.float64) - b.astype(np.float64)
    mse = np.mean(d * d)
    return 100.0 if mse == 0 else 10.0 * np.log10(255.0 * 255.0 / mse)


if __name__ == "__main__":
    # Self-check: a test curve with exactly 10 % more rate at every PSNR gives +10 %.
    anchor = [(1000, 30.0), (2000, 33.0), (4000, 36.0), (8000, 39.0)]
    test = [(r * 1.1, p) for r, p in anchor]
    v = bd_rate(anchor, test)
    assert abs(v - 10.0) < 1e-6, v
    print("bdrate self-check ok: %.3f %%" % v)
