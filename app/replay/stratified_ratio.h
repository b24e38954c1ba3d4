// Estimates of a population ratio R = sum(y) / sum(x) from elements drawn
// uniformly without replacement within strata (one stratum per GEMM), with
// 95% confidence intervals by the delta method and the finite-population
// correction (Cochran, "Sampling Techniques", 6.2 and 6.11). A stratum whose
// sample is its whole population adds no variance, so a run that evaluated
// every element gets the exact ratio with a zero-width interval.
//
// Every --sample statistic is such a ratio: rel_fro_error^2 (y = e^2,
// x = exact^2), mean_ulp_error (y = ulps, x = 1 when measured) and match
// fractions (y = match, x = 1).
#pragma once

#include <cstdint>
#include <vector>

namespace gemmsim::app {

// The standard normal quantile of a two-sided 95% interval.
inline constexpr double kZ95 = 1.959963984540054;

struct Stratum {
  int64_t population = 0;  // N: elements of the stratum
  int64_t drawn = 0;       // n: elements sampled (all of them when n == N)
  // Sums over the drawn elements (long double: squares of fp64 values).
  long double sy = 0, sx = 0, syy = 0, sxy = 0, sxx = 0;
  void Add(long double y, long double x) {
    ++drawn;
    sy += y, sx += x, syy += y * y, sxy += x * y, sxx += x * x;
  }
  bool complete() const { return drawn >= population; }
};

class StratifiedRatio {
 public:
  void AddStratum(const Stratum& s) {
    if (s.population > 0) strata_.push_back(s);
  }
  bool empty() const { return strata_.empty(); }
  // True when every stratum was evaluated in full: Ratio() is exact.
  bool exact() const;
  // Estimated sum(x) over the populations (0: the ratio is undefined).
  long double TotalX() const;
  long double Ratio() const;  // 0 when TotalX() is 0
  // Variance of Ratio() (delta method, finite-population corrected).
  long double Variance() const;
  // The sample size a simple random sample of the same precision would
  // need for a proportion p (Wilson intervals for match fractions); where
  // the sample shows no variance, the drawn elements inflated by the
  // finite-population correction.
  double EffectiveSize(double p) const;

 private:
  std::vector<Stratum> strata_;
};

struct Bounds {
  double low = 0, high = 0;
};

// Wilson score interval of a proportion p from n_eff trials at z.
Bounds WilsonInterval(double p, double n_eff, double z = kZ95);

}  // namespace gemmsim::app
