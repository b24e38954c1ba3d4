#!/usr/bin/env python3
"""Train a small MLP on handwritten digits with emulated narrow accumulators.

A miniature of the low-bit-accumulator experiments (e.g. chunk-based
accumulation for FP8 training): every GEMM of the model, forward and both
backward GEMMs, runs under gemmsim numerics with e4m3fn inputs and an
accumulator of the given format, with and without chunking (promotion into
fp32 every P products). Reports test accuracy and steps/second per
setting, as a table (stdout and OUT/digits_accumulators.md) and an SVG bar
chart (OUT/digits_accumulators.svg).

    PYTHONPATH=build/python /usr/bin/python3 examples/digits_accumulators.py
    ... --quick           (a smaller model, 3 epochs: the CI run, ~10 s)

The full run takes about 5 minutes on 2 cores.

Data: scikit-learn's bundled digits (1,797 8x8 images; Debian's
python3-sklearn ships them, no download).
"""
import argparse
import os
import time

import numpy as np
import torch
from sklearn.datasets import load_digits

import gemmsim.torch as gt

# Sequential RNE accumulation, fp32 output; the inputs are bf16 so that
# what changes from row to row is the accumulator alone (FP8 inputs would
# also flush small gradients to zero, which no accumulator can undo).
BASE = "fp8-acc-fp32"
INPUTS = {"inputs.a": "bf16", "inputs.b": "bf16"}


def numerics(acc, every=None):
    """The numerics dict of one setting: accumulator format, chunking."""
    if acc is None:
        return None  # native float32 torch: the baseline
    overrides = dict(INPUTS)
    overrides["accumulate.format"] = acc
    if every:
        overrides["accumulate.promote"] = {"every": every, "format": "fp32",
                                           "rounding": "rne"}
    return {"numerics": BASE, "set": overrides}


# (label, accumulator format or None, promote every P or None)
SETTINGS = [
    ("float32 (torch, not emulated)", None, None),
    ("fp32 accumulator", "fp32", None),
    ("e5m10 (16 bits, fp16)", "e5m10", None),
    ("e5m6 (12 bits)", "e5m6", None),
    ("e5m6, promoted every 64", "e5m6", 64),
    ("e5m6, promoted every 16", "e5m6", 16),
    ("e5m4 (10 bits)", "e5m4", None),
    ("e5m4, promoted every 16", "e5m4", 16),
    ("e5m2 (8 bits)", "e5m2", None),
    ("e5m2, promoted every 16", "e5m2", 16),
]


def data(seed):
    digits = load_digits()
    x = torch.tensor(digits.data / 16.0, dtype=torch.float32)
    y = torch.tensor(digits.target, dtype=torch.int64)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(
        seed))
    test, train = order[:450], order[450:]
    return x[train], y[train], x[test], y[test]


def model(seed, hidden):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(64, hidden), torch.nn.ReLU(),
                               torch.nn.Linear(hidden, hidden),
                               torch.nn.ReLU(), torch.nn.Linear(hidden, 10))


def run(setting, args, xs):
    label, acc, every = setting
    x_train, y_train, x_test, y_test = xs
    net = model(args.seed, args.hidden)
    spec = numerics(acc, every)
    if spec is not None:
        gt.emulate(net, forward=spec, grad_input=spec, grad_weight=spec,
                   threads=args.threads)
    opt = torch.optim.SGD(net.parameters(), lr=args.lr, momentum=0.9)
    gen = torch.Generator().manual_seed(args.seed)
    steps = 0
    start = time.perf_counter()
    for _ in range(args.epochs):
        order = torch.randperm(len(y_train), generator=gen)
        for i in range(0, len(order), args.batch):
            idx = order[i:i + args.batch]
            loss = torch.nn.functional.cross_entropy(net(x_train[idx]),
                                                     y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            steps += 1
    seconds = time.perf_counter() - start
    with torch.no_grad():
        accuracy = (net(x_test).argmax(1) == y_test).float().mean().item()
    return {"label": label, "accuracy": accuracy, "loss": loss.item(),
            "steps_per_second": steps / seconds, "steps": steps}


def svg(rows, path, subtitle):
    """A horizontal bar chart of test accuracy, one bar per setting."""
    bar_h, gap, left, width = 22, 8, 300, 420
    height = 80 + len(rows) * (bar_h + gap)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 80}"'
           f' height="{height}" font-family="sans-serif" font-size="13">',
           f'<text x="10" y="22" font-size="15">Digits MLP test accuracy by '
           f'accumulator (gemmsim, bf16 inputs, every GEMM emulated)</text>',
           f'<text x="10" y="42" fill="#555">{subtitle}; red: more than 2 '
           f'points below torch float32</text>']
    for i, r in enumerate(rows):
        y = 56 + i * (bar_h + gap)
        w = max(1.0, r["accuracy"] * width)
        color = "#4477aa" if r["accuracy"] >= rows[0]["accuracy"] - 0.02 \
            else "#cc6677"
        out.append(f'<text x="{left - 8}" y="{y + 16}" text-anchor="end">'
                   f'{r["label"]}</text>')
        out.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}"'
                   f' fill="{color}"/>')
        out.append(f'<text x="{left + w + 6:.1f}" y="{y + 16}">'
                   f'{100 * r["accuracy"]:.1f}%</text>')
    for frac in (0, 0.5, 1):
        x = left + frac * width
        out.append(f'<line x1="{x}" y1="50" x2="{x}" y2="{height - 16}" '
                   f'stroke="#999" stroke-dasharray="3,3"/>')
        out.append(f'<text x="{x}" y="{height - 2}" text-anchor="middle">'
                   f'{int(frac * 100)}%</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--quick", action="store_true",
                   help="3 epochs, hidden 128, batch 64 (the CI run)")
    # K up to 512 (hidden) and 256 (batch, the grad-weight GEMMs' K): wide
    # enough sums for narrow accumulators to lose what they add.
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--hidden", type=int, default=512)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", default="examples/out")
    p.add_argument("--check", action="store_true",
                   help="exit 1 unless the emulated fp32 accumulator trains "
                        "as well as torch's float32 (within 3 points)")
    args = p.parse_args()
    if args.quick:
        args.epochs, args.hidden, args.batch = 3, 128, 64
    os.makedirs(args.out, exist_ok=True)
    xs = data(args.seed)
    rows = []
    for setting in SETTINGS:
        rows.append(run(setting, args, xs))
        r = rows[-1]
        print(f"{r['label']:<38} accuracy {100 * r['accuracy']:5.1f}%  "
              f"{r['steps_per_second']:7.1f} steps/s", flush=True)
    table = [f"Digits MLP 64-{args.hidden}-{args.hidden}-10, {args.epochs} "
             f"epochs, batch {args.batch}, SGD lr {args.lr}, seed "
             f"{args.seed}; every GEMM (forward, grad-input, grad-weight) "
             f"under `{BASE}` with bf16 inputs and the accumulator below "
             f"(RNE; promoted: into fp32).", "",
             "| setting | test accuracy | final loss | steps/s |",
             "|---|---|---|---|"]
    for r in rows:
        table.append(f"| {r['label']} | {100 * r['accuracy']:.1f}% | "
                     f"{r['loss']:.3f} | {r['steps_per_second']:.1f} |")
    text = "\n".join(table) + "\n"
    print()
    print(text)
    with open(os.path.join(args.out, "digits_accumulators.md"), "w") as f:
        f.write(text)
    svg(rows, os.path.join(args.out, "digits_accumulators.svg"),
        f"MLP 64-{args.hidden}-{args.hidden}-10, {args.epochs} epochs, batch "
        f"{args.batch}")
    print(f"wrote {args.out}/digits_accumulators.md and .svg")
    if args.check:
        native, fp32 = rows[0]["accuracy"], rows[1]["accuracy"]
        if not (native > 0.75 and abs(fp32 - native) <= 0.03):
            raise SystemExit(f"check failed: float32 {native:.3f}, emulated "
                             f"fp32 accumulator {fp32:.3f}")
        print("check passed: the emulated fp32 accumulator trains as "
              "torch's float32 does")


if __name__ == "__main__":
    main()
