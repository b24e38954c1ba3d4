#include "io/safetensors.h"

#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join

#include <algorithm>
#include <nlohmann/json.hpp>

#include "datapaths/error.h"
#include "io/atomic_file.h"
#include "io/input_file.h"
#include "io/npy_header.h"
#include "io/safetensors_index.h"

namespace gemmsim::io {
namespace {

Tensor read_entry(const InputFile& file, const SafetensorsIndex& index,
                  const SafetensorsEntry& entry) {
  Tensor tensor;
  tensor.dtype = entry.dtype;
  tensor.shape = entry.shape;
  // Size and bounds were checked against the file by the index.
  tensor.data.resize(static_cast<size_t>(entry.end - entry.begin));
  file.read_at(index.buffer_start + entry.begin, tensor.data.data(),
               entry.end - entry.begin, "data");
  return tensor;
}

// "a, b, c, ... (12 in all)": enough to spot a typo without flooding.
std::string some_names(const SafetensorsIndex& index) {
  if (index.tensors.empty()) return "the file holds no tensors";
  constexpr size_t kShown = 5;
  std::vector<std::string> names;
  for (const auto& [name, entry] : index.tensors) {
    if (names.size() == kShown) break;
    names.push_back("'" + name + "'");
  }
  std::string text = fmt::format("{}", fmt::join(names, ", "));
  if (index.tensors.size() > kShown) {
    text += fmt::format(", ... ({} in all)", index.tensors.size());
  }
  return "the file holds " + text;
}

}  // namespace

std::vector<std::string> safetensors_names(const std::string& path) {
  InputFile file(path);
  SafetensorsIndex index = read_safetensors_index(file);
  std::vector<std::string> names;
  for (const auto& [name, entry] : index.tensors) names.push_back(name);
  return names;
}

Tensor read_safetensors(const std::string& path,
                        const std::string& tensor_name) {
  InputFile file(path);
  SafetensorsIndex index = read_safetensors_index(file);
  auto it = index.tensors.find(tensor_name);
  if (it == index.tensors.end()) {
    throw InputError(path, fmt::format("tensor '{}'", tensor_name),
                     "no such tensor; " + some_names(index));
  }
  return read_entry(file, index, it->second);
}

std::map<std::string, Tensor> read_safetensors_all(const std::string& path) {
  InputFile file(path);
  SafetensorsIndex index = read_safetensors_index(file);
  std::map<std::string, Tensor> tensors;
  for (const auto& [name, entry] : index.tensors) {
    tensors.emplace(name, read_entry(file, index, entry));
  }
  return tensors;
}

std::map<std::string, std::string> safetensors_metadata(
    const std::string& path) {
  InputFile file(path);
  return read_safetensors_index(file).metadata;
}

void write_safetensors(const std::string& path,
                       const std::map<std::string, Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  // Widest element first, then by name (as upstream's writer does).
  std::vector<const std::pair<const std::string, Tensor>*> order;
  for (const auto& item : tensors) order.push_back(&item);
  std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) {
    return dtype_size(a->second.dtype) > dtype_size(b->second.dtype);
  });

  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  int64_t offset = 0;
  for (const auto* item : order) {
    const auto& [name, tensor] = *item;
    std::optional<int64_t> bytes =
        checked_byte_count(tensor.dtype, tensor.shape);
    if (name == "__metadata__" || !bytes ||
        static_cast<uint64_t>(*bytes) != tensor.data.size()) {
      throw Error(ExitCode::kInternal,
                  fmt::format("{}: cannot write tensor '{}' of shape {} with "
                              "{} bytes of data",
                              path, name, format_shape(tensor.shape),
                              tensor.data.size()));
    }
    header[name] = {
        {"dtype", std::string(safetensors_dtype_name(tensor.dtype))},
        {"shape", tensor.shape},
        {"data_offsets", {offset, offset + *bytes}},
    };
    offset += *bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  uint64_t length = text.size();
  char prefix[8];
  for (int i = 0; i < 8; ++i) prefix[i] = static_cast<char>(length >> (8 * i));

  AtomicOutputFile out(path);
  out.write(prefix, sizeof prefix);
  out.write(text);
  for (const auto* item : order) {
    out.write(std::span<const uint8_t>(item->second.data));
  }
  out.commit();
}

}  // namespace gemmsim::io
