#include "datapaths/arithmetic/isa.h"

#include <algorithm>
#include <atomic>

#include "datapaths/error.h"

namespace gemmsim {
namespace {

// -1: no override; else an Isa.
std::atomic<int> forced{-1};

Isa Widest() {
  // Decided once: the CPU does not change under a running process.
  static const Isa widest = [] {
#if defined(__x86_64__) || defined(__i386__)
    if (__builtin_cpu_supports("avx512f")) return Isa::kAvx512;
    // The avx2 tier is AVX2 with FMA (every AVX2 processor but a few
    // early VIA ones): its fp32 micro-kernels fuse exact products.
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
      return Isa::kAvx2;
#endif
    return Isa::kBaseline;
  }();
  return widest;
}

}  // namespace

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kAvx512:
      return "avx512";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kBaseline:
      break;
  }
  return "baseline";
}

std::vector<Isa> SupportedIsas() {
  std::vector<Isa> isas = {Isa::kBaseline};
  if (Widest() >= Isa::kAvx2) isas.push_back(Isa::kAvx2);
  if (Widest() >= Isa::kAvx512) isas.push_back(Isa::kAvx512);
  return isas;
}

Isa ActiveIsa() {
  const int f = forced.load(std::memory_order_relaxed);
  return f < 0 ? Widest() : static_cast<Isa>(f);
}

ScopedIsa::ScopedIsa(Isa isa) : previous_(forced.load()) {
  const std::vector<Isa> supported = SupportedIsas();
  if (std::find(supported.begin(), supported.end(), isa) == supported.end())
    throw Error(ExitCode::kInternal,
                std::string("ScopedIsa: this CPU has no ") + IsaName(isa));
  forced.store(static_cast<int>(isa));
}

ScopedIsa::~ScopedIsa() { forced.store(previous_); }

}  // namespace gemmsim
