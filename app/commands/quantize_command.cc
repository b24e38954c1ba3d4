// gemmsim quantize / dequantize (SPEC.md "Command line"): float arrays to
// codes of a format and back. Outputs are written atomically (io/npy.h).
#include <fmt/format.h>

#include <cmath>

#include "app/commands/commands.h"
#include "app/commands/options.h"
#include "app/commands/output_paths.h"
#include "app/quantize_tensor.h"
#include "app/tensor_values.h"
#include "datapaths/error.h"
#include "io/npy.h"

namespace gemmsim::app {
namespace {

struct QuantizeArgs {
  std::string format, rounding = "rne", overflow = "ieee", in, out;
  int stochastic_bits = 32;
  uint64_t seed = 0;
};

void Quantize(const QuantizeArgs& args) {
  const Format f = ParseFormatOption(args.format);
  EncodeOptions o;
  o.rounding = ParseRoundingOption(args.rounding, args.stochastic_bits);
  o.overflow = ParseOverflowOption(args.overflow);
  CheckOutputPaths({{"OUT", args.out, ".npy"}});
  const io::Tensor in = io::read_npy(args.in);
  const io::Tensor code_tensor = QuantizeTensor(f, in, args.in, o, args.seed);
  io::write_npy(args.out, code_tensor);
  const std::vector<uint64_t> codes = Codes(code_tensor, f, args.out);

  // What happened to the values, for the user: stdout carries results.
  const std::vector<double> x = FloatValues(in, args.in);
  int64_t exact = 0, nan_in = 0, overflowed = 0, flushed = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double y = Decode(f, codes[i]);
    if (std::isnan(x[i])) {
      ++nan_in;
    } else if (y == x[i]) {
      ++exact;
    } else if (std::isfinite(x[i]) && std::fabs(x[i]) > f.max_finite()) {
      ++overflowed;
    } else if (x[i] != 0 && y == 0) {
      ++flushed;
    }
  }
  fmt::print(
      "{}: {} values -> {} codes ({}; rounding {}, overflow {}): {} exact, {} "
      "beyond max finite ({}), {} rounded to zero, {} NaN inputs\n",
      args.out, x.size(), f.name(), io::dtype_name(CodeTensor(f, {}, {}).dtype),
      RoundingName(o.rounding.mode), OverflowName(o.overflow), exact,
      overflowed, f.max_finite(), flushed, nan_in);
}

void Dequantize(const std::string& format, const std::string& in_path,
                const std::string& out_path) {
  const Format f = ParseFormatOption(format);
  CheckOutputPaths({{"OUT", out_path, ".npy"}});
  const io::Tensor in = io::read_npy(in_path);
  const io::Tensor values = DequantizeTensor(f, in, in_path);
  io::write_npy(out_path, values);
  fmt::print("{}: {} {} codes -> {}\n", out_path, values.numel(), f.name(),
             values.dtype == io::DType::kF32
                 ? "float32"
                 : "float64 (the values do not all fit float32)");
}

}  // namespace

void AddQuantizeCommands(CLI::App& app) {
  auto q = std::make_shared<QuantizeArgs>();
  CLI::App* quantize = app.add_subcommand(
      "quantize",
      "Round a float array (.npy f2/f4/f8) to codes of a format: u1 for "
      "formats of <= 8 bits, u2 <= 16, u4 <= 32, else u8");
  quantize
      ->add_option("--format", q->format,
                   "Target format (see `gemmsim formats`)")
      ->required();
  quantize
      ->add_option("--rounding", q->rounding,
                   "rne, rna, rtz, rup, rdown, rto or stochastic")
      ->capture_default_str();
  quantize
      ->add_option("--stochastic-bits", q->stochastic_bits,
                   "Random bits compared with the discarded bits (1..32)")
      ->capture_default_str();
  quantize
      ->add_option("--overflow", q->overflow,
                   "ieee (IEEE 754; Inf, else NaN, else max finite), saturate, "
                   "or infinity (Inf even when rounding toward zero)")
      ->capture_default_str();
  quantize->add_option("--seed", q->seed, "Seed of stochastic rounding")
      ->capture_default_str();
  quantize->add_option("IN", q->in, "Input .npy of floats")->required();
  quantize->add_option("OUT", q->out, "Output .npy of codes")->required();
  quantize->callback([q] { Quantize(*q); });

  auto d = std::make_shared<QuantizeArgs>();
  CLI::App* dequantize = app.add_subcommand(
      "dequantize",
      "Decode an array of codes (.npy u1/u2/u4/u8) to float32 (float64 when "
      "the format's values do not all fit float32)");
  dequantize->add_option("--format", d->format, "Format of the codes")
      ->required();
  dequantize->add_option("IN", d->in, "Input .npy of codes")->required();
  dequantize->add_option("OUT", d->out, "Output .npy of values")->required();
  dequantize->callback([d] { Dequantize(d->format, d->in, d->out); });
}

}  // namespace gemmsim::app
