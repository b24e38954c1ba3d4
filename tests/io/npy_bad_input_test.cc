// read_npy on malformed files: each must fail as an input file error (exit
// 3) whose message names the file and says what was wrong, and none may
// allocate what a corrupt header claims.
#include <doctest/doctest.h>

#include <string>

#include "io/npy.h"
#include "io_test_util.h"
#include "npy_bytes.h"

namespace gemmsim::io {
namespace {

using testing::contains;
using testing::input_error_of;
using testing::npy_bytes;

// A valid header dict with `shape` and `descr` substituted.
std::string dict(std::string_view descr, std::string_view shape) {
  return "{'descr': '" + std::string(descr) +
         "', 'fortran_order': False, 'shape': " + std::string(shape) + ", }\n";
}

struct Case {
  const char* name;
  std::string bytes;
  const char* expected;  // a fragment of the message
};

void run_cases(const std::vector<Case>& cases, int* ran) {
  testing::TempDir dir;
  for (const Case& c : cases) {
    CAPTURE(std::string(c.name));
    std::string path = dir.file(std::string(c.name) + ".npy");
    testing::write_bytes(path, c.bytes);
    std::string message = input_error_of([&] { read_npy(path); });
    CAPTURE(message);
    CHECK(contains(message, path));
    CHECK(contains(message, c.expected));
    ++*ran;
  }
}

TEST_CASE("read_npy rejects a bad prefix") {
  std::string v4 = npy_bytes(1, dict("<f4", "(1,)"), "abcd");
  v4[6] = 4;
  std::string v1_1 = npy_bytes(1, dict("<f4", "(1,)"), "abcd");
  v1_1[7] = 1;
  const std::vector<Case> cases = {
      {"empty", "", "expected the .npy magic"},
      {"wrong_magic",
       npy_bytes(1, dict("<f4", "(1,)"), "abcd").replace(1, 5, "NUMPX"),
       "found \"\\x93NUMPX\""},
      {"text_file", "hello world, not numpy", "found \"hello \""},
      {"magic_only", "\x93NUMPY", "byte 6: expected a format version"},
      {"version_4", v4, "found 4.0"},
      {"version_1_1", v1_1, "found 1.1"},
      {"no_header_length", std::string("\x93NUMPY\x01\x00\x10", 9),
       "byte 8: expected the header length"},
      {"v2_short_length", std::string("\x93NUMPY\x02\x00\x10\x00\x00", 11),
       "byte 8: expected the header length"},
  };
  int ran = 0;
  run_cases(cases, &ran);
  CHECK(ran == 8);
}

TEST_CASE("read_npy rejects bad header lengths before allocating") {
  std::string truncated = npy_bytes(1, dict("<f4", "(1,)"));
  truncated.resize(30);
  // A real header one byte over the limit, padded with spaces as NumPy pads.
  std::string long_header = dict("<f4", "(1,)");
  long_header.insert(long_header.size() - 1,
                     kNpyMaxHeaderBytes + 1 - long_header.size(), ' ');
  // Length fields claiming 4 GiB, in a tiny file.
  std::string huge_length = npy_bytes(2, dict("<f4", "(1,)"), "abcd");
  huge_length.replace(8, 4, "\xff\xff\xff\xff");
  const std::vector<Case> cases = {
      {"truncated_header", truncated,
       "truncated header: expected 58 bytes, found 20"},
      {"header_over_limit", npy_bytes(2, long_header, "abcd"),
       "exceeds the limit of 65536 bytes"},
      {"header_length_4GiB", huge_length,
       "header length 4294967295 exceeds the limit"},
      {"v1_length_past_end",
       npy_bytes(1, dict("<f4", "(1,)")).substr(0, 10) + "{}",
       "truncated header"},
  };
  int ran = 0;
  run_cases(cases, &ran);
  CHECK(ran == 4);
}

TEST_CASE("read_npy rejects data that does not match the shape") {
  std::string many_dims = "(";
  for (int i = 0; i < 65; ++i) many_dims += "1, ";
  many_dims += ")";
  const std::vector<Case> cases = {
      {"truncated_data",
       npy_bytes(1, dict("<f4", "(3, 4)"), std::string(40, 'x')),
       "byte 70: truncated data: shape (3, 4) of '<f4' needs 48 bytes of data, "
       "the file has 40 after the header"},
      {"trailing_data",
       npy_bytes(1, dict("<f4", "(3, 4)"), std::string(52, 'x')),
       "trailing bytes"},
      {"scalar_without_data", npy_bytes(1, dict("<f8", "()")), "needs 8 bytes"},
      // 2^40 x 2^40 one-byte elements: 2^80 bytes overflow int64.
      {"2^80_bytes",
       npy_bytes(1, dict("|u1", "(1099511627776, 1099511627776)")),
       "needs 2^63 bytes or more"},
      // 2^40 float32s: representable, but not in this file.
      {"2^40_elements", npy_bytes(1, dict("<f4", "(1099511627776,)"), "abcd"),
       "needs 4398046511104 bytes"},
      {"dim_over_64_bits", npy_bytes(1, dict("<f4", "(99999999999999999999,)")),
       "dimension 99999999999999999999 does not fit in 64 bits"},
      {"2^63_bytes", npy_bytes(1, dict("<f2", "(4611686018427387904,)")),
       "needs 2^63 bytes or more"},
      {"negative_dim", npy_bytes(1, dict("<f4", "(2, -3)")),
       "key 'shape': expected non-negative dimensions, found -3"},
      {"too_many_dims", npy_bytes(1, dict("<f4", many_dims)),
       "at most 64 dimensions"},
  };
  int ran = 0;
  run_cases(cases, &ran);
  CHECK(ran == 9);
}

TEST_CASE("read_npy rejects unsupported dtypes") {
  const std::vector<Case> cases = {
      {"complex", npy_bytes(1, dict("<c8", "(1,)"), "12345678"), "found '<c8'"},
      {"bool", npy_bytes(1, dict("|b1", "(1,)"), "1"), "found '|b1'"},
      {"unicode", npy_bytes(1, dict("<U3", "(1,)"), "123456789012"),
       "found '<U3'"},
      {"empty_descr", npy_bytes(1, dict("", "(1,)"), "1"), "found ''"},
      {"big_endian", npy_bytes(1, dict(">f4", "(1,)"), "abcd"),
       "big-endian data ('>f4') is not supported"},
      {"big_endian_i8", npy_bytes(1, dict(">i8", "(1,)"), "abcdefgh"),
       "big-endian"},
      {"no_order_multibyte", npy_bytes(1, dict("|f4", "(1,)"), "abcd"),
       "expected '<f4'"},
      {"structured",
       npy_bytes(1,
                 "{'descr': [('a', '<f4')], 'fortran_order': False, "
                 "'shape': (1,), }"),
       "structured (record) dtypes are not supported"},
  };
  int ran = 0;
  run_cases(cases, &ran);
  CHECK(ran == 8);
}

TEST_CASE("read_npy rejects garbage dict syntax with the byte offset") {
  // Header text starts at byte 10 in version 1 files.
  const std::vector<Case> cases = {
      {"empty_header", npy_bytes(1, ""), "byte 10: expected '{' opening"},
      {"not_a_dict", npy_bytes(1, "descr: <f4"), "byte 10: expected '{'"},
      {"unquoted_key", npy_bytes(1, "{descr: '<f4'}"),
       "byte 11: expected a quoted key or '}', found 'd'"},
      {"missing_colon", npy_bytes(1, "{'descr' '<f4'}"),
       "byte 19: expected ':' after the key"},
      {"missing_comma", npy_bytes(1, "{'descr': '<f4' 'fortran_order': False}"),
       "expected ',' or '}' after a value"},
      {"unterminated_string", npy_bytes(1, "{'descr': '<f4}"),
       "expected closing '"},
      {"escape", npy_bytes(1, "{'descr': '<f\\x34'}"),
       "without escape sequences"},
      {"unknown_key", npy_bytes(1, "{'descr': '<f4', 'order': 'C'}"),
       "found unknown key 'order'"},
      {"duplicate_key", npy_bytes(1, "{'descr': '<f4', 'descr': '<f4'}"),
       "found 'descr' again"},
      {"missing_shape",
       npy_bytes(1, "{'descr': '<f4', 'fortran_order': False}"),
       "header: missing key 'shape'"},
      {"missing_descr", npy_bytes(1, "{'fortran_order': False, 'shape': ()}"),
       "missing key 'descr'"},
      {"bool_as_int",
       npy_bytes(1, "{'descr': '<f4', 'fortran_order': 0, 'shape': ()}"),
       "expected True or False"},
      {"bool_lowercase",
       npy_bytes(1, "{'descr': '<f4', 'fortran_order': false, 'shape': ()}"),
       "expected True or False"},
      {"shape_list",
       npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': [3]}"),
       "expected '(' opening the shape tuple"},
      {"shape_int_not_tuple",
       npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3)}"),
       "expected ',' after the only dimension, as in (3,)"},
      {"shape_float",
       npy_bytes(1,
                 "{'descr': '<f4', 'fortran_order': False, 'shape': (3.0,)}"),
       "expected ',' after the only dimension"},
      {"shape_empty_item",
       npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,,)}"),
       "expected a dimension"},
      {"shape_unclosed",
       npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4"),
       "expected ',' or ')' in the shape tuple, found the end of the header"},
      {"junk_after_dict", npy_bytes(1, dict("<f4", "(1,)") + "x", "abcd"),
       "expected only padding after the closing '}', found 'x'"},
      {"unclosed_dict", npy_bytes(1, "{'descr': '<f4',"),
       "expected a quoted key or '}', found the end of the header"},
      {"nul_byte", npy_bytes(1, std::string("{\0}", 3)), "found byte 0x00"},
  };
  int ran = 0;
  run_cases(cases, &ran);
  CHECK(ran == 21);
}

TEST_CASE("read_npy rejects paths that are not readable files") {
  testing::TempDir dir;
  int ran = 0;
  for (const auto& entry :
       {std::pair{dir.file("missing.npy"), "cannot open: No such file"},
        std::pair{dir.file(""), "expected a regular file"}}) {
    const std::string& path = entry.first;  // a lambda captures it below
    const char* expected = entry.second;
    CAPTURE(path);
    std::string message = input_error_of([&] { read_npy(path); });
    CHECK(contains(message, path));
    CHECK(contains(message, expected));
    ++ran;
  }
  CHECK(ran == 2);
}

}  // namespace
}  // namespace gemmsim::io
