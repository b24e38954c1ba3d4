// The one error type of gemmsim: a message for the user and the exit code the
// spec assigns to its kind (SPEC.md "Command line": 2 usage or configuration,
// 3 input file, 70 internal). Every layer throws it; only app/main catches it.
#pragma once

#include <stdexcept>
#include <string>

namespace gemmsim {

enum class ExitCode : int {
  kOk = 0,
  kCheckFailed = 1,  // the run finished but a check failed
  kUsage = 2,        // usage or configuration error
  kInputFile = 3,    // an input file is missing, unreadable or malformed
  kInternal = 70,    // a bug in gemmsim
};

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

// "FILE: PLACE: MESSAGE", the shape of every input-file diagnostic.
inline Error InputError(const std::string& file, const std::string& place,
                        const std::string& message) {
  std::string text = file;
  if (!place.empty()) text += ": " + place;
  return Error(ExitCode::kInputFile, text + ": " + message);
}

inline Error ConfigError(const std::string& message) {
  return Error(ExitCode::kUsage, message);
}

}  // namespace gemmsim
