// Cycle-level state of the MAC array, as plain C++ stepped once per clock
// edge by the SystemC cycle mode (MatchLib style: the module owns the clock
// and time, this owns registers and the schedule). Every MAC goes through
// MacStep.
#ifndef GEMMSIM_MODELS_MAC_ARRAY_SYSTOLIC_ARRAY_H_
#define GEMMSIM_MODELS_MAC_ARRAY_SYSTOLIC_ARRAY_H_

#include <cstdint>
#include <memory>

#include "datapaths/arithmetic/gemm.h"
#include "datapaths/arithmetic/numerics.h"
#include "models/mac_array/mac_array_timing.h"
#include "models/mac_array/mac_unit.h"

namespace gemmsim::models {

// A whole GEMM on the array, one clock edge per Step(). D (m x n, row-major)
// is complete once Done(); a GEMM with M, N or K zero is done at once (D is
// C rounded). The problem's buffers and `d` must outlive the object.
class SystolicGemm {
 public:
  virtual ~SystolicGemm() = default;
  virtual bool Done() const = 0;
  virtual void Step() = 0;
};

// Checks the numerics and the problem (CheckMacArrayNumerics / Problem).
std::unique_ptr<SystolicGemm> MakeSystolicGemm(const MacArrayConfig& config,
                                               const GemmProblem& problem,
                                               const Numerics& numerics,
                                               double* d);

// The same array working on accumulator states rather than C and D: every
// PE starts from acc[i * n + j] (m x n MacStates, problem.c ignored) and the
// array's final states go back there unrounded, so that a matrix engine can
// chain K slices through its accumulators (models/chip/engine_data.h). With
// M, N or K zero it is done at once and acc is untouched.
std::unique_ptr<SystolicGemm> MakeSystolicTile(const MacArrayConfig& config,
                                               const GemmProblem& problem,
                                               const Numerics& numerics,
                                               MacState* acc);

}  // namespace gemmsim::models

#endif  // GEMMSIM_MODELS_MAC_ARRAY_SYSTOLIC_ARRAY_H_
