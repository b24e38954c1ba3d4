#!/usr/bin/env python3
"""Tests tools/capture_gemms.py's manifest writer without torch, then reads
the manifest with gemmsim itself (estimate --json).

Usage: capture_writer_test.py GEMMSIM_BINARY
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "tools"))
import capture_gemms  # noqa: E402


def main():
    binary = sys.argv[1]
    rng = np.random.default_rng(5)
    a = rng.standard_normal((4, 8)).astype(np.float32)
    b = rng.standard_normal((8, 3)).astype(np.float32)
    c = rng.standard_normal(3).astype(np.float32)
    gemms = [
        {"op": "mm", "m": 64, "n": 32, "k": 16, "dtype": "bf16"},
        {"op": "bmm", "m": 8, "n": 8, "k": 4, "batch": 6, "dtype": "bf16"},
        {"op": "mm", "m": 64, "n": 32, "k": 16, "dtype": "bf16"},
        {"op": "addmm", "m": 4, "n": 3, "k": 8, "dtype": "fp16",
         "a": a, "b": b, "c": c, "observed": a @ b + c,
         "numerics": "h100-fp16-fp32"},
        {"op": "mm", "m": 64, "n": 32, "k": 16, "dtype": "bf16"},
        {"op": "mm", "m": 64, "n": 32, "k": 16, "dtype": "fp16"},
    ]
    checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "cap", "trace.yaml")
        entries = capture_gemms.write_manifest(path, gemms, name='my "net"')
        assert [e["count"] for e in entries] == [3, 1, 1, 1], entries
        assert entries[2]["a"] == "gemm00003.a.npy"
        folder = os.path.dirname(path)
        for role, want in (("a", a), ("b", b), ("c", c),
                           ("observed", a @ b + c)):
            got = np.load(os.path.join(folder, f"gemm00003.{role}.npy"))
            assert got.dtype == np.float32 and np.array_equal(got, want), role
            checked += 1
        assert not os.path.exists(path + ".tmp")

        # The manifest reads back through gemmsim's own reader.
        report = os.path.join(tmp, "r.json")
        run = subprocess.run([binary, "estimate", "--machine", "h100", path,
                              "--json", report], capture_output=True,
                             text=True, check=False)
        assert run.returncode == 0, run.stderr
        got = json.load(open(report, encoding="utf-8"))["gemms"]
        assert [(g["m"], g["n"], g["k"], g["batch"], g["count"], g["dtype"])
                for g in got] == [(64, 32, 16, 1, 3, "bf16"),
                                  (8, 8, 4, 6, 1, "bf16"),
                                  (4, 3, 8, 1, 1, "fp16"),
                                  (64, 32, 16, 1, 1, "fp16")], got
        assert got[0]["name"] == "0.mm.64x32x16", got[0]["name"]
        checked += 1

        # A shape that disagrees with m, n, k is refused before writing.
        bad = dict(gemms[3], a=a.T)
        try:
            capture_gemms.write_manifest(os.path.join(tmp, "bad.yaml"), [bad])
            raise AssertionError("no error for a transposed A")
        except ValueError as e:
            assert "a has shape (8, 4)" in str(e), e
        assert not os.path.exists(os.path.join(tmp, "bad.yaml"))
        checked += 1
    assert checked == 6, checked
    print(f"capture writer: {checked} checks passed")


if __name__ == "__main__":
    main()
