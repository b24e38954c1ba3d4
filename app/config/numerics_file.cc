#include "app/config/numerics_file.h"

#include <memory>

#include "app/config/config_files.h"
#include "app/config/load_config.h"
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
  return LoadConfig<Numerics>(
      kKind, name_or_path, set_overrides,
      "a numerics mapping with inputs, accumulate and output", NumericsFromYaml,
      [&](YAML::Node& document) { ExpandShorthands(document, set_overrides); });
}

}  // namespace gemmsim::app
