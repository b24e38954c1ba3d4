// NumPy arrays to and from io::Tensor, the element types and raw bytes every
// gemmsim job reads (SPEC.md "Files"). An array becomes a tensor with one
// copy of its bytes (the jobs widen every element to double anyway); a
// tensor becomes an array with none: the array owns the tensor's bytes.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>

#include "io/tensor.h"

namespace gemmsim::python {

// float16/32/64, int8..int64 and uint8..uint64 arrays in native byte order,
// any strides (a non-contiguous array is made C-contiguous first). Throws
// gemmsim::Error (exit 3) naming `name` for any other dtype.
io::Tensor TensorFromArray(const pybind11::array& array,
                           const std::string& name);

// The array that owns `tensor`'s bytes (moved, not copied).
pybind11::array ArrayFromTensor(io::Tensor&& tensor);

}  // namespace gemmsim::python
