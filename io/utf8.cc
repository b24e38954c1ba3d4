#include "io/utf8.h"

namespace gemmsim::io {

std::string TextPlace::ToString() const {
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

std::optional<TextPlace> FirstInvalidUtf8(std::string_view text) {
  TextPlace place;
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    // 1. The lead byte gives the sequence length: 0xxxxxxx, 110xxxxx,
    //    1110xxxx, 11110xxx; anything else (a stray 10xxxxxx, 11111xxx)
    //    cannot start a sequence.
    const size_t length = lead < 0x80           ? 1
                          : (lead >> 5) == 0x06 ? 2
                          : (lead >> 4) == 0x0E ? 3
                          : (lead >> 3) == 0x1E ? 4
                                                : 0;
    bool ok = length > 0 && i + length <= text.size();
    // 2. Every continuation byte is 10xxxxxx and adds 6 bits.
    uint32_t code = length == 1   ? lead
                    : length == 2 ? (lead & 0x1Fu)
                    : length == 3 ? (lead & 0x0Fu)
                                  : (lead & 0x07u);
    for (size_t j = 1; ok && j < length; ++j) {
      const auto next = static_cast<unsigned char>(text[i + j]);
      ok = (next >> 6) == 0x02;
      code = (code << 6) | (next & 0x3Fu);
    }
    // 3. The shortest form only, and only Unicode scalar values.
    if (ok) {
      ok = !(length == 2 && code < 0x80) && !(length == 3 && code < 0x800) &&
           !(length == 4 && (code < 0x10000 || code > 0x10FFFF)) &&
           !(code >= 0xD800 && code <= 0xDFFF);
    }
    if (!ok) return place;
    if (lead == '\n') {
      ++place.line;
      place.column = 1;
    } else {
      ++place.column;
    }
    i += length;
  }
  return std::nullopt;
}

std::string ReportJson(const nlohmann::json& doc) {
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace gemmsim::io
