// The one way a configuration (numerics, machine) is loaded: find the file or
// preset, read it, apply --set overrides, convert it with its schema, and
// name the result after its preset or path. Errors keep the spec's codes
// (config_files.h, yaml_value.h).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/config/config_files.h"
#include "app/config/yaml_overrides.h"
#include "app/config/yaml_value.h"
#include "datapaths/error.h"

namespace gemmsim::app {

// `expected` says what an empty file should have held ("a numerics mapping
// with inputs, accumulate and output"). `prepare` runs on the document
// before the overrides (numerics expands its shorthands there). Config must
// have a `name` member.
template <typename Config>
Config LoadConfig(const std::string& kind, const std::string& name_or_path,
                  const std::vector<std::string>& set_overrides,
                  const std::string& expected,
                  const std::function<Config(const YamlValue&)>& convert,
                  const std::function<void(YAML::Node&)>& prepare = {}) {
  const ConfigFile file = FindConfigFile(kind, name_or_path);
  YAML::Node document = ReadYamlFile(file.path);
  auto origin = std::make_shared<YamlOrigin>();
  origin->file = file.path;
  if (document.IsNull() && set_overrides.empty())
    throw ConfigError(file.path + ": the file is empty; expected " + expected);
  Config config;
  try {
    if (prepare) prepare(document);
    ApplySetOverrides(&document, set_overrides, origin.get());
    config = convert(YamlValue(document, origin));
  } catch (const YAML::Exception& e) {
    // yaml-cpp refuses some trees (e.g. keys that are not scalars); the
    // schemas never let its exceptions through otherwise.
    throw ConfigError(file.path + ": " + e.what());
  }
  if (config.name.empty())
    config.name = file.preset.empty() ? file.path : file.preset;
  return config;
}

}  // namespace gemmsim::app
