#include "app/validate/bit_match.h"

#include <cmath>
#include <cstdint>
#include <string>

#include "datapaths/formats/codec.h"

namespace gemmsim::app {
namespace {

std::string Binary(uint64_t value, int bits) {
  std::string s;
  for (int i = bits - 1; i >= 0; --i) s += (value >> i) & 1 ? '1' : '0';
  return s;
}

bool HoldsValue(const Format& format, double value) {
  if (std::isnan(value)) return format.has_nan();
  const EncodeOptions exact;
  return RoundTo(format, value, exact) == value;
}

// The value's position among the format's values, ordered by value: the
// magnitude code is monotone in the magnitude for every float layout.
int64_t Position(const Format& format, double value) {
  const uint64_t code = Encode(format, value, EncodeOptions{});
  if (!format.is_float()) return static_cast<int64_t>(Decode(format, code));
  const uint64_t magnitude = code & ~format.sign_mask() & format.code_mask();
  const int64_t p = static_cast<int64_t>(magnitude);
  return std::signbit(value) ? -p : p;
}

}  // namespace

bool SameOutputBits(double model, double observed) {
  if (std::isnan(model) || std::isnan(observed))
    return std::isnan(model) && std::isnan(observed);
  return model == observed && std::signbit(model) == std::signbit(observed);
}

std::string BitFields(const Format& format, double value) {
  const uint64_t code = Encode(format, value, EncodeOptions{});
  std::string text;
  if (!format.is_float()) {
    text = Binary(code, format.bits());
  } else {
    const FloatLayout& l = format.layout();
    const uint64_t mantissa = code & ((uint64_t{1} << l.mantissa_bits) - 1);
    const uint64_t exponent =
        (code >> l.mantissa_bits) & ((uint64_t{1} << l.exponent_bits) - 1);
    if (l.has_sign) text = Binary(code >> (format.bits() - 1), 1) + "|";
    text += Binary(exponent, l.exponent_bits) + "|" +
            Binary(mantissa, l.mantissa_bits);
  }
  if (!HoldsValue(format, value))
    text += " (not a " + format.name() + " value)";
  return text;
}

bool SignDiffers(double model, double observed) {
  if (std::isnan(model) || std::isnan(observed)) return false;
  if (model == 0 || observed == 0) return false;
  return std::signbit(model) != std::signbit(observed);
}

std::optional<double> UlpDifference(const Format& format, double model,
                                    double observed) {
  if (!std::isfinite(model) || !std::isfinite(observed)) return std::nullopt;
  if (!HoldsValue(format, model) || !HoldsValue(format, observed))
    return std::nullopt;
  return static_cast<double>(Position(format, model) -
                             Position(format, observed));
}

}  // namespace gemmsim::app
