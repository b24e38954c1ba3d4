#include "models/cost/cost_model.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "datapaths/error.h"
#include "models/cost/systolic_formula.h"
#include "models/cost/tile_cycles.h"

namespace gemmsim::cost {
namespace {

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Engine cycles of one run of the GEMM on geometry `g` (README: "Compute").
double ComputeCycles(const Machine& machine, const DtypeEngines& e,
                     const Geometry& g, const GemmShape& s) {
  const bool os = machine.dataflow == Dataflow::kOutputStationary;
  const int64_t macs = MacsPerCycle(e, g);
  // Output stationary tiles D and streams K; weight stationary tiles B
  // (K x N) and streams the M rows of A.
  const int64_t tiles = (os ? CeilDiv(s.m, g.rows) : CeilDiv(s.k, g.rows)) *
                        CeilDiv(s.n, g.cols) * s.batch;
  const int64_t stream = os ? s.k : s.m;
  const int64_t skew = 2 * g.rows + g.cols - 2;
  const double eff = machine.compute_efficiency;
  if (machine.fill_drain_exposed && e.count == 1 && macs == g.rows * g.cols) {
    // One bare array: the exact formula, edge tiles at their own size.
    const int64_t one = SystolicCycles(g, machine.dataflow, s.m, s.n, s.k);
    const int64_t per_batch_tiles = tiles / s.batch;
    const double pure = static_cast<double>(per_batch_tiles) * stream;
    return static_cast<double>(s.batch) *
           (pure / eff + static_cast<double>(one) - pure +
            static_cast<double>(per_batch_tiles *
                                machine.tile_overhead_cycles));
  }
  // Every wave lasts as long as a full tile (the wave quantisation). With
  // split-K, each of `splits` engines streams its share of K.
  const int64_t splits = SplitK(machine, e, tiles, s.k);
  const double waves = static_cast<double>(CeilDiv(tiles * splits, e.count));
  const double per_tile =
      TileCycles(machine, e, g, splits > 1 ? CeilDiv(stream, splits) : stream);
  return waves * per_tile + (machine.fill_drain_exposed ? 0 : skew);
}

// Bytes one run moves to and from memory (README: "Memory").
double MemoryBytes(const Machine& machine, const Geometry& g,
                   const GemmShape& s) {
  // Operands in their own format (packed, block scales along K); the output
  // at least 16-bit (bf16 for sub-16-bit inputs, as FP8/FP4 GEMMs write it).
  const OperandStorage in = StorageOf(s.dtype);
  const double out = std::max(2.0, in.element_bytes);
  const double a = OperandBytes(in, s.m, s.k);
  const double b = OperandBytes(in, s.n, s.k);
  const double d = static_cast<double>(s.m) * s.n * out;
  // Half the SRAM holds the resident panel; the other half buffers what
  // streams in next.
  const double budget = static_cast<double>(machine.sram_bytes) / 2;
  double operands = a + b;
  if (std::min(a, b) > budget) {
    // Keep a K x nb panel of B (or an mb x K panel of A) resident and stream
    // the other operand once per panel; panels are whole tiles wide.
    const auto passes = [&](int64_t size, int64_t tile) {
      const double row = OperandBytes(in, 1, s.k) - in.tensor_bytes;
      const double fit = budget / row;
      const int64_t panel =
          std::max<int64_t>(tile, static_cast<int64_t>(fit) / tile * tile);
      return static_cast<double>(CeilDiv(size, panel));
    };
    operands =
        std::min(a * passes(s.n, g.cols) + b, b * passes(s.m, g.rows) + a);
  }
  return (operands + d * (s.addend ? 2 : 1)) * s.batch;
}

void CheckShape(const GemmShape& s) {
  if (s.m < 0 || s.n < 0 || s.k < 0 || s.batch < 1 || s.count < 1) {
    throw Error(ExitCode::kInputFile,
                "GEMM " + s.name +
                    ": expected m, n, k >= 0 and batch, count "
                    ">= 1");
  }
}

}  // namespace

const DtypeEngines& EnginesFor(const Machine& machine,
                               const std::string& dtype) {
  const std::string engine = EngineDtype(machine, CanonicalDtype(dtype));
  if (!engine.empty()) return machine.dtypes.at(engine);
  std::string have;
  for (const auto& [name, engines] : machine.dtypes)
    have += (have.empty() ? "" : ", ") + name;
  throw ConfigError("machine " + machine.name + " has no engines for dtype '" +
                    dtype + "' and no engine.fallback for it; it has " + have);
}

const char* BoundName(Bound b) {
  return b == Bound::kCompute ? "compute" : "memory";
}

double PeakTflops(const Machine& machine, const std::string& dtype) {
  const DtypeEngines& e = EnginesFor(machine, dtype);
  const Geometry& g = machine.geometries.front();
  return 2.0 * e.count * MacsPerCycle(e, g) * machine.clock_ghz * 1e9 / 1e12;
}

Cost EstimateGemm(const Machine& machine, const GemmShape& gemm) {
  CheckShape(gemm);
  const DtypeEngines& e = EnginesFor(machine, gemm.dtype);
  Cost c;
  c.engine_dtype = EngineDtype(machine, CanonicalDtype(gemm.dtype));
  c.flops = 2.0 * gemm.m * gemm.n * gemm.k * gemm.batch * gemm.count;
  if (c.flops == 0) return c;
  double best = std::numeric_limits<double>::infinity();
  for (const Geometry& g : machine.geometries) {
    const double cycles = ComputeCycles(machine, e, g, gemm);
    if (cycles < best) {
      best = cycles;
      c.geometry = g;
    }
  }
  const double hz = machine.clock_ghz * 1e9;
  c.compute_seconds = best / hz;
  c.bytes = MemoryBytes(machine, c.geometry, gemm);
  c.memory_seconds = c.bytes / (machine.memory_bandwidth_gbs * 1e9);
  const double one = machine.overlap == Overlap::kMax
                         ? std::max(c.compute_seconds, c.memory_seconds)
                         : c.compute_seconds + c.memory_seconds;
  c.seconds = one * gemm.count;
  c.cycles = c.seconds * hz;
  c.bound =
      c.memory_seconds > c.compute_seconds ? Bound::kMemory : Bound::kCompute;
  c.tflops = c.flops / c.seconds / 1e12;
  c.utilization = c.tflops / PeakTflops(machine, gemm.dtype);
  return c;
}

TraceCost EstimateTrace(const Machine& machine,
                        std::span<const GemmShape> gemms) {
  TraceCost t;
  t.gemms.reserve(gemms.size());
  double busy = 0, memory_time = 0;  // peak-seconds of work; memory-bound time
  for (const GemmShape& g : gemms) {
    const Cost c = EstimateGemm(machine, g);
    t.total.cycles += c.cycles;
    t.total.seconds += c.seconds;
    t.total.flops += c.flops;
    t.total.bytes += c.bytes * g.count;
    busy += c.utilization * c.seconds;
    if (c.bound == Bound::kMemory) memory_time += c.seconds;
    t.gemms.push_back(c);
  }
  if (t.total.seconds > 0) {
    t.total.tflops = t.total.flops / t.total.seconds / 1e12;
    t.total.utilization = busy / t.total.seconds;
  }
  // The trace is memory-bound when memory-bound GEMMs take most of its time.
  t.total.bound =
      memory_time * 2 > t.total.seconds ? Bound::kMemory : Bound::kCompute;
  return t;
}

}  // namespace gemmsim::cost
