#include "io/npy_header.h"

#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join

#include "datapaths/error.h"

namespace gemmsim::io {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

// A recursive-descent parser over the header text. pos_ only moves forward;
// every error names the byte it stopped at.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& path, int64_t offset)
      : text_(text), path_(path), offset_(offset) {}

  NpyHeader parse() {
    NpyHeader header;
    bool seen_descr = false, seen_order = false, seen_shape = false;
    skip_space();
    expect('{', "'{' opening the header dict");
    while (true) {
      skip_space();
      if (consume('}')) break;
      size_t key_pos = pos_;
      if (!at_quote()) fail("a quoted key or '}'");
      std::string key = parse_string();
      skip_space();
      expect(':', "':' after the key");
      skip_space();
      if (key == "descr") {
        mark_seen(&seen_descr, key, key_pos);
        if (peek() == '[') {
          fail_key("descr", "structured (record) dtypes are not supported");
        }
        if (!at_quote()) fail("a dtype string such as '<f4'");
        header.descr = parse_string();
      } else if (key == "fortran_order") {
        mark_seen(&seen_order, key, key_pos);
        header.fortran_order = parse_bool();
      } else if (key == "shape") {
        mark_seen(&seen_shape, key, key_pos);
        header.shape = parse_shape();
      } else {
        pos_ = key_pos;
        fail(
            fmt::format("'descr', 'fortran_order' or 'shape' (found unknown "
                        "key '{}')",
                        key));
      }
      skip_space();
      if (consume(',')) continue;
      expect('}', "',' or '}' after a value");
      break;
    }
    skip_space();
    if (pos_ != text_.size()) fail("only padding after the closing '}'");
    for (auto [seen, key] : {std::pair{seen_descr, "descr"},
                             {seen_order, "fortran_order"},
                             {seen_shape, "shape"}}) {
      if (!seen) {
        throw InputError(path_, "header", fmt::format("missing key '{}'", key));
      }
    }
    return header;
  }

 private:
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool at_quote() const { return peek() == '\'' || peek() == '"'; }

  void skip_space() {
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
  }

  bool consume(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  void expect(char c, std::string_view what) {
    if (!consume(c)) fail(what);
  }

  // What sits at pos_, for "expected X, found Y".
  std::string found() const {
    if (pos_ >= text_.size()) return "the end of the header";
    auto c = static_cast<unsigned char>(text_[pos_]);
    if (c >= 0x20 && c < 0x7f) return fmt::format("'{}'", static_cast<char>(c));
    return fmt::format("byte 0x{:02x}", c);
  }

  [[noreturn]] void fail(std::string_view expected) const {
    throw InputError(path_, fmt::format("byte {}", offset_ + int64_t(pos_)),
                     fmt::format("expected {}, found {}", expected, found()));
  }

  [[noreturn]] void fail_key(std::string_view key,
                             std::string_view message) const {
    throw InputError(path_, fmt::format("key '{}'", key), std::string(message));
  }

  void mark_seen(bool* seen, const std::string& key, size_t key_pos) {
    if (*seen) {
      pos_ = key_pos;
      fail(fmt::format("each key once (found '{}' again)", key));
    }
    *seen = true;
  }

  // A Python string literal without escapes: NumPy never writes any.
  std::string parse_string() {
    char quote = text_[pos_++];
    size_t begin = pos_;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      char c = text_[pos_];
      if (c == '\\') fail("a string without escape sequences");
      if (c == '\n' || c == '\r') fail(fmt::format("closing {}", quote));
      ++pos_;
    }
    if (pos_ >= text_.size()) fail(fmt::format("closing {}", quote));
    std::string value(text_.substr(begin, pos_ - begin));
    ++pos_;
    return value;
  }

  bool parse_bool() {
    size_t begin = pos_;
    while (pos_ < text_.size() && is_letter(text_[pos_])) ++pos_;
    std::string_view word = text_.substr(begin, pos_ - begin);
    if (word == "True") return true;
    if (word == "False") return false;
    pos_ = begin;
    fail("True or False");
  }

  std::vector<int64_t> parse_shape() {
    std::vector<int64_t> shape;
    expect('(', "'(' opening the shape tuple");
    skip_space();
    if (consume(')')) return shape;  // (): a 0-d array
    while (true) {
      if (shape.size() == static_cast<size_t>(kNpyMaxDims)) {
        fail_key("shape",
                 fmt::format("expected at most {} dimensions", kNpyMaxDims));
      }
      shape.push_back(parse_dim());
      skip_space();
      if (consume(',')) {
        skip_space();
        if (consume(')')) return shape;  // (3,) or (3, 4,)
        continue;
      }
      // Python reads (3) as the int 3, not a tuple: require (3,).
      if (shape.size() == 1) fail("',' after the only dimension, as in (3,)");
      expect(')', "',' or ')' in the shape tuple");
      return shape;
    }
  }

  int64_t parse_dim() {
    size_t begin = pos_;
    bool negative = consume('-');
    if (!is_digit(peek())) fail("a dimension (a non-negative integer)");
    while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    std::string_view digits = text_.substr(begin, pos_ - begin);
    if (negative) {
      fail_key(
          "shape",
          fmt::format("expected non-negative dimensions, found {}", digits));
    }
    int64_t value = 0;
    for (char c : digits) {
      if (__builtin_mul_overflow(value, 10, &value) ||
          __builtin_add_overflow(value, c - '0', &value)) {
        fail_key("shape",
                 fmt::format("dimension {} does not fit in 64 bits", digits));
      }
    }
    return value;
  }

  std::string_view text_;
  const std::string& path_;
  int64_t offset_;
  size_t pos_ = 0;
};

}  // namespace

NpyHeader parse_npy_header(std::string_view text, const std::string& path,
                           int64_t offset) {
  return HeaderParser(text, path, offset).parse();
}

std::string format_shape(const std::vector<int64_t>& shape) {
  if (shape.size() == 1) return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

std::string format_npy_header(std::string_view descr, bool fortran_order,
                              const std::vector<int64_t>& shape) {
  return fmt::format("{{'descr': '{}', 'fortran_order': {}, 'shape': {}, }}",
                     descr, fortran_order ? "True" : "False",
                     format_shape(shape));
}

}  // namespace gemmsim::io
