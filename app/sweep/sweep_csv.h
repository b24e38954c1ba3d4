// The sweep's CSV (SPEC.md "Command line": a CSV row per point): the varied
// keys, one column each with the values as given, then the point's metrics,
// NaN/Inf/overflow counts and seconds. The file is rewritten atomically
// after every finished point, so an interrupted sweep loses no finished
// point and never leaves a half-written file; --resume reads it back.
#pragma once

#include <string>
#include <vector>

#include "app/sweep/sweep_grid.h"
#include "app/sweep/sweep_metrics.h"

namespace gemmsim::app {

struct SweepRow {
  std::vector<std::string> values;  // one per axis
  PointMetrics metrics;
};

std::vector<std::string> SweepCsvHeader(const std::vector<VaryAxis>& axes);

// RFC 4180: a field holding a comma, quote, line break or edge blank is
// quoted, quotes doubled. Doubles are written in their shortest form that
// reads back to the same value, so a resumed sweep rewrites the same text.
std::string SweepCsvText(const std::vector<VaryAxis>& axes,
                         const std::vector<SweepRow>& rows);

// Writes SweepCsvText through io::AtomicOutputFile.
void WriteSweepCsv(const std::string& path, const std::vector<VaryAxis>& axes,
                   const std::vector<SweepRow>& rows);

// Parses RFC 4180 text into records of fields. Throws InputError naming
// `file` and the line of an unterminated quote or a stray character after a
// closing quote.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text,
                                               const std::string& file);

// --resume: the rows of an earlier run of this sweep. Throws ConfigError
// (exit 2) when the header is not this sweep's (other --vary keys), or a
// row's values are not a point of this sweep; InputError (exit 3) for a
// malformed file (a row of the wrong width, a metric that is not a number,
// a point twice).
std::vector<SweepRow> ReadSweepCsv(const std::string& path,
                                   const std::vector<VaryAxis>& axes);

}  // namespace gemmsim::app
