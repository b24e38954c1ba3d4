// Helpers shared by the numerics-file tests: a scratch directory for files
// the tests write, and a field-by-field comparison of two Numerics (the
// struct has no operator==: formats compare by layout, names separately).
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "datapaths/arithmetic/numerics.h"

namespace gemmsim::testing {

class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "gemmsim-config-test-XXXXXX")
            .string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  // Writes `text` to NAME in the directory and returns its path.
  std::string Write(const std::string& name, const std::string& text) const {
    const std::string path = path_ + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline void CheckSameFormat(const Format& a, const Format& b) {
  CHECK(a.name() == b.name());
  CHECK(a == b);
}

inline void CheckSameRounding(const RoundingSpec& a, const RoundingSpec& b) {
  CHECK(a.mode == b.mode);
  CHECK(a.stochastic_bits == b.stochastic_bits);
}

inline void CheckSameInput(const InputSpec& a, const InputSpec& b) {
  CheckSameFormat(a.format, b.format);
  CheckSameRounding(a.encode.rounding, b.encode.rounding);
  CHECK(a.encode.overflow == b.encode.overflow);
  CHECK(a.scaling.kind == b.scaling.kind);
  CHECK(a.scaling.power_of_two == b.scaling.power_of_two);
}

inline void CheckSameNumerics(const Numerics& x, const Numerics& y) {
  CHECK(x.name == y.name);
  CHECK(x.seed == y.seed);
  CheckSameInput(x.a, y.a);
  CheckSameInput(x.b, y.b);
  const AccumulateSpec &a = x.accumulate, &b = y.accumulate;
  CheckSameFormat(a.format, b.format);
  CHECK(a.block == b.block);
  CHECK(a.alignment == b.alignment);
  CHECK(a.extra_bits == b.extra_bits);
  CHECK(a.adder_fraction_bits == b.adder_fraction_bits);
  CHECK(a.sticky == b.sticky);
  CheckSameRounding(a.rounding, b.rounding);
  CHECK(a.overflow == b.overflow);
  CHECK(a.integer_overflow == b.integer_overflow);
  CHECK(a.order == b.order);
  CHECK(a.accumulator_entry == b.accumulator_entry);
  CheckSameRounding(a.after_block_rounding, b.after_block_rounding);
  REQUIRE(a.promote.has_value() == b.promote.has_value());
  if (a.promote) {
    CHECK(a.promote->every == b.promote->every);
    CheckSameFormat(a.promote->format, b.promote->format);
    CheckSameRounding(a.promote->rounding, b.promote->rounding);
  }
  CHECK(a.min_alignment_exponent == b.min_alignment_exponent);
  CHECK(a.subnormal_inputs == b.subnormal_inputs);
  CHECK(a.subnormal_outputs == b.subnormal_outputs);
  CheckSameFormat(x.output.format, y.output.format);
  CheckSameRounding(x.output.rounding, y.output.rounding);
  CHECK(x.output.overflow == y.output.overflow);
}

}  // namespace gemmsim::testing
