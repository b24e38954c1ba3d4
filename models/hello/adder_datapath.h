// Plain C++ datapath of the hello pipeline: no SystemC here (MatchLib style,
// the SystemC module only moves data and time around this function).
#ifndef GEMMSIM_MODELS_HELLO_ADDER_DATAPATH_H_
#define GEMMSIM_MODELS_HELLO_ADDER_DATAPATH_H_

#include <cstdint>
#include <limits>

namespace gemmsim::models::hello {

// a + b, clamped to UINT32_MAX instead of wrapping around.
constexpr uint32_t add_saturating(uint32_t a, uint32_t b) {
  const uint32_t sum = a + b;  // unsigned: wraps, never UB
  return sum < a ? std::numeric_limits<uint32_t>::max() : sum;
}

}  // namespace gemmsim::models::hello

#endif  // GEMMSIM_MODELS_HELLO_ADDER_DATAPATH_H_
