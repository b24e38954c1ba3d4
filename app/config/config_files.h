// Finding and reading configuration files (numerics, machines): a name on the
// command line is either a path or a preset under <DataDir()>/configs/<kind>/
// (SPEC.md: presets "are addressable by name wherever a numerics file is
// accepted"). Reading turns every failure into the spec's exit codes: a file
// that cannot be read is an input-file error (3), a document that is not
// valid YAML a configuration error (2) with yaml-cpp's line and column.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
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
// name. Throws ConfigError for an unknown name, suggesting the nearest
// presets and saying where they all are.
ConfigFile FindConfigFile(const std::string& kind,
                          const std::string& name_or_path);

// The preset names of `kind` (file names without .yaml), sorted.
std::vector<std::string> PresetNames(const std::string& kind);

// The folder holding the presets of `kind`.
std::string PresetDir(const std::string& kind);

// Largest configuration file ReadYamlFile accepts. yaml-cpp needs about
// 200 bytes of memory and 2 us per byte of a dense document (a 10 MB file
// took 20 s and 2.3 GB), and a numerics or machine file is a few KB, so
// 1 MiB bounds what a wrong or hostile file costs (at most ~2 s, ~250 MB).
inline constexpr int64_t kMaxConfigYamlBytes = int64_t{1} << 20;

// Parses the one YAML document in `path` (ParseYamlDocument, with the path
// as the source of messages). Throws InputError when the file cannot be
// read and ConfigError when it is larger than `max_bytes` or is not one
// valid YAML document. An empty file gives a null node.
YAML::Node ReadYamlFile(const std::string& path,
                        int64_t max_bytes = kMaxConfigYamlBytes);

}  // namespace gemmsim::app
