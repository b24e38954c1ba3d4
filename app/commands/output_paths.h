// Every output a command will write, checked before the work starts (SPEC.md
// "Command line": errors come early, a failed command leaves no file behind):
// an hour-long sweep must not end in "--plot out/: Is a directory".
#pragma once

#include <string>
#include <vector>

namespace gemmsim::app {

struct OutputPath {
  std::string option;  // as the user typed it: "-o", "--plot", "OUT"
  std::string path;    // "" when the option was not given: not checked
};

// Throws ConfigError (exit 2) "OPTION1 and OPTION2 name the same file:
// PATH"; InputError (exit 3) "PATH: cannot write OPTION: no directory DIR",
// "...: it is a directory; expected a file name" and "...: REASON" when no
// file can be created beside PATH (a read-only folder). Writes nothing: the
// probe file it creates is removed at once.
void CheckOutputPaths(const std::vector<OutputPath>& outputs);

}  // namespace gemmsim::app
