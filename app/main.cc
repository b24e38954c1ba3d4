// gemmsim: parse the command line, run one command, map errors to the exit
// codes of SPEC.md "Command line" (0 ok, 1 a check failed, 2 usage or
// configuration, 3 input file, 70 internal).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include "app/commands/commands.h"
#include "app/commands/unknown_arguments.h"
#include "app/huge_pages.h"
#include "datapaths/error.h"

namespace {

int Run(int argc, char** argv) {
  CLI::App app{
      "gemmsim: bit-accurate numerics and cost model of matrix engines.\n"
      "Every command has --help."};
  app.set_version_flag("--version", std::string("gemmsim ") + GEMMSIM_VERSION);
  app.require_subcommand(1);
  gemmsim::app::AddFormatsCommand(app);
  gemmsim::app::AddQuantizeCommands(app);
  gemmsim::app::AddGemmCommand(app);
  gemmsim::app::AddDemoCommand(app);
  gemmsim::app::AddEstimateCommand(app);
  gemmsim::app::AddReplayCommand(app);
  gemmsim::app::AddSweepCommand(app);
  gemmsim::app::AddValidateCommand(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with exit code 0 in CLI11.
    if (e.get_exit_code() == 0) return app.exit(e);
    // A mistyped name first: CLI11 would report what it made go missing.
    const std::string unknown = gemmsim::app::UnknownArgumentMessage(
        app, std::vector<std::string>(argv + 1, argv + argc));
    if (unknown.empty())
      app.exit(e);
    else
      std::fprintf(stderr, "gemmsim: error: %s\n", unknown.c_str());
    return static_cast<int>(gemmsim::ExitCode::kUsage);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  gemmsim::app::UseHugePagesForLargeAllocations(argv);
  try {
    return Run(argc, argv);
  } catch (const gemmsim::Error& e) {
    std::fprintf(stderr, "gemmsim: error: %s\n", e.what());
    return static_cast<int>(e.code());
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "gemmsim: error: out of memory\n");
    return static_cast<int>(gemmsim::ExitCode::kInternal);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gemmsim: internal error: %s\n", e.what());
    return static_cast<int>(gemmsim::ExitCode::kInternal);
  }
}
