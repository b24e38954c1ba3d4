// gemmsim validate (SPEC.md "Command line"). Placeholder until it lands.
#include "app/commands/commands.h"
#include "datapaths/error.h"

namespace gemmsim::app {

void AddValidateCommand(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("validate", "(not built yet)");
  cmd->allow_extras();
  cmd->callback(
      [] { throw Error(ExitCode::kInternal, "validate: not built yet"); });
}

}  // namespace gemmsim::app
