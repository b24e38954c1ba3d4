#!/usr/bin/env python3
"""Writes the bundled demo tensors in traces/tensors/ (NumPy only, seeded).

Each tensor imitates one operand of an LLM layer's GEMM, at a small size:
  weights.npy      128 x 512 float32, N(0, 0.02^2): GPT-2's initialisation.
  activations.npy  128 x 512 float32, N(0, 1) with 4 outlier channels scaled
                   by 40, as LLM.int8() reports for transformer activations.
  gradients.npy    128 x 512 float32, random signs, magnitudes lognormal with
                   median 1e-5 and sigma 2 (log-space), as backward-pass
                   activation gradients roughly are.
Run: python3 tools/make_demo_tensors.py traces/tensors
"""
import sys
import numpy as np


def main(out_dir):
    rng = np.random.default_rng(20261123)
    shape = (128, 512)
    weights = rng.normal(0.0, 0.02, shape).astype(np.float32)
    activations = rng.normal(0.0, 1.0, shape)
    outliers = rng.choice(shape[1], size=4, replace=False)
    activations[:, outliers] *= 40.0
    signs = rng.choice([-1.0, 1.0], size=shape)
    gradients = signs * np.exp(rng.normal(np.log(1e-5), 2.0, shape))
    np.save(f"{out_dir}/weights.npy", weights)
    np.save(f"{out_dir}/activations.npy", activations.astype(np.float32))
    np.save(f"{out_dir}/gradients.npy", gradients.astype(np.float32))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "traces/tensors")
