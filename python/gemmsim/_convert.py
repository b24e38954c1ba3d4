"""Arguments of the gemmsim functions, as the compiled core takes them.

NumPy arrays pass through; torch tensors become NumPy arrays that share
their memory where they can (CPU, a NumPy dtype); bfloat16 tensors are
widened to float32, which holds every bfloat16 value exactly. The result
comes back in the kind of its first operand.
"""

import json

import numpy as np


def is_torch(x):
    """Whether x is a torch tensor, without importing torch."""
    return type(x).__module__.startswith("torch") and hasattr(x, "detach")


def to_numpy(x, name):
    """A NumPy array of x's values (float, int or code arrays)."""
    if is_torch(x):
        import torch

        t = x.detach()
        if t.device.type != "cpu":
            t = t.cpu()
        if t.dtype == torch.bfloat16:
            t = t.float()  # exact: bfloat16 is float32's upper half
        return t.numpy()
    if isinstance(x, np.ndarray):
        return x
    try:
        return np.asarray(x)
    except Exception as e:  # e.g. ragged lists
        raise error(f"{name}: expected an array or tensor ({e})", 3) from None


def error(message, exit_code):
    """A gemmsim.Error raised from Python, shaped like the core's."""
    from . import _gemmsim

    e = _gemmsim.Error(message)
    e.exit_code = exit_code
    return e


def like(result, template):
    """result (NumPy) as a torch tensor when template is one."""
    if is_torch(template):
        import torch

        return torch.from_numpy(result)
    return result


def set_overrides(overrides):
    """A dict (or list of "KEY=VALUE") as --set strings, in order.

    Values that are not strings are written as JSON, which YAML reads:
    True -> true, 16 -> 16, {"every": 64} -> {"every": 64}.
    """
    if overrides is None:
        return []
    if isinstance(overrides, dict):
        out = []
        for key, value in overrides.items():
            text = value if isinstance(value, str) else json.dumps(value)
            out.append(f"{key}={text}")
        return out
    if isinstance(overrides, str):
        return [overrides]
    return [str(s) for s in overrides]
