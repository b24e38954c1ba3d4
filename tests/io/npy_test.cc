// read_npy / write_npy on well-formed files: our own round trips, headers
// built by hand (versions 2 and 3, unusual but legal spellings, Fortran
// order) and golden files written by NumPy itself.
#include "io/npy.h"

#include <doctest/doctest.h>

#include <functional>
#include <limits>

#include "io/npy_header.h"
#include "io_test_util.h"
#include "npy_bytes.h"

namespace gemmsim::io {
namespace {

using testing::data_file;
using testing::make_tensor;
using testing::npy_bytes;
using testing::TempDir;
using testing::values_of;

constexpr DType kNpyDTypes[] = {
    DType::kF16, DType::kF32, DType::kF64, DType::kU8,
    DType::kU16, DType::kU32, DType::kU64, DType::kI8,
    DType::kI16, DType::kI32, DType::kI64,
};

TEST_CASE("write_npy then read_npy returns the same tensor") {
  const std::vector<std::vector<int64_t>> shapes = {
      {}, {5}, {0}, {2, 0, 3}, {2, 3, 4}, {1, 1, 7}};
  TempDir dir;
  int ran = 0;
  for (DType dtype : kNpyDTypes) {
    for (const auto& shape : shapes) {
      CAPTURE(dtype_name(dtype));
      CAPTURE(format_shape(shape));
      Tensor tensor{dtype, shape, {}};
      tensor.data = testing::pattern_bytes(
          static_cast<size_t>(tensor.numel() * dtype_size(dtype)), ran);
      std::string path = dir.file("t.npy");
      write_npy(path, tensor);
      Tensor back = read_npy(path);
      CHECK(back.dtype == dtype);
      CHECK(back.shape == shape);
      CHECK(back.data == tensor.data);
      // NumPy's layout: the data starts at a multiple of 64 bytes, after a
      // newline-terminated header.
      std::string bytes = testing::read_bytes(path);
      size_t data_start = bytes.size() - tensor.data.size();
      CHECK(data_start % 64 == 0);
      CHECK(bytes[data_start - 1] == '\n');
      CHECK(bytes[6] == 1);  // version 1.0
      ++ran;
    }
  }
  CHECK(ran == 66);
  CHECK(dir.entries() == std::vector<std::string>{"t.npy"});
}

TEST_CASE("write_npy writes NumPy's header text") {
  TempDir dir;
  std::string path = dir.file("h.npy");
  write_npy(path, make_tensor<int16_t>(DType::kI16, {3, 1}, {1, 2, 3}));
  std::string bytes = testing::read_bytes(path);
  std::string_view header = std::string_view(bytes).substr(10);
  CHECK(header.starts_with(
      "{'descr': '<i2', 'fortran_order': False, 'shape': (3, 1), }  "));
  CHECK(bytes.size() == 128 + 6);
  write_npy(path, make_tensor<uint8_t>(DType::kU8, {2}, {1, 2}));
  bytes = testing::read_bytes(path);
  CHECK(std::string_view(bytes).substr(10).starts_with(
      "{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }"));
}

TEST_CASE("write_npy refuses dtypes NumPy lacks and leaves no file") {
  const DType cases[] = {DType::kBF16,       DType::kF8E4M3FN,
                         DType::kF8E5M2,     DType::kF8E4M3FNUZ,
                         DType::kF8E5M2FNUZ, DType::kF8E8M0FNU};
  TempDir dir;
  int ran = 0;
  for (DType dtype : cases) {
    CAPTURE(dtype_name(dtype));
    std::string path = dir.file("x.npy");
    Tensor tensor{dtype, {2}, {0, 0, 0, 0}};
    tensor.data.resize(2 * dtype_size(dtype));
    std::string message =
        testing::input_error_of([&] { write_npy(path, tensor); });
    CHECK(testing::contains(message, path));
    CHECK(testing::contains(message, dtype_name(dtype)));
    ++ran;
  }
  CHECK(ran == 6);
  CHECK(dir.entries().empty());
}

TEST_CASE("read_npy accepts versions 2.0 and 3.0 and legal odd spellings") {
  // int32 [[1, 2, 3], [4, 5, 6]] unless the header says otherwise.
  const std::vector<int32_t> values = {1, 2, 3, 4, 5, 6};
  const std::string data(reinterpret_cast<const char*>(values.data()), 24);
  struct Case {
    int major;
    std::string header;
    std::vector<int64_t> shape;
  };
  const Case cases[] = {
      {2,
       "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }\n",
       {2, 3}},
      {3, "{'descr': '<i4', 'fortran_order': False, 'shape': (6,), }\n", {6}},
      // keys in another order, double quotes, no trailing comma, no padding
      {1,
       "{\"shape\": (3, 2), \"fortran_order\": False, \"descr\": \"<i4\"}",
       {3, 2}},
      // whitespace everywhere, a trailing comma inside the tuple
      {1,
       " {\t'descr' :'<i4' ,\n'fortran_order':False,'shape':( 2 , 3 , ) }  \n",
       {2, 3}},
      // '=' (native, little-endian here) and a bare type code
      {1,
       "{'descr': '=i4', 'fortran_order': False, 'shape': (1, 6), }",
       {1, 6}},
      {1, "{'descr': 'i4', 'fortran_order': False, 'shape': (6, 1), }", {6, 1}},
      // Fortran order of a 1-d array is C order
      {1, "{'descr': '<i4', 'fortran_order': True, 'shape': (6,), }", {6}},
  };
  TempDir dir;
  int ran = 0;
  for (const Case& c : cases) {
    CAPTURE(c.header);
    std::string path = dir.file("v.npy");
    testing::write_bytes(path, npy_bytes(c.major, c.header, data));
    Tensor tensor = read_npy(path);
    CHECK(tensor.dtype == DType::kI32);
    CHECK(tensor.shape == c.shape);
    CHECK(values_of<int32_t>(tensor) == values);
    ++ran;
  }
  CHECK(ran == 7);
}

TEST_CASE("read_npy converts Fortran order to C order") {
  // The 2x3 array [[1, 2, 3], [4, 5, 6]] stored column by column.
  const std::vector<int32_t> fortran = {1, 4, 2, 5, 3, 6};
  TempDir dir;
  std::string path = dir.file("f.npy");
  testing::write_bytes(
      path,
      npy_bytes(
          1, "{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }\n",
          std::string(reinterpret_cast<const char*>(fortran.data()), 24)));
  Tensor tensor = read_npy(path);
  CHECK(tensor.shape == std::vector<int64_t>{2, 3});
  CHECK(values_of<int32_t>(tensor) == std::vector<int32_t>{1, 2, 3, 4, 5, 6});
}

TEST_CASE("golden files written by NumPy") {
  // data/make_golden.py says how each file was made.
  std::vector<int32_t> i4_3d;
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 3; ++j) {
      for (int k = 0; k < 4; ++k) i4_3d.push_back(100 * i + 10 * j + k - 50);
    }
  }
  struct Case {
    const char* file;
    DType dtype;
    std::vector<int64_t> shape;
    std::function<void(const Tensor&)> check_values;
  };
  const Case cases[] = {
      {"c_f4_2x3.npy",
       DType::kF32,
       {2, 3},
       [](const Tensor& t) {
         CHECK(values_of<float>(t) ==
               std::vector<float>{-1.0f, -0.5f, 0.0f, 0.5f, 1.0f, 1.5f});
       }},
      {"fortran_f8_2x3.npy",
       DType::kF64,
       {2, 3},
       [](const Tensor& t) {
         CHECK(values_of<double>(t) == std::vector<double>{1, 2, 3, 4, 5, 6});
       }},
      {"fortran_i4_2x3x4.npy",
       DType::kI32,
       {2, 3, 4},
       [&](const Tensor& t) { CHECK(values_of<int32_t>(t) == i4_3d); }},
      {"f2_specials.npy",
       DType::kF16,
       {8},
       [](const Tensor& t) {
         // 0, 1, -2, 65504, 2^-14, 2^-24, inf, -0
         CHECK(values_of<uint16_t>(t) ==
               std::vector<uint16_t>{0x0000, 0x3c00, 0xc000, 0x7bff, 0x0400,
                                     0x0001, 0x7c00, 0x8000});
       }},
      {"u1_codes.npy",
       DType::kU8,
       {5},
       [](const Tensor& t) {
         CHECK(t.data == std::vector<uint8_t>{0, 1, 127, 128, 255});
       }},
      {"v2_i4_3.npy",
       DType::kI32,
       {3},
       [](const Tensor& t) {
         CHECK(
             values_of<int32_t>(t) ==
             std::vector<int32_t>{-7, 0, std::numeric_limits<int32_t>::max()});
       }},
      {"scalar_f8.npy",
       DType::kF64,
       {},
       [](const Tensor& t) {
         CHECK(values_of<double>(t) == std::vector<double>{3.25});
       }},
      {"empty_f4_0x3.npy",
       DType::kF32,
       {0, 3},
       [](const Tensor& t) { CHECK(t.data.empty()); }},
  };
  int ran = 0;
  for (const Case& c : cases) {
    CAPTURE(c.file);
    Tensor tensor = read_npy(data_file(c.file));
    CHECK(tensor.dtype == c.dtype);
    CHECK(tensor.shape == c.shape);
    c.check_values(tensor);
    ++ran;
  }
  CHECK(ran == 8);
  // The v2 file really has a version 2.0 header.
  CHECK(testing::read_bytes(data_file("v2_i4_3.npy"))[6] == 2);
}

TEST_CASE("write_npy replaces an existing file") {
  TempDir dir;
  std::string path = dir.file("r.npy");
  testing::write_bytes(path, "old contents");
  write_npy(path, make_tensor<float>(DType::kF32, {2}, {1.5f, 2.5f}));
  CHECK(values_of<float>(read_npy(path)) == std::vector<float>{1.5f, 2.5f});
  CHECK(dir.entries() == std::vector<std::string>{"r.npy"});
}

}  // namespace
}  // namespace gemmsim::io
