#include "io/safetensors_index.h"

#include <fmt/format.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

#include "datapaths/error.h"
#include "io/json_preview.h"

namespace gemmsim::io {
namespace {

using nlohmann::json;

constexpr std::pair<std::string_view, DType> kDTypeNames[] = {
    {"F16", DType::kF16},
    {"BF16", DType::kBF16},
    {"F32", DType::kF32},
    {"F64", DType::kF64},
    {"U8", DType::kU8},
    {"U16", DType::kU16},
    {"U32", DType::kU32},
    {"U64", DType::kU64},
    {"I8", DType::kI8},
    {"I16", DType::kI16},
    {"I32", DType::kI32},
    {"I64", DType::kI64},
    {"F8_E4M3", DType::kF8E4M3FN},  // upstream's name for e4m3fn
    {"F8_E5M2", DType::kF8E5M2},
    {"F8_E4M3FNUZ", DType::kF8E4M3FNUZ},
    {"F8_E5M2FNUZ", DType::kF8E5M2FNUZ},
    {"F8_E8M0", DType::kF8E8M0FNU},  // upstream's name for e8m0fnu
};

// Checks one tensor's entry. Places read "tensor 'NAME' key 'FIELD'".
class EntryChecker {
 public:
  EntryChecker(const std::string& path, const std::string& name)
      : path_(path), name_(name) {}

  SafetensorsEntry check(const json& value, int64_t buffer_size) const {
    if (!value.is_object()) fail("", "expected an object", value);
    SafetensorsEntry entry;
    const json& dtype = field(value, "dtype");
    std::optional<DType> parsed;
    if (dtype.is_string()) {
      parsed = dtype_from_safetensors_name(dtype.get<std::string>());
    }
    if (!parsed) {
      fail("dtype",
           "expected one of F16 BF16 F32 F64 U8 U16 U32 U64 I8 I16 I32 I64 "
           "F8_E4M3 F8_E5M2 F8_E4M3FNUZ F8_E5M2FNUZ F8_E8M0",
           dtype);
    }
    entry.dtype = *parsed;
    entry.shape = integers(field(value, "shape"), "shape");
    std::vector<int64_t> offsets =
        integers(field(value, "data_offsets"), "data_offsets");
    if (offsets.size() != 2) {
      fail("data_offsets", "expected [begin, end]", value.at("data_offsets"));
    }
    entry.begin = offsets[0];
    entry.end = offsets[1];
    if (entry.end < entry.begin || entry.end > buffer_size) {
      throw InputError(
          path_, place("data_offsets"),
          fmt::format("expected 0 <= begin <= end <= {} (the size of the "
                      "data buffer), found [{}, {}]",
                      buffer_size, entry.begin, entry.end));
    }
    std::optional<int64_t> bytes = checked_byte_count(entry.dtype, entry.shape);
    if (!bytes) {
      throw InputError(path_, place("shape"),
                       fmt::format("shape {} of {} needs 2^63 bytes or more",
                                   value.at("shape").dump(), dtype.dump()));
    }
    if (*bytes != entry.end - entry.begin) {
      throw InputError(
          path_, place("data_offsets"),
          fmt::format("shape {} of {} needs {} bytes, data_offsets [{}, {}] "
                      "cover {}",
                      value.at("shape").dump(), dtype.dump(), *bytes,
                      entry.begin, entry.end, entry.end - entry.begin));
    }
    return entry;
  }

 private:
  std::string place(std::string_view key) const {
    if (key.empty()) return fmt::format("tensor '{}'", name_);
    return fmt::format("tensor '{}' key '{}'", name_, key);
  }

  [[noreturn]] void fail(std::string_view key, std::string_view expected,
                         const json& found) const {
    // Not found.dump(): a hostile header can nest deep enough to overflow
    // the stack of nlohmann's recursive dump (json_preview.h).
    throw InputError(path_, place(key),
                     fmt::format("{}, found {}", expected, JsonPreview(found)));
  }

  const json& field(const json& value, const char* key) const {
    auto it = value.find(key);
    if (it == value.end()) {
      throw InputError(path_, place(""), fmt::format("missing key '{}'", key));
    }
    return *it;
  }

  // An array of integers in [0, 2^63). nlohmann stores non-negative integer
  // literals as unsigned, negative ones as signed, and larger ones or ones
  // with a fraction or exponent as floats.
  std::vector<int64_t> integers(const json& value, std::string_view key) const {
    if (!value.is_array()) fail(key, "expected an array of integers", value);
    std::vector<int64_t> out;
    for (const json& item : value) {
      if (!item.is_number_unsigned() ||
          item.get<uint64_t>() >
              static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        fail(key, "expected non-negative integers below 2^63", item);
      }
      out.push_back(static_cast<int64_t>(item.get<uint64_t>()));
    }
    return out;
  }

  const std::string& path_;
  const std::string& name_;
};

}  // namespace

std::string_view safetensors_dtype_name(DType dtype) {
  for (const auto& [name, value] : kDTypeNames) {
    if (value == dtype) return name;
  }
  return "?";  // unreachable: the table covers every DType
}

std::optional<DType> dtype_from_safetensors_name(std::string_view name) {
  for (const auto& [text, value] : kDTypeNames) {
    if (text == name) return value;
  }
  return std::nullopt;
}

SafetensorsIndex read_safetensors_index(const InputFile& file) {
  const std::string& path = file.path();
  const int64_t size = file.size();
  if (size < 8) {
    throw InputError(path, "byte 0",
                     fmt::format("expected an 8-byte header size, found a "
                                 "{}-byte file",
                                 size));
  }
  unsigned char prefix[8];
  file.read_at(0, prefix, 8, "header size");
  uint64_t length = 0;  // little-endian
  for (int i = 8; i-- > 0;) length = length << 8 | prefix[i];
  // Both limits before the header is allocated.
  if (length > static_cast<uint64_t>(kSafetensorsMaxHeaderBytes)) {
    throw InputError(path, "byte 0",
                     fmt::format("header size {} exceeds the limit of {} bytes "
                                 "(is this a .safetensors file?)",
                                 length, kSafetensorsMaxHeaderBytes));
  }
  if (static_cast<int64_t>(length) > size - 8) {
    throw InputError(path, "byte 0",
                     fmt::format("header size {} exceeds the {} bytes that "
                                 "follow it: truncated file?",
                                 length, size - 8));
  }
  SafetensorsIndex index;
  index.buffer_start = 8 + static_cast<int64_t>(length);
  const int64_t buffer_size = size - index.buffer_start;
  std::string text(static_cast<size_t>(length), '\0');
  file.read_at(8, text.data(), static_cast<int64_t>(length), "header");

  json header;
  try {
    header = json::parse(text);
  } catch (const json::parse_error& e) {
    // e.byte counts from 1 within the JSON text, which starts at byte 8.
    int64_t at = 8 + static_cast<int64_t>(e.byte) - (e.byte > 0 ? 1 : 0);
    throw InputError(path, fmt::format("byte {}", at),
                     "expected a JSON header: " + JsonErrorText(e));
  } catch (const json::exception& e) {
    // A number too large for a double (out_of_range 406, found by the
    // fuzzer); nlohmann gives no place for it.
    throw InputError(path, "header",
                     "expected a JSON header: " + JsonErrorText(e));
  }
  if (!header.is_object()) {
    throw InputError(
        path, "header",
        fmt::format("expected a JSON object, found {}", header.type_name()));
  }
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) {
        throw InputError(path, "key '__metadata__'",
                         "expected an object of strings");
      }
      for (const auto& [key, text_value] : value.items()) {
        if (!text_value.is_string()) {
          throw InputError(path, fmt::format("key '__metadata__.{}'", key),
                           fmt::format("expected a string, found {}",
                                       text_value.type_name()));
        }
        index.metadata[key] = text_value.get<std::string>();
      }
      continue;
    }
    index.tensors[name] = EntryChecker(path, name).check(value, buffer_size);
  }
  return index;
}

}  // namespace gemmsim::io
