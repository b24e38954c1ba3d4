#include "datapaths/formats/format.h"

#include <charconv>
#include <cmath>
#include <map>

#include "datapaths/error.h"

namespace gemmsim {
namespace {

int FirstNormalField(const FloatLayout& l) { return l.has_zero ? 1 : 0; }
int TopField(const FloatLayout& l) { return (1 << l.exponent_bits) - 1; }

void Require(bool ok, const std::string& name, const std::string& what) {
  if (!ok) throw ConfigError("format '" + name + "': " + what);
}

// Parses a decimal integer that makes up all of `s`.
bool ParseInt(std::string_view s, int* out) {
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

FloatLayout Ieee(int e, int m, int bias) {
  return {e, m, bias, Specials::kIeee, true, true, true};
}
FloatLayout Finite(int e, int m, int bias, Specials specials) {
  return {e, m, bias, specials, true, true, true};
}
int DefaultBias(int e) { return (1 << (e - 1)) - 1; }

const std::map<std::string, Format, std::less<>>& SpecFormats() {
  static const auto* formats = [] {
    auto* f = new std::map<std::string, Format, std::less<>>;
    auto add_float = [f](const std::string& name, const FloatLayout& l) {
      f->emplace(name, Format::Float(name, l));
    };
    add_float("fp64", Ieee(11, 52, 1023));
    add_float("fp32", Ieee(8, 23, 127));
    add_float("tf32", Ieee(8, 10, 127));
    add_float("bf16", Ieee(8, 7, 127));
    add_float("fp16", Ieee(5, 10, 15));
    add_float("e5m2", Ieee(5, 2, 15));
    add_float("e4m3fn", Finite(4, 3, 7, Specials::kFn));
    add_float("e4m3", Ieee(4, 3, 7));
    add_float("e4m3fnuz", Finite(4, 3, 8, Specials::kFnuz));
    add_float("e5m2fnuz", Finite(5, 2, 16, Specials::kFnuz));
    add_float("e4m3b11fnuz", Finite(4, 3, 11, Specials::kFnuz));
    add_float("e3m4", Ieee(3, 4, 3));
    add_float("e3m2fn", Finite(3, 2, 3, Specials::kNone));
    add_float("e2m3fn", Finite(2, 3, 1, Specials::kNone));
    add_float("e2m1fn", Finite(2, 1, 1, Specials::kNone));
    // OCP MX scale: 2^(field - 127), no sign, no zero, NaN = 0xFF.
    add_float("e8m0fnu", {8, 0, 127, Specials::kFn, false, false, false});
    f->emplace("int8", Format::Integer("int8", 8, true));
    f->emplace("int4", Format::Integer("int4", 4, true));
    f->emplace("uint8", Format::Integer("uint8", 8, false));
    return f;
  }();
  return *formats;
}

std::string LayoutName(const FloatLayout& l) {
  std::string name = "e" + std::to_string(l.exponent_bits) + "m" +
                     std::to_string(l.mantissa_bits) + "_b" +
                     std::to_string(l.bias) + "_" +
                     std::string(SpecialsName(l.specials));
  if (!l.subnormals) name += "_nosub";
  return name;
}

}  // namespace

std::string_view SpecialsName(Specials specials) {
  switch (specials) {
    case Specials::kIeee:
      return "ieee";
    case Specials::kFn:
      return "fn";
    case Specials::kFnuz:
      return "fnuz";
    case Specials::kNone:
      return "none";
  }
  return "?";
}

bool ParseSpecials(std::string_view name, Specials* out) {
  for (Specials s :
       {Specials::kIeee, Specials::kFn, Specials::kFnuz, Specials::kNone}) {
    if (SpecialsName(s) == name) {
      *out = s;
      return true;
    }
  }
  return false;
}

Format Format::Float(std::string name, const FloatLayout& l) {
  if (name.empty()) name = LayoutName(l);
  Require(l.exponent_bits >= 1 && l.exponent_bits <= 11, name,
          "exponent_bits must be 1..11");
  Require(l.mantissa_bits >= 0 && l.mantissa_bits <= 52, name,
          "mantissa_bits must be 0..52");
  Require(l.specials != Specials::kIeee || l.mantissa_bits >= 1, name,
          "IEEE specials need a mantissa bit to tell NaN from Inf");
  Require(l.has_zero || l.specials != Specials::kFnuz, name,
          "fnuz needs a zero");
  Format f;
  f.name_ = std::move(name);
  f.kind_ = FormatKind::kFloat;
  f.layout_ = l;
  f.is_signed_ = l.has_sign;
  f.bits_ = (l.has_sign ? 1 : 0) + l.exponent_bits + l.mantissa_bits;
  Require(f.max_exponent_field() >= FirstNormalField(l), f.name_,
          "no normal binade is left after the special codes");
  // Every value must be an exact double: exponents within double's range.
  const int emax = f.max_exponent_field() - l.bias;
  const int emin = FirstNormalField(l) - l.bias - l.mantissa_bits;
  Require(emax <= 1023 && emin >= -1074, f.name_,
          "bias puts values outside float64's range");
  return f;
}

Format Format::Integer(std::string name, int bits, bool is_signed) {
  Require(bits >= 2 && bits <= 64, name, "integer width must be 2..64");
  Format f;
  f.name_ = std::move(name);
  f.kind_ = FormatKind::kInteger;
  f.bits_ = bits;
  f.is_signed_ = is_signed;
  return f;
}

uint64_t Format::code_count() const { return uint64_t{1} << bits_; }
uint64_t Format::code_mask() const {
  return bits_ == 64 ? ~uint64_t{0} : (uint64_t{1} << bits_) - 1;
}

int Format::min_normal_exponent() const {
  return FirstNormalField(layout_) - layout_.bias;
}

int Format::max_exponent_field() const {
  const int top = TopField(layout_);
  switch (layout_.specials) {
    case Specials::kIeee:
      return top - 1;
    case Specials::kFn:
      return layout_.mantissa_bits == 0 ? top - 1 : top;
    default:
      return top;
  }
}

uint64_t Format::max_finite_magnitude_code() const {
  if (!is_float()) return is_signed_ ? code_mask() >> 1 : code_mask();
  const int field = max_exponent_field();
  uint64_t mant = (uint64_t{1} << layout_.mantissa_bits) - 1;
  if (layout_.specials == Specials::kFn && field == TopField(layout_)) --mant;
  return (uint64_t{static_cast<unsigned>(field)} << layout_.mantissa_bits) |
         mant;
}

double Format::max_finite() const {
  if (!is_float()) return static_cast<double>(max_finite_magnitude_code());
  const int m = layout_.mantissa_bits;
  const uint64_t code = max_finite_magnitude_code();
  const uint64_t mant = code & ((uint64_t{1} << m) - 1);
  const int field = static_cast<int>(code >> m);
  return std::ldexp(static_cast<double>((uint64_t{1} << m) + mant),
                    field - layout_.bias - m);
}

double Format::min_normal() const {
  return is_float() ? std::ldexp(1.0, min_normal_exponent()) : 1.0;
}

double Format::min_subnormal() const {
  if (!is_float()) return 1.0;
  if (!layout_.subnormals || !layout_.has_zero) return min_normal();
  return std::ldexp(1.0, min_normal_exponent() - layout_.mantissa_bits);
}

double Format::min_value() const {
  if (is_float()) return layout_.has_sign ? -max_finite() : min_normal();
  return is_signed_ ? -std::ldexp(1.0, bits_ - 1) : 0.0;
}

bool Format::has_inf() const {
  return is_float() && layout_.specials == Specials::kIeee;
}
bool Format::has_nan() const {
  return is_float() && layout_.specials != Specials::kNone;
}
bool Format::has_negative_zero() const {
  return is_float() && layout_.has_sign && layout_.has_zero &&
         layout_.specials != Specials::kFnuz;
}

uint64_t Format::sign_mask() const {
  if (!is_signed_) return 0;
  return uint64_t{1} << (bits_ - 1);
}

uint64_t Format::nan_code() const {
  const int m = layout_.mantissa_bits;
  const uint64_t top = uint64_t{static_cast<unsigned>(TopField(layout_))} << m;
  switch (layout_.specials) {
    case Specials::kIeee:
      return top | (uint64_t{1} << (m - 1));  // quiet
    case Specials::kFn:
      return top | ((uint64_t{1} << m) - 1);
    case Specials::kFnuz:
      return sign_mask();
    case Specials::kNone:
      break;
  }
  return 0;
}

uint64_t Format::inf_code() const {
  return uint64_t{static_cast<unsigned>(TopField(layout_))}
         << layout_.mantissa_bits;
}

bool Format::operator==(const Format& o) const {
  const FloatLayout &a = layout_, &b = o.layout_;
  return kind_ == o.kind_ && bits_ == o.bits_ && is_signed_ == o.is_signed_ &&
         (kind_ == FormatKind::kInteger ||
          (a.exponent_bits == b.exponent_bits &&
           a.mantissa_bits == b.mantissa_bits && a.bias == b.bias &&
           a.specials == b.specials && a.subnormals == b.subnormals &&
           a.has_sign == b.has_sign && a.has_zero == b.has_zero));
}

bool ValuesFitIn(const Format& a, const Format& b) {
  if (!b.is_float()) {
    return !a.is_float() && (!a.is_signed() || b.is_signed()) &&
           a.max_finite() <= b.max_finite() && a.min_value() >= b.min_value();
  }
  const FloatLayout& lb = b.layout();
  // The lowest set bit any value of b can have (its quantum at the bottom).
  const int b_lowest_bit = lb.subnormals
                               ? b.min_normal_exponent() - lb.mantissa_bits
                               : b.min_normal_exponent();
  if (!a.is_float()) {  // integers: every magnitude needs its bits in b
    const int magnitude_bits = a.bits() - (a.is_signed() ? 1 : 0);
    return magnitude_bits <= lb.mantissa_bits + 1 &&
           std::ldexp(1.0, magnitude_bits) <= b.max_finite() &&
           (!a.is_signed() || lb.has_sign) && lb.has_zero;
  }
  const FloatLayout& la = a.layout();
  const int a_lowest_bit = la.subnormals && la.has_zero
                               ? a.min_normal_exponent() - la.mantissa_bits
                               : a.min_normal_exponent();
  // Normal values of a below b's normal range need b's subnormals.
  const bool low_range_ok =
      a.min_normal_exponent() >= b.min_normal_exponent() ||
      (lb.subnormals && a_lowest_bit >= b_lowest_bit);
  return la.mantissa_bits <= lb.mantissa_bits &&
         a.max_finite() <= b.max_finite() && low_range_ok &&
         a_lowest_bit >= b_lowest_bit && (!a.has_inf() || b.has_inf()) &&
         (!a.has_nan() || b.has_nan()) && (!la.has_sign || lb.has_sign) &&
         (la.has_zero ? lb.has_zero : true) &&
         (!a.has_negative_zero() || b.has_negative_zero());
}

const std::vector<std::string>& SpecFormatNames() {
  static const std::vector<std::string> names = {
      "fp64",        "fp32",   "tf32",   "bf16",     "fp16",
      "e5m2",        "e4m3fn", "e4m3",   "e4m3fnuz", "e5m2fnuz",
      "e4m3b11fnuz", "e3m4",   "e3m2fn", "e2m3fn",   "e2m1fn",
      "e8m0fnu",     "int8",   "int4",   "uint8"};
  return names;
}

Format FormatByName(std::string_view name) {
  const auto& spec = SpecFormats();
  if (auto it = spec.find(name); it != spec.end()) return it->second;

  int a = 0, b = 0;
  if (name.starts_with("uint") && ParseInt(name.substr(4), &a))
    return Format::Integer(std::string(name), a, false);
  if (name.starts_with("int") && ParseInt(name.substr(3), &a))
    return Format::Integer(std::string(name), a, true);

  // e<E>m<M>, optionally _b<bias>_<specials>[_nosub] (the names of mapping
  // formats, so that every name gemmsim prints can be read back).
  if (name.starts_with("e")) {
    const size_t m_pos = name.find('m');
    const size_t tail = name.find('_');
    if (m_pos != std::string_view::npos && m_pos < tail &&
        ParseInt(name.substr(1, m_pos - 1), &a) &&
        ParseInt(name.substr(m_pos + 1, tail == std::string_view::npos
                                            ? std::string_view::npos
                                            : tail - m_pos - 1),
                 &b) &&
        a >= 1 && a <= 11) {
      if (tail == std::string_view::npos)
        return Format::Float(std::string(name), Ieee(a, b, DefaultBias(a)));
      FloatLayout l = Ieee(a, b, 0);
      std::string_view rest = name.substr(tail + 1);
      const size_t sep = rest.find('_');
      if (rest.starts_with("b") && sep != std::string_view::npos &&
          ParseInt(rest.substr(1, sep - 1), &l.bias)) {
        rest = rest.substr(sep + 1);
        if (rest.ends_with("_nosub")) {
          l.subnormals = false;
          rest.remove_suffix(6);
        }
        if (ParseSpecials(rest, &l.specials))
          return Format::Float(std::string(name), l);
      }
    }
  }
  throw ConfigError(
      "unknown format '" + std::string(name) +
      "': expected one of `gemmsim formats`, e<E>m<M> (IEEE-like), "
      "e<E>m<M>_b<BIAS>_<ieee|fn|fnuz|none>[_nosub], int<W> or uint<W>");
}

}  // namespace gemmsim
