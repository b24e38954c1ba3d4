#include "app/sweep/sweep_job.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "app/config/numerics_file.h"
#include "app/trace/evaluate.h"
#include "datapaths/error.h"

namespace gemmsim::app {
namespace {

// LoadNumerics, with a configuration error's message put in *error (and a
// default Numerics returned) instead of thrown.
Numerics TryLoad(const std::string& base, const std::vector<std::string>& all,
                 std::string* error) {
  try {
    return LoadNumerics(base, all);
  } catch (const Error& e) {
    if (e.code() != ExitCode::kUsage) throw;
    *error = e.what();
    return Numerics{};
  }
}

}  // namespace

SweepNumerics ResolveSweepNumerics(const Trace& trace,
                                   const std::string& numerics,
                                   const std::vector<std::string>& sets,
                                   const std::vector<VaryAxis>& axes,
                                   const std::vector<SweepPoint>& points) {
  SweepNumerics out;
  for (const TraceGemm& gemm : trace.gemms) {
    const std::string& base = gemm.numerics.empty() ? numerics : gemm.numerics;
    auto it = std::find(out.bases.begin(), out.bases.end(), base);
    out.base_of_gemm.push_back(static_cast<int>(it - out.bases.begin()));
    if (it == out.bases.end()) out.bases.push_back(base);
  }
  // The --set overrides alone first: their errors are theirs, not a point's.
  for (const std::string& base : out.bases) LoadNumerics(base, sets);
  for (const SweepPoint& point : points) {
    std::vector<std::string> all = sets;
    const std::vector<std::string> overrides = PointOverrides(axes, point);
    all.insert(all.end(), overrides.begin(), overrides.end());
    std::vector<Numerics> per_base;
    for (const std::string& base : out.bases) {
      std::string error;
      per_base.push_back(TryLoad(base, all, &error));
      if (error.empty()) continue;
      // Name the --vary value at fault when one fails on its own; else the
      // combination does.
      for (size_t i = 0; i < axes.size(); ++i) {
        std::vector<std::string> one = sets;
        one.push_back(overrides[i]);
        std::string alone;
        TryLoad(base, one, &alone);
        if (!alone.empty()) {
          // The schema names overrides as --set; this one is the --vary's.
          const std::string as_set = "--set '" + overrides[i] + "': ";
          if (const size_t at = alone.find(as_set); at != std::string::npos)
            alone.erase(at, as_set.size());
          throw ConfigError(
              fmt::format("--vary '{}': the value {} of {} is not valid{}: {}",
                          axes[i].text, axes[i].values[point[i]], axes[i].key,
                          out.bases.size() > 1 ? " for " + base : "", alone));
        }
      }
      throw ConfigError(
          fmt::format("--vary: the point {} is not a valid numerics{}: {}",
                      PointLabel(axes, point),
                      out.bases.size() > 1 ? " for " + base : "", error));
    }
    out.of_point.push_back(std::move(per_base));
  }
  return out;
}

struct SweepEvaluator::Prepared {
  PreparedGemm gemm;
  std::vector<double> exact;
};

SweepEvaluator::SweepEvaluator(const Trace& trace, SyntheticKind kind,
                               uint64_t seed, int threads)
    : trace_(trace),
      kind_(kind),
      seed_(seed),
      threads_(threads),
      operands_(trace.gemms.size()),
      unquantized_(trace.gemms.size()) {}

SweepEvaluator::~SweepEvaluator() = default;

int SweepEvaluator::SyntheticGemms() const {
  int count = 0;
  for (const TraceGemm& gemm : trace_.gemms) count += !gemm.a || !gemm.b;
  return count;
}

const SweepEvaluator::Prepared& SweepEvaluator::PreparedFor(
    size_t gemm, const Numerics& numerics) {
  const nlohmann::json resolved = NumericsToJson(numerics);
  std::string key =
      resolved["inputs"].dump() + " seed " + resolved["seed"].dump();
  auto& slot = cache_[{gemm, std::move(key)}];
  if (slot) return *slot;
  if (!operands_[gemm]) {
    operands_[gemm] = std::make_unique<TraceOperands>(LoadTraceOperands(
        trace_.gemms[gemm], static_cast<int64_t>(gemm), kind_, seed_));
  }
  auto prepared = std::make_unique<Prepared>();
  prepared->gemm = PrepareGemm(*operands_[gemm], numerics);
  prepared->exact = ExactResult(prepared->gemm, threads_);
  slot = std::move(prepared);
  return *slot;
}

PointMetrics SweepEvaluator::Evaluate(const SweepNumerics& numerics,
                                      size_t point) {
  const auto start = std::chrono::steady_clock::now();
  TraceErrorSum sum;
  bool warned = false;
  for (size_t g = 0; g < trace_.gemms.size(); ++g) {
    const Numerics& n = numerics.of_point[point][numerics.base_of_gemm[g]];
    const Prepared& p = PreparedFor(g, n);
    // Issue 11: a configuration without a fast kernel says so first.
    const double macs = static_cast<double>(p.gemm.shapes.elements()) *
                        static_cast<double>(p.gemm.shapes.k);
    if (!warned && macs >= 1e8 && UsesSlowPath(p.gemm, n)) {
      fmt::print(stderr,
                 "gemmsim sweep:   point {}: no fast kernel for these "
                 "numerics (kernel generic, about 100x slower), from GEMM "
                 "{} on\n",
                 point + 1, trace_.gemms[g].name);
      warned = true;
    }
    const std::vector<double> d = EmulateGemm(p.gemm, n, threads_);
    std::vector<double> observed;
    if (operands_[g]->observed) observed = ObservedValues(*operands_[g]);
    const GemmError error = CompareGemm(
        d, p.exact, operands_[g]->observed ? &observed : nullptr, n);
    if (!unquantized_[g]) {
      unquantized_[g] =
          UnquantizedResult(p.gemm, operands_[g]->a, operands_[g]->b, threads_);
    }
    sum.Add(error, d, p.exact, *unquantized_[g]);
  }
  PointMetrics m = sum.Result();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  // Milliseconds: the CSV holds what the table shows, and reads back equal.
  m.seconds = std::round(seconds * 1000) / 1000;
  return m;
}

}  // namespace gemmsim::app
