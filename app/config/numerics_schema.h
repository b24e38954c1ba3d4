// The numerics file schema (SPEC.md "Accumulation"): reads a YAML document
// into Numerics, checking every key, type, range and cross-field rule, so
// that the arithmetic layer only ever sees a valid design. Keys a file leaves
// out take the defaults of datapaths/arithmetic/numerics.h.
//
//   name: string                     seed: integer (stochastic rounding)
//   inputs:  {a: INPUT, b: INPUT}
//     INPUT = FORMAT | {format, rounding, stochastic_bits, overflow,
//                       scaling: none|per_tensor|mx|nvfp4, power_of_two}
//   accumulate: {format, block (>= 1, or all), alignment: exact|truncate,
//     extra_bits, adder_fraction_bits, sticky, rounding, stochastic_bits,
//     overflow (ieee|saturate|infinity; wrap|saturate for int<W>),
//     order: sequential|pairwise, accumulator_entry: in_block|after_block,
//     after_block_rounding, after_block_stochastic_bits,
//     promote: {every, format, rounding, stochastic_bits},
//     min_alignment_exponent, subnormal_inputs, subnormal_outputs}
//   output: FORMAT | {format, rounding, stochastic_bits, overflow}
//   FORMAT = a name | {exponent_bits, mantissa_bits, bias, specials,
//                      subnormals}
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "app/config/yaml_value.h"
#include "datapaths/arithmetic/numerics.h"

namespace gemmsim::app {

// `block: all`: one multi-term addition over the whole of K (with exact
// alignment, the exact sum rounded once). The datapath cuts K into blocks
// of `block` products, so the largest int means "never cut".
inline constexpr int kBlockAll = std::numeric_limits<int>::max();

// Every leaf key path a numerics document may hold ("seed",
// "inputs.a.format", "accumulate.promote.every", ...; a format, name or
// mapping, is one leaf), from the same lists the reader checks keys with:
// the feature-gate test (tests/config/kernel_gate_test.cc) needs a kernel
// decision for each.
std::vector<std::string> NumericsKeyPaths();

// Reads a whole numerics document. Numerics::name is the document's `name`,
// or empty when it has none (the caller names it after the file).
Numerics NumericsFromYaml(const YamlValue& document);

}  // namespace gemmsim::app
