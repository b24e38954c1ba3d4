// A candidate explanation of H100 FP8 GEMMs with fp16 output, which no
// numerics file expresses (tests/data/tensor-cores/README.md: not explained
// by the published model). A research finding, offered to the search as a
// hypothesis and ranked with the others on the data:
//   1. c is rounded to fp16 (nearest even);
//   2. the products are split by k into two interleaved groups, G1 = {k :
//      k mod 4 in {0, 1}} and G2 = {k : k mod 4 in {2, 3}};
//   3. the H100 fp16 block FMA (h100-fp16-fp16: blocks of 16, 23 + 2
//      alignment bits, truncation, nearest even into fp16) runs over G1
//      starting from 0, then over G2 starting from that result;
//   4. c is added to that with one rounding to nearest even into fp16.
#pragma once

#include "app/validate/model_search.h"
#include "datapaths/arithmetic/numerics.h"

namespace gemmsim::app {

// Whether the hypothesis is about this kind of data: 8-bit float inputs
// and fp16 output.
bool Fp8Fp16SplitModelApplies(const Numerics& base);

ExtraModel Fp8Fp16SplitModel();

}  // namespace gemmsim::app
