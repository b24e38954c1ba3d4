// Finding and reading configuration files (numerics, machines): a name on the
// command line is either a path or a preset under <DataDir()>/configs/<kind>/
// (SPEC.md: presets "are addressable by name wherever a numerics file is
// accepted"). Reading turns every failure into the spec's exit codes: a file
// that cannot be read is an input-file error (3), a document that is not
// valid YAML a configuration error (2) with yaml-cpp's line and column.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace gemmsim::app {

struct ConfigFile {
  std::string path;    // the file to read
  std::string preset;  // the preset's name, or "" for a path given directly
};

// `kind` is the folder under configs/ ("numerics", "machines"). A value that
// names an existing file, contains '/', or ends in .yaml/.yml is a path (it
// need not exist yet: reading it reports that); anything else is a preset
// name. Throws ConfigError listing the presets for an unknown name.
ConfigFile FindConfigFile(const std::string& kind,
                          const std::string& name_or_path);

// The preset names of `kind` (file names without .yaml), sorted.
std::vector<std::string> PresetNames(const std::string& kind);

// The folder holding the presets of `kind`.
std::string PresetDir(const std::string& kind);

// Parses the one YAML document in `path`. Throws InputError when the file
// cannot be read and ConfigError ("FILE: line L, column C: ...") when it is
// not YAML or holds more than one document. An empty file gives a null node.
YAML::Node ReadYamlFile(const std::string& path);

}  // namespace gemmsim::app
