#!/usr/bin/env python3
"""Writes the shape-only training-step traces traces/gpt2-small-step.yaml and
traces/llama2-7b-step.yaml (no dependencies; deterministic).

Each lists the GEMMs of one training step of a decoder-only transformer, per
layer type, with `count` = how many times the step runs it (the number of
layers; 1 for the LM head). Every forward GEMM Y = X W (m x n, inner k)
brings two backward GEMMs: dX = dY W^T (m x k, inner n) and dW = X^T dY
(k x n, inner m); batched GEMMs keep their batch. Attention is unfused (the
score and context bmm's are written out; causal masking not exploited), as
in eager PyTorch; embeddings, norms and softmax are not GEMMs. dtype bf16.

  attn.scores = Q K^T and attn.context = P V, batched over batch x heads.
  GPT-2 small: 12 layers, d 768, 12 heads of 64, MLP 3072, vocab 50257;
               batch 8 x sequence 1024 (8192 tokens); fused QKV (c_attn).
  Llama-2-7B:  32 layers, d 4096, 32 heads of 128, SwiGLU MLP 11008,
               vocab 32000; batch 1 x sequence 4096; separate q/k/v.

Run: python3 tools/make_model_traces.py traces
"""
import os
import sys


def step(layers, batch, seq, d, heads, ff, vocab, qkv, mlp):
    """(name, m, n, k, batch, count) of the forward GEMMs."""
    tokens = batch * seq
    dh = d // heads
    bh = batch * heads
    fwd = [(f"attn.{name}", tokens, n, d, 1, layers) for name, n in qkv]
    fwd += [
        ("attn.scores", seq, seq, dh, bh, layers),
        ("attn.context", seq, dh, seq, bh, layers),
        ("attn.out_proj", tokens, d, d, 1, layers),
    ]
    fwd += [(f"mlp.{name}", tokens, n, k, 1, layers) for name, n, k in mlp]
    fwd.append(("lm_head", tokens, vocab, d, 1, 1))
    return fwd


def with_backward(forward):
    out = []
    for name, m, n, k, b, count in forward:
        out.append((f"{name}.fwd", m, n, k, b, count))
        out.append((f"{name}.bwd_dx", m, k, n, b, count))
        out.append((f"{name}.bwd_dw", k, n, m, b, count))
    return out


def write(path, name, description, gemms):
    lines = [f"name: {name}", f"description: \"{description}\"", "gemms:"]
    for g, m, n, k, b, count in gemms:
        lines.append(f"  - name: \"{g}\"")
        lines.append(f"    m: {m}")
        lines.append(f"    n: {n}")
        lines.append(f"    k: {k}")
        if b != 1:
            lines.append(f"    batch: {b}")
        lines.append(f"    count: {count}")
        lines.append("    dtype: bf16")
    with open(path, "w", encoding="utf-8") as f:
        f.write("# Written by tools/make_model_traces.py; do not edit.\n")
        f.write("\n".join(lines) + "\n")


def main(out_dir):
    gpt2 = step(layers=12, batch=8, seq=1024, d=768, heads=12, ff=3072,
                vocab=50257, qkv=[("c_attn", 3 * 768)],
                mlp=[("c_fc", 3072, 768), ("c_proj", 768, 3072)])
    write(os.path.join(out_dir, "gpt2-small-step.yaml"), "gpt2-small-step",
          "GPT-2 small (124M), one training step, batch 8 x seq 1024, bf16",
          with_backward(gpt2))
    llama = step(layers=32, batch=1, seq=4096, d=4096, heads=32, ff=11008,
                 vocab=32000,
                 qkv=[("q_proj", 4096), ("k_proj", 4096), ("v_proj", 4096)],
                 mlp=[("gate_proj", 11008, 4096), ("up_proj", 11008, 4096),
                      ("down_proj", 4096, 11008)])
    write(os.path.join(out_dir, "llama2-7b-step.yaml"), "llama2-7b-step",
          "Llama-2-7B, one training step, batch 1 x seq 4096, bf16",
          with_backward(llama))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "traces")
