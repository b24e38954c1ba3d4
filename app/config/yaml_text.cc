#include "app/config/yaml_text.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

#include <sstream>
#include <vector>

#include "app/config/yaml_value.h"
#include "datapaths/error.h"
#include "io/utf8.h"

namespace gemmsim::app {
namespace {

// Records where each document starts and ignores everything else: parsing
// with it builds no nodes.
class DocumentStarts final : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> marks;

  void OnDocumentStart(const YAML::Mark& mark) override {
    marks.push_back(mark);
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// Where the documents of `text` start, stopping after the third or at the
// first that starts where the one before did. yaml-cpp 0.7's LoadAll loops
// forever, allocating, on a token that cannot start a node at document
// level (a ',' in block context; found by the manifest fuzzer,
// jbeder/yaml-cpp#1040): the parser consumes nothing and reports a fresh
// empty document each time. Counting documents with this handler first
// tells that token (a repeated start) from a real second document.
std::vector<YAML::Mark> DocumentStartMarks(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  const std::vector<YAML::Mark>& m = starts.marks;
  while (m.size() < 3 && parser.HandleNextDocument(starts)) {
    if (m.size() >= 2 && m[m.size() - 1].pos == m[m.size() - 2].pos) break;
  }
  return starts.marks;
}

std::string At(const std::string& source, const YAML::Mark& mark) {
  const std::string where = MarkPlace(mark);
  return source + (where.empty() ? "" : ": " + where);
}

}  // namespace

YAML::Node ParseYamlDocument(const std::string& text,
                             const std::string& source) {
  // yaml-cpp can also loop forever on invalid UTF-8 (the manifest fuzzer
  // again), so it never sees any.
  if (const auto bad = io::FirstInvalidUtf8(text)) {
    throw ConfigError(source + ": " + bad->ToString() +
                      ": not UTF-8 text; expected YAML");
  }
  try {
    const std::vector<YAML::Mark> starts = DocumentStartMarks(text);
    const size_t n = starts.size();
    if (n >= 2 && starts[n - 1].pos == starts[n - 2].pos) {
      // The stuck character, whole (the text is UTF-8 by now).
      const auto at = static_cast<size_t>(starts[n - 1].pos);
      size_t length = 1;
      while (at + length < text.size() &&
             (static_cast<unsigned char>(text[at + length]) & 0xC0) == 0x80)
        ++length;
      throw ConfigError(At(source, starts[n - 1]) + ": not valid YAML: '" +
                        text.substr(at, length) +
                        "' cannot start a value here");
    }
    if (n >= 2) {
      throw ConfigError(source +
                        ": holds several YAML documents ('---'), expected one");
    }
    return starts.empty() ? YAML::Node() : YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {
    throw ConfigError(At(source, e.mark) +
                      ": nested deeper than the YAML parser's limit of " +
                      std::to_string(e.depth()) + " levels");
  } catch (const YAML::Exception& e) {
    throw ConfigError(At(source, e.mark) + ": not valid YAML: " + e.msg);
  }
}

}  // namespace gemmsim::app
