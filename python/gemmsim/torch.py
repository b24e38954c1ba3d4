"""Emulated GEMMs in PyTorch training: autograd matmul, Linear, Conv2d.

Each layer runs three GEMMs per step, each under its own numerics, as
FP8/FP4 training recipes do (SPEC.md "Python"):
  forward      y  = x W^T           (numerics `forward`)
  grad_input   dx = dy W            (numerics `grad_input`)
  grad_weight  dW = dy^T x          (numerics `grad_weight`)
A pass's numerics is a preset name or YAML path, a dict
{"numerics": NAME, "set": {KEY: VALUE}, "seed": N}, or None: that GEMM runs
as plain torch (float32) instead of emulated.

Gradients are straight-through: the backward GEMMs take the saved,
unquantized operands and round them into their own input formats, as if
d(quantize(x))/dx were 1. A pass without a seed draws one per call from
torch's generator, so stochastic rounding differs from step to step and
still repeats under torch.manual_seed.
"""

import torch
import torch.nn.functional as F

import gemmsim as _gemmsim
from gemmsim._convert import error as _error_of


def _error(message):
    """A usage error (exit code 2, as the CLI gives for bad options)."""
    return _error_of(message, 2)


def _spec(numerics):
    """(name, set, seed) of a pass's numerics, or None for native torch."""
    if numerics is None:
        return None
    if isinstance(numerics, str):
        return (numerics, None, None)
    if isinstance(numerics, dict):
        unknown = set(numerics) - {"numerics", "set", "seed"}
        if "numerics" not in numerics or unknown:
            raise _error(
                "a pass's numerics dict needs 'numerics' and may have 'set' "
                f"and 'seed'; found keys {sorted(numerics)}")
        return (numerics["numerics"], numerics.get("set"),
                numerics.get("seed"))
    raise _error(
        "a pass's numerics is a preset name, a YAML path, a dict "
        f"{{'numerics': ..., 'set': ...}} or None; found {numerics!r}")


def _gemm(a, b, spec, threads):
    """a @ b under spec (emulated) or natively, in a's dtype."""
    if spec is None:
        return torch.matmul(a, b)
    name, overrides, seed = spec
    if seed is None:
        seed = int(torch.randint(0, 2**62, (1,)).item())
    d = _gemmsim.matmul(a, b, numerics=name, set=overrides, threads=threads,
                        seed=seed)
    return d.to(dtype=a.dtype, device=a.device)


def _sum_to(grad, shape):
    """grad summed over the dims numpy.matmul broadcast (autograd rule)."""
    return grad if grad.shape == shape else grad.sum_to_size(shape)


class _Matmul(torch.autograd.Function):
    """a @ b (numpy.matmul broadcasting) with emulated forward/backward."""

    @staticmethod
    def forward(ctx, a, b, forward, grad_input, grad_weight, threads):
        ctx.save_for_backward(a, b)
        ctx.specs = (grad_input, grad_weight)
        ctx.threads = threads
        return _gemm(a, b, forward, threads)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_input, grad_weight = ctx.specs
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = _sum_to(_gemm(grad, b.transpose(-1, -2), grad_input,
                               ctx.threads), a.shape)
        if ctx.needs_input_grad[1]:
            gb = _sum_to(_gemm(a.transpose(-1, -2), grad, grad_weight,
                               ctx.threads), b.shape)
        return ga, gb, None, None, None, None


def matmul(a, b, numerics="h100-e4m3-fp32", grad_numerics=None,
           grad_input=None, grad_weight=None, threads=0):
    """a @ b under `numerics`, differentiable.

    Backward: dA = dD B^T under grad_input and dB = A^T dD under
    grad_weight; grad_numerics sets both where they are not given. None
    runs that GEMM natively. a and b must be at least 2-D.
    """
    if a.dim() < 2 or b.dim() < 2:
        raise _error("gemmsim.torch.matmul: a and b must be at "
                             f"least 2-D; found {a.dim()}-D and {b.dim()}-D")
    gi = grad_input if grad_input is not None else grad_numerics
    gw = grad_weight if grad_weight is not None else grad_numerics
    return _Matmul.apply(a, b, _spec(numerics), _spec(gi), _spec(gw),
                         int(threads))


class _Emulated:
    """The numerics of a layer's three GEMMs."""

    def _set_numerics(self, forward, grad_input, grad_weight, threads):
        self.forward_numerics = forward
        self.grad_input_numerics = grad_input
        self.grad_weight_numerics = grad_weight
        self.threads = threads

    def _mm(self, x, w_t):
        """x [R, K] @ w_t [K, N]: w is the weight, whose gradient is dW."""
        return _Matmul.apply(x, w_t, _spec(self.forward_numerics),
                             _spec(self.grad_input_numerics),
                             _spec(self.grad_weight_numerics),
                             int(self.threads))

    def _numerics_repr(self):
        return (f"forward={self.forward_numerics!r}, "
                f"grad_input={self.grad_input_numerics!r}, "
                f"grad_weight={self.grad_weight_numerics!r}")


class Linear(torch.nn.Linear, _Emulated):
    """nn.Linear whose GEMMs are emulated; the bias is added after the GEMM
    in the activations' dtype (as an epilogue), not in the accumulator."""

    def __init__(self, in_features, out_features, bias=True,
                 forward="h100-e4m3-fp32", grad_input=None, grad_weight=None,
                 threads=0, device=None, dtype=None):
        super().__init__(in_features, out_features, bias=bias, device=device,
                         dtype=dtype)
        self._set_numerics(forward, grad_input, grad_weight, threads)

    def forward(self, x):
        rows = x.reshape(-1, self.in_features)
        # dW = (dy^T x)^T as the grad of w_t = W^T: its GEMM is x^T dy, K
        # over the batch rows, under grad_weight.
        y = self._mm(rows, self.weight.t())
        if self.bias is not None:
            y = y + self.bias
        return y.reshape(*x.shape[:-1], self.out_features)

    def extra_repr(self):
        return super().extra_repr() + ", " + self._numerics_repr()


class Conv2d(torch.nn.Conv2d, _Emulated):
    """nn.Conv2d as an implicit GEMM: the input unfolded (im2col) to
    [C*kh*kw, N*L] and W [out, C*kh*kw] times it, per group. The grad-input
    GEMM gives the unfolded gradient, which fold() sums natively over
    overlapping windows (real dgrad kernels fuse that sum into their K)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1,
                 padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", forward="h100-e4m3-fp32",
                 grad_input=None, grad_weight=None, threads=0, device=None,
                 dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride,
                         padding, dilation, groups, bias, padding_mode,
                         device=device, dtype=dtype)
        self._set_numerics(forward, grad_input, grad_weight, threads)

    def forward(self, x):
        padding = self.padding
        if isinstance(padding, str):
            # torch's 'valid' is no padding; 'same' pads dilation * (k - 1)
            # per dimension, the odd pixel on the right/bottom, as torch.
            if padding == "same":
                pads = []
                for d, k in zip(reversed(self.dilation),
                                reversed(self.kernel_size)):
                    total = d * (k - 1)
                    pads += [total // 2, total - total // 2]
                mode = ("constant" if self.padding_mode == "zeros" else
                        self.padding_mode)
                x = F.pad(x, pads, mode=mode)
            padding = 0
        elif self.padding_mode != "zeros":
            x = F.pad(x, self._reversed_padding_repeated_twice,
                      mode=self.padding_mode)
            padding = 0
        n, h, w = x.shape[0], x.shape[-2], x.shape[-1]
        kh, kw = self.kernel_size
        out_h = (h + 2 * _pair(padding)[0] - self.dilation[0] * (kh - 1) -
                 1) // self.stride[0] + 1
        out_w = (w + 2 * _pair(padding)[1] - self.dilation[1] * (kw - 1) -
                 1) // self.stride[1] + 1
        groups = self.groups
        cin = self.in_channels // groups
        cout = self.out_channels // groups
        outs = []
        for g in range(groups):
            xg = x[:, g * cin:(g + 1) * cin]
            cols = F.unfold(xg, self.kernel_size, self.dilation, padding,
                            self.stride)  # [N, cin*kh*kw, L]
            cols = cols.transpose(0, 1).reshape(cols.shape[1], -1)
            wg = self.weight[g * cout:(g + 1) * cout].reshape(cout, -1)
            # y^T = cols^T W^T: [N*L, K] @ [K, cout], K = cin*kh*kw; its
            # weight gradient sums over N*L under grad_weight.
            outs.append(self._mm(cols.t(), wg.t()))
        y = torch.cat(outs, dim=1) if groups > 1 else outs[0]
        y = y.reshape(n, out_h * out_w, self.out_channels).transpose(1, 2)
        y = y.reshape(n, self.out_channels, out_h, out_w)
        if self.bias is not None:
            y = y + self.bias.reshape(1, -1, 1, 1)
        return y

    def extra_repr(self):
        return super().extra_repr() + ", " + self._numerics_repr()


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def emulate(module, forward="h100-e4m3-fp32", grad_input=None,
            grad_weight=None, threads=0):
    """Swap every nn.Linear and nn.Conv2d of module (and module itself) for
    the emulated layer, in place, keeping the same Parameter objects (an
    optimizer made before still updates them). Returns the module."""
    numerics = dict(forward=forward, grad_input=grad_input,
                    grad_weight=grad_weight, threads=threads)
    for spec in (forward, grad_input, grad_weight):
        _spec(spec)  # a bad spec fails here, not at the first step
    return _swap(module, numerics)


def _swap(module, numerics):
    if isinstance(module, _Emulated):
        module._set_numerics(**numerics)
        return module
    if type(module) is torch.nn.Linear:
        return _adopt(Linear, module, numerics)
    if type(module) is torch.nn.Conv2d:
        return _adopt(Conv2d, module, numerics)
    for name, child in module.named_children():
        swapped = _swap(child, numerics)
        if swapped is not child:
            setattr(module, name, swapped)
    return module


def _adopt(cls, old, numerics):
    """old's class changed to cls in place: parameters, buffers and hooks
    stay the same objects."""
    old.__class__ = cls
    old._set_numerics(**numerics)
    return old
