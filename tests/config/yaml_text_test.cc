// ParseYamlDocument: one document or a clear ConfigError, and never one of
// yaml-cpp 0.7's infinite loops (each case below hung LoadAll before).
#include "app/config/yaml_text.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "datapaths/error.h"

namespace gemmsim::app {
namespace {

std::string ErrorOf(const std::string& text) {
  try {
    ParseYamlDocument(text, "src.yaml");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST_CASE("one document, or none") {
  CHECK(ParseYamlDocument("", "s").IsNull());
  CHECK(ParseYamlDocument("# only a comment\n", "s").IsNull());
  CHECK(ParseYamlDocument("---\na: 1\n...\n", "s")["a"].as<int>() == 1);
  const YAML::Node anchors = ParseYamlDocument("a: &x [1, 2]\nb: *x\n", "s");
  CHECK(anchors["b"][1].as<int>() == 2);
  CHECK(ParseYamlDocument("[1, 2]", "s").size() == 2);
}

TEST_CASE("tokens that cannot start a value fail at their place") {
  struct Case {
    std::string text, message;
  };
  const std::vector<Case> cases = {
      {",", "src.yaml: line 1, column 1: not valid YAML: ',' cannot start"},
      {" ,", "src.yaml: line 1, column 2: not valid YAML: ','"},
      {"- a\n,", "src.yaml: line 2, column 1: not valid YAML: ','"},
      {"\"a\" ,", "src.yaml: line 1, column 5: not valid YAML: ','"},
      {"!t ,", "not valid YAML: ','"},
      {",,,,%a2ur: r: re!d}\n", "line 1, column 1: not valid YAML: ','"},
      {", ]", "not valid YAML: ','"},
  };
  int checked = 0;
  for (const Case& c : cases) {
    CAPTURE(c.text);
    CHECK(ErrorOf(c.text).find(c.message) != std::string::npos);
    ++checked;
  }
  CHECK(checked == 7);
}

TEST_CASE("several documents, bad UTF-8, bad syntax and depth are errors") {
  CHECK(ErrorOf("a: 1\n---\nb: 2\n") ==
        "src.yaml: holds several YAML documents ('---'), expected one");
  CHECK(ErrorOf("a: 1\n---\n,") ==
        "src.yaml: holds several YAML documents ('---'), expected one");
  CHECK(ErrorOf("a: 1\nb: \xFF\n") ==
        "src.yaml: line 2, column 4: not UTF-8 text; expected YAML");
  CHECK(ErrorOf("a: [1, 2\n").find("src.yaml: line ") == 0);
  CHECK(ErrorOf("a: [1, 2\n").find("not valid YAML") != std::string::npos);
  CHECK(ErrorOf(std::string(10'000, '[')).find("nested deeper than") !=
        std::string::npos);
}

}  // namespace
}  // namespace gemmsim::app
