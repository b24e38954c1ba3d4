#!/usr/bin/env python3
"""Record the GEMMs of a PyTorch model run as a gemmsim trace manifest.

Usage (in your own script, with torch installed):

    import torch, sys
    sys.path.insert(0, "path/to/gemmsim/tools")
    from capture_gemms import capture_gemms

    model = torch.nn.TransformerEncoderLayer(256, 4)
    opt = torch.optim.Adam(model.parameters())
    x = torch.randn(8, 32, 256)
    with capture_gemms("my-trace/trace.yaml", name="encoder", model=model,
                       save_operands=True) as rec:
        model(x).sum().backward()
        opt.step()
    print(rec.skipped)   # GEMM-like ops seen but not recorded (also warned)

    gemmsim estimate --machine h100 my-trace/trace.yaml
    gemmsim replay my-trace/trace.yaml --numerics h100-bf16-fp32

The block's aten ops are seen at the dispatcher (below autograd, so
nn.Linear and torch.matmul show up as the mm, addmm or bmm they run, each
GEMM once), forward and backward: mm, addmm, bmm, baddbmm, addbmm, mv,
addmv, and convolution and convolution_backward as their implicit GEMMs
(forward: M = output pixels, N = filters, K = channels x kernel; backward:
grad_input and grad_weight, each one GEMM; groups are the batch). Each GEMM
is named after the module that ran it (`model=` names them as
named_modules() does, else by class) and the pass:
`layers.0.linear1.forward.addmm.64x192x64`, then `#2`, `#3` for repeats.

With save_operands=True each GEMM's A, B, addend C (the bias or
baddbmm's input, broadcast as given) and output D (`observed`, what the
kernel under test computed) are copied when the op runs (an optimizer step
in the block does not change them afterwards) and saved as float32 .npy
files beside the manifest (bf16 and fp16 values are exact in float32). A
and B are the logical matrices, contiguous: for a 2-D convolution A is the
im2col (F.unfold) of the input, B the reshaped kernel, observed the output
as rows of pixels; the matmul of the saved A and B (plus C) is observed up
to float32 rounding. Without operands, GEMMs of equal name, shape and dtype
are grouped into one entry with a count. Scales other than 1 (alpha, beta)
are put in the name; with alpha != 1 observed is not saved.

An op that looks like a GEMM but is not recorded (a transposed
convolution, float64 or integer operands, dot, einsum reaching the
dispatcher, ...) is counted in `rec.skipped`, named in the manifest's
description and warned about on exit.

The writer (write_manifest) needs only NumPy; the recorder needs torch.
"""

import contextlib
import os
import warnings

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

    `gemms` is a list of dicts with keys: op ("mm", "addmm", "conv", ...),
    m, n, k,
    batch (default 1), dtype ("bf16", ...), and optionally name, numerics,
    and NumPy arrays a ([batch,] m x k), b ([batch,] k x n), c (broadcastable
    to the output) and observed ([batch,] m x n). Arrays are saved as
    float32 .npy files in the manifest's folder and named relative to it.
    GEMMs without arrays and with equal (name, op, m, n, k, batch, dtype,
    numerics) are merged into one entry with a count; a name used again
    gets "#2", "#3", ... Returns the entries
    written (dicts), in order.
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    entries = []
    merged = {}
    used = {}
    for index, g in enumerate(gemms):
        batch = int(g.get("batch", 1))
        m, n, k = int(g["m"]), int(g["n"]), int(g["k"])
        arrays = {key: g.get(key) for key in ("a", "b", "c", "observed")}
        has_arrays = any(v is not None for v in arrays.values())
        key = (g.get("name"), g["op"], m, n, k, batch, g["dtype"],
               g.get("numerics"))
        if not has_arrays and key in merged:
            merged[key]["count"] += 1
            continue
        shape = f"{m}x{n}x{k}" + (f"x{batch}" if batch > 1 else "")
        entry_name = g.get("name") or f"{index}.{g['op']}.{shape}"
        used[entry_name] = used.get(entry_name, 0) + 1
        if used[entry_name] > 1:  # names stay unique (simulate --out)
            entry_name += f"#{used[entry_name]}"
        entry = {
            "name": entry_name,
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
    """Collects GEMM records and the GEMM-like ops it could not record;
    used by capture_gemms."""

    def __init__(self, save_operands, numerics, tracker):
        self.save_operands = save_operands
        self.numerics = numerics
        self.tracker = tracker
        self.gemms = []
        self.skipped = {}  # "aten.op (why)" -> count
        self.notes = {}  # "why" -> count: recorded, but without some arrays

    def see(self, func, args, kwargs, out, records):
        """Records op `func` that ran on `args` and returned `out`;
        `records` is capture_ops.gemm_records's answer for it."""
        gemms, reason = records
        dtype = next((a.dtype for a in args if hasattr(a, "dtype")), None)
        if gemms is not None and str(dtype) not in TORCH_DTYPES:
            gemms, reason = None, f"dtype {dtype}"
        if gemms is None:
            key = f"aten.{func.overloadpacket.__name__} ({reason})"
            self.skipped[key] = self.skipped.get(key, 0) + 1
            return
        module, phase = self.tracker.where()
        for g in gemms:
            shape = f"{g['m']}x{g['n']}x{g['k']}"
            if g["batch"] > 1:
                shape += f"x{g['batch']}"
            name = f"{phase}.{g['op']}.{shape}"
            if module:
                name = f"{module}.{name}"
            if "note" in g:
                name += f"({g.pop('note')})"
            if "warning" in g:
                why = g.pop("warning")
                self.notes[why] = self.notes.get(why, 0) + 1
            g.update(name=name, dtype=TORCH_DTYPES[str(dtype)],
                     numerics=self.numerics)
            self.gemms.append(g)

    def summary(self):
        """One line for the manifest's description and the warning."""
        text = f"{len(self.gemms)} GEMMs captured by tools/capture_gemms.py"
        for title, counts in (("not recorded", self.skipped),
                              ("recorded without some operands", self.notes)):
            if counts:
                text += f"; {title}: " + ", ".join(
                    f"{key} x{n}" for key, n in sorted(counts.items()))
        return text


@contextlib.contextmanager
def capture_gemms(path, name=None, save_operands=False, numerics=None,
                  model=None):
    """Records the GEMMs of the code run inside the block (forward and
    backward) and writes the manifest at `path` on exit; `model` (a module)
    names the GEMMs after its submodules."""
    # pylint: disable=import-outside-toplevel
    from torch.utils._python_dispatch import TorchDispatchMode
    from torch.utils._pytree import tree_map
    import capture_ops

    tracker = capture_ops.ModuleTracker(model)
    recorder = _Recorder(save_operands, numerics, tracker)

    class GemmMode(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            op = func.overloadpacket.__name__
            if not capture_ops.GEMM_LIKE.search(op):
                return func(*args, **kwargs)
            seen = args
            if func._schema.is_mutable:  # pylint: disable=protected-access
                # addmm_ and out= variants overwrite an operand: copy first.
                seen = tree_map(
                    lambda x: x.clone() if hasattr(x, "clone") else x, args)
            out = func(*args, **kwargs)
            records = capture_ops.gemm_records(
                op.rstrip("_"), seen, kwargs, out, recorder.save_operands)
            recorder.see(func, seen, kwargs, out, records)
            return out

    tracker.start()
    try:
        with GemmMode():
            yield recorder
    finally:
        tracker.stop()
    summary = recorder.summary()
    write_manifest(path, recorder.gemms, name=name, description=summary)
    if recorder.skipped or recorder.notes:
        warnings.warn(f"capture_gemms: {summary}", stacklevel=3)


if __name__ == "__main__":
    print(__doc__)
