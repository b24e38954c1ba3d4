// What `gemmsim validate` prints (stdout) and writes (--json) per GEMM and
// in total (SPEC.md "Command line": per GEMM and total exact_match_fraction
// against observed; mismatches shown in bits).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "app/validate/validate_gemm.h"
#include "datapaths/formats/format.h"

namespace gemmsim::app {

// "GEMM NAME: exact_match_fraction 0.998 (10 mismatches of 5000) under N"
// and the shown mismatches, each in the output format's bit fields.
std::string ValidationText(const std::string& gemm_name,
                           const std::string& numerics_name,
                           const GemmValidation& v, const Format& output);

// One shown mismatch: its element, both values with their bit fields, the
// exact value and the distance in ulps.
std::string MismatchText(const ShownMismatch& m, const Format& output);

nlohmann::json ValidationJson(const GemmValidation& v, const Format& output);

}  // namespace gemmsim::app
