// Trace operands: files read with transpose, shapes checked against the
// manifest, and seeded synthetic operands.
#include <doctest/doctest.h>

#include <cmath>
#include <map>

#include "app/trace/trace_operands.h"
#include "io/safetensors.h"
#include "tests/cli/run_gemmsim.h"
#include "tests/traces/trace_test_util.h"

namespace gemmsim::app {
namespace {

using testing::At;
using testing::ErrorOf;
using testing::Iota;
using testing::TempDir;

TraceGemm Shape(int64_t m, int64_t n, int64_t k, int64_t batch = 1) {
  TraceGemm g;
  g.name = "g";
  g.m = m, g.n = n, g.k = k, g.batch = batch;
  g.place = "t.yaml:3:5 (gemms[0])";
  return g;
}

TensorRef Ref(const std::string& file, bool transpose = false,
              const std::string& tensor = "") {
  return {file, tensor, transpose, "t.yaml:9:8 (gemms[0].x)"};
}

TEST_CASE("operands are read from .npy and .safetensors, transposed") {
  TempDir dir;
  io::write_npy(dir.file("a.npy"), Iota({2, 3, 4}));  // batch 2, 3x4
  io::write_safetensors(dir.file("w.safetensors"),    // n x k, batch 2
                        {{"w", Iota({2, 5, 4}, 100)}, {"x", Iota({1})}});
  io::write_npy(dir.file("c.npy"), Iota({5}));  // broadcasts
  io::write_npy(dir.file("d.npy"), Iota({2, 3, 5}));
  TraceGemm g = Shape(3, 5, 4, 2);
  g.a = Ref(dir.file("a.npy"));
  g.b = Ref(dir.file("w.safetensors"), true, "w");
  g.c = Ref(dir.file("c.npy"));
  g.observed = Ref(dir.file("d.npy"));
  const TraceOperands ops = LoadTraceOperands(g, 0, SyntheticKind::kNormal, 1);
  CHECK_FALSE(ops.synthetic());
  CHECK_FALSE(ops.synthetic_kind);
  CHECK(ops.a.tensor.shape == std::vector<int64_t>{2, 3, 4});
  CHECK(ops.b.tensor.shape == std::vector<int64_t>{2, 4, 5});
  CHECK(ops.b.name == dir.file("w.safetensors") + ":w");
  // b[batch][kk][j] = w[batch][j][kk] = 100 + batch*20 + j*4 + kk.
  int checked = 0;
  for (int64_t batch = 0; batch < 2; ++batch)
    for (int64_t kk = 0; kk < 4; ++kk)
      for (int64_t j = 0; j < 5; ++j, ++checked)
        CHECK(At(ops.b.tensor, batch * 20 + kk * 5 + j) ==
              100 + batch * 20 + j * 4 + kk);
  CHECK(checked == 40);
  REQUIRE(ops.c);
  CHECK(ops.c->tensor.shape == std::vector<int64_t>{5});
  REQUIRE(ops.observed);
  CHECK(ops.observed->tensor.shape == std::vector<int64_t>{2, 3, 5});
}

TEST_CASE("2-D forms: any operand when batch is 1, B shared by batches") {
  TempDir dir;
  io::write_npy(dir.file("a.npy"), Iota({3, 4}));
  io::write_npy(dir.file("b.npy"), Iota({4, 5}));
  io::write_npy(dir.file("d.npy"), Iota({3, 5}));
  TraceGemm g = Shape(3, 5, 4);
  g.a = Ref(dir.file("a.npy"));
  g.b = Ref(dir.file("b.npy"));
  g.observed = Ref(dir.file("d.npy"));
  CHECK(LoadTraceOperands(g, 0, SyntheticKind::kNormal, 1).a.tensor.shape ==
        std::vector<int64_t>{3, 4});
  g.batch = 3;  // B shared; A and observed must then be 3-D
  g.a.reset();
  g.observed.reset();
  const TraceOperands ops = LoadTraceOperands(g, 0, SyntheticKind::kNormal, 1);
  CHECK(ops.synthetic_a);
  CHECK_FALSE(ops.synthetic_b);
  CHECK(ops.synthetic_kind == SyntheticKind::kNormal);
  CHECK(ops.a.tensor.shape == std::vector<int64_t>{3, 3, 4});
  CHECK(ops.b.tensor.shape == std::vector<int64_t>{4, 5});
}

TEST_CASE("shape mismatches name the file, the manifest place and shapes") {
  TempDir dir;
  io::write_npy(dir.file("a34.npy"), Iota({3, 4}));
  io::write_npy(dir.file("v.npy"), Iota({4}));
  io::write_npy(dir.file("c.npy"), Iota({2, 5}));
  const std::string a34 = dir.file("a34.npy");
  struct Case {
    const char* operand;
    TensorRef ref;
    int64_t batch;
    std::string message;
  };
  const Case cases[] = {
      {"a", Ref(a34, true), 1,
       a34 + ": t.yaml:9:8 (gemms[0].x): A has shape [4, 3] (after "
             "transpose), expected [3, 4] or [1, 3, 4] for m=3, n=5, k=4, "
             "batch=1"},
      {"a", Ref(a34), 2,
       a34 + ": t.yaml:9:8 (gemms[0].x): A has shape [3, 4], expected "
             "[2, 3, 4] for m=3, n=5, k=4, batch=2"},
      {"b", Ref(a34), 1, "B has shape [3, 4], expected [4, 5] or [1, 4, 5]"},
      {"c", Ref(dir.file("c.npy")), 1,
       "C has shape [2, 5], expected a shape that broadcasts to [1, 3, 5]"},
      {"observed", Ref(a34), 1, "observed has shape [3, 4], expected [3, 5]"},
      {"a", Ref(dir.file("v.npy"), true), 1,
       "transpose needs at least 2 dimensions, the tensor is [4]"},
  };
  int checked = 0;
  for (const Case& c : cases) {
    TraceGemm g = Shape(3, 5, 4, c.batch);
    const std::string op = c.operand;
    (op == "a" ? g.a : op == "b" ? g.b : op == "c" ? g.c : g.observed) = c.ref;
    const std::string message =
        ErrorOf([&] { LoadTraceOperands(g, 0, SyntheticKind::kNormal, 1); });
    INFO(message);
    CHECK(message.find(c.message) != std::string::npos);
    ++checked;
  }
  CHECK(checked == 6);
  TraceGemm g = Shape(3, 5, 4);
  g.a = Ref(dir.file("missing.npy"));
  CHECK(ErrorOf([&] {
          LoadTraceOperands(g, 0, SyntheticKind::kNormal, 1);
        }).find("missing.npy") != std::string::npos);
}

std::vector<uint8_t> Bits(const TraceGemm& g, SyntheticKind kind, uint64_t seed,
                          int64_t index, OperandRole role) {
  return DrawSyntheticOperand(g, role, kind, seed, index).tensor.data;
}

TEST_CASE("synthetic operands: same key same bits, another key other bits") {
  const TraceGemm g = Shape(16, 8, 32, 2);
  int checked = 0;
  for (const SyntheticKind kind :
       {SyntheticKind::kNormal, SyntheticKind::kLognormal,
        SyntheticKind::kUniform, SyntheticKind::kOutliers}) {
    CAPTURE(SyntheticKindName(kind));
    const auto a = Bits(g, kind, 7, 3, OperandRole::kA);
    CHECK(a.size() == 2 * 16 * 32 * 4);
    CHECK(a == Bits(g, kind, 7, 3, OperandRole::kA));
    CHECK(a != Bits(g, kind, 7, 4, OperandRole::kA));
    CHECK(a != Bits(g, kind, 8, 3, OperandRole::kA));
    const TraceOperands ops = LoadTraceOperands(g, 3, kind, 7);
    CHECK(ops.a.tensor.data == a);
    CHECK(ops.b.tensor.data == Bits(g, kind, 7, 3, OperandRole::kB));
    CHECK(ops.b.tensor.shape == std::vector<int64_t>{2, 32, 8});
    CHECK(ops.synthetic_a);
    CHECK(ops.synthetic_b);
    CHECK(ops.synthetic_kind == kind);
    ++checked;
  }
  CHECK(checked == 4);
  CHECK(ParseSyntheticKind("lognormal") == SyntheticKind::kLognormal);
  CHECK(ErrorOf([] { ParseSyntheticKind("gauss"); }, ExitCode::kUsage) ==
        "--operands 'gauss': expected normal, lognormal, uniform or outliers");
}

// Moments of 2^16 draws, loose enough never to fail by chance (the draws are
// fixed by the seed anyway) and tight enough to catch a wrong distribution.
TEST_CASE("synthetic distributions have the documented shape") {
  const TraceGemm g = Shape(256, 256, 256);
  auto values = [&](SyntheticKind kind, OperandRole role) {
    const io::Tensor t = DrawSyntheticOperand(g, role, kind, 1, 0).tensor;
    std::vector<double> v(static_cast<size_t>(t.numel()));
    for (size_t i = 0; i < v.size(); ++i) v[i] = At(t, static_cast<int64_t>(i));
    return v;
  };
  auto mean = [](const std::vector<double>& v, auto f) {
    double s = 0;
    for (const double x : v) s += f(x);
    return s / static_cast<double>(v.size());
  };
  const auto normal = values(SyntheticKind::kNormal, OperandRole::kA);
  CHECK(std::abs(mean(normal, [](double x) { return x; })) < 0.02);
  CHECK(mean(normal, [](double x) { return x * x; }) ==
        doctest::Approx(1).epsilon(0.02));
  const auto uniform = values(SyntheticKind::kUniform, OperandRole::kA);
  for (const double x : uniform) REQUIRE((x >= -1 && x < 1));
  CHECK(mean(uniform, [](double x) { return x * x; }) ==
        doctest::Approx(1.0 / 3).epsilon(0.02));
  const auto lognormal = values(SyntheticKind::kLognormal, OperandRole::kA);
  CHECK(mean(lognormal, [](double x) { return std::log(std::abs(x)); }) ==
        doctest::Approx(0).epsilon(0.02));
  CHECK(mean(lognormal, [](double x) { return x < 0 ? 1.0 : 0.0; }) ==
        doctest::Approx(0.5).epsilon(0.02));
  // Outliers: A's outlier channels are whole columns (K) scaled by 100.
  const auto outliers = values(SyntheticKind::kOutliers, OperandRole::kA);
  int outlier_columns = 0;
  for (int64_t col = 0; col < 256; ++col) {
    double big = 0;
    for (int64_t row = 0; row < 256; ++row)
      big = std::max(big, std::abs(outliers[row * 256 + col]));
    if (big > 20) ++outlier_columns;
  }
  CHECK(outlier_columns >= 1);
  CHECK(outlier_columns <= 8);
  CHECK(values(SyntheticKind::kOutliers, OperandRole::kB) ==
        values(SyntheticKind::kNormal, OperandRole::kB));
}

}  // namespace
}  // namespace gemmsim::app
