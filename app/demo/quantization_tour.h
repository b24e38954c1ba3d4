// The demo's input-format step (app/demo/quantization_tour.cc).
#pragma once

#include <string>

namespace gemmsim::app {

// Writes quantization_error.csv and .json into `out_dir` (which exists).
void RunQuantizationTour(const std::string& out_dir);

}  // namespace gemmsim::app
