#include "app/config/config_files.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "app/config/yaml_text.h"
#include "app/data_dir.h"
#include "app/did_you_mean.h"
#include "datapaths/error.h"

namespace gemmsim::app {
namespace {

namespace fs = std::filesystem;

bool LooksLikePath(const std::string& s) {
  return s.find('/') != std::string::npos || s.ends_with(".yaml") ||
         s.ends_with(".yml");
}

}  // namespace

std::string PresetDir(const std::string& kind) {
  return DataDir() + "/configs/" + kind;
}

std::vector<std::string> PresetNames(const std::string& kind) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(PresetDir(kind), ec), end; !ec && it != end;
       it.increment(ec)) {
    const fs::path& p = it->path();
    if (p.extension() == ".yaml") names.push_back(p.stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

ConfigFile FindConfigFile(const std::string& kind,
                          const std::string& name_or_path) {
  std::error_code ec;
  if (LooksLikePath(name_or_path) || fs::is_regular_file(name_or_path, ec)) {
    return {name_or_path, ""};
  }
  const std::string preset = PresetDir(kind) + "/" + name_or_path + ".yaml";
  if (!name_or_path.empty() && fs::is_regular_file(preset, ec))
    return {preset, name_or_path};
  // A short answer: the nearest names and where the rest are, not all ~55.
  const std::vector<std::string> names = PresetNames(kind);
  const std::string what = kind == "machines" ? "machine" : kind;
  std::string message = "unknown " + what + " preset '" + name_or_path + "'" +
                        DidYouMean(name_or_path, names) +
                        " (expected a file path or ";
  if (names.empty()) {
    message += "a preset; none found in " + PresetDir(kind) +
               ": is GEMMSIM_DATA_DIR right?)";
  } else {
    message += "one of the " + std::to_string(names.size()) + " " + what +
               " presets: ls " + PresetDir(kind) + ")";
  }
  throw ConfigError(message);
}

YAML::Node ReadYamlFile(const std::string& path, int64_t max_bytes) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw InputError(path, "", "is a directory, expected a YAML file");
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw InputError(path, "",
                     std::string("cannot open: ") + std::strerror(errno));
  }
  // Read at most max_bytes + 1 bytes: enough to tell a file over the limit
  // without holding all of it (it may be a pipe of unknown size).
  std::string text(static_cast<size_t>(max_bytes) + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw InputError(path, "", "cannot read the file");
  text.resize(static_cast<size_t>(in.gcount()));
  if (static_cast<int64_t>(text.size()) > max_bytes) {
    throw ConfigError(path + ": larger than the limit of " +
                      std::to_string(max_bytes) + " bytes for a YAML file");
  }
  return ParseYamlDocument(text, path);
}

}  // namespace gemmsim::app
