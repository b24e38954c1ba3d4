"""gemmsim: bit-accurate numerics of matrix engines, from Python.

The same engine as the `gemmsim` command, over NumPy arrays and torch
tensors (SPEC.md "Python"). matmul gives the bits `gemmsim gemm` writes;
errors raise gemmsim.Error (a ValueError) with the command's message and
exit code. gemmsim.torch holds the autograd-aware layers.
"""

import json as _json

from . import _gemmsim
from ._convert import like as _like
from ._convert import set_overrides as _sets
from ._convert import to_numpy as _np

__version__ = _gemmsim.__version__
Error = _gemmsim.Error
Error.__doc__ = (
    "A gemmsim error: the message the command line prints; exit_code is "
    "its exit code (2 usage or configuration, 3 input, 70 internal)."
)


def formats():
    """Every number format, as dicts (`gemmsim formats --json`)."""
    return _json.loads(_gemmsim.formats_json())["formats"]


def numerics_presets():
    """The names of the bundled numerics presets (configs/numerics/)."""
    return list(_gemmsim.numerics_presets())


def numerics(name, set=None):
    """The resolved numerics of a preset or YAML file, every field (dict)."""
    return _json.loads(_gemmsim.numerics_json(name, _sets(set)))


def quantize(x, format, rounding="rne", overflow="ieee", seed=0,
             stochastic_bits=32):
    """Codes of `format` for the float values x (`gemmsim quantize`).

    uint8 codes for formats of at most 8 bits, uint16 for 16, uint32, else
    uint64; rounding is rne, rna, rtz, rup, rdown, rto or stochastic.
    """
    codes = _gemmsim.quantize(_np(x, "x"), format, rounding, overflow,
                              int(seed), int(stochastic_bits))
    return _like(codes, x)


def dequantize(codes, format):
    """Values of codes of `format`: float32, float64 where float32 cannot
    hold every value of the format (`gemmsim dequantize`)."""
    return _like(_gemmsim.dequantize(_np(codes, "codes"), format), codes)


def matmul(a, b, c=None, numerics="h100-e4m3-fp32", set=None, threads=0,
           seed=None):
    """D = C + A B under a numerics model, the bits of `gemmsim gemm`.

    a [..., M, K] and b [..., K, N] broadcast as numpy.matmul does; float
    arrays are values rounded into the numerics' input formats, unsigned
    integer arrays are codes of them. c broadcasts to D. `set` is a dict of
    --set overrides ({"accumulate.format": "e5m7"}); seed is --seed.
    threads=0 uses every core; the result does not depend on it.
    """
    d, _, _ = _run(a, b, c, numerics, set, threads, seed, report=False)
    return _like(d, a)


def error_report(a, b, c=None, numerics="h100-e4m3-fp32", set=None,
                 threads=0, seed=None):
    """The report of `gemmsim gemm --json` for these operands (dict): the
    kernel, and D's error against the exact result and the unquantized
    operands. Operands are named "a", "b", "c"; output.file is None."""
    _, _, report = _run(a, b, c, numerics, set, threads, seed, report=True)
    return _json.loads(report)


def estimate(machine, shapes=None, dtype="bf16", set=None, trace=None):
    """The report of `gemmsim estimate --json` (dict): cycles, seconds,
    TFLOP/s, utilisation and bound of each GEMM and in total.

    shapes: a list of (M, N, K) or (M, N, K, batch), all of `dtype`; or
    trace: a trace file (manifest, CSV with `dtype`, profiler JSON). `set`
    overrides keys of the machine, as --set does.
    """
    if isinstance(shapes, tuple):
        shapes = [shapes]
    dims = [[int(v) for v in s] for s in (shapes or [])]
    return _json.loads(_gemmsim.estimate(machine, _sets(set), dims,
                                         str(dtype), str(trace or "")))


def validate(trace, numerics=None, search=False, set=None, threads=0,
             top=10, sample=512, show=5, write_best=None, verbose=False):
    """The report of `gemmsim validate --json` (dict) for a trace manifest.

    A mismatch is data, not an exception: the report's total (or each
    search's ranking) says how many observed outputs the model explains;
    report["failure"] is the command's exit-1 message, or None. verbose
    prints what the command prints.
    """
    report, failure, text = _gemmsim.validate(
        str(trace), numerics or "", _sets(set), bool(search), int(threads),
        int(top), int(sample), int(show), write_best or "")
    if verbose:
        print(text, end="")
    result = _json.loads(report)
    result["failure"] = failure or None
    return result


def _run(a, b, c, numerics, set, threads, seed, report):
    sets = _sets(set)
    if seed is not None:
        sets.append(f"seed={int(seed)}")  # as --seed: after every --set
    c_array = None if c is None else _np(c, "c")
    return _gemmsim.matmul(_np(a, "a"), _np(b, "b"), c_array, str(numerics),
                           sets, int(threads), report)
