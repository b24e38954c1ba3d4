#!/usr/bin/env python3
"""Writes traces/h100-captures/ and traces/h100-fp8-fp16-captures/ from the
real H100 tensor-core captures in tests/data/tensor-cores/H100 (NumPy only;
deterministic: the first SAMPLES samples of each folder).

Each capture folder becomes one GEMM in batch form: sample s is the 1 x 1
output of a [1, K] row times a [K, 1] column plus c, so a is [S, 1, K],
b [S, K, 1], c [S, 1, 1] and observed [S, 1, 1] (float32 values, exact in
the input format). Quirks of the captures (tests/data/tensor-cores/README.md):
FP8 with fp32 output was captured with WGMMA accumulating from zero, so c is
0 there; fp16-output captures rounded c to fp16 first, so c is stored
rounded. h100-captures has per-GEMM numerics (the matching preset), for
`gemmsim validate`; the FP8 -> fp16-output captures, which no preset
explains, go to h100-fp8-fp16-captures without numerics (a target for
`gemmsim validate --search`). The BSD licence of the data is copied beside.

Run: python3 tools/make_h100_traces.py tests/data/tensor-cores traces
"""
import os
import shutil
import sys

import numpy as np

SAMPLES = 1000

# (folder, input format, output, preset or None, manifest)
CAPTURES = [
    ("fp16", "fp16", "fp32", "h100-fp16-fp32", "h100-captures"),
    ("fp16", "fp16", "fp16", "h100-fp16-fp16", "h100-captures"),
    ("bf16", "bf16", "fp32", "h100-bf16-fp32", "h100-captures"),
    ("tf32", "tf32", "fp32", "h100-tf32-fp32", "h100-captures"),
    ("E4M3", "E4M3", "fp32", "h100-e4m3-fp32", "h100-captures"),
    ("E5M2", "E5M2", "fp32", "h100-e5m2-fp32", "h100-captures"),
    ("E4M3", "E4M3", "fp16", None, "h100-fp8-fp16-captures"),
    ("E5M2", "E5M2", "fp16", None, "h100-fp8-fp16-captures"),
]


def hex_rows(path):
    with open(path, encoding="ascii") as f:
        rows = [[int(w, 16) for w in line.split()] for line in f
                if line.strip()][:SAMPLES]
    return np.array(rows, dtype=np.uint32).view(np.float32)


def binary_rows(path):
    with open(path, encoding="ascii") as f:
        words = [int(line.strip(), 2) for line in f if line.strip()][:SAMPLES]
    return np.array(words, dtype=np.uint32).view(np.float32)


def main(data_dir, out_dir):
    manifests = {}
    for folder, fmt, out, preset, manifest in CAPTURES:
        src = os.path.join(data_dir, "H100", folder)
        dst = os.path.join(out_dir, manifest)
        os.makedirs(dst, exist_ok=True)
        a = hex_rows(os.path.join(src, f"a_H100_{fmt}.txt"))
        b = hex_rows(os.path.join(src, f"b_H100_{fmt}.txt"))
        c = binary_rows(os.path.join(src, "c_H100_fp32.txt"))
        d = binary_rows(os.path.join(src, f"d_H100_{out}.txt"))
        samples, k = a.shape
        if fmt in ("E4M3", "E5M2") and out == "fp32":
            c = np.zeros_like(c)  # WGMMA from zero
        if out == "fp16":
            c = c.astype(np.float16).astype(np.float32)  # rounded first
        stem = f"{folder.lower()}-{out}"
        files = {"a": a.reshape(samples, 1, k), "b": b.reshape(samples, k, 1),
                 "c": c.reshape(samples, 1, 1),
                 "observed": d.reshape(samples, 1, 1)}
        for role, array in files.items():
            np.save(os.path.join(dst, f"{stem}.{role}.npy"),
                    array.astype(np.float32))
        lines = [f"  - name: {fmt.lower()}-{out}",
                 "    m: 1", "    n: 1", f"    k: {k}", f"    batch: {samples}",
                 f"    dtype: {fmt.lower()}"]
        lines += [f"    {role}: {stem}.{role}.npy" for role in files]
        if preset:
            lines.append(f"    numerics: {preset}")
        manifests.setdefault(manifest, []).extend(lines)
    for manifest, lines in manifests.items():
        dst = os.path.join(out_dir, manifest)
        shutil.copyfile(os.path.join(data_dir, "LICENCE"),
                        os.path.join(dst, "LICENCE"))
        with open(os.path.join(dst, "trace.yaml"), "w", encoding="ascii") as f:
            f.write("# Written by tools/make_h100_traces.py; do not edit.\n"
                    "# Data: north-numerical-computing/MATLAB-tensor-core "
                    "(BSD 2-Clause, LICENCE).\n"
                    f"name: {manifest}\n"
                    f"description: \"real H100 tensor-core outputs, "
                    f"{SAMPLES} samples per format\"\n"
                    "gemms:\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/tensor-cores",
         sys.argv[2] if len(sys.argv) > 2 else "traces")
