// The document of `gemmsim estimate --json` (SPEC.md "Command line"): the
// machine, each GEMM's cost and the engines that ran it, and the total. The
// command and the Python module's gemmsim.estimate both build it here.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "models/cost/cost_model.h"

namespace gemmsim::app {

// Whether the machine's fallback ran the GEMM on another dtype's engines
// (SPEC: "the report says which").
bool FellBack(const cost::GemmShape& g, const cost::Cost& c);

// t = cost::EstimateTrace(machine, gemms).
nlohmann::json EstimateReportJson(const cost::Machine& machine,
                                  const std::vector<cost::GemmShape>& gemms,
                                  const cost::TraceCost& t);

}  // namespace gemmsim::app
