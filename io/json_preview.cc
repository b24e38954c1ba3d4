#include "io/json_preview.h"

#include <fmt/format.h>

#include <string_view>
#include <utility>
#include <vector>

namespace gemmsim::io {
namespace {

// Iterative: the point is not to recurse on untrusted nesting.
bool NestedDeeperThan(const nlohmann::json& value, int limit) {
  std::vector<std::pair<const nlohmann::json*, int>> pending{{&value, 0}};
  while (!pending.empty()) {
    const auto [node, depth] = pending.back();
    pending.pop_back();
    if (!node->is_structured()) continue;
    if (depth >= limit) return true;
    for (const nlohmann::json& child : *node)
      pending.emplace_back(&child, depth + 1);
  }
  return false;
}

}  // namespace

std::string JsonPreview(const nlohmann::json& value, size_t max_chars) {
  if (NestedDeeperThan(value, kJsonPreviewMaxDepth)) {
    return fmt::format("{} {} nested more than {} levels deep",
                       value.is_array() ? "an" : "a", value.type_name(),
                       kJsonPreviewMaxDepth);
  }
  // replace: never throw on invalid UTF-8 (the parser rejects it anyway).
  std::string text =
      value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > max_chars) text = text.substr(0, max_chars - 3) + "...";
  return text;
}

std::string JsonErrorText(const nlohmann::json::exception& e) {
  std::string_view text = e.what();
  const size_t close = text.find("] ");
  if (text.starts_with("[json.exception") && close != std::string_view::npos)
    text.remove_prefix(close + 2);
  return std::string(text);
}

}  // namespace gemmsim::io
