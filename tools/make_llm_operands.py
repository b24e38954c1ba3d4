#!/usr/bin/env python3
"""Writes traces/llm-operands/: a manifest of the three GEMMs of one MLP
layer's training step, with operands drawn like a real LLM's (NumPy only,
seeded; re-running gives the same bytes):

  weights.safetensors  mlp.fc1.weight [256 out, 1024 in], N(0, 0.02^2)
                       (GPT-2's initialisation), PyTorch's [out, in] layout
  activations.npy      X [256 tokens, 1024], N(0, 1) with 6 outlier channels
                       scaled by 40 (as LLM.int8() reports)
  gradients.npy        dY [256 tokens, 256], random signs, lognormal
                       magnitudes (median 1e-5, sigma 2 in log space)

  fc1.fwd     Y  = X  W^T   m 256,  n 256, k 1024  (b: weight, transpose)
  fc1.bwd_dx  dX = dY W     m 256,  n 1024, k 256
  fc1.bwd_dw  dW = dY^T X   m 256,  n 1024, k 256  (a: gradients, transpose)

A full replay of all three takes a few seconds.
Run: python3 tools/make_llm_operands.py traces/llm-operands
"""
import json
import os
import struct
import sys

import numpy as np

MANIFEST = """\
# Written by tools/make_llm_operands.py; do not edit.
name: llm-operands
description: "one MLP layer (1024 -> 256) of a training step, 256 tokens"
gemms:
  - name: fc1.fwd
    m: 256
    n: 256
    k: 1024
    a: activations.npy
    b: {file: weights.safetensors, tensor: mlp.fc1.weight, transpose: true}
  - name: fc1.bwd_dx
    m: 256
    n: 1024
    k: 256
    a: gradients.npy
    b: weights.safetensors:mlp.fc1.weight
  - name: fc1.bwd_dw
    m: 256
    n: 1024
    k: 256
    a: {file: gradients.npy, transpose: true}
    b: activations.npy
"""


def write_safetensors(path, name, array):
    """The safetensors layout: u64 header length, JSON header, data."""
    data = np.ascontiguousarray(array, dtype="<f4").tobytes()
    header = {name: {"dtype": "F32", "shape": list(array.shape),
                     "data_offsets": [0, len(data)]}}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(20261123)
    weight = rng.normal(0.0, 0.02, (256, 1024)).astype(np.float32)
    x = rng.normal(0.0, 1.0, (256, 1024))
    x[:, rng.choice(1024, size=6, replace=False)] *= 40.0
    signs = rng.choice([-1.0, 1.0], size=(256, 256))
    dy = signs * np.exp(rng.normal(np.log(1e-5), 2.0, (256, 256)))
    write_safetensors(os.path.join(out_dir, "weights.safetensors"),
                      "mlp.fc1.weight", weight)
    np.save(os.path.join(out_dir, "activations.npy"), x.astype(np.float32))
    np.save(os.path.join(out_dir, "gradients.npy"), dy.astype(np.float32))
    with open(os.path.join(out_dir, "trace.yaml"), "w", encoding="utf-8") as f:
        f.write(MANIFEST)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "traces/llm-operands")
