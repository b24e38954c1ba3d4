// The instruction set the fast GEMM kernels run on: chosen once per process
// (the widest the CPU has), never read from the environment inside a
// kernel. Every variant of a kernel performs the same operations in the
// same order, so all give the same bits; tests force each in turn with
// ScopedIsa to prove it.
#pragma once

#include <vector>

namespace gemmsim {

enum class Isa { kBaseline, kAvx2, kAvx512 };

const char* IsaName(Isa isa);  // "baseline", "avx2", "avx512"

// The variants this CPU can run, narrowest first (baseline always).
std::vector<Isa> SupportedIsas();

// What the kernels use: the widest supported variant, decided on the first
// call, unless a ScopedIsa narrows it.
Isa ActiveIsa();

// For tests and benchmarks: the kernels use `isa` (which must be in
// SupportedIsas(), else Error, internal) while this object lives. Not for
// use while another thread runs a GEMM.
class ScopedIsa {
 public:
  explicit ScopedIsa(Isa isa);
  ~ScopedIsa();
  ScopedIsa(const ScopedIsa&) = delete;
  ScopedIsa& operator=(const ScopedIsa&) = delete;

 private:
  int previous_;
};

}  // namespace gemmsim
