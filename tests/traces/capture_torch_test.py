#!/usr/bin/env python3
"""Tests tools/capture_gemms.py with real torch: a GPT-style training step
and a small CNN step, each with backward() and an optimizer step inside the
capture block. Every saved GEMM must reproduce its own observed output, the
GEMM counts and names must be the ones the models run, and gemmsim must read
the manifests. Exits 77 (ctest: skipped) when torch cannot be imported.

Usage: capture_torch_test.py GEMMSIM_BINARY
"""
import json
import math
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np

try:
    import torch
    from torch import nn
except ImportError as error:
    print(f"SKIP: torch cannot be imported ({error})")
    sys.exit(77)

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "tools"))
import capture_gemms  # noqa: E402

D, HEADS, T, BATCH, VOCAB, LAYERS = 16, 2, 8, 2, 32, 2


class Attention(nn.Module):
    """Causal self-attention: scores by baddbmm (the mask as its addend),
    values by torch.matmul of 3-D tensors (bmm at the dispatcher)."""

    def __init__(self):
        super().__init__()
        self.qkv, self.proj = nn.Linear(D, 3 * D), nn.Linear(D, D)

    def forward(self, x):
        b, t, d = x.shape
        dh = d // HEADS

        def heads(z):
            return z.reshape(b, t, HEADS, dh).transpose(1, 2).reshape(
                b * HEADS, t, dh)

        q, k, v = (heads(z) for z in self.qkv(x).split(d, dim=2))
        mask = torch.full((t, t), -math.inf).triu(1)
        scores = torch.baddbmm(mask, q * dh ** -0.5, k.transpose(1, 2))
        y = torch.matmul(scores.softmax(-1), v)
        return self.proj(y.reshape(b, HEADS, t, dh).transpose(1, 2).reshape(
            b, t, d))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(D), nn.LayerNorm(D)
        self.attn = Attention()
        self.mlp = nn.Sequential(nn.Linear(D, 4 * D), nn.GELU(),
                                 nn.Linear(4 * D, D))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, D)
        self.pos = nn.Parameter(torch.randn(T, D) * 0.1)
        self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
        self.ln_f = nn.LayerNorm(D)
        self.head = nn.Linear(D, VOCAB, bias=False)
        self.value = nn.Parameter(torch.randn(D))  # a value head: mv

    def forward(self, tokens):
        x = self.tok(tokens) + self.pos
        for block in self.blocks:
            x = block(x)
        h = self.ln_f(x)
        return self.head(h), torch.mv(h[:, -1], self.value)


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(4, 4, 3, padding=2, dilation=2, groups=2)
        self.fc = nn.Linear(4 * 4 * 4, 5)

    def forward(self, x):
        x = self.conv2(torch.relu(self.conv1(x)))
        return self.fc(torch.relu(x).flatten(1))


def check_reproduces(folder, entries):
    """Every saved GEMM: observed = A @ B (+ C) up to float32 rounding in
    any summation order, |error| <= (k + 2) u (|A| @ |B| + |C|)."""
    checked = 0
    for e in entries:
        if "observed" not in e:
            continue
        a, b, d = (np.load(os.path.join(folder, e[r])).astype(np.float64)
                   for r in ("a", "b", "observed"))
        c = (np.load(os.path.join(folder, e["c"])).astype(np.float64)
             if "c" in e else np.zeros(1))
        want = a @ b + c
        bound = (e["k"] + 2) * 2.0 ** -24 * (np.abs(a) @ np.abs(b) +
                                             np.abs(c))
        assert want.shape == d.shape, (e["name"], want.shape, d.shape)
        finite = np.isfinite(want)  # the mask's -inf passes through
        assert np.array_equal(d[~finite], want[~finite]), e["name"]
        err = np.abs(d[finite] - want[finite])
        assert np.all(err <= bound[finite] + 1e-30), (
            e["name"], float(err.max()))
        checked += 1
    return checked


def capture(folder, model, step, **kw):
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    path = os.path.join(folder, "trace.yaml")
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        with capture_gemms.capture_gemms(path, model=model, **kw) as rec:
            step()
            opt.step()
    return path, rec, [str(w.message) for w in warned]


def test_gpt(tmp, binary):
    torch.manual_seed(0)
    model = GPT()
    tokens = torch.randint(0, VOCAB, (BATCH, T))
    head_before = model.head.weight.detach().clone()

    def step():
        logits, value = model(tokens)
        loss = nn.functional.cross_entropy(logits.reshape(-1, VOCAB),
                                           tokens.reshape(-1))
        (loss + value.pow(2).mean()).backward()

    folder = os.path.join(tmp, "gpt")
    path, rec, warned = capture(folder, model, step, name="gpt",
                                save_operands=True)
    assert not rec.skipped and not warned, (rec.skipped, warned)
    entries = capture_gemms.write_manifest(path, rec.gemms, name="gpt")
    names = [e["name"] for e in entries]
    # Forward per block: qkv, baddbmm, bmm, proj, two MLP linears; then the
    # head's mm and the value head's mv. Backward: two mms per linear, two
    # bmms each for baddbmm and bmm, one mv (the vector's gradient; the
    # matrix's is an outer product).
    assert len(names) == 6 * LAYERS + 2 + 12 * LAYERS + 3, names
    assert len(set(names)) == len(names)
    for want in ("blocks.0.attn.qkv.forward.addmm.16x48x16",
                 "blocks.1.attn.forward.baddbmm.8x8x8x4",
                 "blocks.1.attn.forward.bmm.8x8x8x4",
                 "blocks.0.mlp.2.forward.addmm.16x16x64",
                 "head.forward.mm.16x32x16", "GPT.forward.mv.2x1x16",
                 "GPT.backward.mv.16x1x2",
                 "blocks.0.mlp.0.backward.mm.64x16x16",
                 "head.backward.mm.16x16x32"):
        assert want in names, (want, names)
    backward = [n for n in names if ".backward." in n]
    assert len(backward) == 12 * LAYERS + 3, backward
    assert sum(".attn.backward.bmm." in n for n in names) == 4 * LAYERS
    checked = check_reproduces(folder, entries)
    assert checked == len(entries), checked
    # The optimizer changed the head after its GEMMs ran; the saved
    # operand is the weight the forward used.
    head = next(e for e in entries if e["name"] == "head.forward.mm.16x32x16")
    saved = np.load(os.path.join(folder, head["b"]))
    assert np.array_equal(saved, head_before.t().numpy())
    assert not np.allclose(saved, model.head.weight.detach().t().numpy())

    # gemmsim reads the manifest and its operands.
    report = os.path.join(tmp, "gpt.json")
    run = subprocess.run([binary, "replay", path, "--numerics", "exact",
                          "--json", report], capture_output=True, text=True,
                         check=False)
    assert run.returncode == 0, run.stderr
    got = json.load(open(report, encoding="utf-8"))["gemms"]
    assert [g["name"] for g in got] == names
    return checked + 3


def test_cnn(tmp, binary):
    torch.manual_seed(1)
    model = CNN()
    images = torch.randn(2, 3, 8, 8)
    labels = torch.tensor([1, 3])

    def step():
        loss = nn.functional.cross_entropy(model(images), labels)
        loss.backward()

    folder = os.path.join(tmp, "cnn")
    path, rec, warned = capture(folder, model, step, save_operands=True)
    assert not rec.skipped and not warned, (rec.skipped, warned)
    entries = capture_gemms.write_manifest(path, rec.gemms)
    names = [e["name"] for e in entries]
    # conv1 (stride 2) on 8x8 -> 4x4: M = 2*16, K = 3*9; conv2 (groups 2,
    # dilation 2): batch 2, K = 2*9. Backward: conv2 grad_input and
    # grad_weight, conv1 grad_weight only (the images need no gradient).
    assert names == [
        "conv1.forward.conv.32x4x27", "conv2.forward.conv.32x2x18x2",
        "fc.forward.addmm.2x5x64", "fc.backward.mm.2x64x5",
        "fc.backward.mm.5x64x2", "conv2.backward.conv_dgrad.32x2x18x2",
        "conv2.backward.conv_wgrad.2x18x32x2",
        "conv1.backward.conv_wgrad.4x27x32"], names
    checked = check_reproduces(folder, entries)
    assert checked == len(entries), checked
    # systolic-128 has fp32 engines (h100's cost model has none).
    run = subprocess.run([binary, "estimate", "--machine", "systolic-128",
                          path],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    return checked + 2


def test_reported(tmp):
    """addbmm and addmv are recorded; what cannot be is reported."""
    torch.manual_seed(2)
    a, b = torch.randn(3, 4, 5), torch.randn(3, 5, 2)
    up = nn.ConvTranspose2d(2, 2, 3)

    def step():
        torch.addbmm(torch.randn(4, 2), a, b)
        torch.addmv(torch.randn(4), torch.randn(4, 6), torch.randn(6))
        torch.mm(torch.randn(2, 3, dtype=torch.float64),
                 torch.randn(3, 2, dtype=torch.float64))
        up(torch.randn(1, 2, 4, 4)).sum().backward()

    folder = os.path.join(tmp, "misc")
    _, rec, warned = capture(folder, up, step, save_operands=True)
    entries = capture_gemms.write_manifest(
        os.path.join(folder, "trace.yaml"), rec.gemms)
    assert [e["name"] for e in entries] == [
        "forward.addbmm.4x2x15", "forward.addmv.4x1x6"], entries
    assert check_reproduces(folder, entries) == 2
    assert rec.skipped == {
        "aten.mm (dtype torch.float64)": 1,
        "aten.convolution (transposed convolution)": 1,
        "aten.convolution_backward (transposed convolution backward)": 1,
    }, rec.skipped
    assert len(warned) == 1 and "not recorded: aten.convolution" in warned[0]
    return 3


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        checked = test_gpt(tmp, binary) + test_cnn(tmp, binary)
        checked += test_reported(tmp)
    print(f"capture with torch {torch.__version__}: {checked} checks passed")


if __name__ == "__main__":
    main()
