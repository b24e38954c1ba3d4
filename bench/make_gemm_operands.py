#!/usr/bin/env python3
"""Writes the operands of bench/run_gemm.sh: A (M x K) and B (K x N) float32
arrays whose values are exact e4m3fn numbers (N(0, 1) rounded to e4m3fn by
an explicit table of its 127 non-negative finite values), seeded.
Usage: make_gemm_operands.py OUT_DIR SIZE"""
import sys
import numpy as np


def e4m3fn_values():
    values = [m / 8 * 2.0 ** -6 for m in range(8)]  # subnormals: 0.mmm * 2^-6
    for e in range(1, 16):
        for m in range(8):
            if e == 15 and m == 7:
                continue  # S.1111.111 is NaN
            values.append((1 + m / 8) * 2.0 ** (e - 7))
    return np.array(sorted(values))


def round_to(grid, x):
    # nearest grid value by magnitude (ties are measure-zero for normal data)
    idx = np.clip(np.searchsorted(grid, np.abs(x)), 1, len(grid) - 1)
    lo, hi = grid[idx - 1], grid[idx]
    mag = np.where(np.abs(x) - lo <= hi - np.abs(x), lo, hi)
    return np.sign(x) * mag


def main(out_dir, size):
    rng = np.random.default_rng(2026)
    grid = e4m3fn_values()
    for name, shape in (("a", (size, size)), ("b", (size, size))):
        np.save(f"{out_dir}/{name}.npy",
                round_to(grid, rng.normal(0, 1, shape)).astype(np.float32))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
