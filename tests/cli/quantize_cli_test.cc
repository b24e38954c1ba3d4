// gemmsim quantize / dequantize end to end, on files NumPy wrote, and what
// bad input does: exit 3 naming the file, and no output file left behind.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "app/tensor_values.h"
#include "io/npy.h"
#include "tests/cli/run_gemmsim.h"

namespace gemmsim::testing {
namespace {

const std::string kData = GEMMSIM_TEST_DATA_DIR;

std::vector<uint8_t> ReadU1(const std::string& path) {
  const io::Tensor t = io::read_npy(path);
  REQUIRE(t.dtype == io::DType::kU8);
  return t.data;
}

TEST_CASE("quantize float32 from NumPy to e4m3fn codes as ml_dtypes does") {
  TempDir dir;
  const std::string out = dir.file("codes.npy");
  const RunResult r = RunGemmsim(
      {"quantize", "--format", "e4m3fn", kData + "/golden_f4.npy", out});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("12 values -> e4m3fn") != std::string::npos);
  // 0, -0, 1, -1.5, 448, 464 (tie -> 448), 465 (-> NaN), 0.3, 1e-9 (-> 0),
  // inf (-> NaN), -inf (-> -NaN), nan. 0.3 = 1.2 * 2^-2 -> 1.25 * 2^-2:
  // field -2 + 7 = 5, mantissa 2: 0x2A.
  const std::vector<uint8_t> want = {0x00, 0x80, 0x38, 0xBC, 0x7E, 0x7E,
                                     0x7F, 0x2A, 0x00, 0x7F, 0xFF, 0x7F};
  CHECK(ReadU1(out) == want);
}

TEST_CASE("quantize float64 rounds once, not through float32") {
  TempDir dir;
  const std::string out = dir.file("codes.npy");
  REQUIRE(RunGemmsim(
              {"quantize", "--format", "e4m3fn", kData + "/golden_f8.npy", out})
              .exit_code == 0);
  const std::vector<uint8_t> codes = ReadU1(out);
  CHECK(codes[0] == 0x7F);  // 464.00000001 > the tie: NaN (via float32: 448)
  CHECK(codes[1] == 0x39);  // 1 + 2^-4 + 2^-30 rounds up (via float32: 0x38)
  REQUIRE(RunGemmsim(
              {"quantize", "--format", "e5m2", kData + "/golden_f8.npy", out})
              .exit_code == 0);
  CHECK(ReadU1(out)[2] == 0x7B);  // 61439.999999999 -> 57344 (via f32: Inf)
}

TEST_CASE("float16 input, 16-bit formats, Fortran order and dequantize") {
  TempDir dir;
  const std::string codes = dir.file("c.npy"), back = dir.file("v.npy");
  REQUIRE(RunGemmsim(
              {"quantize", "--format", "bf16", kData + "/golden_f2.npy", codes})
              .exit_code == 0);
  const io::Tensor c = io::read_npy(codes);
  CHECK(c.dtype == io::DType::kU16);
  CHECK(c.shape == std::vector<int64_t>{2, 3});
  REQUIRE(
      RunGemmsim({"dequantize", "--format", "bf16", codes, back}).exit_code ==
      0);
  const io::Tensor v = io::read_npy(back);
  REQUIRE(v.dtype == io::DType::kF32);
  std::vector<float> values(6);
  std::memcpy(values.data(), v.data.data(), 24);
  // 65504 is not a bf16: it rounds to 65536 (nearest even).
  CHECK(values ==
        std::vector<float>{1.0f, 2.5f, -7.0f, 0.0625f, 65536.0f, -0.25f});

  // Fortran-ordered input comes back in C order.
  REQUIRE(RunGemmsim({"quantize", "--format", "e4m3fn",
                      kData + "/fortran_f4.npy", codes})
              .exit_code == 0);
  REQUIRE(
      RunGemmsim({"dequantize", "--format", "e4m3fn", codes, back}).exit_code ==
      0);
  const io::Tensor f = io::read_npy(back);
  std::vector<float> fv(6);
  std::memcpy(fv.data(), f.data.data(), 24);
  CHECK(fv == std::vector<float>{0, 0.75f, 1.5f, 2.25f, 3.0f, 3.75f});
}

TEST_CASE("stochastic quantization is reproducible from its seed") {
  TempDir dir;
  const std::string in = dir.file("in.npy");
  io::Tensor t;
  t.dtype = io::DType::kF32;
  t.shape = {1000};
  t.data.resize(4000);
  for (int i = 0; i < 1000; ++i) {
    const float x = 1.0f + i * 1e-4f;
    std::memcpy(t.data.data() + 4 * i, &x, 4);
  }
  io::write_npy(in, t);
  auto run = [&](const char* seed, const std::string& out) {
    REQUIRE(RunGemmsim({"quantize", "--format", "e4m3fn", "--rounding",
                        "stochastic", "--seed", seed, in, out})
                .exit_code == 0);
    return ReadU1(out);
  };
  const auto a = run("1", dir.file("a.npy")), b = run("1", dir.file("b.npy")),
             c = run("2", dir.file("c.npy"));
  CHECK(a == b);
  CHECK(a != c);
}

TEST_CASE("dequantize writes float64 when values do not fit float32") {
  TempDir dir;
  const std::string in = dir.file("codes.npy"), out = dir.file("v.npy");
  io::Tensor t;
  t.dtype = io::DType::kU64;
  t.shape = {1};
  const uint64_t one_third_code = 0x3FD5555555555555;  // fp64 bits of 1/3
  t.data.resize(8);
  std::memcpy(t.data.data(), &one_third_code, 8);
  io::write_npy(in, t);
  REQUIRE(RunGemmsim({"dequantize", "--format", "fp64", in, out}).exit_code ==
          0);
  const io::Tensor v = io::read_npy(out);
  CHECK(v.dtype == io::DType::kF64);
  double x;
  std::memcpy(&x, v.data.data(), 8);
  CHECK(x == 1.0 / 3);
}

struct BadCase {
  std::vector<std::string> args;
  int exit_code;
  std::string message;  // a part of stderr
};

TEST_CASE("bad input files exit 3, name the file, and leave no output") {
  TempDir dir;
  const std::string out = dir.file("out.npy");
  const std::string missing = dir.file("missing.npy");
  const std::string truncated = dir.file("truncated.npy");
  const std::string bad_magic = dir.file("magic.npy");
  const std::string huge = dir.file("huge.npy");
  const std::string good = kData + "/golden_f4.npy";
  WriteBytes(truncated, ReadBytes(good).substr(0, 100));
  WriteBytes(bad_magic, "\x93NUMPX" + ReadBytes(good).substr(6));
  {
    // A header that claims 2^80 bytes of data.
    std::string header =
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, "
        "1099511627776), }";
    header.resize(118, ' ');
    header += '\n';
    std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
    bytes += static_cast<char>(header.size() & 0xff);
    bytes += static_cast<char>(header.size() >> 8);
    WriteBytes(huge, bytes + header + std::string(64, '\0'));
  }
  const std::vector<BadCase> cases = {
      {{"quantize", "--format", "e4m3fn", missing, out}, 3, "missing.npy"},
      {{"quantize", "--format", "e4m3fn", truncated, out}, 3, "truncated.npy"},
      {{"quantize", "--format", "e4m3fn", bad_magic, out}, 3, "magic.npy"},
      {{"quantize", "--format", "e4m3fn", huge, out}, 3, "huge.npy"},
      {{"quantize", "--format", "e4m3fn", kData + "/codes_u1.npy", out},
       3,
       "expected a float array"},
      {{"dequantize", "--format", "e4m3fn", kData + "/codes_i4.npy", out},
       3,
       "expected codes of e4m3fn"},
      {{"dequantize", "--format", "e2m1fn", kData + "/codes_u1.npy", out},
       3,
       "element 0: code 126 does not fit e2m1fn"},
      {{"quantize", "--format", "e4m3fn", good,
        dir.file("no/such/dir/out.npy")},
       3,
       "cannot write"},
  };
  int checked = 0;
  for (const BadCase& c : cases) {
    const RunResult r = RunGemmsim(c.args);
    CAPTURE(c.message);
    CHECK(r.exit_code == c.exit_code);
    CHECK(r.err.find(c.message) != std::string::npos);
    CHECK(r.out.empty());
    CHECK_FALSE(FileExists(out));
    ++checked;
  }
  CHECK(checked == 8);
  // A failed run leaves an existing output untouched, and no temporaries.
  WriteBytes(out, "precious");
  CHECK(RunGemmsim({"quantize", "--format", "e4m3fn", truncated, out})
            .exit_code == 3);
  CHECK(ReadBytes(out) == "precious");
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    (void)entry;
    ++files;
  }
  CHECK(files == 4);  // out, truncated, magic, huge: no temporaries
}

}  // namespace
}  // namespace gemmsim::testing
