// The document of `gemmsim formats --json`: every format SPEC.md names, with
// its bits, bias, range and specials. gemmsim.formats() (Python) returns its
// "formats" list.
#pragma once

#include <nlohmann/json.hpp>

#include "datapaths/formats/format.h"

namespace gemmsim::app {

nlohmann::json FormatJson(const Format& f);

// JsonHeader() plus "formats": FormatJson of every SpecFormatNames() entry.
nlohmann::json FormatsReportJson();

}  // namespace gemmsim::app
