// Parsing YAML text that comes from users (configuration files, --set
// values) with yaml-cpp 0.7 (Debian 12) without its hangs: every failure
// becomes a ConfigError that starts with the text's source.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

namespace gemmsim::app {

// The one YAML document in `text`, or a null node when it holds none.
// `source` begins every message: "FILE" or "--set 'KEY=VALUE'", followed by
// "line L, column C" where yaml-cpp gives a place. Throws ConfigError when
// the text is not UTF-8, not YAML, holds more than one document or nests
// deeper than yaml-cpp's depth limit (its parser recurses; the limit keeps
// the stack safe). Aliases are not expanded: yaml-cpp shares the anchored
// node, so an alias bomb costs only its text.
YAML::Node ParseYamlDocument(const std::string& text,
                             const std::string& source);

}  // namespace gemmsim::app
