#include "datapaths/arithmetic/numerics.h"

namespace gemmsim {

std::string_view AlignmentName(Alignment a) {
  return a == Alignment::kExact ? "exact" : "truncate";
}

std::string_view OrderName(Order o) {
  return o == Order::kSequential ? "sequential" : "pairwise";
}

std::string_view AccumulatorEntryName(AccumulatorEntry e) {
  return e == AccumulatorEntry::kInBlock ? "in_block" : "after_block";
}

std::string_view BlockScaleAtName(BlockScaleAt b) {
  return b == BlockScaleAt::kProduct ? "product" : "block_sum";
}

}  // namespace gemmsim
