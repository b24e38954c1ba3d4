#include "app/validate/validate_report.h"

#include <fmt/format.h>

#include <cmath>

#include "app/validate/bit_match.h"

namespace gemmsim::app {
namespace {

std::string UlpCount(double ulps, const Format& output) {
  return fmt::format("{:+g} ulp{} of {}", ulps, std::fabs(ulps) == 1 ? "" : "s",
                     output.name());
}

std::string Ulps(const ShownMismatch& m, const Format& output) {
  const std::optional<double> ulps = UlpDifference(output, m.model, m.observed);
  if (!ulps) return "not finite values of " + output.name();
  if (*ulps == 0) return "0 ulps (the sign of zero differs)";
  // Issue 11, finding 8: across zero the ulp distance (+2.04723e+09 for
  // +x against -x in fp32) hides what happened: the sign differs.
  if (SignDiffers(m.model, m.observed)) {
    const double magnitudes =
        *UlpDifference(output, std::fabs(m.model), std::fabs(m.observed));
    return magnitudes == 0 ? "the sign differs (same magnitude)"
                           : "the sign differs; magnitudes " +
                                 UlpCount(magnitudes, output) + " apart";
  }
  return UlpCount(*ulps, output);
}

}  // namespace

std::string MismatchText(const ShownMismatch& m, const Format& output) {
  return fmt::format(
      "  [{}, {}, {}]\n"
      "    observed {}  {}\n"
      "    model    {}  {}\n"
      "    exact {}; model - observed: {}\n",
      m.batch, m.i, m.j, BitFields(output, m.observed), m.observed,
      BitFields(output, m.model), m.model, m.exact, Ulps(m, output));
}

std::string ValidationText(const std::string& gemm_name,
                           const std::string& numerics_name,
                           const GemmValidation& v, const Format& output) {
  std::string text = fmt::format(
      "{}: exact_match_fraction {:.6g}, {} mismatches of {} (numerics {}, "
      "output {})\n",
      gemm_name, v.exact_match_fraction(), v.mismatches(), v.elements,
      numerics_name, output.name());
  if (!v.shown.empty()) {
    text += fmt::format(
        "  first {} mismatches [batch, i, j] (sign|exponent|"
        "mantissa of {}):\n",
        v.shown.size(), output.name());
  }
  for (const ShownMismatch& m : v.shown) text += MismatchText(m, output);
  return text;
}

nlohmann::json ValidationJson(const GemmValidation& v, const Format& output) {
  nlohmann::json list = nlohmann::json::array();
  for (const ShownMismatch& m : v.shown) {
    nlohmann::json item = {
        {"index", {m.batch, m.i, m.j}},
        {"observed",
         {{"value", m.observed}, {"bits", BitFields(output, m.observed)}}},
        {"model", {{"value", m.model}, {"bits", BitFields(output, m.model)}}},
        {"exact", m.exact}};
    const std::optional<double> ulps =
        UlpDifference(output, m.model, m.observed);
    item["ulp_difference"] = ulps ? nlohmann::json(*ulps) : nlohmann::json();
    item["sign_differs"] = SignDiffers(m.model, m.observed);
    list.push_back(item);
  }
  return {{"elements", v.elements},
          {"exact_matches", v.matches},
          {"exact_match_fraction", v.exact_match_fraction()},
          {"mismatch_count", v.mismatches()},
          {"mismatches", list}};
}

}  // namespace gemmsim::app
