// One complete event of a PyTorch profiler trace (app/trace/
// trace_profiler.cc) read as the GEMMs it ran: mm, addmm, bmm, baddbmm,
// addbmm, mv, addmv, linear and matmul from their "Input Dims"; forward and
// backward convolutions as their implicit GEMMs (SPEC.md "Files").
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "app/trace/trace.h"

namespace gemmsim::app {

struct ProfilerEventGemms {
  // Labelled ("addmm", "convolution_backward dgrad"); empty with `skipped`
  // saying why (a transposed convolution, no stride in the export, ...).
  std::vector<std::pair<std::string, TraceGemm>> gemms;
  std::string skipped;
  bool has_shapes = false;  // args["Input Dims"] is there (none without Kineto)
  std::string torch_type;   // args["Input type"][0], where there are gemms
  std::string place;        // "traceEvents[I] (aten::OP)", for messages
};

// `event` is traceEvents[index] of `path`, an aten:: GEMM op. Throws
// InputError naming the file and place for shapes that do not fit the op.
ProfilerEventGemms ReadProfilerEvent(const std::string& path,
                                     const nlohmann::json& event, size_t index);

}  // namespace gemmsim::app
