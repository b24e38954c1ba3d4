// ExactDot against hand-worked cases (where summing in double fails) and
// against an independent reference: the sum as a cpp_rational, rounded by
// comparing exact distances to neighbouring doubles.
#include "datapaths/reference/exact_dot.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <boost/multiprecision/cpp_int.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace gemmsim::reference {
namespace {

using Rational = boost::multiprecision::cpp_rational;
using BigInt = boost::multiprecision::cpp_int;

const double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::numeric_limits<double>::quiet_NaN();

double NaiveDot(const std::vector<double>& a, const std::vector<double>& b,
                double c) {
  double sum = c;
  for (size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
  return sum;
}

bool SameBits(double x, double y) {
  return std::memcmp(&x, &y, sizeof x) == 0 || (std::isnan(x) && std::isnan(y));
}

// For comparisons with the rational reference, which has no signed zero
// (the sign of zero is checked by hand above).
bool SameValue(double x, double y) {
  return SameBits(x, y) || (x == 0 && y == 0);
}

Rational ToRational(double x) {  // finite x, exactly
  int e = 0;
  const double f = std::frexp(x, &e);
  const Rational sig = static_cast<int64_t>(std::ldexp(f, 53));
  const int shift = e - 53;
  const BigInt power = BigInt(1) << std::abs(shift);
  return shift >= 0 ? sig * Rational(power) : sig / Rational(power);
}

// The double nearest r, ties to even, by definition: compare exact
// distances to the candidates around a first guess. 2^1024 stands for Inf
// (its "significand" is even, so a tie at the top goes to Inf, as in IEEE).
double RoundByDefinition(const Rational& r) {
  if (r == 0) return 0.0;
  const bool negative = r < 0;
  const Rational a = negative ? Rational(-r) : r;
  const Rational overflow = Rational(BigInt(1) << 1024);
  double guess = a.convert_to<double>();
  if (!std::isfinite(guess)) guess = std::numeric_limits<double>::max();
  double best = 0;
  Rational best_distance = -1;
  double x = guess;
  for (int step = 0; step < 3; ++step) x = std::nextafter(x, 0.0);
  for (int i = 0; i < 7; ++i, x = std::nextafter(x, kInf)) {
    const Rational v = std::isinf(x) ? overflow : ToRational(x);
    Rational distance = v - a;
    if (distance < 0) distance = -distance;
    uint64_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    const bool even = (bits & 1) == 0;
    if (best_distance < 0 || distance < best_distance ||
        (distance == best_distance && even)) {
      best = x;
      best_distance = distance;
    }
  }
  return negative ? -best : best;
}

double ReferenceDot(const std::vector<double>& a, const std::vector<double>& b,
                    double c, double scale = 1.0) {
  Rational sum = ToRational(c);
  for (size_t i = 0; i < a.size(); ++i)
    sum += ToRational(a[i]) * ToRational(b[i]);
  return RoundByDefinition(sum * ToRational(scale));
}

TEST_CASE("cancellation: 1e30 + 1 - 1e30 is 1, where double summation fails") {
  const std::vector<double> a = {1e30, 1, -1e30}, b = {1, 1, 1};
  CHECK(NaiveDot(a, b, 0) == 0);
  CHECK(ExactDot(a, b, 0) == 1);
  CHECK(ExactDot({{1}}, {{1e30}}, -1e30) == 0);  // c cancels a product
  CHECK(ExactDot({{1e30}}, {{1}}, 1) == 1e30);
}

TEST_CASE("one rounding: bits below a tie decide it") {
  const double tiny = std::ldexp(1.0, -53), tinier = std::ldexp(1.0, -106);
  // 1 + 2^-53 is a tie (to 1); the extra 2^-106 lifts it above.
  const std::vector<double> a = {1, tiny, tinier}, b = {1, 1, 1};
  CHECK(NaiveDot(a, b, 0) == 1);
  CHECK(ExactDot(a, b, 0) == 1 + std::ldexp(1.0, -52));
  // Wide windows (the big-integer path): 2^200 + 2^147 + 2^-100.
  const std::vector<double> w = {std::ldexp(1.0, 200), std::ldexp(1.0, 147),
                                 std::ldexp(1.0, -100)};
  CHECK(NaiveDot(w, b, 0) == std::ldexp(1.0, 200));
  CHECK(ExactDot(w, b, 0) == std::ldexp(1.0, 200) + std::ldexp(1.0, 148));
  // Products below double's range still count: 2^-1075 + 2^-1200 rounds up
  // to the smallest subnormal; 2^-1075 alone is a tie and goes to 0.
  const double p = std::ldexp(1.0, -537), q = std::ldexp(1.0, -538),
               r = std::ldexp(1.0, -600);
  CHECK(ExactDot({{p, r}}, {{q, r}}, 0) == std::ldexp(1.0, -1074));
  CHECK(ExactDot({{p}}, {{q}}, 0) == 0);
  // A sum beyond double's range rounds to Inf; a cancelled one does not.
  CHECK(ExactDot({{1e308, -1e308}}, {{10, 9}}, 0) == 1e308);
  CHECK(NaiveDot({1e308, -1e308}, {10, 9}, 0) != 1e308);
  CHECK(ExactDot({{1e308}}, {{10}}, 0) == kInf);
  CHECK(ExactDot({{-1e308}}, {{10}}, 0) == -kInf);
}

TEST_CASE("the scale multiplies the exact sum before the one rounding") {
  // (1 + 2^-52) * 3 = 3 + 1.5 ulp(3): a tie between 3 + 2^-51 (odd) and
  // 3 + 2^-50 (even); rounding the sum first would give 3 + 2^-51.
  const double one_plus = 1 + std::ldexp(1.0, -52);
  CHECK(ExactDot({{one_plus}}, {{1}}, 0, 3) == 3 + std::ldexp(1.0, -50));
  CHECK(ExactDot({{1}}, {{1}}, 1, 0.25) == 0.5);  // c is scaled too
  CHECK(SameBits(ExactDot({{1}}, {{2}}, 0, -0.0), -0.0));
}

TEST_CASE("NaN and Inf follow IEEE") {
  struct Case {
    std::vector<double> a, b;
    double c, want;
  };
  const std::vector<Case> cases = {
      {{kNaN}, {1}, 0, kNaN},           {{1}, {1}, kNaN, kNaN},
      {{0}, {kInf}, 0, kNaN},           {{kInf}, {-0.0}, 5, kNaN},
      {{kInf, 1}, {1, -kInf}, 0, kNaN}, {{kInf}, {1}, -kInf, kNaN},
      {{kInf}, {-2}, 1e308, -kInf},     {{1e308, kInf}, {1e308, 1}, 0, kInf},
      {{1}, {1}, kInf, kInf},           {{-kInf}, {-kInf}, 0, kInf},
  };
  int checked = 0;
  for (const Case& c : cases) {
    CAPTURE(checked);
    CHECK(SameBits(ExactDot(c.a, c.b, c.c), c.want));
    ++checked;
  }
  CHECK(checked == 10);
}

TEST_CASE("signed zeros: -0 only when every term is -0") {
  CHECK(SameBits(ExactDot({}, {}, -0.0), -0.0));
  CHECK(SameBits(ExactDot({{-0.0}}, {{1}}, -0.0), -0.0));
  CHECK(SameBits(ExactDot({{0.0}}, {{-1}}, -0.0), -0.0));
  CHECK(SameBits(ExactDot({{0.0}}, {{1}}, -0.0), 0.0));
  CHECK(SameBits(ExactDot({{1}}, {{-1}}, 1), 0.0));  // exact cancellation
  CHECK(SameBits(ExactDot({}, {}, 0.0), 0.0));
}

// Random finite doubles with exponents in [-spread, spread], a fifth of
// them zero.
std::vector<double> RandomValues(std::mt19937_64& rng, int count, int spread) {
  std::uniform_real_distribution<double> mantissa(-1, 1);
  std::uniform_int_distribution<int> exponent(-spread, std::min(spread, 1024)),
      pick(0, 4);
  std::vector<double> v(static_cast<size_t>(count));
  for (double& x : v) {
    x = pick(rng) == 0 ? 0.0 : std::ldexp(mantissa(rng), exponent(rng));
    const float narrow = static_cast<float>(x);  // a short significand
    if (pick(rng) == 1 && std::isfinite(narrow)) x = narrow;
  }
  return v;
}

TEST_CASE("random dot products equal the rational reference") {
  std::mt19937_64 rng(20240611);
  // Spreads: narrow (the 128-bit path), wide (big integers), subnormal and
  // overflowing ranges.
  const int spreads[] = {4, 40, 300, 1060};
  int checked = 0;
  for (const int spread : spreads) {
    for (int trial = 0; trial < 150; ++trial) {
      const int k = trial % 37;
      const std::vector<double> a = RandomValues(rng, k, spread);
      const std::vector<double> b = RandomValues(rng, k, spread);
      const double c = RandomValues(rng, 1, spread)[0];
      const double scale = trial % 3 == 0 ? 0.75 : trial % 3 == 1 ? 0.5 : 1;
      CAPTURE(spread);
      CAPTURE(trial);
      CHECK(SameValue(ExactDot(a, b, c, scale), ReferenceDot(a, b, c, scale)));
      ++checked;
    }
  }
  CHECK(checked == 600);
}

TEST_CASE("near-ties: sums built to sit at and around rounding midpoints") {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> exponent(-1070, 1000), offset(-3, 3);
  int checked = 0;
  for (int trial = 0; trial < 300; ++trial) {
    // x + half an ulp of x (+- a few tiny bits): exactly the hard cases.
    const int e = exponent(rng);
    const double x = std::ldexp(1.0 + (trial % 7) * std::ldexp(1.0, -52), e);
    const double half_ulp = std::ldexp(1.0, std::max(e - 53, -1074));
    const double nudge = std::ldexp(static_cast<double>(offset(rng)), -1074);
    const std::vector<double> a = {x, half_ulp, nudge}, b = {1, 1, 1};
    CAPTURE(trial);
    CHECK(SameValue(ExactDot(a, b, 0), ReferenceDot(a, b, 0)));
    ++checked;
  }
  CHECK(checked == 300);
}

TEST_CASE("ExactGemm is ExactDot per element, for any thread count") {
  std::mt19937_64 rng(99);
  const int m = 7, n = 5, k = 9;
  const std::vector<double> a = RandomValues(rng, m * k, 30);
  const std::vector<double> b = RandomValues(rng, k * n, 30);
  const std::vector<double> c = RandomValues(rng, m * n, 30);
  std::vector<double> d1(m * n), d3(m * n), no_c(m * n);
  ExactGemm(m, n, k, a.data(), b.data(), c.data(), d1.data(), 1, 0.5);
  ExactGemm(m, n, k, a.data(), b.data(), c.data(), d3.data(), 3, 0.5);
  ExactGemm(m, n, k, a.data(), b.data(), nullptr, no_c.data(), 4);
  int checked = 0;
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      std::vector<double> row(a.begin() + i * k, a.begin() + (i + 1) * k);
      std::vector<double> col(k);
      for (int kk = 0; kk < k; ++kk) col[kk] = b[kk * n + j];
      CHECK(
          SameValue(d1[i * n + j], ReferenceDot(row, col, c[i * n + j], 0.5)));
      CHECK(SameBits(d3[i * n + j], d1[i * n + j]));
      CHECK(SameBits(no_c[i * n + j], ExactDot(row, col, 0)));
      CHECK(SameBits(ExactDotStrided(k, a.data() + i * k, 1, b.data() + j, n,
                                     c[i * n + j], 0.5),
                     d1[i * n + j]));
      ++checked;
    }
  }
  CHECK(checked == m * n);
}

TEST_CASE("ExactGemm's fast paths equal ExactDot on every kind of input") {
  std::mt19937_64 rng(4242);
  // Narrow spreads take the whole-GEMM double path (every partial sum
  // exact in double) and the int64 path, wider ones int128 and big
  // integers; zero rows and columns, specials and cancelling sums take the
  // general path.
  const int m = 9, n = 6, k = 11;
  int checked = 0;
  for (const int spread : {2, 12, 30, 200}) {
    for (int trial = 0; trial < 6; ++trial) {
      std::vector<double> a = RandomValues(rng, m * k, spread);
      std::vector<double> b = RandomValues(rng, k * n, spread);
      std::vector<double> c = RandomValues(rng, m * n, spread);
      if (spread <= 12) {  // FP8-like (4 significant bits) or fp16-like
        const int bits = spread <= 2 ? 4 : 11;
        for (std::vector<double>* v : {&a, &b, &c}) {
          for (double& x : *v) {
            int e = 0;
            const double f = std::frexp(x, &e);
            x = std::ldexp(std::round(std::ldexp(f, bits)), e - bits);
          }
        }
      }
      for (int kk = 0; kk < k; ++kk) a[2 * k + kk] = trial % 2 ? -0.0 : 0.0;
      if (trial == 1) a[4 * k + 3] = kInf;
      if (trial == 2) b[5 * n + 1] = kNaN;
      if (trial == 3) c[7] = -kInf;
      if (trial == 4) {  // row 5 of A times column 0 of B cancels exactly
        for (int kk = 0; kk < k; ++kk) a[5 * k + kk] = b[kk * n] = 1;
        a[5 * k] = -static_cast<double>(k - 1);
        c[5 * n] = 0;
      }
      const double scale = trial == 5 ? -0.375 : 1;
      std::vector<double> d(m * n), chunked(m * n);
      ExactGemm(m, n, k, a.data(), b.data(), c.data(), d.data(), 2, scale);
      // Row ranges against B's columns prepared once: the same bits.
      const auto columns = PrepareExactColumns(b.data(), n, k);
      ExactGemm(4, a.data(), *columns, c.data(), chunked.data(), 1, scale);
      ExactGemm(m - 4, a.data() + 4 * k, *columns, c.data() + 4 * n,
                chunked.data() + 4 * n, 3, scale);
      for (int i = 0; i < m; ++i) {
        for (int j = 0; j < n; ++j) {
          CAPTURE(spread);
          CAPTURE(trial);
          CHECK(SameBits(d[i * n + j],
                         ExactDotStrided(k, a.data() + i * k, 1, b.data() + j,
                                         n, c[i * n + j], scale)));
          CHECK(SameBits(chunked[i * n + j], d[i * n + j]));
          ++checked;
        }
      }
    }
  }
  CHECK(checked == 4 * 6 * m * n);
}

}  // namespace
}  // namespace gemmsim::reference

namespace gemmsim::reference {
namespace {

// Sums at the edge of double's 53 bits: 2^s + 2^-22 + c needs s + 23 bits;
// wherever the whole-GEMM double path admits a GEMM, its sums are exact,
// and elsewhere the integer path decides: the reference either way.
TEST_CASE("ExactGemm at the edge of double's precision") {
  int checked = 0;
  for (int s = 20; s <= 34; ++s) {
    const double a[] = {std::ldexp(1.0, s), std::ldexp(1.0, -22), 3.0, 0.5};
    const double b[] = {1.0, 1.0, std::ldexp(1.0, -40), -1.0, 1.0, -1.0,
                        1.0, 1.0};  // 4 x 2
    const double c[] = {std::ldexp(1.0, -23), 0.0};
    double d[2];
    ExactGemm(1, 2, 4, a, b, c, d, 1);
    for (int j = 0; j < 2; ++j) {
      const std::vector<double> row(a, a + 4);
      const std::vector<double> col = {b[j], b[2 + j], b[4 + j], b[6 + j]};
      CHECK(SameValue(d[j], ReferenceDot(row, col, c[j])));
      ++checked;
    }
  }
  CHECK(checked == 30);
}

}  // namespace
}  // namespace gemmsim::reference
