// The accumulation engine against OpenBLAS sgemm, in one process (issue 12's
// speed goals): on the same seeded operands, each numerics configuration's
// emulation of D (EmulateGemm: quantized operands in, D out; quantization
// is not timed) or the exact reference of `--error` (ExactResult), timed in
// turn with OpenBLAS's float32 GEMM. Medians of --runs runs each, on
// --threads threads; every ratio is to sgemm at the same size.
//
// A configuration that no fast kernel serves runs the oracle (DotProduct per
// element, ~100x slower): it is timed at --oracle-size instead, so that the
// table still finishes, and marked so. Prints one Markdown table.
#include <cblas.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "app/config/numerics_file.h"
#include "app/trace/evaluate.h"
#include "datapaths/arithmetic/isa.h"
#include "datapaths/error.h"

namespace gemmsim::bench {
namespace {

struct Config {
  std::string label;
  std::string preset;
  std::vector<std::string> sets;
  bool small = false;  // timed at --small-size (the goals' 1024^3 rows)
  double goal = 0;     // the ratio to sgemm the issue asks for
  bool exact_reference = false;  // time ExactResult, not EmulateGemm
};

std::vector<std::string> Mx(const char* format, const char* scaling) {
  std::vector<std::string> sets;
  for (const char* side : {"a", "b"}) {
    sets.push_back(std::string("inputs.") + side + ".format=" + format);
    sets.push_back(std::string("inputs.") + side + ".scaling=" + scaling);
  }
  return sets;
}

// accumulate.block_scale block_sum: each block of `block` products summed,
// times its scales, then added (block-scaled MMA hardware).
std::vector<std::string> BlockSums(std::vector<std::string> sets, int block) {
  sets.push_back("accumulate.block=" + std::to_string(block));
  sets.push_back("accumulate.accumulator_entry=after_block");
  sets.push_back("accumulate.block_scale=block_sum");
  return sets;
}

std::vector<Config> Configs() {
  std::vector<Config> c = {
      {"fp8-acc-fp32", "fp8-acc-fp32", {}, false, 1.5},
      {"gaudi2-e4m3-fp32", "gaudi2-e4m3-fp32", {}, false, 1.5},
      {"gaudi2-bf16-fp32", "gaudi2-bf16-fp32", {}, false, 1.5},
      {"gaudi3-e4m3-fp32", "gaudi3-e4m3-fp32", {}, false, 1.5},
      {"gaudi3-bf16-fp32", "gaudi3-bf16-fp32", {}, false, 1.5},
  };
  for (const std::string& name : app::NumericsPresetNames()) {
    for (const char* gpu : {"v100-", "a100-", "a2-", "a30-", "ada-", "l40s-",
                            "h100-", "h200-", "b200-"}) {
      if (name.rfind(gpu, 0) == 0) c.push_back({name, name, {}, false, 4});
    }
  }
  const std::vector<Config> rest = {
      {"MXFP8 (e4m3fn, mx), fp32", "fp8-acc-fp32", Mx("e4m3fn", "mx"), false,
       4},
      {"MXFP4 (e2m1fn, mx), fp32", "fp8-acc-fp32", Mx("e2m1fn", "mx"), false,
       4},
      {"NVFP4 (e2m1fn, nvfp4), fp32", "fp8-acc-fp32", Mx("e2m1fn", "nvfp4"),
       false, 4},
      {"MXFP8, fp32, scales on block sums", "fp8-acc-fp32",
       BlockSums(Mx("e4m3fn", "mx"), 32), false, 4},
      {"MXFP4, fp32, scales on block sums", "fp8-acc-fp32",
       BlockSums(Mx("e2m1fn", "mx"), 32), false, 4},
      {"NVFP4, fp32, scales on block sums", "fp8-acc-fp32",
       BlockSums(Mx("e2m1fn", "nvfp4"), 16), false, 4},
      {"e4m3fn per-tensor float scale, fp32",
       "fp8-acc-fp32",
       {"inputs.a.scaling=per_tensor", "inputs.b.scaling=per_tensor"},
       false,
       1.5},
      {"fp8-acc-fp16", "fp8-acc-fp16", {}, false, 10},
      {"fp8-acc-bf16", "fp8-acc-bf16", {}, false, 10},
      {"fp8-acc-fp16, promote every 128 to fp32",
       "fp8-acc-fp16",
       {"accumulate.promote={every: 128, format: fp32}"},
       false,
       10},
      {"e4m3fn into e6m9",
       "fp8-acc-fp32",
       {"accumulate.format=e6m9"},
       false,
       10},
      {"int8 into int24, saturating",
       "fp8-acc-fp32",
       {"inputs.a.format=int8", "inputs.b.format=int8",
        "accumulate.format=int24", "accumulate.overflow=saturate"},
       false,
       10},
      {"int8 into int16, promote every 64 to int32",
       "fp8-acc-fp32",
       {"inputs.a.format=int8", "inputs.b.format=int8",
        "accumulate.format=int16", "accumulate.overflow=saturate",
        "accumulate.promote={every: 64, format: int32}"},
       false,
       10},
      {"pairwise, block 32 (fp8-acc-fp32)",
       "fp8-acc-fp32",
       {"accumulate.block=32", "accumulate.order=pairwise"},
       false,
       10},
      {"sticky alignment (h100-e4m3-fp32)",
       "h100-e4m3-fp32",
       {"accumulate.sticky=true"},
       false,
       10},
      {"exact", "exact", {}, true, 20},
      {"exact reference of --error (fp8 operands)",
       "fp8-acc-fp32",
       {},
       true,
       20,
       true},
      {"stochastic accumulator rounding (fp8-acc-fp32)",
       "fp8-acc-fp32",
       {"accumulate.rounding=stochastic"},
       true,
       40},
  };
  c.insert(c.end(), rest.begin(), rest.end());
  return c;
}

double Seconds(const std::function<void()>& body) {
  const auto start = std::chrono::steady_clock::now();
  body();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Seeded float32 operands, N(0, 2^2): FP8's normal range, a few values
// saturating e4m3fn's 448 only after per-tensor scaling.
app::OperandTensor Operand(const char* name, std::vector<int64_t> shape,
                           uint64_t seed) {
  app::OperandTensor t;
  t.name = name;
  t.tensor.dtype = io::DType::kF32;
  int64_t count = 1;
  for (int64_t extent : shape) count *= extent;
  t.tensor.shape = std::move(shape);
  t.tensor.data.resize(static_cast<size_t>(count) * 4);
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  float* f = reinterpret_cast<float*>(t.tensor.data.data());
  for (int64_t i = 0; i < count; ++i) f[i] = normal(rng);
  return t;
}

struct Operands {
  app::OperandTensor a, b;
};

void Sgemm(const Operands& o, int64_t n, std::vector<float>* d) {
  const float* a = reinterpret_cast<const float*>(o.a.tensor.data.data());
  const float* b = reinterpret_cast<const float*>(o.b.tensor.data.data());
  d->resize(static_cast<size_t>(n * n));
  const int size = static_cast<int>(n);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, size, size, size, 1.0f,
              a, size, b, size, 0.0f, d->data(), size);
}

// OpenBLAS's worker threads poll (sched_yield) for about 2^28 cycles
// after a call before they sleep (OPENBLAS_THREAD_TIMEOUT, read when the
// library loads); run right after sgemm, a row would share the cores with
// them (measured: gaudi2-e4m3-fp32 at 2048^3, 0.102 s against 0.074 s
// with the timeout at its minimum). A gemmsim process has no such
// neighbour: the pause takes it away.
void LetBlasThreadsPark() {
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
}

std::string CpuName() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "unknown CPU";
}

// The goal's batched dot products: `dots` GEMMs of 1 x 32 x 1 in one
// batched GEMM ([dots, 1, 32] x [dots, 32, 1]), emulated (quantization not
// timed); medians of `runs`, in dot products per second.
void BatchedDots(int64_t dots, int runs, int threads,
                 const std::string& filter) {
  const app::OperandTensor a = Operand("A", {dots, 1, 32}, 3),
                           b = Operand("B", {dots, 32, 1}, 4);
  std::printf(
      "\n| batched %lld x (1 x 32 x 1) | kernel | median s | dots/s | goal | "
      "met |\n|---|---|---:|---:|---:|---|\n",
      static_cast<long long>(dots));
  for (const char* preset :
       {"h100-fp16-fp32", "fp8-acc-fp32", "fp8-acc-fp16", "b200-e4m3-fp32"}) {
    if (!filter.empty() &&
        std::string("batched ").append(preset).find(filter) ==
            std::string::npos)
      continue;
    const Numerics numerics = app::LoadNumerics(preset, {});
    const app::PreparedGemm g = app::PrepareGemm(a, b, nullptr, numerics);
    const std::string kernel =
        GemmKernelName(numerics, app::ProblemOf(g, 0, 0, 1));
    app::EmulateGemm(g, numerics, threads);
    std::vector<double> times;
    for (int r = 0; r < runs; ++r)
      times.push_back(Seconds([&] { app::EmulateGemm(g, numerics, threads); }));
    const double t = Median(times), rate = static_cast<double>(dots) / t;
    std::printf("| %s | %s | %.4f | %.3g | 5e+06 | %s |\n", preset,
                kernel.c_str(), t, rate, rate >= 5e6 ? "yes" : "no");
    std::fflush(stdout);
  }
}

int Run(int argc, char** argv) {
  CLI::App cli{"gemmsim's accumulation engine against OpenBLAS sgemm"};
  int64_t size = 2048, small_size = 1024, oracle_size = 128;
  int runs = 5, threads = 2;
  int64_t dots = 200000;
  std::string filter;
  cli.add_option("--dots", dots, "batched 1x32x1 dot products (0: none)")
      ->capture_default_str();
  cli.add_option("--size", size, "M = N = K of most rows")
      ->capture_default_str();
  cli.add_option("--small-size", small_size, "M = N = K of the 1024^3 rows")
      ->capture_default_str();
  cli.add_option("--oracle-size", oracle_size,
                 "M = N = K where no fast kernel applies")
      ->capture_default_str();
  cli.add_option("--runs", runs, "timed runs per row (median)")
      ->capture_default_str();
  cli.add_option("--threads", threads)->capture_default_str();
  cli.add_option("--filter", filter, "only rows whose label contains this");
  CLI11_PARSE(cli, argc, argv);
  openblas_set_num_threads(threads);

  std::map<int64_t, Operands> operands;
  auto at = [&](int64_t n) -> const Operands& {
    if (!operands.count(n))
      operands[n] = {Operand("A", {n, n}, 1), Operand("B", {n, n}, 2)};
    return operands[n];
  };
  std::vector<float> d_native;

  std::printf(
      "%s, %d threads, instruction set %s, OpenBLAS core %s; per row: one "
      "untimed run of each, then %d runs of sgemm and of the row in turn, "
      "medians\n\n",
      CpuName().c_str(), threads, IsaName(ActiveIsa()), openblas_get_corename(),
      runs);
  std::printf(
      "| configuration | kernel | size | median s | sgemm s | ratio | goal | "
      "met |\n|---|---|---:|---:|---:|---:|---:|---|\n");
  for (const Config& c : Configs()) {
    if (!filter.empty() && c.label.find(filter) == std::string::npos) continue;
    const Numerics numerics = app::LoadNumerics(c.preset, c.sets);
    int64_t n = c.small ? small_size : size;
    app::PreparedGemm g;
    std::string kernel;
    for (int attempt = 0; attempt < 2; ++attempt) {
      const Operands& o = at(n);
      g = app::PrepareGemm(o.a, o.b, nullptr, numerics);
      kernel =
          c.exact_reference
              ? "exact reference"
              : GemmKernelName(numerics, app::ProblemOf(g, 0, 0, g.shapes.m));
      if (kernel != "generic" || n == oracle_size) break;
      n = oracle_size;  // the oracle: a size it finishes
    }
    // sgemm and the row in turn, after one untimed run of each (thread
    // start-up, first-touch page faults), so that both see the same
    // machine load: the ratio holds on a noisy machine.
    const Operands& o = at(n);
    auto emulate = [&] {
      if (c.exact_reference)
        app::ExactResult(g, threads);
      else
        app::EmulateGemm(g, numerics, threads);
    };
    Sgemm(o, n, &d_native);
    LetBlasThreadsPark();
    emulate();
    std::vector<double> times, native;
    for (int r = 0; r < runs; ++r) {
      native.push_back(Seconds([&] { Sgemm(o, n, &d_native); }));
      LetBlasThreadsPark();
      times.push_back(Seconds(emulate));
    }
    const double sgemm_s = Median(native);
    const double t = Median(times), ratio = t / sgemm_s;
    const bool met = kernel != "generic" && ratio <= c.goal;
    std::printf("| %s | %s | %lld³ | %.4f | %.4f | %.1f | %g | %s |\n",
                c.label.c_str(), kernel.c_str(), static_cast<long long>(n), t,
                sgemm_s, ratio, c.goal,
                kernel == "generic" ? "no (oracle)"
                : met               ? "yes"
                                    : "no");
    std::fflush(stdout);
  }
  if (dots > 0) BatchedDots(dots, runs, threads, filter);
  return 0;
}

}  // namespace
}  // namespace gemmsim::bench

int main(int argc, char** argv) {
  try {
    return gemmsim::bench::Run(argc, argv);
  } catch (const gemmsim::Error& e) {
    std::fprintf(stderr, "bench_engine: %s\n", e.what());
    return static_cast<int>(e.code());
  }
}
