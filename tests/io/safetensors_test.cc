// .safetensors round trips, a file laid out by hand as upstream writes it,
// and malformed files, each of which must fail as an input file error
// naming the file.
#include "io/safetensors.h"

#include <doctest/doctest.h>

#include <string>

#include "io/safetensors_index.h"
#include "io_test_util.h"

namespace gemmsim::io {
namespace {

using testing::contains;
using testing::input_error_of;
using testing::TempDir;
using testing::values_of;

// The 8-byte little-endian length, `header`, then `data`.
std::string safetensors_bytes(std::string_view header,
                              std::string_view data = "") {
  std::string bytes;
  for (int i = 0; i < 8; ++i) {
    bytes += static_cast<char>(uint64_t{header.size()} >> (8 * i) & 0xff);
  }
  return bytes + std::string(header) + std::string(data);
}

TEST_CASE("write_safetensors then read back every dtype") {
  const std::vector<std::vector<int64_t>> shapes = {
      {}, {3}, {0}, {2, 0}, {2, 3, 2}};
  std::map<std::string, Tensor> tensors;
  int made = 0;
  for (DType dtype : kAllDTypes) {
    for (const auto& shape : shapes) {
      Tensor t{dtype, shape, {}};
      t.data = testing::pattern_bytes(
          static_cast<size_t>(t.numel() * dtype_size(dtype)), made);
      tensors[std::string(safetensors_dtype_name(dtype)) + "." +
              std::to_string(made++)] = t;
    }
  }
  CHECK(made == 85);
  TempDir dir;
  std::string path = dir.file("all.safetensors");
  write_safetensors(path, tensors, {{"format", "pt"}, {"note", "test"}});
  CHECK(dir.entries() == std::vector<std::string>{"all.safetensors"});

  std::vector<std::string> names = safetensors_names(path);
  CHECK(names.size() == 85);
  CHECK(std::is_sorted(names.begin(), names.end()));
  CHECK(safetensors_metadata(path) ==
        std::map<std::string, std::string>{{"format", "pt"}, {"note", "test"}});

  int ran = 0;
  std::map<std::string, Tensor> all = read_safetensors_all(path);
  CHECK(all.size() == tensors.size());
  // Not a structured binding: CAPTURE's lambda cannot capture one before
  // clang 16, and the sanitizer build uses clang.
  for (const auto& entry : tensors) {
    const std::string& name = entry.first;
    const Tensor& tensor = entry.second;
    CAPTURE(name);
    Tensor one = read_safetensors(path, name);
    CHECK(one.dtype == tensor.dtype);
    CHECK(one.shape == tensor.shape);
    CHECK(one.data == tensor.data);
    CHECK(all.at(name).data == tensor.data);
    ++ran;
  }
  CHECK(ran == 85);

  // Upstream layout: header padded to 8 bytes, each tensor aligned to its
  // element size within the buffer.
  InputFile file(path);
  SafetensorsIndex index = read_safetensors_index(file);
  CHECK(index.buffer_start % 8 == 0);
  for (const auto& [name, entry] : index.tensors) {
    CHECK(entry.begin % dtype_size(entry.dtype) == 0);
  }
}

TEST_CASE("read_safetensors reads a file laid out by hand") {
  // As upstream's Python writer lays it out: bf16 [1.0, -2.0] and e4m3fn
  // codes, header padded with spaces.
  std::string header =
      R"({"__metadata__":{"format":"pt"},)"
      R"("w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]},)"
      R"("q":{"dtype":"F8_E4M3","shape":[1,3],"data_offsets":[4,7]},)"
      R"("s":{"dtype":"F8_E8M0","shape":[],"data_offsets":[7,8]}})";
  header.append((8 - header.size() % 8) % 8, ' ');
  TempDir dir;
  std::string path = dir.file("hand.safetensors");
  testing::write_bytes(
      path, safetensors_bytes(
                header, std::string("\x80\x3f\x00\xc0\x38\x40\x7e\x7f", 8)));
  CHECK(safetensors_names(path) == std::vector<std::string>{"q", "s", "w"});
  Tensor w = read_safetensors(path, "w");
  CHECK(w.dtype == DType::kBF16);
  CHECK(values_of<uint16_t>(w) == std::vector<uint16_t>{0x3f80, 0xc000});
  Tensor q = read_safetensors(path, "q");
  CHECK(q.dtype == DType::kF8E4M3FN);
  CHECK(q.shape == std::vector<int64_t>{1, 3});
  CHECK(q.data == std::vector<uint8_t>{0x38, 0x40, 0x7e});
  Tensor s = read_safetensors(path, "s");
  CHECK(s.dtype == DType::kF8E8M0FNU);
  CHECK(s.shape.empty());
  CHECK(s.data == std::vector<uint8_t>{0x7f});
}

TEST_CASE("safetensors dtype names map both ways") {
  int ran = 0;
  for (DType dtype : kAllDTypes) {
    CHECK(dtype_from_safetensors_name(safetensors_dtype_name(dtype)) == dtype);
    ++ran;
  }
  CHECK(ran == 17);
  CHECK(dtype_from_safetensors_name("F8_E4M3FN") == std::nullopt);
  CHECK(dtype_from_safetensors_name("BOOL") == std::nullopt);
}

struct BadCase {
  const char* name;
  std::string bytes;
  const char* expected;
};

// One tensor entry with the given dtype, shape and offsets.
std::string entry(std::string_view dtype, std::string_view shape,
                  std::string_view offsets) {
  return R"({"t":{"dtype":")" + std::string(dtype) + R"(","shape":)" +
         std::string(shape) + R"(,"data_offsets":)" + std::string(offsets) +
         "}}";
}

TEST_CASE("read_safetensors rejects malformed files") {
  std::string huge_n(8, '\0');
  huge_n[3] = 0x10;  // 0x10000000 = 268435456 > 100 MB
  std::string n_past_end = safetensors_bytes("{}");
  n_past_end[0] = 100;
  std::string n_2p63(8, '\xff');
  const std::vector<BadCase> cases = {
      {"empty", "", "byte 0: expected an 8-byte header size, found a 0-byte"},
      {"short", "1234567", "found a 7-byte file"},
      {"n_past_end", n_past_end,
       "header size 100 exceeds the 2 bytes that follow it"},
      {"n_over_100MB", huge_n + "{}",
       "header size 268435456 exceeds the limit of 100000000 bytes"},
      {"n_2^64", n_2p63 + "{}", "exceeds the limit"},
      {"bad_json", safetensors_bytes(R"({"t": {"dtype": F32}})"),
       "byte 24: expected a JSON header: parse error at line 1, column 17"},
      {"empty_json", safetensors_bytes(""), "expected a JSON header"},
      {"json_array", safetensors_bytes("[1, 2]"),
       "header: expected a JSON object, found array"},
      {"entry_not_object", safetensors_bytes(R"({"t": 3})"),
       "tensor 't': expected an object, found 3"},
      {"missing_dtype",
       safetensors_bytes(R"({"t":{"shape":[],"data_offsets":[0,4]}})", "abcd"),
       "tensor 't': missing key 'dtype'"},
      {"missing_offsets",
       safetensors_bytes(R"({"t":{"dtype":"U8","shape":[]}})"),
       "missing key 'data_offsets'"},
      {"unknown_dtype", safetensors_bytes(entry("F4", "[2]", "[0,1]"), "a"),
       "tensor 't' key 'dtype': expected one of F16"},
      {"bool_dtype", safetensors_bytes(entry("BOOL", "[1]", "[0,1]"), "a"),
       "found \"BOOL\""},
      {"dtype_not_string",
       safetensors_bytes(
           R"({"t":{"dtype":32,"shape":[1],"data_offsets":[0,1]}})", "a"),
       "key 'dtype': expected one of F16 BF16 F32 F64 U8 U16 U32 U64 I8 I16 "
       "I32 I64 "
       "F8_E4M3 F8_E5M2 F8_E4M3FNUZ F8_E5M2FNUZ F8_E8M0, found 32"},
      {"negative_dim", safetensors_bytes(entry("U8", "[-1]", "[0,0]")),
       "tensor 't' key 'shape': expected non-negative integers below 2^63, "
       "found -1"},
      {"float_dim", safetensors_bytes(entry("U8", "[2.0]", "[0,2]"), "ab"),
       "found 2.0"},
      {"shape_not_array", safetensors_bytes(entry("U8", "2", "[0,2]"), "ab"),
       "expected an array of integers, found 2"},
      {"dim_2^64",
       safetensors_bytes(entry("U8", "[18446744073709551616]", "[0,2]")),
       "key 'shape'"},
      {"overflow_shape",
       safetensors_bytes(entry("U8", "[1099511627776,1099511627776]", "[0,0]")),
       "needs 2^63 bytes or more"},
      {"offsets_out_of_range",
       safetensors_bytes(entry("F32", "[2]", "[0,8]"), "abcd"),
       "key 'data_offsets': expected 0 <= begin <= end <= 4 (the size of the "
       "data buffer), found [0, 8]"},
      {"offsets_reversed",
       safetensors_bytes(entry("U8", "[0]", "[3,2]"), "abcd"), "found [3, 2]"},
      {"offsets_three", safetensors_bytes(entry("U8", "[1]", "[0,1,2]"), "ab"),
       "expected [begin, end]"},
      {"offsets_negative",
       safetensors_bytes(entry("U8", "[1]", "[-1,0]"), "ab"), "found -1"},
      {"size_mismatch",
       safetensors_bytes(entry("F32", "[2]", "[0,6]"), "abcdefgh"),
       "shape [2] of \"F32\" needs 8 bytes, data_offsets [0, 6] cover 6"},
      {"2^40_elements",
       safetensors_bytes(entry("F32", "[1099511627776]", "[0,4]"), "abcd"),
       "needs 4398046511104 bytes"},
      {"metadata_not_object", safetensors_bytes(R"({"__metadata__": []})"),
       "key '__metadata__': expected an object of strings"},
      {"metadata_value_number",
       safetensors_bytes(R"({"__metadata__": {"a": 1}})"),
       "key '__metadata__.a': expected a string, found number"},
  };
  TempDir dir;
  int ran = 0;
  for (const BadCase& c : cases) {
    CAPTURE(std::string(c.name));
    std::string path = dir.file(std::string(c.name) + ".safetensors");
    testing::write_bytes(path, c.bytes);
    // Every reader validates the whole header.
    for (int reader = 0; reader < 3; ++reader) {
      std::string message = input_error_of([&] {
        if (reader == 0) read_safetensors(path, "t");
        if (reader == 1) safetensors_names(path);
        if (reader == 2) read_safetensors_all(path);
      });
      CAPTURE(message);
      CHECK(contains(message, path));
      CHECK(contains(message, c.expected));
    }
    ++ran;
  }
  CHECK(ran == 27);
}

TEST_CASE("read_safetensors names a missing tensor and lists a few") {
  TempDir dir;
  struct Case {
    int count;  // tensors in the file
    const char* expected;
  };
  const Case cases[] = {
      {0, "tensor 'nope': no such tensor; the file holds no tensors"},
      {2, "no such tensor; the file holds 't0', 't1'"},
      {12, "the file holds 't0', 't1', 't10', 't11', 't2', ... (12 in all)"},
  };
  int ran = 0;
  for (const Case& c : cases) {
    std::map<std::string, Tensor> tensors;
    for (int i = 0; i < c.count; ++i) {
      tensors["t" + std::to_string(i)] = Tensor{DType::kU8, {1}, {7}};
    }
    std::string path = dir.file("names.safetensors");
    write_safetensors(path, tensors);
    std::string message =
        input_error_of([&] { read_safetensors(path, "nope"); });
    CAPTURE(message);
    CHECK(contains(message, path));
    CHECK(contains(message, c.expected));
    ++ran;
  }
  CHECK(ran == 3);
}

}  // namespace
}  // namespace gemmsim::io
