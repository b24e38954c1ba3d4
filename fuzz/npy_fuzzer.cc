// The .npy reader (io/npy.h) on arbitrary bytes. Whatever it returns must
// keep the Tensor invariant, and must write back and read again unchanged
// (for the dtypes NumPy has, which are all read_npy returns).
#include "fuzz/fuzz_target.h"
#include "io/npy.h"

namespace gemmsim::fuzz {

int FuzzNpy(const uint8_t* data, size_t size) {
  const std::string path = WriteFuzzFile(
      std::string_view(reinterpret_cast<const char*>(data), size), ".npy");
  return ExpectOnlyGemmsimErrors([&] {
    const io::Tensor tensor = io::read_npy(path);
    Require(tensor.data.size() == static_cast<size_t>(tensor.numel()) *
                                      io::dtype_size(tensor.dtype),
            "read_npy: data size != numel * itemsize");
    const std::string copy = path + ".copy.npy";
    io::write_npy(copy, tensor);
    const io::Tensor again = io::read_npy(copy);
    Require(again.dtype == tensor.dtype && again.shape == tensor.shape &&
                again.data == tensor.data,
            "read_npy(write_npy(t)) != t");
  });
}

}  // namespace gemmsim::fuzz

GEMMSIM_FUZZ_ENTRY(gemmsim::fuzz::FuzzNpy)
