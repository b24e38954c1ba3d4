// A number format as a runtime value (SPEC.md "Number formats"): formats come
// from YAML, so nothing here is a compile-time template. A Format is either a
// binary floating-point layout (sign, exponent, mantissa, bias, specials) or a
// two's-complement / unsigned integer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gemmsim {

// Which codes are special (ml_dtypes / OCP naming).
enum class Specials {
  kIeee,  // top exponent field: mantissa 0 = Inf, else NaN
  kFn,    // finite: no Inf; NaN = top exponent field with all-ones mantissa
  kFnuz,  // finite, unsigned zero: no Inf, no -0; NaN = the -0 code (0x80)
  kNone,  // every code is a finite number (e2m1fn, e2m3fn, e3m2fn)
};

struct FloatLayout {
  int exponent_bits = 0;
  int mantissa_bits = 0;
  int bias = 0;
  Specials specials = Specials::kIeee;
  bool subnormals = true;  // false: exponent field 0 decodes as zero (DAZ)
                           // and results that would be subnormal flush to 0
  bool has_sign = true;    // e8m0fnu: false
  bool has_zero = true;    // e8m0fnu: false, field 0 is the binade 2^-bias
};

enum class FormatKind { kFloat, kInteger };

class Format {
 public:
  // Throws gemmsim::Error (configuration) on an impossible layout.
  static Format Float(std::string name, const FloatLayout& layout);
  static Format Integer(std::string name, int bits, bool is_signed);

  const std::string& name() const { return name_; }
  FormatKind kind() const { return kind_; }
  bool is_float() const { return kind_ == FormatKind::kFloat; }
  const FloatLayout& layout() const { return layout_; }
  int bits() const { return bits_; }
  bool is_signed() const { return is_signed_; }
  uint64_t code_count() const;  // 2^bits (bits < 64)
  uint64_t code_mask() const;

  // Derived properties, exact as doubles.
  double max_finite() const;
  double min_normal() const;     // floats only (integers: 1)
  double min_subnormal() const;  // floats: smallest positive value
  double min_value() const;      // integers: most negative value
  bool has_inf() const;
  bool has_nan() const;
  bool has_negative_zero() const;

  // Floats: the exponent (unbiased) of the smallest normal binade and the
  // largest exponent field that holds finite values.
  int min_normal_exponent() const;
  int max_exponent_field() const;
  uint64_t max_finite_magnitude_code() const;  // code of +max_finite
  uint64_t nan_code() const;                   // canonical NaN (has_nan only)
  uint64_t inf_code() const;                   // +Inf (has_inf only)
  uint64_t sign_mask() const;                  // 0 when unsigned

  bool operator==(const Format& other) const;

 private:
  Format() = default;
  std::string name_;
  FormatKind kind_ = FormatKind::kFloat;
  FloatLayout layout_;
  int bits_ = 0;
  bool is_signed_ = true;
};

// Whether every value of `a` (finite, and Inf/NaN where `a` has them) is
// exactly a value of `b`: e.g. whether results in `a` can be written as
// float32 without change.
bool ValuesFitIn(const Format& a, const Format& b);

// Looks up a spec name (fp32, e4m3fn, int8, ...), a custom IEEE-like
// `e<E>m<M>`, or an integer `int<W>` / `uint<W>`. Throws gemmsim::Error
// (configuration) naming the accepted forms on anything else.
Format FormatByName(std::string_view name);

// The names SPEC.md requires, in the order `gemmsim formats` lists them.
const std::vector<std::string>& SpecFormatNames();

std::string_view SpecialsName(Specials specials);
bool ParseSpecials(std::string_view name, Specials* out);

}  // namespace gemmsim
