// The analytical cost model (SPEC.md "Machines and throughput"): cycles,
// seconds, TFLOP/s, utilisation and bound of GEMMs on a Machine. Compute time
// tiles the GEMM over the engines' geometry (ceil divisions: partly used
// tiles and the last, partly filled wave cost in full); memory time is a
// roofline over the bytes the tiling moves. models/cost/README.md has the
// formulas.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "models/cost/machine.h"

namespace gemmsim::cost {

struct GemmShape {
  std::string name;
  int64_t m = 0, n = 0, k = 0;
  int64_t batch = 1;
  int64_t count = 1;  // how many times it runs
  std::string dtype = "bf16";
  bool addend = false;  // reads C as well
};

enum class Bound { kCompute, kMemory };
const char* BoundName(Bound b);

struct Cost {
  double cycles = 0;   // engine clock cycles of the whole time
  double seconds = 0;  // all `count` runs
  double tflops = 0;
  double utilization = 0;  // tflops over the machine's peak for the dtype
  Bound bound = Bound::kCompute;
  // Detail, for tests and the JSON report (one run).
  double compute_seconds = 0;
  double memory_seconds = 0;
  double bytes = 0;
  double flops = 0;   // all runs
  Geometry geometry;  // the geometry chosen
  // The canonical dtype whose engines ran the GEMM (EngineDtype); it differs
  // from the GEMM's own dtype when the machine's `fallback` ran it. Empty in
  // a trace's total.
  std::string engine_dtype;
};

// The engines that run GEMMs of `dtype` (any name CanonicalDtype knows) on
// `machine`, through its fallback where the dtype has none of its own.
// Throws ConfigError (exit 2) when neither gives engines.
const DtypeEngines& EnginesFor(const Machine& machine,
                               const std::string& dtype);

// Throws gemmsim::Error (exit 2) for a dtype the machine has no engines and
// no fallback for and (exit 3) for a negative dimension or a zero batch or
// count. Compute runs on EnginesFor's engines; bytes stay those of the
// GEMM's own dtype (fp32 operands are fp32 in memory whatever multiplies
// them).
Cost EstimateGemm(const Machine& machine, const GemmShape& gemm);

// Peak dense TFLOP/s of `machine` for a dtype (of the engines that run it).
double PeakTflops(const Machine& machine, const std::string& dtype);

struct TraceCost {
  std::vector<Cost> gemms;
  Cost total;  // seconds add up; utilization is time-weighted
};
TraceCost EstimateTrace(const Machine& machine,
                        std::span<const GemmShape> gemms);

}  // namespace gemmsim::cost
