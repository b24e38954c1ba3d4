// ReadTrace: one entry point for the three trace kinds, chosen by extension.
#include <algorithm>
#include <cctype>
#include <filesystem>

#include "app/trace/trace.h"
#include "datapaths/error.h"

namespace gemmsim::app {

const char* TraceKindName(TraceKind kind) {
  switch (kind) {
    case TraceKind::kManifest:
      return "manifest";
    case TraceKind::kCsv:
      return "csv";
    case TraceKind::kProfiler:
      return "profiler";
  }
  return "?";
}

Trace ReadTrace(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (ext == ".yaml" || ext == ".yml") return ReadManifestTrace(path);
  if (ext == ".csv") return ReadCsvTrace(path);
  if (ext == ".json") return ReadProfilerTrace(path);
  throw InputError(path, "",
                   "unknown trace kind; expected a YAML manifest (.yaml, "
                   ".yml), a shape-only CSV (.csv, layer,M,N,K) or a PyTorch "
                   "profiler trace (.json)");
}

cost::GemmShape ShapeOf(const TraceGemm& gemm) {
  cost::GemmShape s;
  s.name = gemm.name;
  s.m = gemm.m;
  s.n = gemm.n;
  s.k = gemm.k;
  s.batch = gemm.batch;
  s.count = gemm.count;
  s.dtype = gemm.dtype;
  s.addend = gemm.c.has_value();
  return s;
}

}  // namespace gemmsim::app
