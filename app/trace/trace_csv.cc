// Shape-only CSV traces as SCALE-Sim writes them (SPEC.md "Files"): a header
// line, then `layer,M,N,K` per GEMM, often with a trailing comma.
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include "app/trace/trace.h"
#include "datapaths/error.h"
#include "io/utf8.h"

namespace gemmsim::app {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool ParseCount(std::string_view s, int64_t* out) {
  s = Trim(s);
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size() && *out >= 0;
}

std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  std::string field;
  while (std::getline(in, field, ',')) fields.push_back(field);
  // SCALE-Sim writes a trailing comma: drop empty trailing fields.
  while (!fields.empty() && Trim(fields.back()).empty()) fields.pop_back();
  return fields;
}

}  // namespace

Trace ReadCsvTrace(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw InputError(path, "", "is a directory, expected a CSV file");
  std::ifstream in(path);
  if (!in) throw InputError(path, "", "cannot read the file");
  Trace trace;
  trace.path = path;
  trace.kind = TraceKind::kCsv;
  trace.name = std::filesystem::path(path).stem().string();
  std::string line;
  int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    // Names end up in JSON reports, which must be UTF-8 (io/utf8.h).
    if (const auto bad = io::FirstInvalidUtf8(line)) {
      throw InputError(path,
                       "line " + std::to_string(number) + ", column " +
                           std::to_string(bad->column),
                       "not UTF-8 text; expected a CSV trace");
    }
    if (number == 1) continue;  // the header
    const std::vector<std::string> f = SplitCsv(line);
    if (f.empty()) continue;
    TraceGemm g;
    if (f.size() != 4 || !ParseCount(f[1], &g.m) || !ParseCount(f[2], &g.n) ||
        !ParseCount(f[3], &g.k)) {
      throw InputError(path, "line " + std::to_string(number),
                       "expected layer,M,N,K with non-negative integers");
    }
    g.name = std::string(Trim(f[0]));
    g.place = path + " line " + std::to_string(number);
    trace.gemms.push_back(std::move(g));
  }
  if (in.bad()) throw InputError(path, "", "cannot read the file");
  if (trace.gemms.empty())
    throw InputError(path, "", "no GEMMs after the header");
  return trace;
}

}  // namespace gemmsim::app
