// GEMM traces (SPEC.md "Files"): a YAML manifest (shapes, operands, addend,
// observed output, per-GEMM numerics), a shape-only CSV (`layer,M,N,K`, as
// SCALE-Sim writes it) or a PyTorch profiler JSON trace recorded with
// record_shapes=True. All three read into one Trace; the commands (estimate,
// replay, sweep, validate) never look at the file kind again.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/cost/cost_model.h"

namespace gemmsim::app {

// One tensor a manifest names: `a: a.npy` or
// `b: {file: w.safetensors, tensor: NAME, transpose: true}`.
struct TensorRef {
  std::string file;        // resolved: relative paths are the manifest's
  std::string tensor;      // .safetensors tensor; empty: the file's only one
  bool transpose = false;  // swap the last two dimensions when read
  std::string place;       // "trace.yaml:12:8 (gemms[3].b)", for messages
};

struct TraceGemm {
  std::string name;
  int64_t m = 0, n = 0, k = 0;
  int64_t batch = 1;
  int64_t count = 1;           // how many times it runs (throughput only)
  std::string dtype = "bf16";  // operand type for throughput
  std::optional<TensorRef> a, b, c, observed;
  // Per-GEMM numerics: a preset name, or a file path resolved against the
  // manifest's folder; empty: the command's --numerics.
  std::string numerics;
  std::string place;  // "trace.yaml:7:5 (gemms[0])" or "trace.csv line 3"
};

enum class TraceKind { kManifest, kCsv, kProfiler };
const char* TraceKindName(TraceKind kind);  // "manifest", "csv", "profiler"

struct Trace {
  std::string name;  // the manifest's `name`, else the file's stem
  std::string path;  // as given
  TraceKind kind = TraceKind::kManifest;
  std::vector<TraceGemm> gemms;
};

// Reads a trace by its extension: .yaml/.yml (manifest), .csv, .json
// (profiler). Throws InputError (exit 3) naming the file, the place (line
// and column, key path) and what was expected; a manifest must have at least
// one GEMM, positive m, n, k (zero allowed), batch >= 1, count >= 1. Tensor
// files are not opened here (LoadTraceOperands does).
Trace ReadTrace(const std::string& path);

// The shape the cost model needs.
cost::GemmShape ShapeOf(const TraceGemm& gemm);

// The readers ReadTrace dispatches to, whatever the file's extension.
// Manifest: the mapping above (keys name, description, gemms). CSV: a header
// line, then `layer,M,N,K` (a trailing comma allowed); dtype bf16, which
// `estimate --dtype` replaces. Profiler: Chrome trace events of aten::mm,
// addmm, bmm, linear and matmul with "Input Dims"; nested calls (linear ->
// addmm -> mm, on one thread, by time containment) count once, and equal
// (op, shape, dtype) events become one GEMM with their count.
Trace ReadManifestTrace(const std::string& path);
Trace ReadCsvTrace(const std::string& path);
Trace ReadProfilerTrace(const std::string& path);

}  // namespace gemmsim::app
