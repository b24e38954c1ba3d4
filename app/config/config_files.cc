#include "app/config/config_files.h"

#include <yaml-cpp/depthguard.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include "app/config/yaml_value.h"
#include "app/data_dir.h"
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
  const std::vector<std::string> names = PresetNames(kind);
  std::string message = "unknown " + kind + " preset '" + name_or_path +
                        "': expected a file path or one of the presets in " +
                        PresetDir(kind) + ":";
  if (names.empty()) message += " (none found; is GEMMSIM_DATA_DIR right?)";
  for (const std::string& n : names) message += " " + n;
  throw ConfigError(message);
}

// "line L, column C" of the first byte that does not start or continue a
// well-formed UTF-8 sequence (RFC 3629: no overlongs, no surrogates, at
// most U+10FFFF), or nothing when the whole text is UTF-8.
static std::optional<std::string> FirstInvalidUtf8(const std::string& text) {
  int64_t line = 1, column = 1;
  for (size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    size_t n = b < 0x80           ? 1
               : (b >> 5) == 0x6  ? 2
               : (b >> 4) == 0xE  ? 3
               : (b >> 3) == 0x1E ? 4
                                  : 0;
    bool ok = n > 0 && i + n <= text.size();
    uint32_t cp = n == 1   ? b
                  : n == 2 ? (b & 0x1F)
                  : n == 3 ? (b & 0x0F)
                           : (b & 0x07);
    for (size_t j = 1; ok && j < n; ++j) {
      const auto c = static_cast<unsigned char>(text[i + j]);
      ok = (c >> 6) == 0x2;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (ok) {
      ok = !(n == 2 && cp < 0x80) && !(n == 3 && cp < 0x800) &&
           !(n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) &&
           !(cp >= 0xD800 && cp <= 0xDFFF);
    }
    if (!ok) {
      return "line " + std::to_string(line) + ", column " +
             std::to_string(column);
    }
    if (b == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += n;
  }
  return std::nullopt;
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
  // YAML text is UTF-8 here. yaml-cpp 0.7 can loop forever on invalid
  // UTF-8 (found by the manifest fuzzer), so it never sees any.
  if (const auto bad = FirstInvalidUtf8(text)) {
    throw ConfigError(path + ": " + *bad +
                      ": not UTF-8 text; expected a YAML file");
  }
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(text);
  } catch (const YAML::DeepRecursion& e) {
    const std::string where = MarkPlace(e.mark);
    throw ConfigError(path + (where.empty() ? "" : ": " + where) +
                      ": nested deeper than the YAML parser's limit of " +
                      std::to_string(e.depth()) + " levels");
  } catch (const YAML::Exception& e) {
    const std::string where = MarkPlace(e.mark);
    throw ConfigError(path + (where.empty() ? "" : ": " + where) +
                      ": not valid YAML: " + e.msg);
  }
  if (documents.size() > 1) {
    throw ConfigError(path +
                      ": holds several YAML documents ('---'), expected one");
  }
  return documents.empty() ? YAML::Node() : documents.front();
}

}  // namespace gemmsim::app
