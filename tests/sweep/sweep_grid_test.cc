// --vary parsing (top-level commas, braces, quotes, errors) and the order of
// the cartesian product.
#include "app/sweep/sweep_grid.h"

#include <doctest/doctest.h>

#include <functional>

#include "datapaths/error.h"

namespace gemmsim::app {
namespace {

ExitCode CodeOf(const std::function<void()>& f, std::string* message) {
  try {
    f();
  } catch (const Error& e) {
    *message = e.what();
    return e.code();
  }
  return ExitCode::kOk;
}

TEST_CASE("--vary values split at top-level commas only") {
  struct Case {
    std::string text;
    std::vector<std::string> parts;
  };
  const std::vector<Case> cases = {
      {"e8m7,e8m10,fp32", {"e8m7", "e8m10", "fp32"}},
      {" e8m7 , fp32 ", {"e8m7", "fp32"}},
      {"{every: 128, format: fp32},null",
       {"{every: 128, format: fp32}", "null"}},
      {"{a: [1, 2], b: {c: 3}},[4,5]", {"{a: [1, 2], b: {c: 3}}", "[4,5]"}},
      {"'a,b',\"c,d\",e", {"'a,b'", "\"c,d\"", "e"}},
      {"'it''s, here',x", {"'it''s, here'", "x"}},
      {"\"q\\\", r\",s", {"\"q\\\", r\"", "s"}},
      {"one", {"one"}},
  };
  int checked = 0;
  for (const Case& c : cases) {
    CAPTURE(c.text);
    CHECK(SplitTopLevelCommas(c.text, "t") == c.parts);
    ++checked;
  }
  CHECK(checked == 8);
}

TEST_CASE("unbalanced brackets and quotes are configuration errors") {
  int checked = 0;
  for (const char* bad : {"{a: 1", "[1, 2", "a}", "{a: [1}]", "'open", "\"x"}) {
    CAPTURE(bad);
    std::string message;
    CHECK(CodeOf([&] { SplitTopLevelCommas(bad, "--vary 'k=...'"); },
                 &message) == ExitCode::kUsage);
    CHECK(message.find("--vary 'k=...'") != std::string::npos);
    ++checked;
  }
  CHECK(checked == 6);
}

TEST_CASE("ParseVary: key, values, and its errors name the --vary") {
  const VaryAxis axis =
      ParseVary("accumulate.promote={every: 128, format: fp32},null");
  CHECK(axis.key == "accumulate.promote");
  CHECK(axis.values ==
        std::vector<std::string>{"{every: 128, format: fp32}", "null"});
  int checked = 0;
  for (const char* bad : {"accumulate.format", "=e8m7", "accumulate..format=x",
                          ".a=x", "a=x,,y", "a=", "a=x,x"}) {
    CAPTURE(bad);
    std::string message;
    CHECK(CodeOf([&] { ParseVary(bad); }, &message) == ExitCode::kUsage);
    CHECK(message.find(std::string("--vary '") + bad + "'") !=
          std::string::npos);
    ++checked;
  }
  CHECK(checked == 7);
  std::string message;
  CHECK(CodeOf(
            [] {
              ParseVaries({"a.b=1,2", "c=3", "a.b=4"});
            },
            &message) == ExitCode::kUsage);
  CHECK(message.find("already varied") != std::string::npos);
  CHECK(CodeOf([] { ParseVaries({}); }, &message) == ExitCode::kUsage);
}

TEST_CASE("points: the cartesian product, the first --vary slowest") {
  const auto axes = ParseVaries({"x=1,2", "y=a,b,c", "z=p"});
  const auto points = SweepPoints(axes);
  REQUIRE(points.size() == 6);
  const std::vector<std::string> labels = {"x=1 y=a z=p", "x=1 y=b z=p",
                                           "x=1 y=c z=p", "x=2 y=a z=p",
                                           "x=2 y=b z=p", "x=2 y=c z=p"};
  int checked = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    CHECK(PointLabel(axes, points[i]) == labels[i]);
    ++checked;
  }
  CHECK(checked == 6);
  CHECK(PointOverrides(axes, points[4]) ==
        std::vector<std::string>{"x=2", "y=b", "z=p"});
  CHECK(PointValues(axes, points[5]) ==
        std::vector<std::string>{"2", "c", "p"});
}

}  // namespace
}  // namespace gemmsim::app
