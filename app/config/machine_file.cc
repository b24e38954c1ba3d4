#include "app/config/machine_file.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string_view>

#include "app/config/config_files.h"
#include "app/config/load_config.h"
#include "app/config/yaml_overrides.h"
#include "app/config/yaml_value.h"
#include "datapaths/error.h"

namespace gemmsim::app {
namespace {

constexpr const char* kKind = "machines";
constexpr int64_t kMaxInt = std::numeric_limits<int>::max();

// A positive finite number; YamlValue has integers only.
double Positive(const YamlValue& v) {
  const std::string text = v.Scalar("a positive number");
  double value = 0;
  const auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value) || value <= 0)
    v.Expected("a positive number");
  return value;
}

// "ROWSxCOLS", e.g. 256x256; nullopt for anything else.
std::optional<cost::Geometry> ParseGeometryText(std::string_view text) {
  const auto number = [](std::string_view s, int64_t* out) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    return ec == std::errc() && end == s.data() + s.size() && *out > 0 &&
           *out <= kMaxInt;
  };
  cost::Geometry g;
  const size_t x = text.find('x');
  if (x == std::string_view::npos || !number(text.substr(0, x), &g.rows) ||
      !number(text.substr(x + 1), &g.cols))
    return std::nullopt;
  return g;
}

constexpr const char* kGeometry = "a geometry ROWSxCOLS such as 256x256";

cost::Geometry ParseGeometry(const YamlValue& v) {
  const auto g = ParseGeometryText(v.Scalar(kGeometry));
  if (!g) v.Expected(kGeometry);
  return *g;
}

// YamlValue has no list access, so a bad element is reported at the list,
// with its index.
std::vector<cost::Geometry> ParseGeometryList(const YamlValue& v) {
  if (!v.node().IsSequence()) v.Expected("a list of ROWSxCOLS");
  std::vector<cost::Geometry> list;
  for (size_t i = 0; i < v.node().size(); ++i) {
    const YAML::Node item = v.node()[i];
    const auto g =
        item.IsScalar() ? ParseGeometryText(item.Scalar()) : std::nullopt;
    if (!g)
      v.Fail("element " + std::to_string(i + 1) + ": expected " + kGeometry);
    list.push_back(*g);
  }
  return list;
}

// The canonical dtypes (cost::CanonicalDtype) a machine file keys engines by.
const std::string kEngineDtypes =
    "bf16, fp16, fp8, fp6, fp4, tf32, fp32, fp64, int8 or int4";

std::string ParseDtypeKey(const YamlValue& map, const std::string& key) {
  const std::string canonical = cost::CanonicalDtype(key);
  if (canonical.empty() || canonical != key) {
    map.Require(key).Fail("unknown dtype '" + key + "': expected " +
                          kEngineDtypes);
  }
  return canonical;
}

// engine.fallback: dtype -> the dtype whose engines run it, or `none`.
// Entries the file leaves out get cost::DefaultFallback; `none` removes
// one. A target must have engines itself, so fallbacks never chain.
void ParseFallback(const YamlValue& v, cost::Machine* m) {
  std::map<std::string, std::string> given;
  if (auto f = v.Get("fallback")) {
    if (!f->IsMap()) f->Expected("a mapping dtype: dtype (or none)");
    for (auto it = f->node().begin(); it != f->node().end(); ++it) {
      const std::string key = it->first.Scalar();
      const std::string from = ParseDtypeKey(*f, key);
      const YamlValue to = f->Require(key);
      const std::string text = to.Scalar("a dtype or none");
      if (text != "none" && cost::CanonicalDtype(text) != text) {
        to.Fail("unknown dtype '" + text + "': expected " + kEngineDtypes +
                " or none");
      }
      if (text == from) to.Fail("a dtype cannot fall back to itself");
      if (text != "none" && !m->dtypes.count(text))
        to.Fail(text + " has no engine count on this machine (engine.count)");
      given[from] = text;
    }
  }
  for (const char* d : {"bf16", "fp16", "fp8", "fp6", "fp4", "tf32", "fp32",
                        "fp64", "int8", "int4"}) {
    const std::string to = cost::DefaultFallback(*m, d);
    if (!to.empty()) m->fallback[d] = to;
  }
  for (const auto& [from, to] : given) {
    if (to == "none")
      m->fallback.erase(from);
    else
      m->fallback[from] = to;
  }
}

void ParseEngine(const YamlValue& v, cost::Machine* m) {
  v.CheckKeys(
      {"kind", "array", "alternative_geometries", "dataflow", "clock_ghz",
       "count", "macs_per_cycle", "fill_drain", "tile_overhead_cycles",
       "compute_efficiency", "split_k", "fallback"},
      "an engine mapping");
  if (auto kind = v.Get("kind")) m->engine_kind = kind->Scalar("a name");
  m->geometries = {ParseGeometry(v.Require("array"))};
  if (auto alt = v.Get("alternative_geometries")) {
    for (const cost::Geometry& g : ParseGeometryList(*alt))
      m->geometries.push_back(g);
  }
  m->dataflow =
      v.Require("dataflow").OneOf({"output_stationary", "weight_stationary"}) ==
              "output_stationary"
          ? cost::Dataflow::kOutputStationary
          : cost::Dataflow::kWeightStationary;
  m->clock_ghz = Positive(v.Require("clock_ghz"));
  const YamlValue count = v.Require("count");
  if (!count.IsMap()) count.Expected("a mapping dtype: engine count");
  // A machine without engines could run no GEMM: every estimate would fail
  // later, far from the file's mistake.
  if (count.node().size() == 0)
    count.Expected("at least one dtype: engine count, e.g. {bf16: 2}");
  for (auto it = count.node().begin(); it != count.node().end(); ++it) {
    const std::string key = it->first.Scalar();
    const std::string dtype = ParseDtypeKey(count, key);
    m->dtypes[dtype].count = count.Require(key).Int(1, kMaxInt);
  }
  if (auto macs = v.Get("macs_per_cycle")) {
    if (!macs->IsMap()) macs->Expected("a mapping dtype: MACs per cycle");
    for (auto it = macs->node().begin(); it != macs->node().end(); ++it) {
      const std::string key = it->first.Scalar();
      const std::string dtype = ParseDtypeKey(*macs, key);
      if (!m->dtypes.count(dtype))
        macs->Require(key).Fail("dtype " + key + " has no engine count");
      m->dtypes[dtype].macs_per_cycle = macs->Require(key).Int(1, kMaxInt);
    }
  }
  ParseFallback(v, m);
  if (auto fd = v.Get("fill_drain"))
    m->fill_drain_exposed = fd->OneOf({"exposed", "hidden"}) == "exposed";
  if (auto t = v.Get("tile_overhead_cycles"))
    m->tile_overhead_cycles = t->Int(0, kMaxInt);
  if (auto sk = v.Get("split_k")) {
    m->split_k = sk->Bool();
    if (m->split_k && m->dataflow != cost::Dataflow::kOutputStationary)
      sk->Expected("false: split-K needs an output_stationary dataflow");
  }
  if (auto e = v.Get("compute_efficiency")) {
    m->compute_efficiency = Positive(*e);
    if (m->compute_efficiency > 1) e->Expected("a fraction in (0, 1]");
  }
}

cost::Machine MachineFromYaml(const YamlValue& root) {
  root.CheckKeys({"name", "engine", "sram_mb", "memory", "overlap"},
                 "a machine mapping {name, engine, sram_mb, memory, overlap}");
  cost::Machine m;
  if (auto name = root.Get("name")) m.name = name->Scalar("a name");
  ParseEngine(root.Require("engine"), &m);
  m.sram_bytes = static_cast<int64_t>(Positive(root.Require("sram_mb")) * 1e6);
  const YamlValue memory = root.Require("memory");
  memory.CheckKeys({"bandwidth_gbs", "capacity_gb"},
                   "a memory mapping {bandwidth_gbs, capacity_gb}");
  m.memory_bandwidth_gbs = Positive(memory.Require("bandwidth_gbs"));
  if (auto cap = memory.Get("capacity_gb")) Positive(*cap);  // informative
  if (auto o = root.Get("overlap"))
    m.overlap = o->OneOf({"max", "sum"}) == "max" ? cost::Overlap::kMax
                                                  : cost::Overlap::kSum;
  return m;
}

}  // namespace

std::vector<std::string> MachinePresetNames() { return PresetNames(kKind); }

cost::Machine LoadMachine(const std::string& name_or_path,
                          const std::vector<std::string>& set_overrides) {
  return LoadConfig<cost::Machine>(
      kKind, name_or_path, set_overrides,
      "a machine mapping with engine, sram_mb and memory", MachineFromYaml);
}

nlohmann::json MachineToJson(const cost::Machine& m) {
  nlohmann::json geometries = nlohmann::json::array();
  for (const cost::Geometry& g : m.geometries)
    geometries.push_back(std::to_string(g.rows) + "x" + std::to_string(g.cols));
  nlohmann::json dtypes = nlohmann::json::object();
  for (const auto& [name, e] : m.dtypes) {
    dtypes[name] = {{"count", e.count},
                    {"macs_per_cycle", e.macs_per_cycle > 0
                                           ? e.macs_per_cycle
                                           : m.geometries.front().rows *
                                                 m.geometries.front().cols}};
  }
  return {{"name", m.name},
          {"engine",
           {{"kind", m.engine_kind},
            {"geometries", geometries},
            {"dataflow", cost::DataflowName(m.dataflow)},
            {"clock_ghz", m.clock_ghz},
            {"dtypes", dtypes},
            {"fallback", m.fallback},
            {"fill_drain", m.fill_drain_exposed ? "exposed" : "hidden"},
            {"tile_overhead_cycles", m.tile_overhead_cycles},
            {"split_k", m.split_k},
            {"compute_efficiency", m.compute_efficiency}}},
          {"sram_bytes", m.sram_bytes},
          {"memory_bandwidth_gbs", m.memory_bandwidth_gbs},
          {"overlap", cost::OverlapName(m.overlap)}};
}

}  // namespace gemmsim::app
