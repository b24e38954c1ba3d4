#include "datapaths/reference/error_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "datapaths/error.h"

namespace gemmsim::reference {

double UlpAt(const Format& f, double x) {
  if (!f.is_float()) return 1.0;
  const int m = f.layout().mantissa_bits;
  const double a = std::fabs(x);
  const int exponent =
      (a == 0 || !std::isfinite(a)) ? f.min_normal_exponent() : std::ilogb(a);
  return std::ldexp(1.0, std::max(exponent, f.min_normal_exponent()) - m);
}

bool UnboundedError(double computed, double exact) {
  if (std::isfinite(computed) && std::isfinite(exact)) return false;
  return !(computed == exact || (std::isnan(computed) && std::isnan(exact)));
}

ErrorMetrics CompareToExact(std::span<const double> computed,
                            std::span<const double> exact,
                            const Format& output_format) {
  if (computed.size() != exact.size())
    throw Error(ExitCode::kInternal, "CompareToExact: sizes differ");
  ErrorMetrics m;
  // Sums of squares with a running scale, so that neither overflows nor
  // underflows (the LAPACK dnrm2 way).
  double err_scale = 0, err_ssq = 1, ref_scale = 0, ref_ssq = 1, ulp_sum = 0;
  auto accumulate = [](double v, double& scale, double& ssq) {
    const double a = std::fabs(v);
    if (a == 0) return;
    if (scale < a) {
      ssq = 1 + ssq * (scale / a) * (scale / a);
      scale = a;
    } else {
      ssq += (a / scale) * (a / scale);
    }
  };
  for (size_t i = 0; i < computed.size(); ++i) {
    const double d = computed[i], e = exact[i];
    ++m.count;
    if (std::isnan(d)) ++m.nan_count;
    if (std::isinf(d)) ++m.inf_count;
    if (d == e || (std::isnan(d) && std::isnan(e))) ++m.exact_matches;
    if (!std::isfinite(d) || !std::isfinite(e)) {
      m.unbounded += UnboundedError(d, e);
      continue;
    }
    ++m.measured;
    const double abs_error = std::fabs(d - e);
    m.max_abs_error = std::max(m.max_abs_error, abs_error);
    if (e != 0)
      m.max_rel_error = std::max(m.max_rel_error, abs_error / std::fabs(e));
    ulp_sum += abs_error / UlpAt(output_format, e);
    accumulate(d - e, err_scale, err_ssq);
    accumulate(e, ref_scale, ref_ssq);
  }
  if (m.measured) m.mean_ulp_error = ulp_sum / static_cast<double>(m.measured);
  if (ref_scale > 0)
    m.rel_fro_error =
        (err_scale * std::sqrt(err_ssq)) / (ref_scale * std::sqrt(ref_ssq));
  if (m.unbounded) {
    constexpr double kInf = std::numeric_limits<double>::infinity();
    m.max_abs_error = m.max_rel_error = m.rel_fro_error = m.mean_ulp_error =
        kInf;
  }
  return m;
}

}  // namespace gemmsim::reference
