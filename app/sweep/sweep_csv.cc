#include "app/sweep/sweep_csv.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "datapaths/error.h"
#include "io/atomic_file.h"

namespace gemmsim::app {
namespace {

// The columns after the varied keys, in order.
const std::vector<std::string>& MetricColumns() {
  static const std::vector<std::string> columns = {
      "rel_fro_error", "max_rel_error",        "mean_ulp_error",
      "max_abs_error", "exact_match_fraction", "nan_count",
      "inf_count",     "overflow_count",       "rel_fro_error_vs_unquantized",
      "seconds"};
  return columns;
}

std::string Field(const std::string& s) {
  const bool quote = s.find_first_of(",\"\r\n") != std::string::npos ||
                     (!s.empty() && (s.front() == ' ' || s.back() == ' '));
  if (!quote) return s;
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

std::string Line(const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i)
    line += (i ? "," : "") + Field(fields[i]);
  return line + "\n";
}

double ParseDouble(const std::string& cell, const std::string& file,
                   const std::string& place) {
  double v = 0;
  if (cell == "nan") return NAN;
  if (cell == "inf") return INFINITY;
  if (cell == "-inf") return -INFINITY;
  const auto [end, ec] =
      std::from_chars(cell.data(), cell.data() + cell.size(), v);
  if (ec != std::errc() || end != cell.data() + cell.size())
    throw InputError(file, place, "expected a number, got '" + cell + "'");
  return v;
}

int64_t ParseCount(const std::string& cell, const std::string& file,
                   const std::string& place) {
  int64_t v = 0;
  const auto [end, ec] =
      std::from_chars(cell.data(), cell.data() + cell.size(), v);
  if (ec != std::errc() || end != cell.data() + cell.size() || v < 0) {
    throw InputError(
        file, place,
        "expected a count (a non-negative integer), got '" + cell + "'");
  }
  return v;
}

}  // namespace

std::vector<std::string> SweepCsvHeader(const std::vector<VaryAxis>& axes) {
  std::vector<std::string> header;
  for (const VaryAxis& axis : axes) header.push_back(axis.key);
  header.insert(header.end(), MetricColumns().begin(), MetricColumns().end());
  return header;
}

std::string SweepCsvText(const std::vector<VaryAxis>& axes,
                         const std::vector<SweepRow>& rows) {
  std::string text = Line(SweepCsvHeader(axes));
  for (const SweepRow& row : rows) {
    const PointMetrics& m = row.metrics;
    std::vector<std::string> fields = row.values;
    for (double v :
         {m.rel_fro_error, m.max_rel_error, m.mean_ulp_error, m.max_abs_error})
      fields.push_back(fmt::format("{}", v));
    fields.push_back(m.exact_match_fraction
                         ? fmt::format("{}", *m.exact_match_fraction)
                         : "");
    for (int64_t v : {m.nan_count, m.inf_count, m.overflow_count})
      fields.push_back(fmt::format("{}", v));
    fields.push_back(m.rel_fro_error_vs_unquantized
                         ? fmt::format("{}", *m.rel_fro_error_vs_unquantized)
                         : "");
    fields.push_back(fmt::format("{}", m.seconds));
    text += Line(fields);
  }
  return text;
}

void WriteSweepCsv(const std::string& path, const std::vector<VaryAxis>& axes,
                   const std::vector<SweepRow>& rows) {
  io::WriteFileAtomically(path, SweepCsvText(axes, rows));
}

std::vector<std::vector<std::string>> ParseCsv(const std::string& text,
                                               const std::string& file) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  int line = 1;
  size_t i = 0;
  auto end_field = [&] {
    record.push_back(field);
    field.clear();
  };
  while (i < text.size()) {
    if (text[i] == '"' && field.empty()) {
      const int start_line = line;
      for (++i;; ++i) {
        if (i >= text.size()) {
          throw InputError(file, fmt::format("line {}", start_line),
                           "unterminated quoted field");
        }
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            ++i;
            continue;
          }
          ++i;
          break;
        }
        if (text[i] == '\n') ++line;
        field += text[i];
      }
      if (i < text.size() && text[i] != ',' && text[i] != '\n' &&
          text[i] != '\r') {
        throw InputError(file, fmt::format("line {}", line),
                         "expected ',' or the end of the line after a "
                         "closing quote");
      }
      continue;
    }
    const char ch = text[i++];
    if (ch == ',') {
      end_field();
    } else if (ch == '\n' || ch == '\r') {
      if (ch == '\r' && i < text.size() && text[i] == '\n') ++i;
      end_field();
      records.push_back(std::move(record));
      record.clear();
      ++line;
    } else {
      field += ch;
    }
  }
  if (!field.empty() || !record.empty()) {
    end_field();
    records.push_back(std::move(record));
  }
  return records;
}

std::vector<SweepRow> ReadSweepCsv(const std::string& path,
                                   const std::vector<VaryAxis>& axes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "", "cannot read the CSV to resume");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const auto records = ParseCsv(buffer.str(), path);
  const std::vector<std::string> header = SweepCsvHeader(axes);
  if (records.empty() || records[0] != header) {
    throw ConfigError(fmt::format(
        "--resume: {} has the columns '{}' but this sweep writes '{}'; resume "
        "with the same --vary keys, or write to another --csv file",
        path,
        records.empty() ? "" : fmt::format("{}", fmt::join(records[0], ",")),
        fmt::join(header, ",")));
  }
  const size_t keys = axes.size();
  std::vector<SweepRow> rows;
  std::set<std::vector<std::string>> seen;
  for (size_t r = 1; r < records.size(); ++r) {
    const auto& cells = records[r];
    const std::string place = fmt::format("row {}", r + 1);
    if (cells.size() == 1 && cells[0].empty()) continue;  // a blank line
    if (cells.size() != header.size()) {
      throw InputError(path, place,
                       fmt::format("expected {} fields, got {}", header.size(),
                                   cells.size()));
    }
    SweepRow row;
    row.values.assign(cells.begin(), cells.begin() + keys);
    for (size_t k = 0; k < keys; ++k) {
      const auto& values = axes[k].values;
      if (std::find(values.begin(), values.end(), row.values[k]) ==
          values.end()) {
        throw ConfigError(fmt::format(
            "--resume: {} {}: {}={} is not a value of --vary '{}'; resume the "
            "same sweep (more values are fine, fewer are not), or write to "
            "another --csv file",
            path, place, axes[k].key, row.values[k], axes[k].text));
      }
    }
    if (!seen.insert(row.values).second)
      throw InputError(path, place, "this point appears twice");
    auto cell = [&](int i) -> const std::string& { return cells[keys + i]; };
    auto where = [&](int i) { return place + " (" + MetricColumns()[i] + ")"; };
    PointMetrics& m = row.metrics;
    m.rel_fro_error = ParseDouble(cell(0), path, where(0));
    m.max_rel_error = ParseDouble(cell(1), path, where(1));
    m.mean_ulp_error = ParseDouble(cell(2), path, where(2));
    m.max_abs_error = ParseDouble(cell(3), path, where(3));
    if (!cell(4).empty())
      m.exact_match_fraction = ParseDouble(cell(4), path, where(4));
    m.nan_count = ParseCount(cell(5), path, where(5));
    m.inf_count = ParseCount(cell(6), path, where(6));
    m.overflow_count = ParseCount(cell(7), path, where(7));
    if (!cell(8).empty())
      m.rel_fro_error_vs_unquantized = ParseDouble(cell(8), path, where(8));
    m.seconds = ParseDouble(cell(9), path, where(9));
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace gemmsim::app
