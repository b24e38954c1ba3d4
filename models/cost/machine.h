// A machine as the cost model sees it (SPEC.md "Machines and throughput"):
// matrix engines tiled over the output (or the weights), on-chip SRAM that
// decides operand re-reads, and one memory bandwidth. Plain C++ so that
// estimating 10,000 GEMMs stays far below a second.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gemmsim::cost {

// One tile's shape on an engine: `rows` x `cols` processing elements.
struct Geometry {
  int64_t rows = 0;
  int64_t cols = 0;
};

enum class Dataflow { kOutputStationary, kWeightStationary };

// What the engines can do for one operand type.
struct DtypeEngines {
  int64_t count = 1;           // engines working in parallel on one GEMM
  int64_t macs_per_cycle = 0;  // per engine; 0 means rows * cols
};

enum class Overlap { kMax, kSum };

struct Machine {
  std::string name;
  std::string engine_kind;  // informative: "mme", "tensor_core", "systolic"
  // The first entry is the array itself; the others are alternative
  // geometries the engine can be configured into (the model picks the one
  // that finishes first).
  std::vector<Geometry> geometries;
  Dataflow dataflow = Dataflow::kOutputStationary;
  double clock_ghz = 1.0;
  std::map<std::string, DtypeEngines> dtypes;  // by canonical dtype name
  // Which dtype's engines run a GEMM whose dtype has none of its own (SPEC:
  // "the engine that would run it in practice"), canonical name to
  // canonical name; every value has engines. A dtype's own engines always
  // win over its entry here. Machine files fill it with DefaultFallback
  // where they say nothing (app/config/machine_file.cc).
  std::map<std::string, std::string> fallback;
  // Exposed: every tile pays its fill/drain skew (a bare systolic array).
  // Hidden: the next tile fills while this one drains (double-buffered
  // accumulators), so the skew is paid once per GEMM.
  bool fill_drain_exposed = true;
  int64_t tile_overhead_cycles = 0;  // per tile per engine (setup, sync)
  // Output stationary only: when a GEMM has fewer output tiles than
  // engines, K is split over the idle engines (split-K, as GPU GEMM
  // libraries do for skinny shapes such as decode GEMVs); README "Compute".
  bool split_k = false;
  double compute_efficiency = 1.0;  // sustained fraction of the MAC rate
  int64_t sram_bytes = 0;
  double memory_bandwidth_gbs = 0;  // GB/s, 1e9 bytes per second
  Overlap overlap = Overlap::kMax;
};

const char* DataflowName(Dataflow d);
const char* OverlapName(Overlap o);

// The engine dtype a GEMM's operand type runs as: "bf16", "fp16", "tf32",
// "fp32", "fp64", "int8", "int4", "fp8" (every 8-bit float: e4m3, e5m2 and
// their variants, e3m4, e8m0fnu), "fp6" (e3m2fn, e2m3fn), "fp4" (e2m1fn);
// the block-scaled mxfp8, mxfp6, mxfp4 and nvfp4 run as their element type.
// Accepts every format name of SpecFormatNames (datapaths/formats), the
// canonical names and a few aliases; "" for a name the model does not know.
std::string CanonicalDtype(const std::string& name);

// The names CanonicalDtype accepts, for error messages: "bf16, fp16, ...".
const std::string& DtypeChoices();

// How one operand of type `dtype` (any name CanonicalDtype knows) is stored
// in memory: packed elements plus block scales along K (SPEC.md "Machines
// and throughput"). MX: one E8M0 byte per 32 elements; NVFP4: one E4M3 byte
// per 16 elements plus one FP32 scale per tensor.
struct OperandStorage {
  double element_bytes = 0;  // packed: e2m1fn 0.5, e3m2fn 0.75
  int64_t block = 0;         // elements along K per scale; 0: no scales
  double scale_bytes = 0;    // per block
  double tensor_bytes = 0;   // per tensor (NVFP4's FP32 scale)
};
OperandStorage StorageOf(const std::string& dtype);

// Bytes of a `rows` x `k` operand (K the reduction dimension), scales
// included; a partial block along K still has its scale.
double OperandBytes(const OperandStorage& s, int64_t rows, int64_t k);

// Bytes per operand element of `dtype` (packed, no scales).
double DtypeBytes(const std::string& dtype);

// The dtype whose engines run GEMMs of canonical `dtype` on `machine`: the
// dtype itself where it has engines, else its `fallback` entry; "" for
// neither.
std::string EngineDtype(const Machine& machine, const std::string& dtype);

// The fallback a machine gets for canonical `dtype` when its file names
// none; "" for none. Without engines of their own:
//   - fp32 runs on tf32 engines (what cuBLAS does for fp32 with TF32
//     allowed, and cuDNN's default for convolutions in PyTorch), else on
//     bf16 engines (a framework lowering fp32 matmuls to bf16, as PyTorch's
//     set_float32_matmul_precision("medium") allows);
//   - fp6 and fp4 run on fp8 engines (Hopper-class GPUs: low-precision
//     weights widened to FP8 in registers), else on bf16, else fp16 engines
//     (weight-only quantised kernels on machines without FP8);
//   - int4 runs on int8 engines, else bf16 (same reasoning).
// Every other dtype without engines (fp64 on every preset) stays an error
// rather than silently priced as something else.
std::string DefaultFallback(const Machine& machine, const std::string& dtype);

}  // namespace gemmsim::cost
