#!/usr/bin/env python3
"""gemmsim.torch: emulated autograd matmul, Linear, Conv2d and emulate().

Exactness: with integer-valued operands small enough that every product and
sum is exact in the inputs' and accumulator's formats, an emulated GEMM is
the exact GEMM, so forward and every gradient must equal a float64
reference bit for bit. Per-pass numerics are checked by recomputing each
backward GEMM with gemmsim.matmul under the numerics that pass names.
Exits 77 (ctest: skipped) when torch cannot be imported.
"""
import sys
import unittest

try:
    import torch
except ImportError:
    print("torch_test: skipped: torch is not importable "
          "(apt-get install python3-torch)")
    sys.exit(77)

import numpy as np

import gemmsim
import gemmsim.torch as gt

# e4m3fn holds every integer in [-16, 16]; a K <= 64 sum of products of
# them stays below 2^24, so fp32 accumulation is exact as well.
EXACT = "fp8-acc-fp32"


def ints(shape, gen, low=-4, high=5):
    return torch.randint(low, high, shape, generator=gen).to(torch.float32)


class ExactGradients(unittest.TestCase):
    def test_matmul_forward_and_backward_exact(self):
        gen = torch.Generator().manual_seed(1)
        a = ints((2, 5, 12), gen).requires_grad_()
        b = ints((12, 7), gen).requires_grad_()
        d = gt.matmul(a, b, numerics=EXACT, grad_numerics=EXACT)
        g = ints(d.shape, gen)
        d.backward(g)
        a64, b64 = a.detach().double(), b.detach().double()
        self.assertTrue(torch.equal(d.double(), a64 @ b64))
        self.assertTrue(torch.equal(a.grad.double(),
                                    g.double() @ b64.t()))
        # b broadcast over a's batch: its gradient sums over it.
        self.assertTrue(torch.equal(
            b.grad.double(), (a64.transpose(1, 2) @ g.double()).sum(0)))

    def test_linear_matches_float64(self):
        gen = torch.Generator().manual_seed(2)
        ref = torch.nn.Linear(16, 6)
        with torch.no_grad():
            ref.weight.copy_(ints((6, 16), gen))
            ref.bias.copy_(ints((6,), gen))
        layer = gt.Linear(16, 6, forward=EXACT, grad_input=EXACT,
                          grad_weight=EXACT)
        layer.load_state_dict(ref.state_dict())
        x = ints((3, 4, 16), gen)
        x1, x2 = x.clone().requires_grad_(), x.double().requires_grad_()
        y = layer(x1)
        g = ints(y.shape, gen)
        y.backward(g)
        ref64 = ref.double()
        y64 = ref64(x2)
        y64.backward(g.double())
        self.assertTrue(torch.equal(y.double(), y64))
        self.assertTrue(torch.equal(x1.grad.double(), x2.grad))
        self.assertTrue(torch.equal(layer.weight.grad.double(),
                                    ref64.weight.grad))
        self.assertTrue(torch.equal(layer.bias.grad.double(),
                                    ref64.bias.grad))

    def test_conv2d_matches_float64(self):
        gen = torch.Generator().manual_seed(3)
        checked = 0
        for groups, stride, padding, dilation in [(1, 1, 1, 1), (2, 2, 0, 1),
                                                  (1, 1, 2, 2), (1, 1, "same",
                                                                 2),
                                                  (2, 1, "valid", 1)]:
            ref = torch.nn.Conv2d(4, 6, 3, stride=stride, padding=padding,
                                  dilation=dilation, groups=groups)
            with torch.no_grad():
                ref.weight.copy_(ints(ref.weight.shape, gen, -2, 3))
                ref.bias.copy_(ints(ref.bias.shape, gen))
            layer = gt.Conv2d(4, 6, 3, stride=stride, padding=padding,
                              dilation=dilation, groups=groups,
                              forward=EXACT, grad_input=EXACT,
                              grad_weight=EXACT)
            layer.load_state_dict(ref.state_dict())
            x = ints((2, 4, 7, 6), gen, -2, 3)
            x1, x2 = x.clone().requires_grad_(), x.double().requires_grad_()
            y = layer(x1)
            ref64 = ref.double()
            y64 = ref64(x2)
            self.assertEqual(y.shape, y64.shape)
            g = ints(y.shape, gen, -2, 3)
            y.backward(g)
            y64.backward(g.double())
            self.assertTrue(torch.equal(y.double(), y64))
            self.assertTrue(torch.equal(x1.grad.double(), x2.grad))
            self.assertTrue(torch.equal(layer.weight.grad.double(),
                                        ref64.weight.grad))
            checked += 1
        self.assertEqual(checked, 5)


class PerPassNumerics(unittest.TestCase):
    def test_each_pass_runs_its_own_numerics(self):
        gen = torch.Generator().manual_seed(4)
        x = torch.randn(8, 32, generator=gen, requires_grad=True)
        layer = gt.Linear(32, 5, bias=False, forward="h100-e4m3-fp32",
                          grad_input="fp8-acc-bf16",
                          grad_weight={"numerics": "fp8-acc-fp16",
                                       "set": {"accumulate.format": "e5m7"},
                                       "seed": 3})
        y = layer(x)
        g = torch.randn(y.shape, generator=gen)
        y.backward(g)
        w = layer.weight.detach()
        xd = x.detach()
        self.assertTrue(torch.equal(
            y, gemmsim.matmul(xd, w.t(), numerics="h100-e4m3-fp32")))
        self.assertTrue(torch.equal(
            x.grad, gemmsim.matmul(g, w, numerics="fp8-acc-bf16")))
        self.assertTrue(torch.equal(
            layer.weight.grad,
            gemmsim.matmul(xd.t(), g, numerics="fp8-acc-fp16",
                           set={"accumulate.format": "e5m7"}).t()))
        # And they differ from the native float32 gradients (the test
        # could fail).
        self.assertFalse(torch.equal(x.grad, g @ w))

    def test_none_is_native_and_seeds_vary(self):
        gen = torch.Generator().manual_seed(5)
        a = torch.randn(6, 40, generator=gen, requires_grad=True)
        b = torch.randn(40, 6, generator=gen)
        gt.matmul(a, b, numerics="fp8-acc-fp32").backward(torch.ones(6, 6))
        self.assertTrue(torch.equal(a.grad, torch.ones(6, 6) @ b.t()))
        sr = {"numerics": "fp8-acc-bf16",
              "set": {"accumulate.rounding": "stochastic"}}
        torch.manual_seed(0)
        first = gt.matmul(a, b, numerics=sr)
        second = gt.matmul(a, b, numerics=sr)
        torch.manual_seed(0)
        again = gt.matmul(a, b, numerics=sr)
        self.assertFalse(torch.equal(first, second))
        self.assertTrue(torch.equal(first, again))


class Emulate(unittest.TestCase):
    def test_swaps_layers_in_place(self):
        torch.manual_seed(0)
        model = torch.nn.Sequential(
            torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(),
            torch.nn.Flatten(), torch.nn.Sequential(torch.nn.Linear(64, 10)))
        params = list(model.parameters())
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        x = torch.randn(5, 1, 4, 4)
        ref = model(x)
        gt.emulate(model, forward="exact", grad_input="exact",
                   grad_weight="exact")
        self.assertIsInstance(model[0], gt.Conv2d)
        self.assertIsInstance(model[3][0], gt.Linear)
        self.assertEqual([id(p) for p in model.parameters()],
                         [id(p) for p in params])
        self.assertIn("grad_weight='exact'", repr(model))
        # `exact` rounds the inputs to e4m3fn: close to, not equal to, fp32.
        out = model(x)
        self.assertFalse(torch.equal(out, ref))
        self.assertLess((out - ref).abs().max().item(), 0.5)
        loss = out.square().mean()
        loss.backward()
        before = params[0].detach().clone()
        opt.step()
        self.assertFalse(torch.equal(before, params[0]))
        with self.assertRaises(gemmsim.Error):
            gt.emulate(model, forward={"preset": "exact"})

    def test_bad_numerics_raise(self):
        a = torch.ones(2, 3)
        with self.assertRaises(gemmsim.Error) as ctx:
            gt.matmul(a, a.t(), numerics="no-such-preset")
        self.assertEqual(ctx.exception.exit_code, 2)
        with self.assertRaises(gemmsim.Error) as ctx:
            gt.matmul(torch.ones(3), torch.ones(3, 2))
        self.assertEqual(ctx.exception.exit_code, 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
