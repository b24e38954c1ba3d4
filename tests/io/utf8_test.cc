// FirstInvalidUtf8 against a slow, obviously correct reference: the set of
// the canonical encodings of all 1,112,064 Unicode scalar values. UTF-8 is
// prefix-free, so a text is valid exactly when it splits greedily into
// members of that set.
#include "io/utf8.h"

#include <doctest/doctest.h>

#include <array>
#include <string>
#include <unordered_set>

namespace gemmsim::io {
namespace {

// The RFC 3629 encoding of a code point, written out by ranges.
std::string Encode(uint32_t c) {
  std::string s;
  if (c < 0x80) {
    s += static_cast<char>(c);
  } else if (c < 0x800) {
    s += static_cast<char>(0xC0 | (c >> 6));
    s += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    s += static_cast<char>(0xE0 | (c >> 12));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (c >> 18));
    s += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (c & 0x3F));
  }
  return s;
}

bool IsScalarValue(uint32_t c) {
  return c <= 0x10FFFF && !(c >= 0xD800 && c <= 0xDFFF);
}

const std::unordered_set<std::string>& CanonicalEncodings() {
  static const auto* set = [] {
    auto* s = new std::unordered_set<std::string>;
    for (uint32_t c = 0; c <= 0x10FFFF; ++c)
      if (IsScalarValue(c)) s->insert(Encode(c));
    return s;
  }();
  return *set;
}

bool ReferenceValid(const std::string& text) {
  for (size_t i = 0; i < text.size();) {
    size_t n = 1;
    while (n <= 4 && !CanonicalEncodings().contains(text.substr(i, n))) ++n;
    if (n > 4) return false;
    i += n;
  }
  return true;
}

TEST_CASE("every scalar value's encoding is valid, every surrogate's is not") {
  // Disagreements are counted, not CHECKed one by one: a million doctest
  // assertions would dominate the sanitizer build's run time.
  int64_t valid = 0, surrogates = 0, wrong = 0;
  for (uint32_t c = 0; c <= 0x10FFFF; ++c) {
    const bool ok = !FirstInvalidUtf8(Encode(c)).has_value();
    if (ok != IsScalarValue(c) && ++wrong <= 5) FAIL_CHECK("U+", c);
    (IsScalarValue(c) ? valid : surrogates) += 1;
  }
  CHECK(wrong == 0);
  CHECK(valid == 1'112'064);
  CHECK(surrogates == 2'048);
  CHECK(CanonicalEncodings().size() == 1'112'064);
}

TEST_CASE("every 1- and 2-byte string agrees with the reference") {
  int64_t cases = 0, valid = 0;
  for (int a = 0; a < 256; ++a) {
    const std::string one(1, static_cast<char>(a));
    CHECK(FirstInvalidUtf8(one).has_value() != ReferenceValid(one));
    ++cases;
    for (int b = 0; b < 256; ++b) {
      const std::string two = one + static_cast<char>(b);
      const bool ok = ReferenceValid(two);
      CHECK(FirstInvalidUtf8(two).has_value() != ok);
      valid += ok;
      ++cases;
    }
  }
  CHECK(cases == 256 + 65536);
  CHECK(valid == 128 * 128 + 1920);  // two ASCII bytes, or U+0080..U+07FF
}

TEST_CASE(
    "3- and 4-byte strings over boundary bytes agree with the reference") {
  // The bytes at the edges of every range the decoder distinguishes.
  constexpr std::array<unsigned char, 18> kBytes = {
      0x00, 0x0A, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF,
      0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED, 0xF0, 0xF4, 0xFF};
  int64_t cases = 0, valid = 0;
  for (unsigned char a : kBytes)
    for (unsigned char b : kBytes)
      for (unsigned char c : kBytes) {
        std::string three{static_cast<char>(a), static_cast<char>(b),
                          static_cast<char>(c)};
        const bool ok3 = ReferenceValid(three);
        CHECK(FirstInvalidUtf8(three).has_value() != ok3);
        valid += ok3;
        ++cases;
        for (unsigned char d : kBytes) {
          const std::string four = three + static_cast<char>(d);
          const bool ok4 = ReferenceValid(four);
          CHECK(FirstInvalidUtf8(four).has_value() != ok4);
          valid += ok4;
          ++cases;
        }
      }
  CHECK(cases == 18 * 18 * 18 + 18 * 18 * 18 * 18);
  CHECK(valid > 0);
}

TEST_CASE("the place counts lines and characters, from 1") {
  CHECK(!FirstInvalidUtf8("").has_value());
  CHECK(!FirstInvalidUtf8("a: \xC3\xA9\n\xE2\x82\xAC").has_value());
  const auto place = FirstInvalidUtf8("a: 1\nb: \xC3\xA9\xFFx");
  REQUIRE(place.has_value());
  CHECK(place->line == 2);
  CHECK(place->column == 5);  // 'b', ':', ' ', U+00E9, then the bad byte
  CHECK(place->ToString() == "line 2, column 5");
  const auto cut = FirstInvalidUtf8("ok\xE2\x82");  // truncated at the end
  REQUIRE(cut.has_value());
  CHECK(cut->column == 3);
}

TEST_CASE("ReportJson replaces invalid UTF-8 instead of throwing") {
  const nlohmann::json doc = {{"path", std::string("/tmp/\xFF.yaml")}};
  CHECK_THROWS(doc.dump());
  CHECK(ReportJson(doc) == "{\n  \"path\": \"/tmp/\xEF\xBF\xBD.yaml\"\n}");
}

}  // namespace
}  // namespace gemmsim::io
