// The formats the exhaustive tests sweep: every spec format of at most 8 bits
// plus custom layouts that reach each branch (each specials kind, no
// subnormals, odd biases, one mantissa bit, five exponent bits...).
#pragma once

#include <string>
#include <vector>

#include "datapaths/formats/format.h"

namespace gemmsim::testing {

inline const std::vector<std::string>& SmallFloatFormatNames() {
  static const std::vector<std::string> names = {
      // SPEC.md formats of <= 8 bits.
      "e5m2", "e4m3fn", "e4m3", "e4m3fnuz", "e5m2fnuz", "e4m3b11fnuz", "e3m4",
      "e3m2fn", "e2m3fn", "e2m1fn", "e8m0fnu",
      // Custom IEEE-like e<E>m<M>.
      "e2m2", "e3m3", "e2m5", "e5m1", "e6m1", "e4m2", "e3m1",
      // Custom mappings: every specials kind, biases, no subnormals.
      "e4m3_b3_fnuz", "e4m3_b15_fnuz", "e4m3_b8_fnuz_nosub", "e4m3_b7_fn_nosub",
      "e3m2_b2_fn", "e2m1_b1_none_nosub", "e5m2_b15_ieee_nosub", "e3m3_b1_none",
      "e6m1_b40_fn"};
  return names;
}

// Small formats that have a zero (all but e8m0fnu).
inline std::vector<std::string> SmallFormatsWithZero() {
  std::vector<std::string> out;
  for (const auto& n : SmallFloatFormatNames())
    if (n != "e8m0fnu") out.push_back(n);
  return out;
}

}  // namespace gemmsim::testing
