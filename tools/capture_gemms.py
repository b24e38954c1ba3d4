#!/usr/bin/env python3
"""Record the GEMMs of a PyTorch model run as a gemmsim trace manifest.

Usage (in your own script, with torch installed):

    import torch, sys
    sys.path.insert(0, "path/to/gemmsim/tools")
    from capture_gemms import capture_gemms

    model = torch.nn.TransformerEncoderLayer(256, 4).to(torch.bfloat16)
    x = torch.randn(8, 32, 256, dtype=torch.bfloat16)
    with capture_gemms("my-trace/trace.yaml", name="encoder",
                       save_operands=True, numerics=None) as rec:
        model(x).float().sum().backward()
    # my-trace/trace.yaml lists every aten::mm, addmm and bmm the run
    # executed (nn.Linear and torch.matmul decompose into those at the
    # dispatch level, so each GEMM is recorded once), forward and backward.

    gemmsim estimate --machine h100 my-trace/trace.yaml
    gemmsim replay my-trace/trace.yaml --numerics h100-bf16-fp32

With save_operands=True each GEMM's A, B, addend C (addmm's bias, broadcast
as it was given) and output D (as `observed`, the value the kernel under
test computed) are saved as float32 .npy files beside the manifest (bf16
and fp16 values are exact in float32). Without operands, GEMMs of equal
(op, shape, dtype) are grouped into one entry with a `count`. addmm's alpha
and beta must be 1 (the default) for the saved operands to describe the
output; other values are recorded in the GEMM's name.

The writer (write_manifest) needs only NumPy; the recorder needs torch.
"""

import contextlib
import os

import numpy as np

# torch dtype name -> manifest dtype.
TORCH_DTYPES = {
    "torch.float32": "fp32",
    "torch.bfloat16": "bf16",
    "torch.float16": "fp16",
    "torch.float8_e4m3fn": "e4m3",
    "torch.float8_e5m2": "e5m2",
    "torch.int8": "int8",
}


def _yaml_string(text):
    """A YAML double-quoted scalar (safe for any name)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped + '"'


def write_manifest(path, gemms, name=None, description=None):
    """Write a gemmsim trace manifest (SPEC.md "Files") at `path`.

    `gemms` is a list of dicts with keys: op ("mm", "addmm", "bmm"), m, n, k,
    batch (default 1), dtype ("bf16", ...), and optionally name, numerics,
    and NumPy arrays a ([batch,] m x k), b ([batch,] k x n), c (broadcastable
    to the output) and observed ([batch,] m x n). Arrays are saved as
    float32 .npy files in the manifest's folder and named relative to it.
    GEMMs without arrays and with equal (op, m, n, k, batch, dtype,
    numerics) are merged into one entry with a count. Returns the entries
    written (dicts), in order.
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    entries = []
    merged = {}
    for index, g in enumerate(gemms):
        batch = int(g.get("batch", 1))
        m, n, k = int(g["m"]), int(g["n"]), int(g["k"])
        arrays = {key: g.get(key) for key in ("a", "b", "c", "observed")}
        has_arrays = any(v is not None for v in arrays.values())
        key = (g["op"], m, n, k, batch, g["dtype"], g.get("numerics"))
        if not has_arrays and key in merged:
            merged[key]["count"] += 1
            continue
        shape = f"{m}x{n}x{k}" + (f"x{batch}" if batch > 1 else "")
        entry = {
            "name": g.get("name") or f"{index}.{g['op']}.{shape}",
            "m": m, "n": n, "k": k, "batch": batch, "count": 1,
            "dtype": g["dtype"],
        }
        _check_shapes(entry, arrays)
        for role, value in arrays.items():
            if value is None:
                continue
            file_name = f"gemm{index:05d}.{role}.npy"
            np.save(os.path.join(folder, file_name),
                    np.ascontiguousarray(value, dtype=np.float32))
            entry[role] = file_name
        if g.get("numerics"):
            entry["numerics"] = g["numerics"]
        if not has_arrays:
            merged[key] = entry
        entries.append(entry)
    lines = [f"name: {_yaml_string(name or os.path.basename(folder))}"]
    if description:
        lines.append(f"description: {_yaml_string(description)}")
    lines.append("gemms:")
    for e in entries:
        lines.append(f"  - name: {_yaml_string(e['name'])}")
        for key in ("m", "n", "k", "batch", "count", "dtype", "a", "b", "c",
                    "observed", "numerics"):
            if key in e and not (key in ("batch", "count") and e[key] == 1):
                lines.append(f"    {key}: {e[key]}")
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, path)  # never a half-written manifest
    return entries


def _check_shapes(entry, arrays):
    m, n, k, batch = entry["m"], entry["n"], entry["k"], entry["batch"]
    want = {"a": (m, k), "b": (k, n), "observed": (m, n)}
    for role, matrix in want.items():
        value = arrays[role]
        if value is None:
            continue
        shape = tuple(np.shape(value))
        ok = shape == (batch,) + matrix or (shape == matrix and (
            batch == 1 or role == "b"))
        if not ok:
            raise ValueError(f"{entry['name']}: {role} has shape {shape}, "
                             f"expected {(batch,) + matrix}")


class _Recorder:
    """Collects GEMM records; used by capture_gemms."""

    def __init__(self, save_operands, numerics):
        self.save_operands = save_operands
        self.numerics = numerics
        self.gemms = []

    def record(self, op, args, kwargs, out):
        def to_numpy(t):
            return t.detach().to("cpu").float().numpy()

        if op == "addmm":
            c, a, b = args[0], args[1], args[2]
        else:
            c, (a, b) = None, args[:2]
        batch = a.shape[0] if op == "bmm" else 1
        g = {
            "op": op, "m": a.shape[-2], "k": a.shape[-1], "n": b.shape[-1],
            "batch": batch,
            "dtype": TORCH_DTYPES.get(str(a.dtype), "fp32"),
            "numerics": self.numerics,
        }
        scale = [f"{k}={v}" for k, v in sorted(kwargs.items())
                 if k in ("alpha", "beta") and v != 1]
        if scale:
            g["name"] = f"{len(self.gemms)}.{op}({','.join(scale)})"
        if self.save_operands:
            g["a"], g["b"] = to_numpy(a), to_numpy(b)
            if c is not None:
                g["c"] = to_numpy(c)
            g["observed"] = to_numpy(out)
        self.gemms.append(g)


@contextlib.contextmanager
def capture_gemms(path, name=None, save_operands=False, numerics=None):
    """Records the aten mm/addmm/bmm calls of the code run inside the block
    (forward and backward) and writes the manifest at `path` on exit."""
    import torch  # pylint: disable=import-outside-toplevel
    from torch.utils._python_dispatch import TorchDispatchMode  # noqa

    aten = torch.ops.aten
    ops = {aten.mm.default: "mm", aten.addmm.default: "addmm",
           aten.bmm.default: "bmm"}
    recorder = _Recorder(save_operands, numerics)

    class GemmMode(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            out = func(*args, **kwargs)
            if func in ops:
                recorder.record(ops[func], args, kwargs, out)
            return out

    with GemmMode():
        yield recorder
    write_manifest(path, recorder.gemms, name=name)


if __name__ == "__main__":
    print(__doc__)
