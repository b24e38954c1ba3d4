"""The torch side of tools/capture_gemms.py: which aten ops are GEMMs, the
matrices each one multiplies, and which module (forward or backward) ran it.

Every function here takes the op's own arguments as the dispatcher passed
them and returns GEMM records (dicts for capture_gemms.write_manifest) whose
saved operands are copies taken at once: an optimizer step later in the
capture block updates the weights in place, and a view would then describe
a product the run never computed.
"""

import re

import torch
import torch.nn.functional as F

# Ops whose name looks like a matrix product or a convolution: one of these
# that gemm_records does not handle is reported, never dropped silently.
GEMM_LIKE = re.compile(
    r"(^|_)(mm|bmm|addmm|baddbmm|addbmm|mv|addmv|addr|dot|vdot|ger|outer|"
    r"inner|matmul|linear|einsum|tensordot|bilinear)(_|$)|conv(?!ert)")


def _copy(t):
    """A float32 NumPy copy (bf16/fp16 values are exact in float32)."""
    return t.detach().to("cpu", torch.float32).contiguous().numpy().copy()


def _opt(args, i, default):
    return args[i] if len(args) > i and args[i] is not None else default


def _scaled(op, args, kwargs, out, a, b, c, save, shape):
    """A record for op(c, a, b, beta=, alpha=) computing `out` (c None: a
    plain product without beta and alpha)."""
    beta = 1 if c is None else kwargs.get("beta", _opt(args, 3, 1))
    alpha = 1 if c is None else kwargs.get("alpha", _opt(args, 4, 1))
    m, n, k, batch = shape
    g = {"op": op, "m": m, "n": n, "k": k, "batch": batch}
    notes = [f"{key}={v}" for key, v in (("beta", beta), ("alpha", alpha))
             if v != 1]
    if notes:
        g["note"] = ",".join(notes)
    if save:
        g["a"], g["b"] = _copy(a), _copy(b)
        if c is not None and beta != 0:
            # beta scales c as torch does, in float32 (exact for powers of 2).
            g["c"] = _copy(c) * float(beta)
        if alpha == 1:
            g["observed"] = _copy(out)
        else:
            # alpha scales the product inside the kernel; the saved A, B no
            # longer describe `out` on their own.
            g["warning"] = f"{op} with alpha={alpha}: observed not saved"
    return [g]


def _conv_params(args, spatial):
    def pair(v):
        v = list(v) if isinstance(v, (list, tuple)) else [v]
        return v * spatial if len(v) == 1 else v
    return pair(args[0]), pair(args[1]), pair(args[2])


def _grouped_rows(t, groups):
    """[N, g*C, *S] -> [g, N*prod(S), C]: each group's pixels as rows."""
    n, channels = t.shape[0], t.shape[1] // groups
    return (t.reshape(n, groups, channels, -1).permute(1, 0, 3, 2)
            .reshape(groups, -1, channels))


def _unfolded(x, kernel, dilation, padding, stride, groups):
    """im2col of x per group: [g, N*L, C/g*kh*kw] (F.unfold's (c, i, j)
    order, the order of weight.reshape(Cout, -1))."""
    cols = F.unfold(x, kernel, dilation=dilation, padding=padding,
                    stride=stride)
    return _grouped_rows(cols.unsqueeze(-1), groups)


def _squeeze(arrays, groups):
    """One group: plain matrices (batch 1), as a Linear layer's would be."""
    return [v[0] if groups == 1 else v for v in arrays]


def _conv_forward(args, out, save):
    x, w, bias = args[0], args[1], args[2]
    stride, padding, dilation = _conv_params(args[3:6], x.dim() - 2)
    transposed, groups = args[6], args[8]
    if transposed:
        return None, "transposed convolution"
    cout, kg = w.shape[0], w[0].numel()
    m = out.shape[0] * out[0, 0].numel()
    g = {"op": "conv", "m": m, "n": cout // groups, "k": kg, "batch": groups}
    if not save:
        return [g], None
    if x.dim() != 4:
        g["warning"] = f"{x.dim() - 2}-D convolution: operands not saved"
        return [g], None
    a = _unfolded(x, w.shape[2:], dilation, padding, stride, groups)
    b = w.reshape(groups, cout // groups, kg).transpose(1, 2)
    d = _grouped_rows(out, groups)
    g["a"], g["b"], g["observed"] = _squeeze(
        [_copy(a), _copy(b), _copy(d)], groups)
    if bias is not None:
        c = _copy(bias)
        g["c"] = c if groups == 1 else c.reshape(groups, 1, -1)
    return [g], None


def _conv_backward(args, out, save):
    go, x, w = args[0], args[1], args[2]
    stride, padding, dilation = _conv_params(args[4:7], x.dim() - 2)
    transposed, groups, mask = args[7], args[9], args[10]
    if transposed:
        return None, "transposed convolution backward"
    n_img, cin, cout = x.shape[0], x.shape[1], w.shape[0]
    kg = w[0].numel()
    pixels_out = go[0, 0].numel()
    gemms = []
    if mask[0]:  # grad_input: a convolution of the spread-out grad_output
        gemms.append({"op": "conv_dgrad", "m": n_img * x[0, 0].numel(),
                      "n": cin // groups,
                      "k": cout // groups * w[0, 0].numel(), "batch": groups})
    if mask[1]:  # grad_weight: grad_output^T x im2col(input)
        gemms.append({"op": "conv_wgrad", "m": cout // groups, "n": kg,
                      "k": n_img * pixels_out, "batch": groups})
    if not save:
        return gemms, None
    if x.dim() != 4:
        for g in gemms:
            g["warning"] = f"{x.dim() - 2}-D convolution: operands not saved"
        return gemms, None
    kernel = w.shape[2:]
    for g in gemms:
        if g["op"] == "conv_wgrad":
            a = _grouped_rows(go, groups).transpose(1, 2)
            b = _unfolded(x, kernel, dilation, padding, stride, groups)
            d = out[1].reshape(groups, cout // groups, kg)
        else:
            a, b = _dgrad_operands(go, x, w, stride, padding, dilation,
                                   groups)
            d = _grouped_rows(out[0], groups)
        g["a"], g["b"], g["observed"] = _squeeze(
            [_copy(a), _copy(b), _copy(d)], groups)
    return gemms, None


def _dgrad_operands(go, x, w, stride, padding, dilation, groups):
    """grad_input as the implicit GEMM of a stride-1 convolution: grad_output
    spread out by the stride (zeros between), padded by dilation*(k-1) - p
    on the left (negative: cropped), convolved with the flipped kernel."""
    kernel = w.shape[2:]
    spread = go.new_zeros(go.shape[:2] + tuple(
        (o - 1) * s + 1 for o, s in zip(go.shape[2:], stride)))
    spread[:, :, ::stride[0], ::stride[1]] = go
    pad = []
    for i in (1, 0):  # F.pad lists the last dimension first
        left = dilation[i] * (kernel[i] - 1) - padding[i]
        right = x.shape[2 + i] + padding[i] - spread.shape[2 + i]
        pad += [left, right]
    z = F.pad(spread, pad)
    cout, cin_g = w.shape[0], w.shape[1]
    flipped = (w.reshape(groups, cout // groups, cin_g, *kernel)
               .transpose(1, 2).flip(-1, -2)
               .reshape(groups * cin_g, cout // groups, *kernel))
    a = _unfolded(z, kernel, dilation, 0, 1, groups)
    b = flipped.reshape(groups, cin_g, -1).transpose(1, 2)
    return a, b


def gemm_records(name, args, kwargs, out, save):
    """(records, reason): the GEMMs of aten op `name` (its overload packet
    name, e.g. "addmm"), or None and why it was not recorded."""
    if name == "mm":
        a, b = args[0], args[1]
        return _scaled("mm", args, {}, out, a, b, None, save,
                       (a.shape[0], b.shape[1], a.shape[1], 1)), None
    if name == "bmm":
        a, b = args[0], args[1]
        return _scaled("bmm", args, {}, out, a, b, None, save,
                       (a.shape[1], b.shape[2], a.shape[2], a.shape[0])), None
    if name == "addmm":
        c, a, b = args[:3]
        return _scaled("addmm", args, kwargs, out, a, b, c, save,
                       (a.shape[0], b.shape[1], a.shape[1], 1)), None
    if name == "baddbmm":
        c, a, b = args[:3]
        return _scaled("baddbmm", args, kwargs, out, a, b, c, save,
                       (a.shape[1], b.shape[2], a.shape[2], a.shape[0])), None
    if name == "addbmm":
        # sum_i a_i @ b_i is one GEMM over K = batch * k: A's batches side
        # by side, B's stacked.
        c, a, b = args[:3]
        batch, m, k = a.shape
        wide = a.permute(1, 0, 2).reshape(m, batch * k)
        tall = b.reshape(batch * k, b.shape[2])
        return _scaled("addbmm", args, kwargs, out, wide, tall, c, save,
                       (m, b.shape[2], batch * k, 1)), None
    if name in ("mv", "addmv"):
        c, a, v = (None, *args[:2]) if name == "mv" else args[:3]
        if c is not None and c.numel() > 1:
            c = c.reshape(-1, 1)  # [m] -> the [m, 1] output column
        return _scaled(name, args, kwargs, out.reshape(-1, 1), a,
                       v.reshape(-1, 1), c, save,
                       (a.shape[0], 1, a.shape[1], 1)), None
    if name == "convolution":
        return _conv_forward(args, out, save)
    if name == "convolution_backward":
        return _conv_backward(args, out, save)
    return None, "not a GEMM the capture helper knows"


def _tensors(obj):
    """The tensors in a module's inputs or outputs (nested tuples, lists,
    dicts)."""
    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, (tuple, list)):
        for item in obj:
            yield from _tensors(item)
    elif isinstance(obj, dict):
        for item in obj.values():
            yield from _tensors(item)


class ModuleTracker:
    """Which module runs now, forward and backward.

    Forward: a stack kept by global module pre-hooks and hooks. Backward
    runs after every module has returned, so each autograd node is tagged
    in forward with the module that created it: when module M returns, the
    untagged part of the graph behind its outputs is M's; when M starts,
    the untagged part behind its inputs belongs to its caller (so a child
    never claims nodes its parent made before calling it). A tagged node's
    pre-hook and post-hook say which module's backward runs while the
    autograd engine executes it (on the calling thread for CPU tensors).
    torch.autograd.backward and grad are wrapped while the capture is
    active so that nodes created outside any module (a loss) count as
    backward too; torch 1.13 has no API for "the node running now".
    """

    KEY = "gemmsim.module"

    def __init__(self, root=None):
        self.names = {}
        if root is not None:
            for name, module in root.named_modules():
                self.names[module] = name or type(module).__name__
        self.stack = []
        self.node_module = None
        self.backward_depth = 0
        self.handles = []
        self.saved = None

    def where(self):
        """(module name or "", "forward" or "backward")."""
        if self.backward_depth:
            return self.node_module or "", "backward"
        return (self.stack[-1] if self.stack else ""), "forward"

    def start(self):
        hooks = torch.nn.modules.module
        self.handles = [hooks.register_module_forward_pre_hook(self._pre),
                        hooks.register_module_forward_hook(self._post)]
        self.saved = (torch.autograd.backward, torch.autograd.grad)
        torch.autograd.backward = self._wrap(self.saved[0])
        torch.autograd.grad = self._wrap(self.saved[1])

    def stop(self):
        for handle in self.handles:
            handle.remove()
        torch.autograd.backward, torch.autograd.grad = self.saved

    def _name(self, module):
        return self.names.get(module, type(module).__name__)

    def _pre(self, module, inputs):
        self._tag(inputs, self.stack[-1] if self.stack else "")
        self.stack.append(self._name(module))

    def _post(self, module, inputs, output):
        name = self.stack.pop()
        self._tag(output, name)

    def _wrap(self, function):
        def wrapped(tensors, *args, **kwargs):
            self._tag(tensors, "")
            self.backward_depth += 1
            try:
                return function(tensors, *args, **kwargs)
            finally:
                self.backward_depth -= 1
        return wrapped

    def _tag(self, obj, name):
        todo = [t.grad_fn for t in _tensors(obj) if t.grad_fn is not None]
        while todo:
            node = todo.pop()
            if node is None or self.KEY in node.metadata:
                continue
            node.metadata[self.KEY] = name
            node.register_prehook(self._enter(name))
            node.register_hook(self._leave)
            todo.extend(next_node for next_node, _ in node.next_functions)

    def _enter(self, name):
        def hook(_grad_outputs):
            self.node_module = name
        return hook

    def _leave(self, _grad_inputs, _grad_outputs):
        self.node_module = None
