// A short, safe rendering of an untrusted JSON value for error messages
// ("expected an array of integers, found [[[[..."). nlohmann's dump()
// recurses once per nesting level, so dumping a value from a hostile file
// (a .safetensors header may be 100 MB of '[') overflows the stack; this
// checks the depth without recursion first. Also nlohmann's exception
// messages without their internal ids.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

namespace gemmsim::io {

// Values nested deeper than this are described, not dumped.
inline constexpr int kJsonPreviewMaxDepth = 16;

// `value` as JSON text cut to `max_chars` ("..." appended when cut), or
// "an array nested more than 16 levels deep" / "an object ..." when it nests
// deeper than kJsonPreviewMaxDepth.
std::string JsonPreview(const nlohmann::json& value, size_t max_chars = 60);

// An exception's message without nlohmann's id: what() starts with
// "[json.exception.parse_error.101] ", and the user needs only the rest.
std::string JsonErrorText(const nlohmann::json::exception& e);

}  // namespace gemmsim::io
