// gemmsim formats [--json]: every format SPEC.md names, with its bits, bias,
// range and specials.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "app/commands/commands.h"
#include "app/formats_report.h"
#include "datapaths/formats/format.h"
#include "io/utf8.h"

namespace gemmsim::app {
namespace {

std::string SpecialsText(const Format& f) {
  if (!f.is_float()) return f.is_signed() ? "two's complement" : "unsigned";
  std::string text = f.has_inf()   ? "Inf, NaN"
                     : f.has_nan() ? "NaN, no Inf"
                                   : "none";
  if (!f.has_negative_zero() && f.layout().has_zero && f.layout().has_sign)
    text += ", no -0";
  if (!f.layout().has_zero) text += ", no zero, unsigned";
  return text;
}

void PrintTable() {
  fmt::print("{:<12} {:>4} {:>5} {:>12} {:>12} {:>12}  {}\n", "format", "bits",
             "bias", "max finite", "min normal", "min subnorm", "specials");
  for (const auto& name : SpecFormatNames()) {
    const Format f = FormatByName(name);
    if (f.is_float()) {
      fmt::print("{:<12} {:>4} {:>5} {:>12.6g} {:>12.6g} {:>12.6g}  {}\n", name,
                 f.bits(), f.layout().bias, f.max_finite(), f.min_normal(),
                 f.min_subnormal(), SpecialsText(f));
    } else {
      fmt::print("{:<12} {:>4} {:>5} {:>12.6g} {:>12} {:>12}  {}, min {}\n",
                 name, f.bits(), "-", f.max_finite(), "-", "-", SpecialsText(f),
                 f.min_value());
    }
  }
  fmt::print(
      "\nCustom formats: e<E>m<M> (IEEE-like, bias 2^(E-1)-1), "
      "e<E>m<M>_b<BIAS>_<ieee|fn|fnuz|none>[_nosub], int<W>, uint<W>.\n");
}

}  // namespace

void AddFormatsCommand(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "formats", "List every number format with bits, bias, range, specials");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Print one JSON object instead of a table");
  cmd->callback([json] {
    if (!*json) return PrintTable();
    std::cout << io::ReportJson(FormatsReportJson()) << "\n";
  });
}

}  // namespace gemmsim::app
