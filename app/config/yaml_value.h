// A YAML node that knows where it came from, so that every configuration
// error can name the file, the line and column, the key path and what was
// expected (SPEC.md "Command line": error messages). Readers of numerics and
// machine files walk the document with YamlValue instead of raw YAML::Node:
// they never build a message by hand and never let a yaml-cpp exception
// (which would read as an internal error) escape.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gemmsim::app {

// Where the nodes of one document came from: the file, and the key paths
// that `--set` overrides replaced (their nodes were parsed from the override
// text, so their line numbers mean nothing in the file).
struct YamlOrigin {
  std::string file;
  std::map<std::string, std::string> overrides;  // key path -> "KEY=VALUE"
};

class YamlValue {
 public:
  // The document's root.
  YamlValue(YAML::Node root, std::shared_ptr<const YamlOrigin> origin);

  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }
  bool IsNull() const { return node_.IsNull(); }
  bool IsMap() const { return node_.IsMap(); }
  bool IsScalar() const { return node_.IsScalar(); }

  // Throws ConfigError "PLACE: PATH: MESSAGE", PLACE being "FILE: line L,
  // column C" (or "--set KEY=VALUE" for an overridden node).
  [[noreturn]] void Fail(const std::string& message) const;
  // "expected EXPECTED, got WHAT-IS-THERE".
  [[noreturn]] void Expected(const std::string& expected) const;

  // Scalars. `expected` words the error for anything else.
  std::string Scalar(const std::string& expected) const;
  // An integer in [min, max]; the error words the range (a max at or above
  // INT_MAX reads as unbounded) unless `expected` is given.
  int64_t Int(int64_t min, int64_t max, std::string expected = "") const;
  uint64_t UInt64() const;
  bool Bool() const;
  // One of `names`; the error lists them.
  std::string OneOf(const std::vector<std::string>& names) const;

  // Mappings. CheckKeys fails on a key outside `allowed` (naming the allowed
  // ones and the closest), on a non-scalar or repeated key, or when this is
  // not a mapping. Get returns nullopt for a missing key or a null value.
  void CheckKeys(std::span<const std::string_view> allowed,
                 const std::string& what) const;
  void CheckKeys(std::initializer_list<std::string_view> allowed,
                 const std::string& what) const {
    CheckKeys(
        std::span<const std::string_view>(allowed.begin(), allowed.size()),
        what);
  }
  std::optional<YamlValue> Get(std::string_view key) const;
  YamlValue Require(std::string_view key) const;

 private:
  std::string Place() const;
  YamlValue Child(const YAML::Node& node, std::string_view key) const;

  YAML::Node node_;
  std::shared_ptr<const YamlOrigin> origin_;
  std::string path_;
  std::string override_;  // the override this node came from, if any
};

// The value under `key` in mapping `map` (an undefined node when absent or
// when `map` is not a mapping). Unlike yaml-cpp's operator[] on a non-const
// node, it never inserts the key.
YAML::Node FindKey(const YAML::Node& map, const std::string& key);

// "line L, column C" of a yaml-cpp mark (1-based), or "" for a node that
// was not parsed from text.
std::string MarkPlace(const YAML::Mark& mark);

}  // namespace gemmsim::app
