#include "python/array_tensor.h"

#include <cstring>
#include <memory>
#include <vector>

#include "datapaths/error.h"

namespace gemmsim::python {
namespace py = pybind11;
namespace {

// NumPy's kind letter and item size to the io layer's element type.
bool DTypeOf(char kind, py::ssize_t size, io::DType* out) {
  struct Entry {
    char kind;
    py::ssize_t size;
    io::DType dtype;
  };
  static constexpr Entry kTable[] = {
      {'f', 2, io::DType::kF16}, {'f', 4, io::DType::kF32},
      {'f', 8, io::DType::kF64}, {'u', 1, io::DType::kU8},
      {'u', 2, io::DType::kU16}, {'u', 4, io::DType::kU32},
      {'u', 8, io::DType::kU64}, {'i', 1, io::DType::kI8},
      {'i', 2, io::DType::kI16}, {'i', 4, io::DType::kI32},
      {'i', 8, io::DType::kI64},
  };
  for (const Entry& e : kTable) {
    if (e.kind == kind && e.size == size) {
      *out = e.dtype;
      return true;
    }
  }
  return false;
}

std::string NumpyDtypeName(io::DType dtype) {
  switch (dtype) {
    case io::DType::kF16:
      return "float16";
    case io::DType::kF32:
      return "float32";
    case io::DType::kF64:
      return "float64";
    case io::DType::kU8:
      return "uint8";
    case io::DType::kU16:
      return "uint16";
    case io::DType::kU32:
      return "uint32";
    case io::DType::kU64:
      return "uint64";
    case io::DType::kI8:
      return "int8";
    case io::DType::kI16:
      return "int16";
    case io::DType::kI32:
      return "int32";
    case io::DType::kI64:
      return "int64";
    default:
      // The readers' FP8 and bf16 dtypes: the jobs never return them.
      throw Error(ExitCode::kInternal,
                  "no NumPy dtype for " + std::string(io::dtype_name(dtype)));
  }
}

}  // namespace

io::Tensor TensorFromArray(const py::array& array, const std::string& name) {
  const py::dtype dt = array.dtype();
  io::Tensor t;
  const char order = dt.attr("byteorder").cast<std::string>()[0];
  const bool native = order == '=' || order == '|' || order == '<';
  if (!DTypeOf(dt.kind(), dt.itemsize(), &t.dtype) || !native) {
    throw InputError(
        name, "dtype",
        "expected a float16/32/64 or (u)int8..64 array in native byte "
        "order, found " +
            py::repr(dt).cast<std::string>());
  }
  py::array c = array;
  if (!(array.flags() & py::array::c_style))
    c = py::module_::import("numpy").attr("ascontiguousarray")(array);
  t.shape.assign(c.shape(), c.shape() + c.ndim());
  const size_t bytes = static_cast<size_t>(c.nbytes());
  t.data.resize(bytes);
  if (bytes) std::memcpy(t.data.data(), c.data(), bytes);
  return t;
}

py::array ArrayFromTensor(io::Tensor&& tensor) {
  auto owner = std::make_unique<io::Tensor>(std::move(tensor));
  const py::dtype dt(NumpyDtypeName(owner->dtype));
  std::vector<py::ssize_t> shape(owner->shape.begin(), owner->shape.end());
  void* data = owner->data.data();
  // The capsule frees the tensor when NumPy frees the array.
  py::capsule base(owner.get(),
                   [](void* p) { delete static_cast<io::Tensor*>(p); });
  owner.release();
  return py::array(dt, shape, {}, data, base);
}

}  // namespace gemmsim::python
