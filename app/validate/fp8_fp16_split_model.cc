#include "app/validate/fp8_fp16_split_model.h"

#include "app/config/numerics_file.h"
#include "datapaths/arithmetic/dot_product.h"
#include "datapaths/formats/codec.h"

namespace gemmsim::app {

bool Fp8Fp16SplitModelApplies(const Numerics& base) {
  return base.a.format.is_float() && base.a.format.bits() == 8 &&
         base.b.format.is_float() && base.b.format.bits() == 8 &&
         base.output.format.name() == "fp16";
}

ExtraModel Fp8Fp16SplitModel() {
  const Numerics fma = LoadNumerics("h100-fp16-fp16");
  const Format fp16 = FormatByName("fp16");
  ExtraModel m;
  m.name = "fp8-fp16-split";
  m.description =
      "c to fp16; k mod 4 in {0,1} then {2,3} through the h100-fp16-fp16 "
      "block FMA from 0; + c with one rne into fp16";
  m.model = [fma, fp16](const DotElement& e) {
    std::vector<Factor> a1, b1, a2, b2;
    for (size_t k = 0; k < e.a.size(); ++k) {
      const bool first = k % 4 < 2;
      (first ? a1 : a2).push_back(e.a[k]);
      (first ? b1 : b2).push_back(e.b[k]);
    }
    const EncodeOptions rne;
    const double c = RoundTo(fp16, e.c, rne);
    const double g1 = DotProduct(a1, b1, 0.0, fma);
    const double g2 = DotProduct(a2, b2, g1, fma);
    // Two fp16 values: their sum is exact in double; one rounding.
    return RoundTo(fp16, (g2 + c) * e.output_scale, rne);
  };
  return m;
}

}  // namespace gemmsim::app
