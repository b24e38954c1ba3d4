#include "app/config/numerics_file.h"

#include <memory>

#include "app/config/config_files.h"
#include "app/config/numerics_schema.h"
#include "app/config/yaml_overrides.h"
#include "app/config/yaml_value.h"
#include "datapaths/error.h"

namespace gemmsim::app {
namespace {

constexpr const char* kKind = "numerics";

// `inputs.a: e4m3fn` is short for `inputs.a: {format: e4m3fn}`. An override
// below such a key (`--set inputs.a.rounding=rtz`) needs the long form to
// land in, so the shorthand is expanded first; the meaning is unchanged.
void ExpandShorthands(YAML::Node document,
                      const std::vector<std::string>& overrides) {
  if (!document.IsMap()) return;
  for (const char* path : {"inputs.a", "inputs.b", "output"}) {
    const std::string prefix = std::string(path) + ".";
    bool needed = false;
    for (const std::string& o : overrides) needed |= o.starts_with(prefix);
    if (!needed) continue;
    const std::string_view p(path);
    const size_t dot = p.find('.');
    YAML::Node parent = document;
    if (dot != std::string_view::npos)
      parent.reset(FindKey(document, std::string(p.substr(0, dot))));
    if (!parent.IsDefined() || !parent.IsMap()) continue;
    const std::string key(dot == std::string_view::npos ? p
                                                        : p.substr(dot + 1));
    const YAML::Node value = FindKey(parent, key);
    if (!value.IsDefined() || !value.IsScalar()) continue;
    YAML::Node expanded = ReplaceWithMap(parent, key);
    expanded.force_insert(std::string("format"), value);
  }
}

}  // namespace

std::vector<std::string> NumericsPresetNames() { return PresetNames(kKind); }

Numerics LoadNumerics(const std::string& name_or_path,
                      const std::vector<std::string>& set_overrides) {
  const ConfigFile file = FindConfigFile(kKind, name_or_path);
  YAML::Node document = ReadYamlFile(file.path);
  auto origin = std::make_shared<YamlOrigin>();
  origin->file = file.path;
  if (document.IsNull() && set_overrides.empty()) {
    throw ConfigError(file.path +
                      ": the file is empty; expected a numerics mapping with "
                      "inputs, accumulate and output");
  }
  Numerics n;
  try {
    ExpandShorthands(document, set_overrides);
    ApplySetOverrides(&document, set_overrides, origin.get());
    n = NumericsFromYaml(YamlValue(document, origin));
  } catch (const YAML::Exception& e) {
    // yaml-cpp refuses some trees (e.g. keys that are not scalars); the
    // schema never lets its exceptions through otherwise.
    throw ConfigError(file.path + ": " + e.what());
  }
  if (n.name.empty()) n.name = file.preset.empty() ? file.path : file.preset;
  return n;
}

}  // namespace gemmsim::app
