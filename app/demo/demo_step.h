// One step of the demo tour: a gemmsim command run as its own process, the
// same binary a user runs, so that the tour shows (and exercises) exactly
// the commands the README documents.
#pragma once

#include <string>
#include <vector>

namespace gemmsim::app {

// Prints "$ gemmsim ARGS..." and runs this executable with `args`, its
// stdout and stderr going where ours go. Returns the command's exit code;
// throws gemmsim::Error (internal) when it cannot be started.
int RunDemoStep(const std::vector<std::string>& args);

}  // namespace gemmsim::app
