// gemmsim gemm end to end: results worked out by hand (integer-valued FP8
// inputs make every product and sum exact under fp32 accumulation), codes
// and values, NumPy broadcasting, the addend, --set, the JSON report,
// thread-count independence, and what bad input does.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "io/npy.h"
#include "io/safetensors.h"
#include "tests/cli/run_gemmsim.h"

namespace gemmsim::testing {
namespace {

template <typename T>
void WriteArray(const std::string& path, io::DType dtype,
                const std::vector<int64_t>& shape, const std::vector<T>& v) {
  io::Tensor t;
  t.dtype = dtype;
  t.shape = shape;
  t.data.resize(v.size() * sizeof(T));
  std::memcpy(t.data.data(), v.data(), t.data.size());
  io::write_npy(path, t);
}

void WriteF32(const std::string& path, const std::vector<int64_t>& shape,
              const std::vector<float>& v) {
  WriteArray(path, io::DType::kF32, shape, v);
}

struct Array {
  std::vector<int64_t> shape;
  std::vector<double> values;
  io::DType dtype;
};

Array ReadD(const std::string& path) {
  const io::Tensor t = io::read_npy(path);
  Array a{t.shape, std::vector<double>(static_cast<size_t>(t.numel())),
          t.dtype};
  for (size_t i = 0; i < a.values.size(); ++i) {
    if (t.dtype == io::DType::kF32) {
      float f;
      std::memcpy(&f, t.data.data() + 4 * i, 4);
      a.values[i] = f;
    } else {
      std::memcpy(&a.values[i], t.data.data() + 8 * i, 8);
    }
  }
  return a;
}

// Small integers (|x| <= 8: exact in e4m3fn), a pattern per seed.
std::vector<float> Ints(int64_t count, int seed) {
  std::vector<float> v(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i)
    v[i] = static_cast<float>((i * 7 + seed * 3) % 17 - 8);
  return v;
}

// D = C + A B for row-major batches of A (m x k) and B (k x n), by hand.
std::vector<double> MatMul(const std::vector<float>& a,
                           const std::vector<float>& b, int64_t m, int64_t n,
                           int64_t k) {
  std::vector<double> d(static_cast<size_t>(m * n), 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t kk = 0; kk < k; ++kk)
        d[i * n + j] += a[i * k + kk] * b[kk * n + j];
  return d;
}

RunResult Gemm(std::vector<std::string> args) {
  args.insert(args.begin(), "gemm");
  return RunGemmsim(args);
}

TEST_CASE("integer-valued FP8 inputs under fp8-acc-fp32 give the exact D") {
  TempDir dir;
  const std::string a = dir.file("a.npy"), b = dir.file("b.npy"),
                    d = dir.file("d.npy");
  WriteF32(a, {2, 3}, {1, 2, 3, 4, 5, 6});
  WriteF32(b, {3, 2}, {7, 8, 9, 10, 11, 12});
  const RunResult r =
      Gemm({"--numerics", "fp8-acc-fp32", "--error", a, b, "-o", d});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("exact matches 4 of 4") != std::string::npos);
  // Without --error (or --json) no exact reference is computed.
  const RunResult quiet = Gemm({"--numerics", "fp8-acc-fp32", a, b, "-o", d});
  REQUIRE(quiet.exit_code == 0);
  CHECK(quiet.out.find("error against") == std::string::npos);
  CHECK(r.out.find("fp8-acc-fp32") != std::string::npos);
  const Array out = ReadD(d);
  CHECK(out.dtype == io::DType::kF32);
  CHECK(out.shape == std::vector<int64_t>{2, 2});
  CHECK(out.values == std::vector<double>{58, 64, 139, 154});
}

TEST_CASE("codes of the input format give the same D as their values") {
  TempDir dir;
  const std::string a = dir.file("a.npy"), b = dir.file("b.npy"),
                    ac = dir.file("ac.npy"), bc = dir.file("bc.npy");
  WriteF32(a, {2, 3}, {1, 2, 3, 4, 5, 6});
  WriteF32(b, {3, 2}, {1, -2, 3, -4, 5, -6});
  // e4m3fn (bias 7): 1 = 0x38, 2 = 0x40, 3 = 0x44, 4 = 0x48, 5 = 0x4A,
  // 6 = 0x4C; the sign is 0x80.
  WriteArray<uint8_t>(ac, io::DType::kU8, {2, 3},
                      {0x38, 0x40, 0x44, 0x48, 0x4A, 0x4C});
  WriteArray<uint8_t>(bc, io::DType::kU8, {3, 2},
                      {0x38, 0xC0, 0x44, 0xC8, 0x4A, 0xCC});
  const std::string want = dir.file("want.npy");
  REQUIRE(Gemm({"--numerics", "fp8-acc-fp32", a, b, "-o", want}).exit_code ==
          0);
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {ac, b}, {a, bc}, {ac, bc}};
  int checked = 0;
  for (const auto& [x, y] : pairs) {
    const std::string d = dir.file("d" + std::to_string(checked) + ".npy");
    REQUIRE(Gemm({"--numerics", "fp8-acc-fp32", x, y, "-o", d}).exit_code == 0);
    CHECK(ReadBytes(d) == ReadBytes(want));
    ++checked;
  }
  CHECK(checked == 3);
  CHECK(ReadD(want).values == std::vector<double>{22, -28, 49, -64});
}

TEST_CASE("operands from .safetensors, named FILE:TENSOR, bf16 included") {
  TempDir dir;
  const std::string a = dir.file("a.npy"), b = dir.file("b.npy"),
                    want = dir.file("want.npy"), d = dir.file("d.npy"),
                    pair = dir.file("pair.safetensors"),
                    single = dir.file("single.safetensors");
  WriteF32(a, {2, 3}, {1, 2, 3, 4, 5, 6});
  WriteF32(b, {3, 2}, {7, 8, 9, 10, 11, 12});
  REQUIRE(Gemm({"--numerics", "fp8-acc-fp32", a, b, "-o", want}).exit_code ==
          0);
  // bf16 codes of 1..6, and float32 7..12.
  io::Tensor ta{io::DType::kBF16, {2, 3}, {}}, tb{io::DType::kF32, {3, 2}, {}};
  const std::vector<uint16_t> codes = {0x3F80, 0x4000, 0x4040,
                                       0x4080, 0x40A0, 0x40C0};
  ta.data.resize(12);
  std::memcpy(ta.data.data(), codes.data(), 12);
  tb.data = io::read_npy(b).data;
  io::write_safetensors(pair, {{"x.weight", ta}, {"y", tb}});
  io::write_safetensors(single, {{"only", tb}});
  const std::vector<std::pair<std::string, std::string>> runs = {
      {pair + ":x.weight", pair + ":y"}, {pair + ":x.weight", single}};
  int checked = 0;
  for (const auto& [x, y] : runs) {
    REQUIRE(Gemm({"--numerics", "fp8-acc-fp32", x, y, "-o", d}).exit_code == 0);
    CHECK(ReadBytes(d) == ReadBytes(want));
    ++checked;
  }
  CHECK(checked == 2);
  const RunResult ambiguous =
      Gemm({"--numerics", "fp8-acc-fp32", pair, b, "-o", d});
  CHECK(ambiguous.exit_code == 3);
  CHECK(ambiguous.err.find("holds 2 tensors (x.weight, y)") !=
        std::string::npos);
  const RunResult missing =
      Gemm({"--numerics", "fp8-acc-fp32", pair + ":nope", b, "-o", d});
  CHECK(missing.exit_code == 3);
  CHECK(missing.err.find("nope") != std::string::npos);
}

struct BroadcastCase {
  std::vector<int64_t> a_shape, b_shape, d_shape;
  int64_t a_matrices, b_matrices;  // matrices each file holds
  // Batch i of D reads matrix a_of[i] of A and b_of[i] of B.
  std::vector<int64_t> a_of, b_of;
};

TEST_CASE("batch dims broadcast as NumPy's matmul does; 1-D operands too") {
  TempDir dir;
  const int64_t m = 3, n = 5, k = 4;
  const std::vector<BroadcastCase> cases = {
      {{2, 3, 4}, {4, 5}, {2, 3, 5}, 2, 1, {0, 1}, {0, 0}},
      {{2, 1, 3, 4},
       {1, 2, 4, 5},
       {2, 2, 3, 5},
       2,
       2,
       {0, 0, 1, 1},
       {0, 1, 0, 1}},
      {{3, 4}, {3, 4, 5}, {3, 3, 5}, 1, 3, {0, 0, 0}, {0, 1, 2}},
  };
  int checked = 0;
  for (const BroadcastCase& c : cases) {
    const std::vector<float> av = Ints(c.a_matrices * m * k, 1),
                             bv = Ints(c.b_matrices * k * n, 2);
    const std::string a = dir.file("a.npy"), b = dir.file("b.npy"),
                      d = dir.file("d.npy");
    WriteF32(a, c.a_shape, av);
    WriteF32(b, c.b_shape, bv);
    const RunResult r = Gemm({"--numerics", "fp8-acc-fp32", a, b, "-o", d});
    REQUIRE(r.exit_code == 0);
    const Array out = ReadD(d);
    CHECK(out.shape == c.d_shape);
    std::vector<double> want;
    for (size_t batch = 0; batch < c.a_of.size(); ++batch) {
      const std::vector<float> am(av.begin() + c.a_of[batch] * m * k,
                                  av.begin() + (c.a_of[batch] + 1) * m * k);
      const std::vector<float> bm(bv.begin() + c.b_of[batch] * k * n,
                                  bv.begin() + (c.b_of[batch] + 1) * k * n);
      const std::vector<double> dm = MatMul(am, bm, m, n, k);
      want.insert(want.end(), dm.begin(), dm.end());
    }
    CHECK(out.values == want);
    ++checked;
  }
  CHECK(checked == 3);

  // A 1-D A is a row (its dim dropped from D), a 1-D B a column.
  const std::string v = dir.file("v.npy"), b = dir.file("b45.npy"),
                    a = dir.file("a234.npy"), d = dir.file("d.npy");
  WriteF32(v, {4}, {1, 2, 3, 4});
  WriteF32(b, {4, 5}, Ints(20, 3));
  WriteF32(a, {2, 3, 4}, Ints(24, 4));
  REQUIRE(Gemm({"--numerics", "fp8-acc-fp32", v, b, "-o", d}).exit_code == 0);
  CHECK(ReadD(d).shape == std::vector<int64_t>{5});
  CHECK(ReadD(d).values == MatMul({1, 2, 3, 4}, Ints(20, 3), 1, 5, 4));
  REQUIRE(Gemm({"--numerics", "fp8-acc-fp32", a, v, "-o", d}).exit_code == 0);
  CHECK(ReadD(d).shape == std::vector<int64_t>{2, 3});
  CHECK(ReadD(d).values == MatMul(Ints(24, 4), {1, 2, 3, 4}, 6, 1, 4));
}

TEST_CASE("C is added, broadcast to D") {
  TempDir dir;
  const std::string a = dir.file("a.npy"), b = dir.file("b.npy"),
                    d = dir.file("d.npy");
  WriteF32(a, {2, 3, 4}, Ints(24, 5));
  WriteF32(b, {4, 5}, Ints(20, 6));
  const std::vector<double> ab0 = MatMul(Ints(24, 5), Ints(20, 6), 6, 5, 4);
  const std::vector<std::pair<std::vector<int64_t>, std::vector<float>>>
      addends = {{{5}, {0.5f, 1.5f, -2, 100, 0}},
                 {{3, 1}, {1, 2, 3}},
                 {{2, 3, 5}, Ints(30, 7)}};
  int checked = 0;
  for (const auto& [shape, values] : addends) {
    const std::string c = dir.file("c.npy");
    WriteF32(c, shape, values);
    REQUIRE(Gemm({"--numerics", "fp8-acc-fp32", a, b, "-c", c, "-o", d})
                .exit_code == 0);
    const Array out = ReadD(d);
    REQUIRE(out.values.size() == 30);
    for (int64_t e = 0; e < 30; ++e) {
      const int64_t row = (e / 5) % 3, col = e % 5;
      const double add = shape.size() == 1   ? values[col]
                         : shape.size() == 2 ? values[row]
                                             : values[e];
      CHECK(out.values[e] == ab0[e] + add);
    }
    ++checked;
  }
  CHECK(checked == 3);
}

TEST_CASE("--set accumulate.format=fp16 rounds 2048 + 1 back to 2048") {
  TempDir dir;
  const std::string a = dir.file("a.npy"), b = dir.file("b.npy"),
                    d = dir.file("d.npy");
  // 256 * 8 = 2048, then four products of 1: fp32 reaches 2052, while
  // fp16 (ulp 2 at 2048) rounds each 2049 to even, 2048.
  WriteF32(a, {1, 5}, {256, 1, 1, 1, 1});
  WriteF32(b, {5, 1}, {8, 1, 1, 1, 1});
  REQUIRE(Gemm({"--numerics", "fp8-acc-fp32", a, b, "-o", d}).exit_code == 0);
  CHECK(ReadD(d).values == std::vector<double>{2052});
  const RunResult r = Gemm({"--numerics", "fp8-acc-fp32", "--error", "--set",
                            "accumulate.format=fp16", a, b, "-o", d});
  REQUIRE(r.exit_code == 0);
  CHECK(ReadD(d).values == std::vector<double>{2048});
  CHECK(r.out.find("exact matches 0 of 1") != std::string::npos);
}

TEST_CASE("--seed N is --set seed=N, applied after every --set") {
  TempDir dir;
  const std::string a = dir.file("a.npy"), b = dir.file("b.npy");
  // Values that are not all exact in fp16 sums: stochastic rounding of the
  // accumulator draws on the seed at almost every step.
  std::vector<float> av(4 * 64), bv(64 * 8);
  for (size_t i = 0; i < av.size(); ++i) av[i] = 0.25f + 0.37f * (i % 13);
  for (size_t i = 0; i < bv.size(); ++i) bv[i] = 1.5f - 0.29f * (i % 11);
  WriteF32(a, {4, 64}, av);
  WriteF32(b, {64, 8}, bv);
  auto run = [&](const std::vector<std::string>& seed, const char* name) {
    std::vector<std::string> args = {"--numerics", "fp8-acc-fp16", "--set",
                                     "accumulate.rounding=stochastic"};
    args.insert(args.end(), seed.begin(), seed.end());
    const std::string d = dir.file(name);
    args.insert(args.end(), {a, b, "-o", d, "--json", d + ".json"});
    const RunResult r = Gemm(args);
    REQUIRE(r.exit_code == 0);
    const auto j = nlohmann::json::parse(ReadBytes(d + ".json"));
    return std::make_pair(ReadBytes(d), j["numerics"]["seed"].get<uint64_t>());
  };
  const auto seed7 = run({"--seed", "7"}, "d7.npy");
  const auto set7 = run({"--set", "seed=7"}, "s7.npy");
  const auto both = run({"--seed", "7", "--set", "seed=3"}, "b7.npy");
  const auto seed8 = run({"--seed", "8"}, "d8.npy");
  CHECK(seed7.second == 7);
  CHECK(both.second == 7);  // --seed wins over --set seed=
  CHECK(seed8.second == 8);
  CHECK(seed7.first == set7.first);
  CHECK(seed7.first == both.first);
  CHECK(seed7.first != seed8.first);
  const RunResult help = Gemm({"--help"});
  CHECK(help.out.find("--seed") != std::string::npos);
}

TEST_CASE("block-scaled inputs (mx, per_tensor) of exact values give exact D") {
  TempDir dir;
  const std::string a = dir.file("a.npy"), b = dir.file("b.npy"),
                    want = dir.file("want.npy"), d = dir.file("d.npy");
  // K = 40: a full MX block of 32 and a partial one. Integers up to 8 have
  // at most 3 significant bits, so power-of-two scales keep them exact.
  WriteF32(a, {3, 40}, Ints(120, 8));
  WriteF32(b, {40, 2}, Ints(80, 9));
  REQUIRE(Gemm({"--numerics", "fp8-acc-fp32", a, b, "-o", want}).exit_code ==
          0);
  const std::vector<std::string> scalings = {
      "{format: e4m3fn, scaling: mx}",
      "{format: e4m3fn, scaling: per_tensor, power_of_two: true}"};
  int checked = 0;
  for (const std::string& input : scalings) {
    const std::string numerics = dir.file("n.yaml");
    WriteBytes(numerics, "inputs:\n  a: " + input + "\n  b: " + input +
                             "\naccumulate: {format: fp32}\n"
                             "output: {format: fp32}\n");
    CAPTURE(input);
    const RunResult r = Gemm({"--numerics", numerics, a, b, "-o", d});
    REQUIRE(r.exit_code == 0);
    CHECK(ReadD(d).values == ReadD(want).values);
    ++checked;
  }
  CHECK(checked == 2);
}

TEST_CASE("--json writes one report object with the metrics") {
  TempDir dir;
  const std::string a = dir.file("a.npy"), b = dir.file("b.npy"),
                    d = dir.file("d.npy"), json = dir.file("r.json");
  WriteF32(a, {2, 1, 5}, {256, 1, 1, 1, 1, 1, 2, 3, 4, 5});
  WriteF32(b, {5, 1}, {8, 1, 1, 1, 1});
  const RunResult r =
      Gemm({"--numerics", "fp8-acc-fp16", a, b, "-o", d, "--json", json});
  REQUIRE(r.exit_code == 0);
  const nlohmann::json j = nlohmann::json::parse(ReadBytes(json));
  int checked = 0;
  for (const char* key :
       {"schema_version", "gemmsim_version", "command", "numerics", "kernel",
        "inputs", "output", "shape", "error", "seconds"}) {
    CAPTURE(key);
    CHECK(j.contains(key));
    ++checked;
  }
  for (const char* key :
       {"max_abs_error", "max_rel_error", "rel_fro_error", "mean_ulp_error",
        "exact_match_fraction", "nan_count", "inf_count", "elements"}) {
    CAPTURE(key);
    CHECK(j["error"].contains(key));
    ++checked;
  }
  CHECK(checked == 18);
  CHECK(j["command"] == "gemm");
  CHECK(j["numerics"].is_object());
  CHECK(j["shape"]["m"] == 1);
  CHECK(j["shape"]["k"] == 5);
  CHECK(j["shape"]["batch"] == std::vector<int>{2});
  CHECK(j["error"]["elements"] == 2);
  // The first element is 2048 under fp16 against 2052 exact; the second,
  // 8 + 2 + 3 + 4 + 5 = 22, is exact.
  CHECK(j["error"]["max_abs_error"] == 4.0);
  CHECK(j["error"]["exact_match_fraction"] == 0.5);
  CHECK(ReadD(d).values == std::vector<double>{2048, 22});
}

// Issue 11: the error of a format choice includes its quantization.
TEST_CASE("--error also measures D against the unquantized operands") {
  TempDir dir;
  const std::string a = dir.file("a.npy"), b = dir.file("b.npy"),
                    d = dir.file("d.npy"), json = dir.file("r.json");
  // 1.1f rounds to 1.125 in e4m3fn (3 mantissa bits); 2 and 1 are exact.
  const float x = 1.1f;
  WriteF32(a, {1, 2}, {x, 2});
  WriteF32(b, {2, 1}, {1, 1});
  const RunResult r =
      Gemm({"--numerics", "fp8-acc-fp32", a, b, "-o", d, "--json", json});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("error against the unquantized operands") !=
        std::string::npos);
  const nlohmann::json j = nlohmann::json::parse(ReadBytes(json));
  CHECK(j["error"]["rel_fro_error"] == 0.0);  // against its own operands
  const double unquantized = static_cast<double>(x) + 2;
  const nlohmann::json& u = j["error_vs_unquantized"];
  CHECK(u["max_abs_error"].get<double>() == 3.125 - unquantized);
  CHECK(u["rel_fro_error"].get<double>() ==
        doctest::Approx((3.125 - unquantized) / unquantized).epsilon(1e-12));
  // Codes have no unquantized values.
  WriteArray<uint8_t>(a, io::DType::kU8, {1, 2}, {0x38, 0x40});  // 1, 2
  WriteArray<uint8_t>(b, io::DType::kU8, {2, 1}, {0x38, 0x38});
  REQUIRE(Gemm({"--numerics", "fp8-acc-fp32", a, b, "-o", d, "--json", json})
              .exit_code == 0);
  CHECK(
      nlohmann::json::parse(ReadBytes(json))["error_vs_unquantized"].is_null());
}

TEST_CASE("the thread count does not change a bit of D") {
  TempDir dir;
  const std::string a = dir.file("a.npy"), b = dir.file("b.npy");
  std::vector<float> av(37 * 64), bv(64 * 29);
  for (size_t i = 0; i < av.size(); ++i) av[i] = 0.01f * ((i * 37) % 201) - 1;
  for (size_t i = 0; i < bv.size(); ++i) bv[i] = 0.02f * ((i * 53) % 97) - 1;
  WriteF32(a, {37, 64}, av);
  WriteF32(b, {64, 29}, bv);
  const std::vector<std::vector<std::string>> numerics = {
      {"fp8-acc-fp32"},
      {"fp8-acc-fp16"},
      {"h100-e4m3-fp32"},
      {"fp8-acc-bf16", "--set", "accumulate.rounding=stochastic"}};
  int checked = 0;
  for (const auto& n : numerics) {
    std::vector<std::string> bytes;
    for (const char* threads : {"1", "2", "5"}) {
      const std::string d = dir.file(std::string("d") + threads + ".npy");
      std::vector<std::string> args = {"--numerics"};
      args.insert(args.end(), n.begin(), n.end());
      args.insert(args.end(), {a, b, "-o", d, "--threads", threads});
      REQUIRE(Gemm(args).exit_code == 0);
      bytes.push_back(ReadBytes(d));
    }
    CAPTURE(n[0]);
    CHECK(bytes[0] == bytes[1]);
    CHECK(bytes[0] == bytes[2]);
    ++checked;
  }
  CHECK(checked == 4);
}

struct BadCase {
  std::vector<std::string> args;
  int exit_code;
  std::vector<std::string> messages;  // parts of stderr
};

TEST_CASE("bad usage exits 2, bad input 3, and no output is left behind") {
  TempDir dir;
  const std::string a = dir.file("a.npy"), b = dir.file("b.npy"),
                    b3 = dir.file("b3.npy"), batch = dir.file("batch.npy"),
                    codes = dir.file("codes.npy"), mx = dir.file("mx.yaml"),
                    d = dir.file("d.npy"), json = dir.file("r.json");
  WriteF32(a, {2, 3}, {1, 2, 3, 4, 5, 6});
  WriteF32(b, {4, 2}, Ints(8, 1));
  WriteF32(b3, {3, 2}, Ints(6, 1));
  WriteF32(batch, {3, 2, 3}, Ints(18, 1));
  WriteArray<uint16_t>(codes, io::DType::kU16, {2, 3},
                       {0x38, 0x40, 300, 0x48, 0x4A, 0x4C});
  WriteBytes(mx,
             "inputs:\n  a: {format: e4m3fn, scaling: mx}\n  b: e4m3fn\n"
             "accumulate: {format: fp32}\noutput: {format: fp32}\n");
  const std::string n = "fp8-acc-fp32";
  const std::vector<BadCase> cases = {
      {{"--numerics", n, a, b, "-o", d, "--json", json},
       3,
       {"a.npy", "[2, 3]", "b.npy", "[4, 2]", "K = 3"}},
      {{"--numerics", n, batch, dir.file("b24.npy"), "-o", d},
       3,
       {"b24.npy"}},  // missing file
      {{a, b3, "-o", d}, 2, {"--numerics"}},
      {{"--numerics", "no-such-preset", a, b3, "-o", d}, 2, {"no-such-preset"}},
      {{"--numerics", n, "--set", "accumulate.format", a, b3, "-o", d},
       2,
       {"--set"}},
      {{"--numerics", n, "--set", "accumulate.block=-3", a, b3, "-o", d},
       2,
       {"accumulate.block"}},
      {{"--numerics", n, codes, b3, "-o", d},
       3,
       {"codes.npy", "code 300 does not fit e4m3fn"}},
      {{"--numerics", mx, dir.file("ac.npy"), b3, "-o", d}, 3, {"ac.npy"}},
      {{"--numerics", n, a, b3, "-c", batch, "-o", d},
       3,
       {"batch.npy", "[3, 2, 3]", "[2, 2]"}},
      {{"--numerics", n, a, b3, "-o", dir.file("no/such/dir/d.npy")},
       3,
       {"cannot write"}},
      {{"--numerics", n, a, b3, "-o", d, "--json", dir.file("nodir/r.json")},
       3,
       {"cannot write"}},
      {{"--numerics", n, a, b3, "-o", d, "--threads", "-1"}, 2, {"--threads"}},
  };
  // Codes are not accepted with block scaling, whose scales need values.
  WriteArray<uint8_t>(dir.file("ac.npy"), io::DType::kU8, {2, 3},
                      {0x38, 0x40, 0x44, 0x48, 0x4A, 0x4C});
  int checked = 0;
  for (const BadCase& c : cases) {
    const RunResult r = Gemm(c.args);
    CAPTURE(checked);
    CAPTURE(r.err);
    CHECK(r.exit_code == c.exit_code);
    for (const std::string& m : c.messages)
      CHECK(r.err.find(m) != std::string::npos);
    CHECK(r.out.empty());
    CHECK_FALSE(FileExists(d));
    CHECK_FALSE(FileExists(json));
    ++checked;
  }
  CHECK(checked == 12);
  const RunResult r = Gemm({"--numerics", mx, dir.file("ac.npy"), b3, "-o", d});
  CHECK(r.err.find("scaling mx") != std::string::npos);
  // And no temporaries either: only the inputs are left.
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    (void)entry;
    ++files;
  }
  CHECK(files == 7);  // a, b, b3, batch, codes, mx.yaml, ac
}

}  // namespace
}  // namespace gemmsim::testing
