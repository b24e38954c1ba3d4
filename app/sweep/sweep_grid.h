// The points of a sweep (SPEC.md "Command line": `--vary KEY=V1,V2,...`, a
// sweep point is one combination): each --vary is an axis, a dotted numerics
// key and its YAML values; the points are the cartesian product of the axes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gemmsim::app {

struct VaryAxis {
  std::string key;                  // dotted path, as given (trimmed)
  std::vector<std::string> values;  // YAML values, as given (trimmed)
  std::string text;                 // the whole --vary, for messages
};

// Splits `text` at the commas that are not inside {...}, [...], '...' or
// "..." (a YAML flow value may hold commas: `{every: 128, format: fp32}`).
// Parts are trimmed of blanks. Throws ConfigError naming `what` on an
// unbalanced bracket or an unterminated quote.
std::vector<std::string> SplitTopLevelCommas(const std::string& text,
                                             const std::string& what);

// "KEY=V1,V2,...": throws ConfigError (exit 2) naming the --vary when there
// is no '=', the key is empty or has an empty part, a value is empty (write
// `null` to remove a key) or repeats.
VaryAxis ParseVary(const std::string& text);

// Also refuses two axes with the same key.
std::vector<VaryAxis> ParseVaries(const std::vector<std::string>& texts);

// A point: one value index per axis.
using SweepPoint = std::vector<int>;

// The cartesian product in the order given: the first axis varies slowest
// (as nested loops with the first --vary outermost, or itertools.product).
std::vector<SweepPoint> SweepPoints(const std::vector<VaryAxis>& axes);

// The point's values, one per axis.
std::vector<std::string> PointValues(const std::vector<VaryAxis>& axes,
                                     const SweepPoint& point);

// The point's "KEY=VALUE" overrides, in axis order (for LoadNumerics).
std::vector<std::string> PointOverrides(const std::vector<VaryAxis>& axes,
                                        const SweepPoint& point);

// "accumulate.format=e8m7 accumulate.block=32", for progress and messages.
std::string PointLabel(const std::vector<VaryAxis>& axes,
                       const SweepPoint& point);

}  // namespace gemmsim::app
