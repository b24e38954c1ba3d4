// Builds .npy file bytes by hand, so tests control every field, including
// ones NumPy would never write.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gemmsim::io::testing {

// Magic, version major.0, the header length (2 bytes for version 1, 4 for
// 2 and 3, little-endian), `header` as given, then `data`.
inline std::string npy_bytes(int major, std::string_view header,
                             std::string_view data = "") {
  std::string bytes = "\x93NUMPY";
  bytes += static_cast<char>(major);
  bytes += '\0';
  int length_bytes = major == 1 ? 2 : 4;
  for (int i = 0; i < length_bytes; ++i) {
    bytes += static_cast<char>(header.size() >> (8 * i) & 0xff);
  }
  bytes += header;
  bytes += data;
  return bytes;
}

}  // namespace gemmsim::io::testing
