#include "python/numerics_cache.h"

#include <filesystem>
#include <map>
#include <mutex>

#include "app/config/config_files.h"
#include "app/config/numerics_file.h"

namespace gemmsim::python {

Numerics CachedNumerics(const std::string& name_or_path,
                        const std::vector<std::string>& sets) {
  const app::ConfigFile file = app::FindConfigFile("numerics", name_or_path);
  std::error_code ec;
  const auto mtime = std::filesystem::last_write_time(file.path, ec);
  if (ec) return app::LoadNumerics(name_or_path, sets);  // its error message
  // Each part length-prefixed, so that no two argument lists share a key.
  std::string key;
  const auto add = [&key](const std::string& part) {
    key += std::to_string(part.size()) + ':' + part;
  };
  add(file.path);
  add(std::to_string(mtime.time_since_epoch().count()));
  add(name_or_path);
  for (const std::string& s : sets) add(s);

  static std::mutex mutex;
  static std::map<std::string, Numerics> cache;
  {
    const std::lock_guard<std::mutex> lock(mutex);
    const auto it = cache.find(key);
    if (it != cache.end()) return it->second;
  }
  Numerics numerics = app::LoadNumerics(name_or_path, sets);
  const std::lock_guard<std::mutex> lock(mutex);
  if (cache.size() >= 256) cache.clear();  // bounded: sweeps make many
  cache.emplace(key, numerics);
  return numerics;
}

}  // namespace gemmsim::python
