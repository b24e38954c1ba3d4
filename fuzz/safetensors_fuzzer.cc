// The .safetensors reader (io/safetensors.h) on arbitrary bytes: the index,
// every tensor, the metadata; each tensor must keep the Tensor invariant.
#include "fuzz/fuzz_target.h"
#include "io/safetensors.h"

namespace gemmsim::fuzz {

int FuzzSafetensors(const uint8_t* data, size_t size) {
  const std::string path =
      WriteFuzzFile(std::string_view(reinterpret_cast<const char*>(data), size),
                    ".safetensors");
  return ExpectOnlyGemmsimErrors([&] {
    const auto tensors = io::read_safetensors_all(path);
    for (const auto& [name, tensor] : tensors) {
      Require(tensor.data.size() == static_cast<size_t>(tensor.numel()) *
                                        io::dtype_size(tensor.dtype),
              "read_safetensors_all: data size != numel * itemsize");
    }
    Require(io::safetensors_names(path).size() == tensors.size(),
            "safetensors_names disagrees with read_safetensors_all");
    io::safetensors_metadata(path);
  });
}

}  // namespace gemmsim::fuzz

GEMMSIM_FUZZ_ENTRY(gemmsim::fuzz::FuzzSafetensors)
