// Every output a command will write, checked before the work starts (SPEC.md
// "Command line": errors come early, a failed command leaves no file behind):
// an hour-long sweep must not end in "--plot out/: Is a directory".
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace gemmsim::app {

struct OutputPath {
  // A constructor, not an aggregate: most outputs take any name, and
  // {option, path} then needs no empty extension spelled out.
  OutputPath(std::string option_, std::string path_,
             std::string extension_ = "")
      : option(std::move(option_)),
        path(std::move(path_)),
        extension(std::move(extension_)) {}

  std::string option;  // as the user typed it: "-o", "--plot", "OUT"
  std::string path;    // "" when the option was not given: not checked
  // The ending the name must have (".npy", any case), or "" for any name: a
  // D written as .npy bytes under d.txt would be a file that lies about
  // itself.
  std::string extension;
};

// Throws ConfigError (exit 2) "OPTION 'PATH': expected a file name ending in
// .npy ..." and "OPTION1 and OPTION2 name the same file: PATH"; InputError
// (exit 3) "PATH: cannot write OPTION: no directory DIR", "...: it is a
// directory; expected a file name" and "...: REASON" when no file can be
// created beside PATH (a read-only folder). Writes nothing: the probe file it
// creates is removed at once.
void CheckOutputPaths(const std::vector<OutputPath>& outputs);

}  // namespace gemmsim::app
