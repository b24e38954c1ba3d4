// The document of `gemmsim estimate --json` (SPEC.md "Command line"): the
// machine, each GEMM's cost and the engines that ran it, and the total. The
// command and the Python module's gemmsim.estimate both build it here.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/cost/cost_model.h"

namespace gemmsim::app {

// The shapes of a trace file's GEMMs, as estimate prices them: a CSV names
// no operand type, so its GEMMs are `csv_dtype`. Throws ReadTrace's errors.
std::vector<cost::GemmShape> TraceShapes(const std::string& trace_path,
                                         const std::string& csv_dtype);

// Whether the machine's fallback ran the GEMM on another dtype's engines
// (SPEC: "the report says which").
bool FellBack(const cost::GemmShape& g, const cost::Cost& c);

// t = cost::EstimateTrace(machine, gemms).
nlohmann::json EstimateReportJson(const cost::Machine& machine,
                                  const std::vector<cost::GemmShape>& gemms,
                                  const cost::TraceCost& t);

}  // namespace gemmsim::app
