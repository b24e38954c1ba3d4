// gemmsim replay (SPEC.md "Command line"). Placeholder until it lands.
#include "app/commands/commands.h"
#include "datapaths/error.h"

namespace gemmsim::app {

void AddReplayCommand(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("replay", "(not built yet)");
  cmd->allow_extras();
  cmd->callback(
      [] { throw Error(ExitCode::kInternal, "replay: not built yet"); });
}

}  // namespace gemmsim::app
