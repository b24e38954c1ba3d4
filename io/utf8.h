// UTF-8 checks for text that comes from users' files and command lines.
// Two libraries below us misbehave on invalid UTF-8: yaml-cpp 0.7 can loop
// forever on it (found by the manifest fuzzer), and nlohmann::json::dump()
// throws type_error 316 when a string holds it. So text is checked where
// it enters (YAML files, --set values, CSV traces), and reports are
// rendered with ReportJson, which never throws on a string that slipped
// through another way (a file name is any bytes on Linux).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace gemmsim::io {

// Where in a text its first invalid byte sits; both count from 1, column
// in characters (code points) of that line.
struct TextPlace {
  int64_t line = 1;
  int64_t column = 1;
  std::string ToString() const;  // "line L, column C"
};

// The place of the first byte that does not start or continue a
// well-formed UTF-8 sequence (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF), or nothing when all of `text` is UTF-8.
std::optional<TextPlace> FirstInvalidUtf8(std::string_view text);

// `doc` as text for a report file or stdout: indent 2, and any invalid
// UTF-8 in a string replaced by U+FFFD instead of throwing.
std::string ReportJson(const nlohmann::json& doc);

}  // namespace gemmsim::io
