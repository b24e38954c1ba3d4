#include "app/sweep/sweep_grid.h"

#include <fmt/format.h>

#include "datapaths/error.h"

namespace gemmsim::app {
namespace {

std::string Trim(const std::string& s) {
  const size_t begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t") - begin + 1);
}

[[noreturn]] void Bad(const std::string& text, const std::string& why) {
  throw ConfigError("--vary '" + text + "': " + why);
}

}  // namespace

std::vector<std::string> SplitTopLevelCommas(const std::string& text,
                                             const std::string& what) {
  std::vector<std::string> parts;
  std::string brackets;  // the open brackets, innermost last
  char quote = 0;        // the open quote, 0 outside quotes
  size_t begin = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (quote) {
      // YAML: '' inside single quotes is a quote; \" inside double quotes.
      if (quote == '"' && ch == '\\') {
        ++i;
      } else if (ch == quote) {
        if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'')
          ++i;
        else
          quote = 0;
      }
      continue;
    }
    if (ch == '\'' || ch == '"') {
      quote = ch;
    } else if (ch == '{' || ch == '[') {
      brackets.push_back(ch == '{' ? '}' : ']');
    } else if (ch == '}' || ch == ']') {
      if (brackets.empty() || brackets.back() != ch) {
        throw ConfigError(fmt::format(
            "{}: unexpected '{}' at character {}{}", what, ch, i + 1,
            brackets.empty()
                ? ""
                : fmt::format(" (expected '{}')", brackets.back())));
      }
      brackets.pop_back();
    } else if (ch == ',' && brackets.empty()) {
      parts.push_back(Trim(text.substr(begin, i - begin)));
      begin = i + 1;
    }
  }
  if (quote)
    throw ConfigError(fmt::format("{}: unterminated {} quote", what, quote));
  if (!brackets.empty()) {
    throw ConfigError(
        fmt::format("{}: unclosed bracket (expected '{}' before the end)", what,
                    brackets.back()));
  }
  parts.push_back(Trim(text.substr(begin)));
  return parts;
}

VaryAxis ParseVary(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos)
    Bad(text, "expected KEY=V1,V2,... (e.g. accumulate.format=e8m7,fp32)");
  VaryAxis axis;
  axis.text = text;
  axis.key = Trim(text.substr(0, eq));
  if (axis.key.empty()) Bad(text, "the key before '=' is empty");
  if (axis.key.front() == '.' || axis.key.back() == '.' ||
      axis.key.find("..") != std::string::npos) {
    Bad(text, "the key '" + axis.key +
                  "' has an empty part; expected a dotted path such as "
                  "accumulate.promote.every");
  }
  axis.values =
      SplitTopLevelCommas(text.substr(eq + 1), "--vary '" + text + "'");
  for (size_t i = 0; i < axis.values.size(); ++i) {
    if (axis.values[i].empty()) {
      Bad(text, fmt::format("value {} is empty (write null to remove the key)",
                            i + 1));
    }
    for (size_t j = 0; j < i; ++j) {
      if (axis.values[j] == axis.values[i])
        Bad(text, "the value '" + axis.values[i] + "' appears twice");
    }
  }
  return axis;
}

std::vector<VaryAxis> ParseVaries(const std::vector<std::string>& texts) {
  if (texts.empty())
    throw ConfigError("sweep: expected at least one --vary KEY=V1,V2,...");
  std::vector<VaryAxis> axes;
  for (const std::string& text : texts) {
    axes.push_back(ParseVary(text));
    for (size_t j = 0; j + 1 < axes.size(); ++j) {
      if (axes[j].key == axes.back().key) {
        throw ConfigError("--vary '" + text + "': the key " + axes.back().key +
                          " is already varied by --vary '" + axes[j].text +
                          "'; give all its values in one --vary");
      }
    }
  }
  return axes;
}

std::vector<SweepPoint> SweepPoints(const std::vector<VaryAxis>& axes) {
  std::vector<SweepPoint> points;
  SweepPoint point(axes.size(), 0);
  if (axes.empty()) return points;
  for (;;) {
    points.push_back(point);
    // An odometer: the last axis turns fastest.
    int axis = static_cast<int>(axes.size()) - 1;
    for (; axis >= 0; --axis) {
      if (++point[axis] < static_cast<int>(axes[axis].values.size())) break;
      point[axis] = 0;
    }
    if (axis < 0) return points;
  }
}

std::vector<std::string> PointValues(const std::vector<VaryAxis>& axes,
                                     const SweepPoint& point) {
  std::vector<std::string> values;
  for (size_t i = 0; i < axes.size(); ++i)
    values.push_back(axes[i].values[point[i]]);
  return values;
}

std::vector<std::string> PointOverrides(const std::vector<VaryAxis>& axes,
                                        const SweepPoint& point) {
  std::vector<std::string> overrides;
  for (size_t i = 0; i < axes.size(); ++i)
    overrides.push_back(axes[i].key + "=" + axes[i].values[point[i]]);
  return overrides;
}

std::string PointLabel(const std::vector<VaryAxis>& axes,
                       const SweepPoint& point) {
  std::string label;
  for (const std::string& o : PointOverrides(axes, point))
    label += (label.empty() ? "" : " ") + o;
  return label;
}

}  // namespace gemmsim::app
