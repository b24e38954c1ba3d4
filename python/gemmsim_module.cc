// gemmsim._gemmsim: the compiled half of the Python module (SPEC.md
// "Python"). Every function calls the same app-layer code as the command
// of the same name, so that results are the CLI's bits; python/gemmsim/
// __init__.py turns torch tensors, dicts of overrides and JSON into the
// documented Python API. The GIL is released while gemmsim computes, and
// every gemmsim::Error reaches Python as gemmsim.Error (a ValueError)
// carrying the CLI's message and exit code.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "app/commands/options.h"
#include "app/config/machine_file.h"
#include "app/config/numerics_file.h"
#include "app/estimate_report.h"
#include "app/formats_report.h"
#include "app/gemm_run.h"
#include "app/quantize_tensor.h"
#include "app/validate/validate_run.h"
#include "datapaths/error.h"
#include "python/array_tensor.h"
#include "python/numerics_cache.h"

namespace gemmsim::python {
namespace {
namespace py = pybind11;

using Clock = std::chrono::steady_clock;

app::OperandTensor Operand(const py::array& array, const std::string& name) {
  return {name, TensorFromArray(array, name)};
}

py::array Quantize(const py::array& x, const std::string& format,
                   const std::string& rounding, const std::string& overflow,
                   uint64_t seed, int stochastic_bits) {
  const Format f = app::ParseFormatOption(format);
  EncodeOptions o;
  o.rounding = app::ParseRoundingOption(rounding, stochastic_bits);
  o.overflow = app::ParseOverflowOption(overflow);
  const io::Tensor values = TensorFromArray(x, "x");
  io::Tensor codes;
  {
    py::gil_scoped_release release;
    codes = app::QuantizeTensor(f, values, "x", o, seed);
  }
  return ArrayFromTensor(std::move(codes));
}

py::array Dequantize(const py::array& codes, const std::string& format) {
  const Format f = app::ParseFormatOption(format);
  const io::Tensor c = TensorFromArray(codes, "codes");
  io::Tensor values;
  {
    py::gil_scoped_release release;
    values = app::DequantizeTensor(f, c, "codes");
  }
  return ArrayFromTensor(std::move(values));
}

// D, and with `report` the `gemm --json` document as text.
py::tuple Matmul(const py::array& a, const py::array& b,
                 const std::optional<py::array>& c,
                 const std::string& numerics_name,
                 const std::vector<std::string>& sets, int threads,
                 bool report) {
  const Clock::time_point start = Clock::now();
  if (threads < 0 || threads > 4096) {
    throw ConfigError("threads=" + std::to_string(threads) +
                      ": expected 1..4096, or 0 for every core");
  }
  const int resolved = app::ResolveThreadsOption(threads);
  const Numerics numerics = CachedNumerics(numerics_name, sets);
  const app::OperandTensor ta = Operand(a, "a"), tb = Operand(b, "b");
  std::optional<app::OperandTensor> tc;
  if (c) tc = Operand(*c, "c");
  std::optional<app::GemmRun> run;
  std::string json;
  {
    py::gil_scoped_release release;
    run.emplace(app::RunGemmOnTensors(ta, tb, tc ? &*tc : nullptr, numerics,
                                      resolved, report));
    if (report) {
      const double seconds =
          std::chrono::duration<double>(Clock::now() - start).count();
      json = app::GemmReportJson(*run, numerics, ta, tb, tc ? &*tc : nullptr,
                                 resolved, nullptr, seconds)
                 .dump();
    }
  }
  const std::string kernel = run->kernel;
  py::array d = ArrayFromTensor(std::move(run->d));
  return py::make_tuple(d, kernel,
                        report ? py::object(py::str(json)) : py::none());
}

// The `validate --json` document, the failure text (empty: every check
// passed) and what the command would have printed.
py::tuple Validate(const app::ValidateOptions& options) {
  std::string text;
  app::ValidateOutcome outcome;
  {
    py::gil_scoped_release release;
    outcome = app::RunValidation(
        options, [&text](const std::string& part) { text += part; });
    for (const auto& file : outcome.best_files) file->commit();
  }
  return py::make_tuple(outcome.report.dump(), outcome.failure, text);
}

// The `estimate --json` document of shapes (M, N, K[, batch]) of `dtype`,
// or of a trace file's GEMMs (a CSV's dtype is `dtype`).
std::string Estimate(const std::string& machine_name,
                     const std::vector<std::string>& sets,
                     const std::vector<std::vector<int64_t>>& shapes,
                     const std::string& dtype, const std::string& trace_path) {
  if (cost::CanonicalDtype(dtype).empty()) {
    throw ConfigError("dtype '" + dtype + "': expected one of " +
                      cost::DtypeChoices());
  }
  if (shapes.empty() == trace_path.empty())
    throw ConfigError("estimate: give either shapes or trace");
  const cost::Machine machine = app::LoadMachine(machine_name, sets);
  std::vector<cost::GemmShape> gemms;
  if (!trace_path.empty()) gemms = app::TraceShapes(trace_path, dtype);
  for (size_t i = 0; i < shapes.size(); ++i) {
    const std::vector<int64_t>& d = shapes[i];
    const bool ok =
        (d.size() == 3 || (d.size() == 4 && d[3] >= 1)) &&
        std::all_of(d.begin(), d.end(), [](int64_t v) { return v >= 0; });
    if (!ok) {
      throw ConfigError("shapes[" + std::to_string(i) +
                        "]: expected (M, N, K) or (M, N, K, batch) of "
                        "non-negative integers, batch >= 1");
    }
    cost::GemmShape s;
    s.m = d[0], s.n = d[1], s.k = d[2];
    if (d.size() == 4) s.batch = d[3];
    s.name = std::to_string(s.m) + "x" + std::to_string(s.n) + "x" +
             std::to_string(s.k) +
             (d.size() == 4 ? "x" + std::to_string(s.batch) : "");
    s.dtype = dtype;
    gemms.push_back(s);
  }
  const cost::TraceCost t = cost::EstimateTrace(machine, gemms);
  return app::EstimateReportJson(machine, gemms, t).dump();
}

}  // namespace
}  // namespace gemmsim::python

PYBIND11_MODULE(_gemmsim, m) {
  using namespace gemmsim;          // NOLINT: the module's one scope
  using namespace gemmsim::python;  // NOLINT
  namespace py = pybind11;
  m.doc() = "gemmsim's compiled core; use the gemmsim package";
  m.attr("__version__") = GEMMSIM_VERSION;

  // gemmsim.Error: a ValueError with the CLI's message and exit_code.
  static py::exception<Error> error_type(m, "Error", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      py::object type = py::reinterpret_borrow<py::object>(error_type.ptr());
      py::object instance = type(py::str(e.what()));
      instance.attr("exit_code") = static_cast<int>(e.code());
      PyErr_SetObject(error_type.ptr(), instance.ptr());
    }
  });

  m.def("formats_json", [] { return app::FormatsReportJson().dump(); });
  m.def("numerics_presets", &app::NumericsPresetNames);
  m.def("numerics_json",
        [](const std::string& name, const std::vector<std::string>& sets) {
          return app::NumericsToJson(CachedNumerics(name, sets)).dump();
        });
  m.def("quantize", &Quantize, py::arg("x"), py::arg("format"),
        py::arg("rounding"), py::arg("overflow"), py::arg("seed"),
        py::arg("stochastic_bits"));
  m.def("dequantize", &Dequantize, py::arg("codes"), py::arg("format"));
  m.def("validate",
        [](const std::string& trace, const std::string& numerics,
           const std::vector<std::string>& sets, bool search, int threads,
           int top, int64_t sample, int show, const std::string& write_best) {
          app::ValidateOptions o;
          o.trace = trace;
          o.numerics = numerics;
          o.sets = sets;
          o.search = search;
          o.threads = threads;
          o.top = top;
          o.sample = sample;
          o.show = show;
          o.write_best = write_best;
          return Validate(o);
        });
  m.def("estimate", &Estimate, py::arg("machine"), py::arg("sets"),
        py::arg("shapes"), py::arg("dtype"), py::arg("trace"));
  m.def("matmul", &Matmul, py::arg("a"), py::arg("b"), py::arg("c"),
        py::arg("numerics"), py::arg("sets"), py::arg("threads"),
        py::arg("report"));
}
