#include "app/commands/output_paths.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "datapaths/error.h"
#include "io/atomic_file.h"

namespace gemmsim::app {
namespace {

namespace fs = std::filesystem;

bool EndsWithIgnoringCase(const std::string& s, const std::string& end) {
  return s.size() >= end.size() &&
         std::equal(end.rbegin(), end.rend(), s.rbegin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

void CheckOne(const OutputPath& out) {
  auto fail = [&](const std::string& why) {
    throw InputError(out.path, "", "cannot write " + out.option + ": " + why);
  };
  fs::path dir = fs::path(out.path).parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) fail("no directory " + dir.string());
  if (fs::is_directory(out.path, ec))
    fail("it is a directory; expected a file name");
  if (!out.extension.empty() &&
      !EndsWithIgnoringCase(out.path, out.extension)) {
    throw ConfigError(fmt::format(
        "{} '{}': expected a file name ending in {} (the output is a {} "
        "file, written under exactly the name given)",
        out.option, out.path, out.extension, out.extension));
  }
  // Creating (and dropping) the output's own temporary is the one test of
  // permission that also holds for root, ACLs and read-only mounts.
  try {
    io::AtomicOutputFile probe(out.path);
  } catch (const Error& e) {
    const std::string prefix = out.path + ": cannot write: ";
    const std::string what = e.what();
    fail(what.starts_with(prefix) ? what.substr(prefix.size()) : what);
  }
}

// Two spellings of one file ("d.npy", "./d.npy") are the same output.
std::string Identity(const std::string& path) {
  std::error_code ec;
  const fs::path p = fs::weakly_canonical(path, ec);
  return ec ? path : p.string();
}

}  // namespace

void CheckOutputPaths(const std::vector<OutputPath>& outputs) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].path.empty()) continue;
    for (size_t j = 0; j < i; ++j) {
      if (!outputs[j].path.empty() &&
          Identity(outputs[j].path) == Identity(outputs[i].path)) {
        throw ConfigError(fmt::format("{} and {} name the same file: {}",
                                      outputs[j].option, outputs[i].option,
                                      outputs[i].path));
      }
    }
  }
  for (const OutputPath& out : outputs) {
    if (!out.path.empty()) CheckOne(out);
  }
}

}  // namespace gemmsim::app
