// The shape-only readers: SCALE-Sim CSV and PyTorch profiler JSON (a
// hand-written sample with nested linear -> addmm, matmul -> bmm, a backward
// pass on the autograd thread, non-GEMM and GPU events).
#include <doctest/doctest.h>

#include <span>

#include "app/trace/trace.h"
#include "tests/cli/run_gemmsim.h"
#include "tests/traces/trace_test_util.h"

namespace gemmsim::app {
namespace {

using testing::ErrorOf;
using testing::TempDir;
using testing::WriteBytes;

TEST_CASE("CSV: header, SCALE-Sim's trailing comma, blank lines") {
  TempDir dir;
  const std::string path = dir.file("t.csv");
  WriteBytes(
      path,
      "Layer, M, N, K,\r\nconv1, 3136, 64, 147,\r\n\r\n fc ,1,1000,2048\n");
  const Trace t = ReadTrace(path);
  CHECK(t.kind == TraceKind::kCsv);
  CHECK(t.name == "t");
  REQUIRE(t.gemms.size() == 2);
  CHECK(t.gemms[0].name == "conv1");
  CHECK(t.gemms[0].m == 3136);
  CHECK(t.gemms[0].n == 64);
  CHECK(t.gemms[0].k == 147);
  CHECK(t.gemms[0].dtype == "bf16");
  CHECK(t.gemms[0].place == path + " line 2");
  CHECK(t.gemms[1].name == "fc");
  CHECK(t.gemms[1].k == 2048);
}

TEST_CASE("CSV errors name the line") {
  TempDir dir;
  const std::string path = dir.file("t.csv");
  const std::pair<const char*, const char*> cases[] = {
      {"l,M,N,K\na,1,2,3\nb,1,x,3\n", ": line 3: expected layer,M,N,K"},
      {"l,M,N,K\na,1,2\n", ": line 2: expected layer,M,N,K"},
      {"l,M,N,K\na,1,2,-3\n", ": line 2: expected layer,M,N,K"},
      {"l,M,N,K\na,1,2,3,4\n", ": line 2: expected layer,M,N,K"},
      {"l,M,N,K\n", ": no GEMMs after the header"},
      {"", ": no GEMMs after the header"},
  };
  int checked = 0;
  for (const auto& [text, message] : cases) {
    WriteBytes(path, text);
    const std::string error = ErrorOf([&] { ReadTrace(path); });
    INFO(error);
    CHECK(error == path + message +
                       (std::string(message).find("layer") != std::string::npos
                            ? " with non-negative integers"
                            : ""));
    ++checked;
  }
  CHECK(checked == 6);
  CHECK(ErrorOf([&] { ReadTrace(dir.file("none.csv")); }) ==
        dir.file("none.csv") + ": cannot read the file");
}

struct Expected {
  const char* name;
  int64_t m, n, k, batch, count;
  const char* dtype;
};

// Checks t's GEMMs against `expected`, in order; returns how many it checked.
int CheckGemms(const Trace& t, std::span<const Expected> expected) {
  REQUIRE(t.gemms.size() == expected.size());
  int checked = 0;
  for (size_t i = 0; i < t.gemms.size(); ++i) {
    const TraceGemm& g = t.gemms[i];
    const Expected& e = expected[i];
    CAPTURE(e.name);
    CHECK(g.name == e.name);
    CHECK(g.m == e.m);
    CHECK(g.n == e.n);
    CHECK(g.k == e.k);
    CHECK(g.batch == e.batch);
    CHECK(g.count == e.count);
    CHECK(g.dtype == e.dtype);
    ++checked;
  }
  return checked;
}

TEST_CASE("profiler JSON: leaf GEMMs only, grouped with counts") {
  const Trace t =
      ReadTrace(std::string(GEMMSIM_TEST_DATA_DIR) + "/profiler_sample.json");
  CHECK(t.kind == TraceKind::kProfiler);
  CHECK(t.name == "profiler_sample");
  const Expected expected[] = {
      // linear -> addmm, twice (the second with equal time spans).
      {"addmm 1024x2304x768", 1024, 2304, 768, 1, 2, "bf16"},
      // matmul -> bmm: attention scores.
      {"bmm 128x128x64x96", 128, 128, 64, 96, 1, "bf16"},
      // matmul with a 2-D weight folds the batch into M; its time span holds
      // the autograd thread's mm, which must not hide it.
      {"matmul 1024x3072x768", 1024, 3072, 768, 1, 1, "fp32"},
      // matmul broadcasting [3, 1] with [4].
      {"matmul 16x8x32x12", 16, 8, 32, 12, 1, "fp32"},
      // backward of addmm: dX = dY W^T and dW = X^T dY (a double mm between
      // them is skipped: the cost model has no fp64).
      {"mm 1024x768x2304", 1024, 768, 2304, 1, 1, "bf16"},
      {"mm 768x2304x1024", 768, 2304, 1024, 1, 1, "bf16"},
  };
  CHECK(CheckGemms(t, expected) == 6);
  CHECK(t.gemms[0].place.ends_with("traceEvents[5] (aten::addmm)"));
}

TEST_CASE("profiler JSON: linear and matmul without nested events") {
  TempDir dir;
  const std::string path = dir.file("p.json");
  // A bare event list (Chrome's array form); linear over [2, 3, 5, 16].
  WriteBytes(path, R"([
{"ph": "X", "name": "aten::linear", "pid": 1, "tid": 1, "ts": 0, "dur": 5,
 "args": {"Input Dims": [[2, 3, 5, 16], [32, 16], []],
          "Input type": ["c10::Half", "c10::Half", ""]}},
{"ph": "X", "name": "aten::matmul", "pid": 1, "tid": 1, "ts": 10, "dur": 5,
 "args": {"Input Dims": [[16], [4, 16, 8]], "Input type": ["float", "float"]}},
{"ph": "X", "name": "aten::matmul", "pid": 1, "tid": 1, "ts": 20, "dur": 5,
 "args": {"Input Dims": [[7, 16], [16]], "Input type": ["float", "float"]}}
])");
  const Trace t = ReadTrace(path);
  REQUIRE(t.gemms.size() == 3);
  CHECK(t.gemms[0].name == "linear 30x32x16");
  CHECK(t.gemms[0].dtype == "fp16");
  CHECK(t.gemms[1].name == "matmul 1x8x16x4");
  CHECK(t.gemms[2].name == "matmul 7x1x16");
}

TEST_CASE("profiler JSON errors") {
  TempDir dir;
  const std::string path = dir.file("p.json");
  auto event = [](const std::string& op, const std::string& dims) {
    return R"({"traceEvents": [{"ph": "X", "name": ")" + op +
           R"(", "pid": 1, "tid": 1, "ts": 0, "dur": 1, "args": {"Input Dims": )" +
           dims + R"(, "Input type": ["float", "float"]}}]})";
  };
  const std::pair<std::string, std::string> cases[] = {
      {"{\"traceEvents\": [\n  {\"ph\": \"X\",, }]}",
       ": line 2, column 14: not valid JSON"},
      {"{\"events\": []}", ": expected a Chrome trace"},
      {R"({"traceEvents": [{"ph": "X", "name": "aten::add", "ts": 0}]})",
       ": no GEMM events"},
      {R"({"traceEvents": [{"ph": "X", "name": "aten::mm", "ts": 0}]})",
       ": none of its 1 GEMM event(s) has \"Input Dims\": this PyTorch build "
       "wrote no shapes (no Kineto)"},
      {event("aten::mm", "[[2, 3], [4, 5]]"),
       ": traceEvents[0] (aten::mm): operand shapes [2, 3] and [4, 5]; "
       "expected [M, K] and [K, N]"},
      {event("aten::bmm", "[[2, 3, 4], [3, 4, 5]]"), "expected [B, M, K]"},
      {event("aten::linear", "[[2, 3], [4, 5]]"), "expected [..., in]"},
      {event("aten::matmul", "[[2, 3, 4], [3, 4, 5]]"),
       "expected batch dimensions that broadcast"},
      {event("aten::addmm", "[[2, 3]]"),
       "\"Input Dims\" has no tensor argument 1"},
      {event("aten::mm", "[[2, -3], [3, 4]]"), "expected non-negative"},
      {event("aten::mv", "[[2, 3], [4]]"), "expected [M, K] and [K]"},
      {event("aten::convolution", "[[1, 3, 8], [4, 2, 3]]"),
       "expected [N, C, ...] and [F, C / groups, ...]"},
      // Every GEMM event skipped: the error says which and why.
      {event("aten::convolution", "[[1, 2, 8, 8], [4, 2, 3, 3]]"),
       "no GEMM events (aten::mm, addmm, bmm, baddbmm, addbmm, mv, addmv, "
       "linear, matmul, convolution with \"Input Dims\"); record with "
       "record_shapes=True; skipped 1 event(s) of aten::convolution: no "
       "stride, padding and dilation (\"Concrete Inputs\")"},
  };
  int checked = 0;
  for (const auto& [text, message] : cases) {
    WriteBytes(path, text);
    const std::string error = ErrorOf([&] { ReadTrace(path); });
    INFO(error);
    CHECK(error.starts_with(path + ": "));
    CHECK(error.find(message) != std::string::npos);
    ++checked;
  }
  CHECK(checked == 13);
}

TEST_CASE("profiler JSON from a torch without Kineto: a clear error") {
  // Debian's torch 1.13 (CPU) with record_shapes=True, export_chrome_trace:
  // a bare event list whose events have empty args (no shapes, no types).
  const std::string path =
      std::string(GEMMSIM_TEST_DATA_DIR) + "/profiler_torch113_cpu.json";
  CHECK(ErrorOf([&] { ReadTrace(path); }) ==
        path +
            ": none of its 7 GEMM event(s) has \"Input Dims\": this PyTorch "
            "build wrote no shapes (no Kineto), even with record_shapes=True; "
            "record the trace with tools/capture_gemms.py instead");
}

TEST_CASE("profiler JSON: baddbmm, addbmm, mv, addmv, convolutions") {
  TempDir dir;
  const std::string path = dir.file("p.json");
  auto event = [](const std::string& op, int ts, const std::string& dims,
                  const std::string& concrete) {
    return R"({"ph": "X", "name": ")" + op +
           R"(", "pid": 1, "tid": 1, "ts": )" + std::to_string(ts) +
           R"(, "dur": 5, "args": {"Input Dims": )" + dims +
           R"(, "Input type": ["float", "float"])" +
           (concrete.empty() ? "" : R"(, "Concrete Inputs": )" + concrete) +
           "}}";
  };
  const std::string conv_args =
      R"(["", "", "", "[2, 2]", "[1]", "[1, 1]", "False", "[0, 0]", "2"])";
  WriteBytes(
      path,
      "[" + event("aten::baddbmm", 0, "[[4, 3, 5], [4, 3, 7], [4, 7, 5]]", "") +
          ",\n" +
          event("aten::addbmm", 10, "[[3, 5], [4, 3, 7], [4, 7, 5]]", "") +
          ",\n" +
          // mv calls addmv_ (same span): one GEMM, the callee's.
          event("aten::mv", 20, "[[6, 9], [9]]", "") + ",\n" +
          event("aten::addmv_", 20, "[[6], [6, 9], [9], [], []]", "") + ",\n" +
          // [2, 4, 9, 9] * [6, 2, 3, 3], stride 2, padding 1, groups 2:
          // 5x5 output pixels.
          event("aten::convolution", 30, "[[2, 4, 9, 9], [6, 2, 3, 3], [6]]",
                conv_args) +
          ",\n" +
          event("aten::convolution_backward", 40,
                "[[2, 6, 5, 5], [2, 4, 9, 9], [6, 2, 3, 3], [], []]", "") +
          ",\n" +
          event("aten::convolution_backward", 50,
                "[[2, 6, 5, 5], [2, 4, 9, 9], [6, 2, 3, 3], [], []]",
                R"(["", "", "", "", "[2, 2]", "[1, 1]", "[1, 1]", "False",)"
                R"( "[0, 0]", "2", "[False, True, True]"])") +
          ",\n" +
          // Transposed, and no stride/padding: both skipped (reported).
          event("aten::convolution", 60, "[[2, 4, 9, 9], [4, 3, 3, 3]]",
                R"(["", "", "", "1", "0", "1", "True", "0", "1"])") +
          ",\n" +
          event("aten::convolution", 70, "[[2, 4, 9, 9], [4, 4, 3, 3]]", "") +
          "]");
  const Trace t = ReadTrace(path);
  const Expected expected[] = {
      {"baddbmm 3x5x7x4", 3, 5, 7, 4, 1, "fp32"},
      {"addbmm 3x5x28", 3, 5, 28, 1, 1, "fp32"},
      {"addmv 6x1x9", 6, 1, 9, 1, 1, "fp32"},
      // M = 2 * 25 output pixels, N = 6 / 2 filters, K = 2 * 9, batch 2.
      {"convolution 50x3x18x2", 50, 3, 18, 2, 1, "fp32"},
      // grad_input: M = 2 * 81 input pixels, N = 2 channels, K = 3 * 9.
      {"convolution_backward dgrad 162x2x27x2", 162, 2, 27, 2, 1, "fp32"},
      // grad_weight, twice (the second event's mask asks for it only).
      {"convolution_backward wgrad 3x18x50x2", 3, 18, 50, 2, 2, "fp32"},
  };
  CHECK(CheckGemms(t, expected) == 6);
}

}  // namespace
}  // namespace gemmsim::app
