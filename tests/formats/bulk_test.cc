// The fast float32 kernels (bulk.cc) equal the generic Encode (codec.cc) on a
// lattice through all of float32's bit patterns plus every decisive point of
// each format, in rne and stochastic, with both overflow policies.
#include "datapaths/formats/bulk.h"

#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <vector>

#include "datapaths/reference/rounding_reference.h"

namespace gemmsim {
namespace {

// float32 inputs: every 65537th bit pattern (all exponents, both signs,
// NaNs, subnormals) and, for each pair of neighbours of the format, the
// midpoint and one float step either side.
std::vector<float> Inputs(const Format& f) {
  std::vector<float> in;
  for (uint64_t bits = 0; bits < (uint64_t{1} << 32); bits += 65537)
    in.push_back(std::bit_cast<float>(static_cast<uint32_t>(bits)));
  const reference::RoundingReference ref(f);
  const auto& grid = ref.grid();
  const size_t stride = grid.size() > 4096 ? 7 : 1;
  for (size_t i = 0; i + 1 < grid.size(); i += stride) {
    const float mid = static_cast<float>(grid[i] + (grid[i + 1] - grid[i]) / 2);
    for (float p : {mid, std::nextafter(mid, 0.0f), std::nextafter(mid, 1e30f),
                    static_cast<float>(grid[i])}) {
      in.push_back(p);
      in.push_back(-p);
    }
  }
  return in;
}

template <typename Code>
int64_t CompareKernel(const Format& f, const EncodeOptions& o,
                      int64_t* mismatches) {
  const std::vector<float> in = Inputs(f);
  std::vector<Code> out(in.size());
  const RandomKey key{42, StreamTensor::kQuantize};
  EncodeFloat32(f, in, std::span<Code>(out), o, key, 1000);
  const bool stochastic = o.rounding.mode == Rounding::kStochastic;
  for (size_t i = 0; i < in.size(); ++i) {
    const uint32_t random = stochastic ? RandomBits(key, 1000 + i) : 0;
    const auto want = static_cast<Code>(Encode(f, in[i], o, random));
    if (out[i] != want && (*mismatches)++ < 5)
      MESSAGE(f.name() << " " << RoundingName(o.rounding.mode) << " x=" << in[i]
                       << ": got " << +out[i] << " want " << +want);
  }
  return static_cast<int64_t>(in.size());
}

TEST_CASE("fast float32 kernels equal the generic encoder") {
  const char* eight_bit[] = {"e5m2",
                             "e4m3fn",
                             "e4m3",
                             "e4m3fnuz",
                             "e5m2fnuz",
                             "e4m3b11fnuz",
                             "e3m4",
                             "e3m2fn",
                             "e2m3fn",
                             "e2m1fn",
                             "e4m3_b8_fnuz_nosub",
                             "e5m2_b15_ieee_nosub",
                             "e2m1_b1_none_nosub"};
  const char* sixteen_bit[] = {"bf16", "fp16", "e6m9_b20_fn"};
  int64_t checked = 0, mismatches = 0;
  int formats = 0;
  for (Rounding mode : {Rounding::kNearestEven, Rounding::kStochastic}) {
    for (int sb : {32, 5}) {
      if (mode == Rounding::kNearestEven && sb != 32) continue;
      for (Overflow overflow : {Overflow::kIeee, Overflow::kSaturate}) {
        EncodeOptions o;
        o.rounding = {mode, sb};
        o.overflow = overflow;
        for (const char* name : eight_bit) {
          const Format f = FormatByName(name);
          REQUIRE(HasFastFloat32Kernel(f, o));  // the fast path is under test
          checked += CompareKernel<uint8_t>(f, o, &mismatches);
          ++formats;
        }
        for (const char* name : sixteen_bit) {
          const Format f = FormatByName(name);
          REQUIRE(HasFastFloat32Kernel(f, o));
          checked += CompareKernel<uint16_t>(f, o, &mismatches);
          ++formats;
        }
      }
    }
  }
  CHECK(mismatches == 0);
  CHECK(formats == 6 * 16);
  CHECK(checked > 6 * 16 * 65536);
}

TEST_CASE("formats without a fast kernel take the generic path, same codes") {
  EncodeOptions rtz;
  rtz.rounding.mode = Rounding::kTowardZero;
  CHECK_FALSE(HasFastFloat32Kernel(FormatByName("e4m3fn"), rtz));
  CHECK_FALSE(HasFastFloat32Kernel(FormatByName("e8m0fnu"), EncodeOptions{}));
  CHECK_FALSE(HasFastFloat32Kernel(FormatByName("int8"), EncodeOptions{}));
  const std::vector<float> in = {0.3f, -1e-9f, 448.5f, -3.0f, 1e30f, 0.0f};
  int checked = 0;
  for (const char* name : {"e8m0fnu", "int8", "uint8", "int4", "e4m3fn"}) {
    const Format f = FormatByName(name);
    std::vector<uint8_t> out(in.size());
    EncodeFloat32(f, in, std::span<uint8_t>(out), rtz);
    for (size_t i = 0; i < in.size(); ++i) {
      CHECK(out[i] == Encode(f, in[i], rtz));
      ++checked;
    }
  }
  CHECK(checked == 30);
}

TEST_CASE("stochastic codes do not depend on how the array is split") {
  std::vector<float> in(10000);
  for (size_t i = 0; i < in.size(); ++i) in[i] = std::sin(0.37f * i) * 300.0f;
  EncodeOptions o;
  o.rounding.mode = Rounding::kStochastic;
  const Format f = FormatByName("e4m3fn");
  const RandomKey key{7, StreamTensor::kA};
  std::vector<uint8_t> whole(in.size()), pieces(in.size());
  EncodeFloat32(f, in, std::span<uint8_t>(whole), o, key);
  const size_t cuts[] = {0, 1, 999, 4096, 10000};
  for (int c = 0; c + 1 < 5; ++c) {
    const size_t b = cuts[c], e = cuts[c + 1];
    EncodeFloat32(f, std::span<const float>(in).subspan(b, e - b),
                  std::span<uint8_t>(pieces).subspan(b, e - b), o, key, b);
  }
  CHECK(whole == pieces);
  // A different seed gives different codes somewhere (the key matters).
  std::vector<uint8_t> other(in.size());
  EncodeFloat32(f, in, std::span<uint8_t>(other), o,
                RandomKey{8, StreamTensor::kA});
  CHECK(other != whole);
}

TEST_CASE("decode tables hold every code's value") {
  int64_t checked = 0;
  for (const char* name :
       {"e4m3fn", "e2m1fn", "e8m0fnu", "bf16", "fp16", "int8"}) {
    const Format f = FormatByName(name);
    const DecodeTable table(f);
    for (uint64_t code = 0; code < f.code_count(); ++code) {
      const double want = Decode(f, code);
      CHECK_MESSAGE((std::bit_cast<uint64_t>(table[code]) ==
                         std::bit_cast<uint64_t>(want) ||
                     (std::isnan(want) && std::isnan(table[code]))),
                    name << " code " << code);
      ++checked;
    }
  }
  CHECK(checked == 256 * 3 + 16 + 65536 * 2);
}

}  // namespace
}  // namespace gemmsim
