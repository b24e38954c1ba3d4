#include "app/validate/validate_gemm.h"

#include "app/validate/bit_match.h"
#include "datapaths/error.h"
#include "datapaths/reference/exact_dot.h"

namespace gemmsim::app {

GemmValidation CompareBits(const PreparedGemm& g, const std::vector<double>& d,
                           const std::vector<double>& observed, int show) {
  if (d.size() != observed.size())
    throw Error(ExitCode::kInternal, "CompareBits: D and observed differ");
  const GemmShapes& s = g.shapes;
  GemmValidation v;
  v.elements = static_cast<int64_t>(d.size());
  for (size_t e = 0; e < d.size(); ++e) {
    if (SameOutputBits(d[e], observed[e])) {
      ++v.matches;
      continue;
    }
    if (static_cast<int>(v.shown.size()) >= show) continue;
    ShownMismatch m;
    const int64_t flat = static_cast<int64_t>(e);
    m.batch = flat / (s.m * s.n);
    m.i = flat / s.n % s.m;
    m.j = flat % s.n;
    m.observed = observed[e];
    m.model = d[e];
    const double* a = g.a.matrix(s.a_matrix[m.batch]) + m.i * s.k;
    const double* b = g.b.matrix(s.b_matrix[m.batch]) + m.j;
    m.exact = reference::ExactDotStrided(
        s.k, a, 1, b, s.n, g.c.empty() ? 0.0 : g.c[e], g.output_scale);
    v.shown.push_back(m);
  }
  return v;
}

GemmValidation ValidateGemm(const PreparedGemm& g,
                            const std::vector<double>& observed,
                            const Numerics& numerics, int show, int threads) {
  return CompareBits(g, EmulateGemm(g, numerics, threads), observed, show);
}

}  // namespace gemmsim::app
