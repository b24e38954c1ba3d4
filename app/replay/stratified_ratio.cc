#include "app/replay/stratified_ratio.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace gemmsim::app {

bool StratifiedRatio::exact() const {
  return std::all_of(strata_.begin(), strata_.end(),
                     [](const Stratum& s) { return s.complete(); });
}

long double StratifiedRatio::TotalX() const {
  long double total = 0;
  for (const Stratum& s : strata_)
    if (s.drawn > 0) total += s.sx * s.population / s.drawn;
  return total;
}

long double StratifiedRatio::Ratio() const {
  long double ty = 0, tx = 0;
  for (const Stratum& s : strata_) {
    if (s.drawn == 0) continue;
    const long double expand = static_cast<long double>(s.population) / s.drawn;
    ty += s.sy * expand, tx += s.sx * expand;
  }
  return tx == 0 ? 0 : ty / tx;
}

long double StratifiedRatio::Variance() const {
  const long double tx = TotalX();
  if (tx == 0) return 0;
  const long double r = Ratio();
  long double v = 0;
  for (const Stratum& s : strata_) {
    if (s.complete()) continue;
    if (s.drawn < 2) return std::numeric_limits<long double>::infinity();
    // Residuals z = y - R x: their sample variance within the stratum.
    const long double n = s.drawn, N = s.population;
    const long double sz = s.sy - r * s.sx;
    const long double szz = s.syy - 2 * r * s.sxy + r * r * s.sxx;
    const long double var_z =
        std::max<long double>(0, szz - sz * sz / n) / (n - 1);
    v += N * N * (1 - n / N) * var_z / n;
  }
  return v / (tx * tx);
}

double StratifiedRatio::EffectiveSize(double p) const {
  if (exact()) return std::numeric_limits<double>::infinity();
  const double var = static_cast<double>(Variance());
  if (var > 0 && p > 0 && p < 1) return p * (1 - p) / var;
  double n_eff = 0;
  for (const Stratum& s : strata_) {
    if (s.complete()) continue;
    const double n = s.drawn, N = s.population;
    n_eff += n * (N - 1) / (N - n);
  }
  return n_eff;
}

Bounds WilsonInterval(double p, double n_eff, double z) {
  if (!(n_eff > 0)) return {0, 1};
  if (std::isinf(n_eff)) return {p, p};
  const double z2n = z * z / n_eff;
  const double center = (p + z2n / 2) / (1 + z2n);
  const double half =
      z / (1 + z2n) * std::sqrt(p * (1 - p) / n_eff + z2n / (4 * n_eff));
  return {std::clamp(center - half, 0.0, p), std::clamp(center + half, p, 1.0)};
}

}  // namespace gemmsim::app
