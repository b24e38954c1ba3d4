#include "app/formats_report.h"

#include "app/report_json.h"

namespace gemmsim::app {

nlohmann::json FormatJson(const Format& f) {
  nlohmann::json j = {{"name", f.name()},
                      {"kind", f.is_float() ? "float" : "integer"},
                      {"bits", f.bits()},
                      {"signed", f.is_signed()},
                      {"max_finite", f.max_finite()},
                      {"min_value", f.min_value()}};
  if (f.is_float()) {
    const FloatLayout& l = f.layout();
    j["exponent_bits"] = l.exponent_bits;
    j["mantissa_bits"] = l.mantissa_bits;
    j["bias"] = l.bias;
    j["specials"] = SpecialsName(l.specials);
    j["subnormals"] = l.subnormals && l.has_zero && l.mantissa_bits > 0;
    j["min_normal"] = f.min_normal();
    j["min_subnormal"] = f.min_subnormal();
    j["has_inf"] = f.has_inf();
    j["has_nan"] = f.has_nan();
    j["has_negative_zero"] = f.has_negative_zero();
  }
  return j;
}

nlohmann::json FormatsReportJson() {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& name : SpecFormatNames())
    list.push_back(FormatJson(FormatByName(name)));
  nlohmann::json doc = JsonHeader();
  doc["formats"] = list;
  return doc;
}

}  // namespace gemmsim::app
