// The feature gate of the kernel registry (kernel_registry.h): every key a
// numerics file can hold has a decision here, and for each key's
// non-default values, on presets that each fast kernel serves, every kernel
// that claims the changed numerics gives the oracle's bits (DotProduct per
// element). A kernel that ignored a key would either have to refuse it
// (its Applies false: the oracle runs) or fail here; a key added to the
// schema without a decision fails the first test case.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "app/config/numerics_file.h"
#include "app/config/numerics_schema.h"
#include "datapaths/arithmetic/gemm_plan.h"
#include "datapaths/arithmetic/kernel_registry.h"
#include "datapaths/error.h"
#include "datapaths/formats/codec.h"

namespace gemmsim {
namespace {

using Sets = std::vector<std::string>;  // --set overrides of one trial

// Per key: the trials that change it (each a list of --set overrides), or
// none with the reason the arithmetic cannot see it.
struct Decision {
  std::vector<Sets> trials;
  const char* no_arithmetic = nullptr;
};

std::vector<Sets> Values(const std::string& key,
                         std::initializer_list<const char*> values) {
  std::vector<Sets> trials;
  for (const char* v : values) trials.push_back({key + "=" + v});
  return trials;
}

std::map<std::string, Decision> Decisions() {
  std::map<std::string, Decision> d;
  d["name"] = {{}, "a label"};
  d["seed"] = {{{"seed=7", "accumulate.rounding=stochastic"}, {"seed=9"}}};
  for (const std::string in : {"inputs.a.", "inputs.b."}) {
    d[in + "format"] = {
        Values(in + "format", {"e5m2", "fp16", "bf16", "int8", "e3m2fn"})};
    d[in + "rounding"] = {Values(in + "rounding", {"rtz", "stochastic"})};
    d[in + "stochastic_bits"] = {
        {{in + "rounding=stochastic", in + "stochastic_bits=8"}}};
    d[in + "overflow"] = {Values(in + "overflow", {"saturate", "infinity"})};
    d[in + "scaling"] = {Values(in + "scaling", {"per_tensor", "mx"})};
    d[in + "power_of_two"] = {
        {{in + "scaling=per_tensor", in + "power_of_two=true"}}};
  }
  const std::string acc = "accumulate.";
  d[acc + "format"] = {Values(
      acc + "format", {"fp16", "bf16", "tf32", "e5m7", "e8m10", "int32"})};
  d[acc + "block"] = {Values(acc + "block", {"4", "32", "all"})};
  d[acc + "alignment"] = {Values(acc + "alignment", {"truncate", "exact"})};
  d[acc + "extra_bits"] = {Values(acc + "extra_bits", {"-3", "3"})};
  d[acc + "adder_fraction_bits"] = {
      Values(acc + "adder_fraction_bits", {"10", "23"})};
  d[acc + "sticky"] = {Values(acc + "sticky", {"true"})};
  d[acc + "rounding"] = {Values(
      acc + "rounding", {"rtz", "rna", "rup", "rdown", "rto", "stochastic"})};
  d[acc + "stochastic_bits"] = {
      {{acc + "rounding=stochastic", acc + "stochastic_bits=4"}}};
  d[acc + "overflow"] = {
      Values(acc + "overflow", {"saturate", "infinity", "ieee"})};
  // Integer accumulators (the int-acc kernel): wrap and saturate, with the
  // keys a float accumulator would use.
  const Sets ints = {"inputs.a.format=int8", "inputs.b.format=int8",
                     acc + "format=int16", "output.format=fp32"};
  for (const char* o : {"wrap", "saturate"}) {
    Sets t = ints;
    t.push_back(acc + "overflow=" + o);
    d[acc + "overflow"].trials.push_back(t);
    for (const char* extra :
         {"accumulate.rounding=rdown", "accumulate.block=4",
          "accumulate.alignment=truncate", "accumulate.subnormal_inputs=false",
          "accumulate.promote={every: 4, format: int32}",
          "accumulate.format=int40", "accumulate.format=uint16"}) {
      Sets u = t;
      u.push_back(extra);
      d[acc + "overflow"].trials.push_back(u);
    }
  }
  d[acc + "order"] = {{{acc + "block=4", acc + "order=pairwise"}}};
  d[acc + "accumulator_entry"] = {
      {{acc + "block=8", acc + "accumulator_entry=after_block"}}};
  d[acc + "after_block_rounding"] = {
      {{acc + "block=8", acc + "accumulator_entry=after_block",
        acc + "after_block_rounding=rtz"}}};
  d[acc + "after_block_stochastic_bits"] = {
      {{acc + "block=8", acc + "accumulator_entry=after_block",
        acc + "after_block_rounding=stochastic",
        acc + "after_block_stochastic_bits=4"}}};
  // Block sums scaled by the inputs' block scales (no kernel executes it
  // yet: each must refuse; the oracle runs).
  for (const char* block : {"32", "8"}) {
    d[acc + "block_scale"].trials.push_back(
        {"inputs.a.scaling=mx", "inputs.b.scaling=mx", acc + "block=" + block,
         acc + "accumulator_entry=after_block", acc + "block_scale=block_sum"});
  }
  d[acc + "promote.every"] = {{{acc + "promote={every: 8, format: fp32}"},
                               {acc + "promote={every: 3, format: fp32}"}}};
  d[acc + "promote.format"] = {{{acc + "promote={every: 8, format: e8m10}"},
                                {acc + "promote={every: 8, format: fp16}"}}};
  d[acc + "promote.rounding"] = {
      {{acc + "promote={every: 8, format: fp32, rounding: rtz}"}}};
  d[acc + "promote.stochastic_bits"] = {
      {{acc + "promote={every: 8, format: fp32, rounding: stochastic, "
              "stochastic_bits: 5}"}}};
  d[acc + "min_alignment_exponent"] = {
      Values(acc + "min_alignment_exponent", {"-10", "-140"})};
  d[acc + "subnormal_inputs"] = {Values(acc + "subnormal_inputs", {"false"})};
  d[acc + "subnormal_outputs"] = {Values(acc + "subnormal_outputs", {"false"})};
  d["output.format"] = {Values("output.format", {"fp16", "bf16", "e4m3fn"})};
  d["output.rounding"] = {Values("output.rounding", {"rtz", "stochastic"})};
  d["output.stochastic_bits"] = {
      {{"output.rounding=stochastic", "output.stochastic_bits=3"}}};
  d["output.overflow"] = {Values("output.overflow", {"saturate", "infinity"})};
  return d;
}

TEST_CASE("every numerics key has a kernel decision") {
  const std::map<std::string, Decision> decisions = Decisions();
  const std::vector<std::string> keys = app::NumericsKeyPaths();
  std::set<std::string> schema(keys.begin(), keys.end());
  for (const std::string& key : keys) {
    INFO("numerics key ", key,
         " has no decision in tests/config/kernel_gate_test.cc: add trials "
         "of its values (and make each fast kernel's Applies refuse what it "
         "does not compute)");
    CHECK(decisions.count(key) == 1);
  }
  // Named copies, not structured bindings: clang 14 cannot capture those
  // in the lambdas INFO makes.
  for (const auto& entry : decisions) {
    const std::string& key = entry.first;
    INFO("a decision for ", key, ", which the schema does not have");
    CHECK(schema.count(key) == 1);
  }
  CHECK(keys.size() >= 35);
}

// The plan's features are the gate (gemm_plan.h): a key either sets a
// feature for some value (so that kernels not listing it refuse that
// value), or is a parameter of one that kernels' Applies read, or does not
// reach the arithmetic. A new key must be one of these, said here.
TEST_CASE("every numerics key sets a plan feature or is named a parameter") {
  const std::set<std::string> parameters = {
      // Quantization (before the arithmetic), and the formats every
      // kernel's Applies reads.
      "inputs.a.format", "inputs.a.rounding", "inputs.a.stochastic_bits",
      "inputs.a.overflow", "inputs.a.scaling", "inputs.a.power_of_two",
      "inputs.b.format", "inputs.b.rounding", "inputs.b.stochastic_bits",
      "inputs.b.overflow", "inputs.b.scaling", "inputs.b.power_of_two",
      "output.format", "output.overflow", "output.rounding",
      // kTruncate's parameters, kPromote's, the random bits' width and key.
      "accumulate.extra_bits", "accumulate.adder_fraction_bits",
      "accumulate.min_alignment_exponent", "accumulate.promote.every",
      "accumulate.promote.format", "accumulate.stochastic_bits",
      "accumulate.after_block_stochastic_bits",
      "accumulate.promote.stochastic_bits", "output.stochastic_bits", "seed",
      "name"};
  const std::map<std::string, Decision> decisions = Decisions();
  GemmProblem p;  // no tensor or block scales: the keys' own features
  int features_keys = 0;
  for (const std::string& key : app::NumericsKeyPaths()) {
    bool changes = false;
    const auto found = decisions.find(key);
    for (const Sets& sets :
         found == decisions.end() ? std::vector<Sets>{} : found->second.trials)
      for (const char* base : {"fp8-acc-fp32", "h100-e4m3-fp32"}) {
        Numerics n;
        try {
          n = app::LoadNumerics(base, sets);
        } catch (const Error& e) {
          if (e.code() != ExitCode::kUsage) throw;
          continue;
        }
        changes |= FeaturesOf(n, p) != FeaturesOf(app::LoadNumerics(base), p);
      }
    INFO("numerics key ", key,
         " sets no plan feature and is not named a parameter: give it a "
         "feature in gemm_plan.cc (and list it in the kernels that execute "
         "it), or add it to the parameters here");
    CHECK((changes || parameters.count(key) == 1));
    features_keys += changes && !parameters.count(key);
  }
  CHECK(features_keys == 13);
}

// Values of `format` from random codes (finite, zeros of both signs), a few
// Inf and NaN.
std::vector<double> Operand(const Format& f, size_t count,
                            std::mt19937_64& rng) {
  std::vector<double> v(count);
  std::uniform_int_distribution<uint64_t> code(0, f.code_mask());
  std::uniform_real_distribution<double> u(0, 1);
  for (double& x : v) {
    do {
      x = Decode(f, code(rng));
    } while (!std::isfinite(x));
    if (u(rng) < 0.1) x = u(rng) < 0.5 ? 0.0 : -0.0;
    if (u(rng) < 0.01)
      x = u(rng) < 0.5 ? std::numeric_limits<double>::infinity()
                       : std::numeric_limits<double>::quiet_NaN();
  }
  return v;
}

bool SameBits(double a, double b) {
  return std::isnan(a)
             ? std::isnan(b)
             : std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

TEST_CASE("no fast kernel claims a key value it does not compute") {
  // Presets each fast kernel serves: fp32-native, block-fma (FP8 and fp16
  // tensor cores), narrow-acc (block 1, and one exact block: exact).
  const char* bases[] = {"fp8-acc-fp32", "h100-e4m3-fp32", "h100-fp16-fp32",
                         "fp8-acc-fp16", "exact"};
  std::mt19937_64 rng(2026);
  int64_t loaded = 0, claimed = 0, elements = 0, mismatches = 0;
  std::map<std::string, int> claims_per_kernel;
  for (const auto& entry : Decisions()) {
    const std::string& key = entry.first;
    const Decision& decision = entry.second;
    int key_loaded = 0;
    for (const Sets& sets : decision.trials) {
      for (const char* base : bases) {
        Numerics n;
        try {
          n = app::LoadNumerics(base, sets);
        } catch (const Error& e) {
          if (e.code() != ExitCode::kUsage) throw;
          continue;  // not a valid design on this base
        }
        ++loaded;
        ++key_loaded;
        const int64_t m = 4, nn = 9, k = 37;
        const std::vector<double> a = Operand(n.a.format, m * k, rng);
        const std::vector<double> b = Operand(n.b.format, k * nn, rng);
        const std::vector<double> c =
            Operand(FormatByName("fp16"), m * nn, rng);
        GemmProblem p;
        p.m = m, p.n = nn, p.k = k;
        p.a = {a.data(),
               n.a.format.is_float() ? n.a.format.min_normal_exponent() : 0,
               nullptr};
        p.b = {b.data(),
               n.b.format.is_float() ? n.b.format.min_normal_exponent() : 0,
               nullptr};
        p.c = c.data();
        std::vector<double> want(m * nn);
        RunGemmKernel(nullptr, p, n, want.data(), 1);
        for (const GemmKernel& kernel : FastGemmKernels()) {
          if (!KernelClaims(kernel, n, p)) continue;
          ++claimed;
          ++claims_per_kernel[kernel.name];
          std::vector<double> got(m * nn);
          RunGemmKernel(&kernel, p, n, got.data(), 2);
          for (int64_t e = 0; e < m * nn; ++e) {
            ++elements;
            if (!SameBits(got[e], want[e]) && mismatches++ < 5) {
              std::string text;
              for (const std::string& s : sets) text += " --set " + s;
              MESSAGE(std::string(kernel.name)
                      << " on " << std::string(base) << text << ": element "
                      << e << " got " << got[e] << " want " << want[e]);
            }
          }
        }
      }
    }
    INFO("no trial of ", key, " is a valid design on any base");
    CHECK((key_loaded > 0 || decision.no_arithmetic != nullptr));
  }
  CHECK(mismatches == 0);
  // The gate was exercised: every kernel claimed some changed numerics.
  CHECK(claims_per_kernel["fp32-native"] > 10);
  CHECK(claims_per_kernel["block-fma"] > 10);
  CHECK(claims_per_kernel["narrow-acc"] > 10);
  CHECK(claims_per_kernel["int-acc"] >= 4);
  CHECK(claims_per_kernel["pairwise"] >= 1);
  CHECK(loaded > 150);
  CHECK(elements == claimed * 4 * 9);
}

}  // namespace
}  // namespace gemmsim
