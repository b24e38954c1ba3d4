#include "app/replay/replay_run.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "app/config/numerics_file.h"
#include "app/sweep/sweep_metrics.h"
#include "datapaths/error.h"

namespace gemmsim::app {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// Progress on stderr: nothing for runs that finish in a moment; a line per
// GEMM once the run has taken a few seconds (or when a GEMM is large), and
// a percentage every few seconds inside a long one.
class Progress {
 public:
  Progress(bool enabled, size_t gemms) : enabled_(enabled), gemms_(gemms) {}
  void Start(size_t index, const TraceGemm& g, double macs) {
    if (!enabled_ || (Seconds(start_) < 2 && macs < 1e9)) return;
    std::fprintf(stderr,
                 "gemmsim replay: [%zu/%zu] %s (%lldx%lldx%lld%s) ...\n",
                 index + 1, gemms_, g.name.c_str(), static_cast<long long>(g.m),
                 static_cast<long long>(g.n), static_cast<long long>(g.k),
                 g.batch > 1 ? fmt::format(", batch {}", g.batch).c_str() : "");
    last_ = Clock::now();
  }
  // Every few seconds: the phase's share done, the run's time so far and
  // the phase's time left at its pace so far.
  ProgressFn Phase(const char* phase) {
    if (!enabled_) return {};
    const Clock::time_point begin = Clock::now();
    return [this, phase, begin](double done) {
      if (Seconds(last_) < 5) return;
      last_ = Clock::now();
      const double left = done > 0 ? Seconds(begin) * (1 - done) / done : 0;
      std::fprintf(stderr,
                   "gemmsim replay:   %s %.0f%% (%.0f s, about %.0f s left)\n",
                   phase, 100 * done, Seconds(start_), left);
    };
  }
  // Issue 11: a configuration without a fast kernel says so before it runs.
  void SlowPath(const TraceGemm& g, double macs) {
    if (!enabled_ || macs < 1e8) return;
    std::fprintf(stderr,
                 "gemmsim replay:   %s: these numerics have no fast kernel "
                 "(kernel generic: each element through the exact adder, "
                 "about 100x slower); --sample S estimates the error "
                 "faster\n",
                 g.name.c_str());
  }

 private:
  bool enabled_;
  size_t gemms_;
  Clock::time_point start_ = Clock::now(), last_ = start_;
};

std::string NumericsKey(const TraceGemm& g, const ReplayOptions& o) {
  return o.numerics.empty() ? g.numerics : o.numerics;
}

double Macs(const TraceGemm& g) {
  return static_cast<double>(g.batch) * static_cast<double>(g.m) *
         static_cast<double>(g.n) * static_cast<double>(g.k);
}

// The operand type throughput uses: the numerics' input format where the
// cost model knows it (e4m3 runs on FP8 engines), else the trace's dtype.
std::string ThroughputDtype(const TraceGemm& g, const Numerics* numerics) {
  if (numerics) {
    const std::string d = cost::CanonicalDtype(numerics->a.format.name());
    if (!d.empty()) return d;
  }
  return g.dtype;
}

std::string OperandsText(const TraceOperands& o, SyntheticKind kind,
                         uint64_t seed) {
  const std::string drawn =
      fmt::format("synthetic {}, seed {}", SyntheticKindName(kind), seed);
  if (o.synthetic_a && o.synthetic_b) return drawn;
  if (o.synthetic_a) return "a " + drawn + "; b from file";
  if (o.synthetic_b) return "a from file; b " + drawn;
  return "files";
}

// Each GEMM samples its own elements: the seed and its position.
uint64_t SampleSeed(uint64_t seed, size_t index) {
  return seed ^ (0x9e3779b97f4a7c15ULL * (static_cast<uint64_t>(index) + 1));
}

}  // namespace

ReplayResult RunReplay(const Trace& trace, const ReplayOptions& options) {
  ReplayResult result;
  std::map<std::string, size_t> numerics_index;
  // Everything that can fail on configuration fails before any work.
  for (const TraceGemm& g : trace.gemms) {
    const std::string key = NumericsKey(g, options);
    if (key.empty() || numerics_index.count(key)) continue;
    numerics_index[key] = result.numerics.size();
    result.numerics.emplace_back(key, LoadNumerics(key, options.sets));
  }
  if (result.numerics.empty() && !options.sets.empty()) {
    throw ConfigError(
        "--set: no GEMM has numerics to apply it to (give --numerics N)");
  }
  if (result.numerics.empty() && !options.machine) {
    throw ConfigError(
        "replay: nothing to report: the trace names no numerics and there is "
        "no --machine; give --numerics N (error), --machine M (throughput) "
        "or both");
  }
  auto numerics_of = [&](const TraceGemm& g) -> const Numerics* {
    const std::string key = NumericsKey(g, options);
    return key.empty() ? nullptr
                       : &result.numerics[numerics_index.at(key)].second;
  };
  const double limit = static_cast<double>(options.max_full_macs);
  for (const TraceGemm& g : trace.gemms) {
    if (!numerics_of(g)) continue;
    if (options.sample == 0 && Macs(g) > limit) {
      throw ConfigError(fmt::format(
          "{}: {} is {}x{}x{} (batch {}): {:.3g} multiply-adds, more than "
          "replay emulates in full ({:.3g}); estimate its error from a "
          "sample of output elements with --sample S (e.g. --sample 10000)",
          g.place, g.name, g.m, g.n, g.k, g.batch, Macs(g), limit));
    }
    // Each sampled element is a full dot product: a sample as large as the
    // GEMM is the full run and must meet the same limit (issue 11).
    const double elements = static_cast<double>(g.batch) *
                            static_cast<double>(g.m) * static_cast<double>(g.n);
    const double sampled =
        std::min(static_cast<double>(options.sample), elements) *
        static_cast<double>(g.k);
    if (options.sample > 0 && sampled > limit) {
      throw ConfigError(fmt::format(
          "--sample {}: {}: {} is {}x{}x{} (batch {}): the sample is {:.3g} "
          "multiply-adds (each element a full dot product of K = {}), more "
          "than replay evaluates ({:.3g}); expected --sample at most {}",
          options.sample, g.place, g.name, g.m, g.n, g.k, g.batch, sampled, g.k,
          limit, static_cast<int64_t>(limit / std::max<double>(1, g.k))));
    }
  }

  result.gemms.resize(trace.gemms.size());
  if (options.machine) {
    std::vector<cost::GemmShape> shapes;
    for (size_t i = 0; i < trace.gemms.size(); ++i) {
      const TraceGemm& g = trace.gemms[i];
      cost::GemmShape s = ShapeOf(g);
      s.dtype = ThroughputDtype(g, numerics_of(g));
      s.addend = g.c.has_value();
      shapes.push_back(s);
    }
    const cost::TraceCost t = cost::EstimateTrace(*options.machine, shapes);
    for (size_t i = 0; i < shapes.size(); ++i) {
      result.gemms[i].cost = t.gemms[i];
      result.gemms[i].dtype = shapes[i].dtype;
    }
    result.total_cost = t.total;
  }

  Progress progress(options.progress, trace.gemms.size());
  ElementErrors totals;
  TraceErrorSum unquantized_sum;  // its rel_fro_error_vs_unquantized only
  bool any_sampled = false;
  for (size_t i = 0; i < trace.gemms.size(); ++i) {
    const TraceGemm& g = trace.gemms[i];
    GemmReplay& r = result.gemms[i];
    r.gemm = &g;
    r.numerics = NumericsKey(g, options);
    const Numerics* numerics = numerics_of(g);
    if (r.dtype.empty()) r.dtype = ThroughputDtype(g, numerics);
    if (!numerics) continue;
    progress.Start(i, g, Macs(g));
    const Format& out = numerics->output.format;
    if (options.sample > 0) {
      any_sampled = true;
      // Synthetic operands are drawn only where the sample reads them.
      const TraceOperands files = LoadTraceFileOperands(g, options.operands);
      r.operands = OperandsText(files, options.operands, options.seed);
      const ElementSample s = SampleTraceGemm(
          g, static_cast<int64_t>(i), files, options.seed, *numerics,
          options.sample, SampleSeed(options.seed, i), options.threads);
      r.sampled = EstimateSampledError(s, *numerics);
      for (size_t j = 0; j < s.d.size(); ++j)
        r.overflow_count += !std::isfinite(s.d[j]) && std::isfinite(s.exact[j]);
      totals.Add(s.d, s.exact, s.observed, s.elements, out);
      result.sampled =
          result.sampled || s.d.size() < static_cast<size_t>(s.elements);
    } else {
      const TraceOperands operands = LoadTraceOperands(
          g, static_cast<int64_t>(i), options.operands, options.seed);
      r.operands = OperandsText(operands, options.operands, options.seed);
      const PreparedGemm prepared = PrepareGemm(operands, *numerics);
      if (UsesSlowPath(prepared, *numerics)) progress.SlowPath(g, Macs(g));
      const std::vector<double> d = EmulateGemm(
          prepared, *numerics, options.threads, progress.Phase("emulating"));
      const std::vector<double> exact = ExactResult(
          prepared, options.threads, progress.Phase("exact reference"));
      const std::vector<double> observed = ObservedValues(operands);
      const std::vector<double> unquantized =
          UnquantizedResult(prepared, operands.a, operands.b, options.threads);
      r.full = CompareGemm(d, exact, operands.observed ? &observed : nullptr,
                           *numerics, &unquantized);
      unquantized_sum.Add(*r.full, d, exact, unquantized);
      r.overflow_count = r.full->overflow_count;
      totals.Add(d, exact, observed, static_cast<int64_t>(d.size()), out);
    }
  }
  if (!result.numerics.empty()) {
    result.total_error = totals.Estimate();
    result.total_overflow_count = totals.overflow_count();
    result.total_has_observed = totals.has_observed();
    if (!any_sampled) {
      result.total_rel_fro_error_vs_unquantized =
          unquantized_sum.Result().rel_fro_error_vs_unquantized;
    }
  }
  return result;
}

}  // namespace gemmsim::app
