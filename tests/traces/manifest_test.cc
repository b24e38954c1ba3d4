// The YAML trace manifest: every key read, defaults, relative paths, and the
// errors a user sees (file, line, column, key path, exit 3).
#include <doctest/doctest.h>

#include "app/trace/trace.h"
#include "tests/cli/run_gemmsim.h"
#include "tests/traces/trace_test_util.h"

namespace gemmsim::app {
namespace {

using testing::ErrorOf;
using testing::TempDir;
using testing::WriteBytes;

constexpr const char* kFull = R"(name: demo
description: two GEMMs
gemms:
  - name: qkv
    m: 16
    n: 24
    k: 8
    batch: 2
    count: 12
    dtype: fp16
    a: a.npy
    b: {file: w.safetensors, tensor: qkv.weight, transpose: true}
    c: sub/c.npy
    observed: /abs/d.npy
    numerics: h100-e4m3-fp32
  - m: 4
    n: 5
    k: 0
    b: w.safetensors:other
)";

TEST_CASE("a manifest reads every key, with defaults and relative paths") {
  TempDir dir;
  const std::string path = dir.file("t.yaml");
  WriteBytes(path, kFull);
  const Trace t = ReadTrace(path);
  CHECK(t.kind == TraceKind::kManifest);
  CHECK(std::string(TraceKindName(t.kind)) == "manifest");
  CHECK(t.name == "demo");
  CHECK(t.path == path);
  REQUIRE(t.gemms.size() == 2);
  const TraceGemm& g = t.gemms[0];
  CHECK(g.name == "qkv");
  CHECK(g.m == 16);
  CHECK(g.n == 24);
  CHECK(g.k == 8);
  CHECK(g.batch == 2);
  CHECK(g.count == 12);
  CHECK(g.dtype == "fp16");
  REQUIRE(g.a);
  CHECK(g.a->file == dir.file("a.npy"));
  CHECK_FALSE(g.a->transpose);
  REQUIRE(g.b);
  CHECK(g.b->file == dir.file("w.safetensors"));
  CHECK(g.b->tensor == "qkv.weight");
  CHECK(g.b->transpose);
  CHECK(g.b->place == path + ":12:8 (gemms[0].b)");
  CHECK(g.c->file == dir.file("sub/c.npy"));
  CHECK(g.observed->file == "/abs/d.npy");
  CHECK(g.numerics == "h100-e4m3-fp32");
  CHECK(g.place == path + ":4:5 (gemms[0])");
  const TraceGemm& h = t.gemms[1];
  CHECK(h.name == "gemm1");
  CHECK(h.k == 0);
  CHECK(h.batch == 1);
  CHECK(h.count == 1);
  CHECK(h.dtype == "bf16");
  CHECK_FALSE(h.a);
  CHECK(h.b->file == dir.file("w.safetensors"));
  CHECK(h.b->tensor == "other");
  CHECK(h.numerics.empty());
  const cost::GemmShape s = ShapeOf(g);
  CHECK(s.name == "qkv");
  CHECK(s.m == 16);
  CHECK(s.n == 24);
  CHECK(s.k == 8);
  CHECK(s.batch == 2);
  CHECK(s.count == 12);
  CHECK(s.dtype == "fp16");
  CHECK(s.addend);
  CHECK_FALSE(ShapeOf(h).addend);
}

TEST_CASE("numerics: a file beside the manifest wins over a preset name") {
  TempDir dir;
  WriteBytes(dir.file("mine.yaml"), "inputs: e4m3\n");
  WriteBytes(dir.file("t.yaml"),
             "gemms:\n  - {m: 1, n: 1, k: 1, numerics: mine.yaml}\n");
  const Trace t = ReadTrace(dir.file("t.yaml"));
  CHECK(t.name == "t");  // the stem when there is no name
  CHECK(t.gemms[0].numerics == dir.file("mine.yaml"));
}

struct BadCase {
  const char* text;
  const char* message;  // a part of the error
};

TEST_CASE("manifest errors name the file, line, column and key path") {
  const BadCase cases[] = {
      {"gemms:\n  - {m: 1, n: 2, k: 3, trnspose: true}\n",
       "line 2, column 24: gemms[0].trnspose: unknown key"},
      {"gemms:\n  - {m: 1, n: 2, k: 3, bach: 2}\n", "did you mean 'batch'?"},
      {"gemms:\n  - m: 1\n    n: 2\n    k: 3\n    b: {file: w.npy, "
       "transpose: maybe}\n",
       "line 5, column 33: gemms[0].b.transpose: expected true or false, got "
       "'maybe'"},
      {"gemms:\n  - {m: 1, n: 2, k: -3}\n",
       "line 2, column 21: gemms[0].k: expected an integer >= 0, got '-3'"},
      {"gemms:\n  - {m: 1, n: 2, k: 3, batch: 0}\n",
       "gemms[0].batch: expected an integer >= 1"},
      {"gemms:\n  - {m: 1, n: 2, k: 3, count: 0}\n",
       "gemms[0].count: expected an integer >= 1"},
      {"gemms:\n  - {m: 1, n: 2}\n", "gemms[0]: missing key 'k'"},
      {"gemms:\n  - {m: 1, n: 2, k: 3, dtype: fp7}\n",
       "gemms[0].dtype: expected bf16, fp16"},
      {"gemms:\n  - {m: 1, n: 2, k: 3, numerics: no-such-preset}\n",
       "gemms[0].numerics: unknown numerics preset 'no-such-preset'"},
      {"gemms:\n  - {m: 1, n: 2, k: 3, numerics: dir/none.yaml}\n",
       "gemms[0].numerics: no such numerics file"},
      {"gemms:\n  - {m: 1, n: 2, k: 3, a: {tensor: x}}\n",
       "gemms[0].a: missing key 'file'"},
      {"gemms:\n  - {m: 1, n: 2, k: 3, a: {file: a.npy, tensor: x}}\n",
       "gemms[0].a.tensor: a tensor name needs a .safetensors file"},
      {"gemms:\n  - {m: 1, n: 2, k: 3, a: [1, 2]}\n",
       "gemms[0].a: expected a tensor file"},
      {"gemms: []\n", "gemms: expected a non-empty list of GEMMs"},
      {"name: x\n", "missing key 'gemms'"},
      {"nme: x\ngemms: []\n",
       "unknown key; expected one of: name, "
       "description, gemms (did you mean 'name'?)"},
      {"", "empty; expected a trace manifest"},
      {"gemms: [\n", "not valid YAML"},
      {"- 1\n- 2\n", "expected a trace manifest"},
  };
  TempDir dir;
  const std::string path = dir.file("bad.yaml");
  int checked = 0;
  for (const BadCase& c : cases) {
    WriteBytes(path, c.text);
    const std::string message = ErrorOf([&] { ReadTrace(path); });
    INFO(message);
    CHECK(message.starts_with(path + ": "));
    CHECK(message.find(c.message) != std::string::npos);
    ++checked;
  }
  CHECK(checked == 19);
}

TEST_CASE("ReadTrace dispatches on the extension") {
  TempDir dir;
  WriteBytes(dir.file("t.txt"), "x");
  CHECK(ErrorOf([&] {
          ReadTrace(dir.file("t.txt"));
        }).find("unknown trace kind") != std::string::npos);
  CHECK(ErrorOf([&] {
          ReadTrace(dir.file("missing.yaml"));
        }).find("cannot open") != std::string::npos);
  WriteBytes(dir.file("T.YML"), "gemms:\n  - {m: 1, n: 1, k: 1}\n");
  CHECK(ReadTrace(dir.file("T.YML")).gemms.size() == 1);
}

}  // namespace
}  // namespace gemmsim::app
