// The sweep CSV: quoting, exact read-back of every metric, and --resume's
// checks (header, points of this sweep, malformed rows).
#include "app/sweep/sweep_csv.h"

#include <doctest/doctest.h>

#include <cmath>
#include <functional>

#include "datapaths/error.h"
#include "tests/cli/run_gemmsim.h"

namespace gemmsim::app {
namespace {

using testing::TempDir;
using testing::WriteBytes;

SweepRow Row(std::vector<std::string> values, double rel_fro) {
  SweepRow row;
  row.values = std::move(values);
  row.metrics.rel_fro_error = rel_fro;
  row.metrics.max_rel_error = 0.1 + rel_fro;  // not short in binary
  row.metrics.mean_ulp_error = 1.0 / 3.0;
  row.metrics.max_abs_error = 5e-310;  // subnormal
  row.metrics.nan_count = 7;
  row.metrics.overflow_count = 1;
  row.metrics.seconds = 0.125;
  return row;
}

ExitCode CodeOf(const std::function<void()>& f, std::string* message) {
  try {
    f();
  } catch (const Error& e) {
    *message = e.what();
    return e.code();
  }
  return ExitCode::kOk;
}

TEST_CASE("CSV: quoted values and metrics read back exactly") {
  const auto axes =
      ParseVaries({"accumulate.promote={every: 128, format: fp32},null",
                   "accumulate.format=e8m7,'a \"b\"'"});
  std::vector<SweepRow> rows = {
      Row({"{every: 128, format: fp32}", "e8m7"}, 1.2345678901234567e-3),
      Row({"null", "'a \"b\"'"}, NAN)};
  rows[1].metrics.exact_match_fraction = 0.75;
  rows[1].metrics.max_rel_error = INFINITY;
  rows[1].metrics.rel_fro_error_vs_unquantized = 0.125;
  const std::string text = SweepCsvText(axes, rows);
  CHECK(text.starts_with(
      "accumulate.promote,accumulate.format,rel_fro_error,max_rel_error,"
      "mean_ulp_error,max_abs_error,exact_match_fraction,nan_count,inf_count,"
      "overflow_count,rel_fro_error_vs_unquantized,seconds\n\"{every: 128, "
      "format: fp32}\",e8m7,"));
  CHECK(text.find("null,\"'a \"\"b\"\"'\",nan,inf,") != std::string::npos);

  TempDir dir;
  const std::string path = dir.file("s.csv");
  WriteSweepCsv(path, axes, rows);
  const std::vector<SweepRow> back = ReadSweepCsv(path, axes);
  REQUIRE(back.size() == 2);
  int checked = 0;
  for (size_t i = 0; i < back.size(); ++i) {
    const PointMetrics &a = rows[i].metrics, &b = back[i].metrics;
    CHECK(back[i].values == rows[i].values);
    CHECK((a.rel_fro_error == b.rel_fro_error ||
           (std::isnan(a.rel_fro_error) && std::isnan(b.rel_fro_error))));
    CHECK(a.max_rel_error == b.max_rel_error);
    CHECK(a.mean_ulp_error == b.mean_ulp_error);
    CHECK(a.max_abs_error == b.max_abs_error);
    CHECK(a.exact_match_fraction == b.exact_match_fraction);
    CHECK(a.nan_count == b.nan_count);
    CHECK(a.overflow_count == b.overflow_count);
    CHECK(a.seconds == b.seconds);
    CHECK(a.rel_fro_error_vs_unquantized == b.rel_fro_error_vs_unquantized);
    ++checked;
  }
  CHECK(checked == 2);
  // Written again, the text is the same: a resumed sweep's CSV equals an
  // uninterrupted one's.
  CHECK(SweepCsvText(axes, back) == text);
}

TEST_CASE("--resume refuses another sweep's CSV and malformed rows") {
  TempDir dir;
  const auto axes = ParseVaries({"accumulate.format=e8m7,fp32"});
  const std::string path = dir.file("s.csv");
  WriteSweepCsv(path, axes, {Row({"e8m7"}, 0.5)});
  std::string message;

  // Other --vary keys: exit 2, naming the file and both headers.
  CHECK(CodeOf([&] { ReadSweepCsv(path, ParseVaries({"accumulate.block=1"})); },
               &message) == ExitCode::kUsage);
  CHECK(message.find(path) != std::string::npos);
  CHECK(message.find("accumulate.block,rel_fro_error") != std::string::npos);

  // A value this sweep does not have.
  CHECK(
      CodeOf(
          [&] { ReadSweepCsv(path, ParseVaries({"accumulate.format=fp32"})); },
          &message) == ExitCode::kUsage);
  CHECK(message.find("accumulate.format=e8m7") != std::string::npos);
  // More values than the CSV has are fine (the sweep grew).
  CHECK(ReadSweepCsv(path, ParseVaries({"accumulate.format=e8m7,fp32,e5m10"}))
            .size() == 1);

  const std::string header =
      "accumulate.format,rel_fro_error,max_rel_error,mean_ulp_error,"
      "max_abs_error,exact_match_fraction,nan_count,inf_count,overflow_count,"
      "rel_fro_error_vs_unquantized,seconds\n";
  struct Bad {
    std::string rows, expect;
  };
  const std::vector<Bad> bads = {
      {"e8m7,1,2,3\n", "row 2: expected 11 fields, got 4"},
      {"e8m7,x,2,3,4,,0,0,0,,1\n", "row 2 (rel_fro_error): expected a number"},
      {"e8m7,1,2,3,4,,-1,0,0,,1\n", "row 2 (nan_count): expected a count"},
      {"e8m7,1,2,3,4,,0,0,0,,1\ne8m7,1,2,3,4,,0,0,0,,1\n",
       "row 3: this point appears twice"},
      {"\"e8m7,1,2,3,4,,0,0,0,,1\n", "line 2: unterminated quoted field"},
  };
  int checked = 0;
  for (const Bad& bad : bads) {
    CAPTURE(bad.rows);
    WriteBytes(path, header + bad.rows);
    CHECK(CodeOf([&] { ReadSweepCsv(path, axes); }, &message) ==
          ExitCode::kInputFile);
    CHECK(message.find(bad.expect) != std::string::npos);
    ++checked;
  }
  CHECK(checked == 5);
}

}  // namespace
}  // namespace gemmsim::app
