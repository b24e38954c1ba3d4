#include "app/config/yaml_value.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <set>

#include "app/did_you_mean.h"
#include "datapaths/error.h"

namespace gemmsim::app {
namespace {

// "a, b or c".
std::string Alternatives(const std::vector<std::string>& names) {
  std::string text;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += i + 1 == names.size() ? " or " : ", ";
    text += names[i];
  }
  return text;
}

bool ParseInt64(std::string_view s, int64_t* out) {
  if (s.starts_with('+')) s.remove_prefix(1);
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

std::string MarkPlace(const YAML::Mark& mark) {
  if (mark.is_null()) return "";
  return "line " + std::to_string(mark.line + 1) + ", column " +
         std::to_string(mark.column + 1);
}

YAML::Node FindKey(const YAML::Node& map, const std::string& key) {
  if (!map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (auto it = map.begin(); it != map.end(); ++it)
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
  return YAML::Node(YAML::NodeType::Undefined);
}

YamlValue::YamlValue(YAML::Node root, std::shared_ptr<const YamlOrigin> origin)
    : node_(std::move(root)), origin_(std::move(origin)) {}

YamlValue YamlValue::Child(const YAML::Node& node, std::string_view key) const {
  YamlValue child(node, origin_);
  child.path_ =
      path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  const auto it = origin_->overrides.find(child.path_);
  child.override_ = it != origin_->overrides.end() ? it->second : override_;
  return child;
}

std::string YamlValue::Place() const {
  if (!override_.empty()) return "--set '" + override_ + "'";
  // A mapping that an override rebuilt has no mark of its own: its first
  // key still has one.
  YAML::Mark mark = node_.Mark();
  if (mark.is_null() && node_.IsMap() && node_.size() > 0)
    mark = node_.begin()->first.Mark();
  const std::string where = MarkPlace(mark);
  return where.empty() ? origin_->file : origin_->file + ": " + where;
}

void YamlValue::Fail(const std::string& message) const {
  throw ConfigError(Place() + ": " + (path_.empty() ? "" : path_ + ": ") +
                    message);
}

void YamlValue::Expected(const std::string& expected) const {
  std::string got;
  switch (node_.Type()) {
    case YAML::NodeType::Scalar:
      got = "'" + node_.Scalar() + "'";
      break;
    case YAML::NodeType::Sequence:
      got = "a list";
      break;
    case YAML::NodeType::Map:
      got = "a mapping";
      break;
    default:
      got = "nothing";
  }
  Fail("expected " + expected + ", got " + got);
}

std::string YamlValue::Scalar(const std::string& expected) const {
  if (!node_.IsScalar()) Expected(expected);
  return node_.Scalar();
}

int64_t YamlValue::Int(int64_t min, int64_t max, std::string expected) const {
  constexpr int64_t kNoMin = std::numeric_limits<int64_t>::min();
  const bool bounded_above = max < std::numeric_limits<int>::max();
  if (expected.empty()) {
    expected = "an integer";
    if (min != kNoMin && bounded_above) {
      expected += " from " + std::to_string(min) + " to " + std::to_string(max);
    } else if (min != kNoMin) {
      expected += " >= " + std::to_string(min);
    } else if (bounded_above) {
      expected += " <= " + std::to_string(max);
    }
  }
  int64_t value = 0;
  if (!ParseInt64(Scalar(expected), &value) || value < min || value > max)
    Expected(expected);
  return value;
}

uint64_t YamlValue::UInt64() const {
  const std::string expected = "a non-negative integer below 2^64";
  const std::string text = Scalar(expected);
  std::string_view s = text;
  if (s.starts_with('+')) s.remove_prefix(1);
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size())
    Expected(expected);
  return value;
}

bool YamlValue::Bool() const {
  // YAML 1.2's core schema; yes/no/on/off (YAML 1.1) are too easy to misread.
  const std::string s = Scalar("true or false");
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  Expected("true or false");
}

std::string YamlValue::OneOf(const std::vector<std::string>& names) const {
  const std::string s = Scalar(Alternatives(names));
  if (std::find(names.begin(), names.end(), s) == names.end())
    Expected(Alternatives(names));
  return s;
}

void YamlValue::CheckKeys(std::span<const std::string_view> allowed,
                          const std::string& what) const {
  if (!node_.IsMap()) Expected(what);
  std::set<std::string> seen;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const YamlValue key = Child(it->first, it->first.Scalar());
    if (!it->first.IsScalar()) key.Fail("expected a plain key in " + what);
    const std::string name = it->first.Scalar();
    if (!seen.insert(name).second) key.Fail("repeated key");
    if (std::find(allowed.begin(), allowed.end(), name) != allowed.end())
      continue;
    std::vector<std::string> names(allowed.begin(), allowed.end());
    std::string message = "unknown key; expected one of: ";
    for (size_t i = 0; i < names.size(); ++i)
      message += (i ? ", " : "") + names[i];
    const std::vector<std::string> closest = ClosestNames(name, names, 1);
    if (!closest.empty()) message += " (did you mean '" + closest[0] + "'?)";
    key.Fail(message);
  }
}

std::optional<YamlValue> YamlValue::Get(std::string_view key) const {
  if (!node_.IsMap()) return std::nullopt;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) {
      if (it->second.IsNull()) return std::nullopt;
      return Child(it->second, key);
    }
  }
  return std::nullopt;
}

YamlValue YamlValue::Require(std::string_view key) const {
  auto value = Get(key);
  if (!value) Fail("missing key '" + std::string(key) + "'");
  return *value;
}

}  // namespace gemmsim::app
