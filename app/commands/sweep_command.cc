// gemmsim sweep (SPEC.md "Command line"). Placeholder until it lands.
#include "app/commands/commands.h"
#include "datapaths/error.h"

namespace gemmsim::app {

void AddSweepCommand(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("sweep", "(not built yet)");
  cmd->allow_extras();
  cmd->callback(
      [] { throw Error(ExitCode::kInternal, "sweep: not built yet"); });
}

}  // namespace gemmsim::app
