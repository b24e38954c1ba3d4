// The answer to a mistyped subcommand or option. CLI11 reports a required
// option or subcommand missing before it reports an unexpected argument
// (`gemmsim gemmm` says "A subcommand is required", `--numerix` says
// "--numerics is required"), so after a failed parse main() asks this first.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace gemmsim::app {

// The first argument of `args` (argv without the program name) that names
// no subcommand or option where CLI11 reads it, as a message with the
// nearest valid names ("gemm: unknown option '--numerix'; did you mean
// '--numerics'? ..."); "" when every name is known.
std::string UnknownArgumentMessage(const CLI::App& app,
                                   const std::vector<std::string>& args);

}  // namespace gemmsim::app
