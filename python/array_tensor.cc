#include "python/array_tensor.h"

#include <cstring>
#include <memory>
#include <vector>

#include "datapaths/error.h"

namespace gemmsim::python {
namespace py = pybind11;
namespace {

// The element types NumPy and the io layer share: NumPy's kind letter and
// name for each (the item size is io::dtype_size). bf16 and the FP8 kinds
// have no NumPy dtype.
struct NumpyType {
  char kind;
  io::DType dtype;
  const char* name;
};
constexpr NumpyType kNumpyTypes[] = {
    {'f', io::DType::kF16, "float16"}, {'f', io::DType::kF32, "float32"},
    {'f', io::DType::kF64, "float64"}, {'u', io::DType::kU8, "uint8"},
    {'u', io::DType::kU16, "uint16"},  {'u', io::DType::kU32, "uint32"},
    {'u', io::DType::kU64, "uint64"},  {'i', io::DType::kI8, "int8"},
    {'i', io::DType::kI16, "int16"},   {'i', io::DType::kI32, "int32"},
    {'i', io::DType::kI64, "int64"},
};

// NumPy's kind letter and item size to the io layer's element type.
bool DTypeOf(char kind, py::ssize_t size, io::DType* out) {
  for (const NumpyType& t : kNumpyTypes) {
    if (t.kind == kind && io::dtype_size(t.dtype) == size) {
      *out = t.dtype;
      return true;
    }
  }
  return false;
}

std::string NumpyDtypeName(io::DType dtype) {
  for (const NumpyType& t : kNumpyTypes)
    if (t.dtype == dtype) return t.name;
  // The readers' FP8 and bf16 dtypes: the jobs never return them.
  throw Error(ExitCode::kInternal,
              "no NumPy dtype for " + std::string(io::dtype_name(dtype)));
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
