// Machine YAML through the full path `estimate` takes (LoadMachine: read,
// --set overrides, schema), then its JSON export.
#include "app/config/machine_file.h"
#include "fuzz/fuzz_target.h"

namespace gemmsim::fuzz {

int FuzzMachine(const uint8_t* data, size_t size) {
  std::vector<std::string> overrides;
  const std::string text = SplitOverrides(
      std::string_view(reinterpret_cast<const char*>(data), size), &overrides);
  const std::string path = WriteFuzzFile(text, ".yaml");
  return ExpectOnlyGemmsimErrors([&] {
    const cost::Machine machine = app::LoadMachine(path, overrides);
    app::MachineToJson(machine).dump();
  });
}

}  // namespace gemmsim::fuzz

GEMMSIM_FUZZ_ENTRY(gemmsim::fuzz::FuzzMachine)
