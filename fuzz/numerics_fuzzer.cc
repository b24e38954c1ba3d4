// Numerics YAML through the full path the commands take (LoadNumerics: read,
// shorthands, --set overrides, schema). A file that loads must also export
// (NumericsToYaml, NumericsToJson) and load again: an exported numerics file
// that gemmsim itself refuses would be a bug.
#include "app/config/numerics_file.h"
#include "fuzz/fuzz_target.h"

namespace gemmsim::fuzz {

int FuzzNumerics(const uint8_t* data, size_t size) {
  std::vector<std::string> overrides;
  const std::string text = SplitOverrides(
      std::string_view(reinterpret_cast<const char*>(data), size), &overrides);
  const std::string path = WriteFuzzFile(text, ".yaml");
  Numerics numerics;
  bool loaded = false;
  ExpectOnlyGemmsimErrors([&] {
    numerics = app::LoadNumerics(path, overrides);
    loaded = true;
  });
  if (!loaded) return 0;
  app::NumericsToJson(numerics).dump();
  const std::string exported =
      WriteFuzzFile(app::NumericsToYaml(numerics), ".export.yaml");
  app::LoadNumerics(exported);  // no gemmsim::Error allowed here
  return 0;
}

}  // namespace gemmsim::fuzz

GEMMSIM_FUZZ_ENTRY(gemmsim::fuzz::FuzzNumerics)
