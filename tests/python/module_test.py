#!/usr/bin/env python3
"""gemmsim's Python module against the command line: the same bits.

Usage: module_test.py GEMMSIM_BINARY   (gemmsim importable: PYTHONPATH)
Every case writes its operands to .npy, runs `gemmsim gemm` (or quantize,
dequantize, formats) and compares the file with what the module returns,
bit for bit. Bad input must raise gemmsim.Error with the CLI's exit code.
"""
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import numpy as np

import gemmsim

BINARY = None


def cli(*args, check=True):
    r = subprocess.run([BINARY, *map(str, args)], capture_output=True,
                       text=True)
    if check and r.returncode != 0:
        raise AssertionError(f"gemmsim {args}: {r.returncode}\n{r.stderr}")
    return r


def same_bits(x, y):
    """Equal dtype, shape and bytes (NaN payloads and -0 included)."""
    return x.dtype == y.dtype and x.shape == y.shape and \
        x.tobytes() == y.tobytes()


class GemmMatchesCli(unittest.TestCase):
    """gemmsim.matmul == `gemmsim gemm` for numerics over every kernel."""

    CASES = [
        # (numerics, --set list, a shape, b shape, with c)
        ("h100-e4m3-fp32", [], (37, 70), (70, 19), True),
        ("fp8-acc-fp32", [], (3, 16, 33), (33, 8), False),
        ("exact", [], (9, 40), (40, 7), True),
        ("b200-e4m3-fp32", [], (16, 64), (64, 16), False),
        ("ada-e4m3-fp16", [], (5, 32), (32, 6), False),
        ("fp8-acc-fp32", ["accumulate.format=e5m7"], (12, 96), (96, 10), True),
        ("fp8-acc-fp32", ["accumulate.format=int24",
                          "accumulate.overflow=wrap", "output.format=fp64",
                          "inputs.a=int8", "inputs.b=int8"],
         (8, 50), (50, 8), False),
        ("fp8-acc-fp32", ["accumulate.rounding=stochastic", "seed=7",
                          "accumulate.format=bf16"], (8, 64), (64, 8), False),
        ("fp8-acc-fp32", ["accumulate.order=pairwise", "accumulate.block=16"],
         (6, 45), (45, 6), False),
        ("fp8-acc-fp32", ["inputs.a.scaling=mx", "inputs.b.scaling=mx"],
         (8, 64), (64, 8), False),
        ("fp8-acc-fp16", ["accumulate.promote.every=16",
                          "accumulate.promote.format=fp32"],
         (7, 70), (70, 9), False),
        ("h100-bf16-fp32", [], (2, 1, 24, 32), (3, 32, 5), False),
    ]

    def test_every_case(self):
        rng = np.random.default_rng(14)
        checked = 0
        with tempfile.TemporaryDirectory() as tmp:
            for numerics, sets, ashape, bshape, with_c in self.CASES:
                a = (rng.standard_normal(ashape) * 3).astype(np.float32)
                b = rng.standard_normal(bshape).astype(np.float32)
                if "int8" in " ".join(sets):
                    a = np.round(a * 10).astype(np.float32)
                    b = np.round(b * 30).astype(np.float32)
                a.flat[0] = 0.0
                a.flat[1] = -0.0
                d_shape = np.matmul(a, b).shape
                c = rng.standard_normal(d_shape[-1:]).astype(np.float32) \
                    if with_c else None
                paths = {n: os.path.join(tmp, n + ".npy") for n in "abcd"}
                np.save(paths["a"], a)
                np.save(paths["b"], b)
                args = ["gemm", "--numerics", numerics, paths["a"], paths["b"],
                        "-o", paths["d"], "--threads", 2]
                for s in sets:
                    args += ["--set", s]
                if c is not None:
                    np.save(paths["c"], c)
                    args += ["-c", paths["c"]]
                cli(*args)
                want = np.load(paths["d"])
                for threads in (1, 2):
                    got = gemmsim.matmul(a, b, c, numerics=numerics, set=sets,
                                         threads=threads)
                    self.assertTrue(same_bits(got, want),
                                    f"{numerics} {sets} threads={threads}")
                    checked += 1
        self.assertEqual(checked, 2 * len(self.CASES))

    def test_set_dict_and_seed(self):
        rng = np.random.default_rng(3)
        a = rng.standard_normal((8, 64)).astype(np.float32)
        b = rng.standard_normal((64, 8)).astype(np.float32)
        as_list = gemmsim.matmul(a, b, numerics="fp8-acc-bf16", set=[
            "accumulate.rounding=stochastic", "seed=5"])
        as_dict = gemmsim.matmul(a, b, numerics="fp8-acc-bf16", set={
            "accumulate.rounding": "stochastic"}, seed=5)
        other = gemmsim.matmul(a, b, numerics="fp8-acc-bf16", set={
            "accumulate.rounding": "stochastic"}, seed=6)
        self.assertTrue(same_bits(as_list, as_dict))
        self.assertFalse(same_bits(as_list, other))
        promote = gemmsim.matmul(a, b, numerics="fp8-acc-fp16", set={
            "accumulate.promote": {"every": 16, "format": "fp32"}})
        plain = gemmsim.matmul(a, b, numerics="fp8-acc-fp16")
        self.assertEqual(promote.shape, plain.shape)

    def test_codes_and_noncontiguous(self):
        rng = np.random.default_rng(9)
        a = rng.integers(0, 256, (6, 20), dtype=np.uint8)  # e4m3fn codes
        a[a & 0x7F == 0x7F] = 0  # no NaN codes
        b = rng.standard_normal((6, 20)).astype(np.float32).T  # a view
        with tempfile.TemporaryDirectory() as tmp:
            pa, pb, pd = (os.path.join(tmp, n) for n in ("a.npy", "b.npy",
                                                          "d.npy"))
            np.save(pa, a)
            np.save(pb, np.ascontiguousarray(b))
            cli("gemm", "--numerics", "fp8-acc-fp32", pa, pb, "-o", pd)
            self.assertTrue(same_bits(
                gemmsim.matmul(a, b, numerics="fp8-acc-fp32"), np.load(pd)))

    def test_error_report_matches_cli_json(self):
        rng = np.random.default_rng(4)
        a = rng.standard_normal((10, 30)).astype(np.float32)
        b = rng.standard_normal((30, 4)).astype(np.float32)
        with tempfile.TemporaryDirectory() as tmp:
            pa, pb, pd, pj = (os.path.join(tmp, n) for n in (
                "a.npy", "b.npy", "d.npy", "r.json"))
            np.save(pa, a)
            np.save(pb, b)
            cli("gemm", "--numerics", "h100-e4m3-fp32", pa, pb, "-o", pd,
                "--json", pj)
            with open(pj) as f:
                want = json.load(f)
        got = gemmsim.error_report(a, b, numerics="h100-e4m3-fp32")
        for doc in (want, got):
            del doc["seconds"], doc["threads"]
            for op in ("a", "b"):
                del doc["inputs"][op]["file"]
            del doc["output"]["file"]
        self.assertEqual(got, want)
        self.assertGreater(got["error"]["elements"], 0)


class QuantizeMatchesCli(unittest.TestCase):
    def test_quantize_dequantize_formats(self):
        rng = np.random.default_rng(2)
        x = (rng.standard_normal(300) * 100).astype(np.float32)
        x[:4] = [np.nan, np.inf, -0.0, 1e-9]
        checked = 0
        with tempfile.TemporaryDirectory() as tmp:
            px, pq, pv = (os.path.join(tmp, n) for n in ("x.npy", "q.npy",
                                                          "v.npy"))
            np.save(px, x)
            for fmt, rounding, overflow in [
                    ("e4m3fn", "rne", "saturate"), ("e5m2", "stochastic",
                                                     "ieee"),
                    ("e2m1fn", "rtz", "saturate"), ("bf16", "rne", "ieee"),
                    ("fp32", "rna", "ieee"), ("int8", "rne", "saturate")]:
                cli("quantize", "--format", fmt, "--rounding", rounding,
                    "--overflow", overflow, "--seed", 11, px, pq)
                codes = gemmsim.quantize(x, fmt, rounding=rounding,
                                         overflow=overflow, seed=11)
                self.assertTrue(same_bits(codes, np.load(pq)), fmt)
                cli("dequantize", "--format", fmt, pq, pv)
                self.assertTrue(same_bits(gemmsim.dequantize(codes, fmt),
                                          np.load(pv)), fmt)
                checked += 1
        self.assertEqual(checked, 6)
        listed = json.loads(cli("formats", "--json").stdout)["formats"]
        self.assertEqual(gemmsim.formats(), listed)
        self.assertIn("h100-e4m3-fp32", gemmsim.numerics_presets())
        self.assertEqual(gemmsim.numerics("exact")["accumulate"]["block"],
                         "all")


class EstimateMatchesCli(unittest.TestCase):
    def test_shapes_and_fallback(self):
        checked = 0
        with tempfile.TemporaryDirectory() as tmp:
            pj = os.path.join(tmp, "e.json")
            for machine, dtype, shape in [("gaudi2", "bf16", (4096, 4096,
                                                                1024)),
                                          ("h100", "fp32", (512, 768, 64, 3)),
                                          ("gaudi3", "e4m3", (128, 256, 64))]:
                text = "x".join(map(str, shape))
                cli("estimate", "--machine", machine, "--shape", text,
                    "--dtype", dtype, "--json", pj)
                with open(pj) as f:
                    want = json.load(f)
                got = gemmsim.estimate(machine, [shape], dtype=dtype)
                self.assertEqual(got, want)
                checked += 1
        self.assertEqual(checked, 3)
        fell = gemmsim.estimate("gaudi2", (64, 64, 64), dtype="fp32")
        self.assertTrue(fell["gemms"][0]["fallback"])
        with self.assertRaises(gemmsim.Error) as ctx:
            gemmsim.estimate("gaudi2", [(1, 2)])
        self.assertEqual(ctx.exception.exit_code, 2)
        with self.assertRaises(gemmsim.Error):
            gemmsim.estimate("gaudi2", [(1, 2, 3)], dtype="fp99")


class ValidateMatchesCli(unittest.TestCase):
    TRACE = os.path.join(os.path.dirname(__file__), "..", "..", "traces",
                         "h100-captures", "trace.yaml")

    def test_bundled_captures(self):
        with tempfile.TemporaryDirectory() as tmp:
            pj = os.path.join(tmp, "v.json")
            cli("validate", self.TRACE, "--json", pj)
            with open(pj) as f:
                want = json.load(f)
        got = gemmsim.validate(self.TRACE)
        self.assertIsNone(got.pop("failure"))
        self.assertEqual(got, want)
        self.assertEqual(got["total"]["mismatch_count"], 0)
        self.assertGreater(got["total"]["elements"], 1000)
        # A wrong model: a failure, as data, with the command's exit-1 text.
        wrong = gemmsim.validate(self.TRACE, numerics="exact",
                                 set={"inputs.a": "fp16", "inputs.b": "fp16"})
        self.assertIn("differ from the model", wrong["failure"])
        self.assertGreater(wrong["total"]["mismatch_count"], 0)


class BadInput(unittest.TestCase):
    def assert_error(self, code, fn, *args, **kwargs):
        with self.assertRaises(gemmsim.Error) as ctx:
            fn(*args, **kwargs)
        self.assertIsInstance(ctx.exception, ValueError)
        self.assertEqual(ctx.exception.exit_code, code, str(ctx.exception))
        return str(ctx.exception)

    def test_errors_are_values(self):
        a = np.ones((4, 8), np.float32)
        msg = self.assert_error(2, gemmsim.matmul, a, a.T,
                                numerics="h100-e4m3-fp33")
        self.assertIn("h100-e4m3-fp32", msg)  # did-you-mean
        msg = self.assert_error(3, gemmsim.matmul, a, a)
        self.assertIn("a", msg)
        self.assert_error(3, gemmsim.matmul, a.astype(bool), a.T)
        self.assert_error(3, gemmsim.matmul, a.astype(np.complex64), a.T)
        self.assert_error(3, gemmsim.matmul, a.astype(">f4"), a.T)
        self.assert_error(2, gemmsim.matmul, a, a.T, set=["accumulate.x=1"])
        self.assert_error(2, gemmsim.matmul, a, a.T, threads=-1)
        self.assert_error(2, gemmsim.quantize, a, "e9m9x")
        self.assert_error(2, gemmsim.quantize, a, "e4m3fn", rounding="up")
        self.assert_error(3, gemmsim.quantize, a.astype(np.int32), "e4m3fn")
        self.assert_error(3, gemmsim.dequantize, np.full(3, 300, np.uint16),
                          "e4m3fn")
        self.assert_error(3, gemmsim.matmul, [[1, 2], [3]], a)
        self.assert_error(3, gemmsim.validate, "/no/such/trace.yaml")
        # After all of that the interpreter still works.
        self.assertEqual(gemmsim.matmul(a, a.T, numerics="exact")[0, 0], 8.0)


class GilReleased(unittest.TestCase):
    def test_other_threads_run_while_emulating(self):
        rng = np.random.default_rng(0)
        a = rng.standard_normal((256, 2048)).astype(np.float32)
        b = rng.standard_normal((2048, 256)).astype(np.float32)
        # A slow configuration (exact, with the error report) so that the
        # call takes long enough to observe.
        ticks = []
        done = threading.Event()

        def tick():
            while not done.is_set():
                ticks.append(time.perf_counter())
                time.sleep(0.001)

        t = threading.Thread(target=tick, daemon=True)
        t.start()
        start = time.perf_counter()
        try:
            gemmsim.error_report(a, b, numerics="fp8-acc-fp32", set={
                "accumulate.order": "pairwise", "accumulate.block": 8},
                threads=1)
        finally:
            end = time.perf_counter()
            done.set()
            t.join()
        during = [x for x in ticks if start < x < end]
        # With the GIL held the ticker would not run at all during the call.
        self.assertGreater(end - start, 0.05)
        self.assertGreater(len(during), 5, f"{end - start:.3f} s")


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
