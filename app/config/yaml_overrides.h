// `--set KEY=VALUE` (SPEC.md "Command line"): KEY is a dotted path into the
// configuration document, VALUE a YAML value that replaces what is there.
// Overrides work on the YAML tree, before the schema reads it, so a value can
// change shape (a format name becomes a mapping, a mapping a name) and the
// schema checks an overridden value exactly as it checks the file.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "app/config/yaml_value.h"

namespace gemmsim::app {

struct SetOverride {
  std::vector<std::string> key;  // the path, one mapping key per element
  YAML::Node value;
  std::string text;  // as given, for messages
};

// Splits "KEY=VALUE" at the first '=' and parses VALUE as YAML (an empty
// VALUE is null). Throws ConfigError naming the override when there is no
// '=', when KEY is empty or has an empty part, or when VALUE is not YAML.
SetOverride ParseSetOverride(const std::string& text);

// Applies the overrides in order. A null VALUE removes the key. A missing
// (or null) mapping on the way is created; a scalar or list on the way is an
// error (it cannot hold keys). Nodes shared through YAML aliases are copied
// before they change, so an override changes only the path it names. `origin`
// records each replaced path, so errors in an overridden value name the
// override, not the file.
// `*document` may be null (an empty document): it becomes a mapping.
void ApplySetOverrides(YAML::Node* document,
                       const std::vector<std::string>& overrides,
                       YamlOrigin* origin);

// Replaces the value under `key` in mapping `map` with a new, empty mapping
// and returns it, ready to be filled. The order matters with yaml-cpp: a node
// lives in the memory it was created in, and inserting merges memories one
// way only; a mapping filled on its own and inserted afterwards can leave the
// document pointing into memory that dies with the temporary.
YAML::Node ReplaceWithMap(YAML::Node map, const std::string& key);

}  // namespace gemmsim::app
