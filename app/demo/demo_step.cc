#include "app/demo/demo_step.h"

#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "datapaths/error.h"

extern char** environ;

namespace gemmsim::app {
namespace {

// A shell-readable rendering of an argument, for the echoed command line.
std::string Quoted(const std::string& arg) {
  return arg.find_first_of(" {}'\"*") == std::string::npos ? arg
                                                           : "'" + arg + "'";
}

}  // namespace

int RunDemoStep(const std::vector<std::string>& args) {
  std::string line = "$ gemmsim";
  for (const std::string& a : args) line += " " + Quoted(a);
  fmt::print("\n{}\n", line);
  std::fflush(stdout);
  std::fflush(stderr);

  std::vector<std::string> argv_strings{"gemmsim"};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr,
                             argv.data(), environ);
  if (rc != 0) {
    throw Error(
        ExitCode::kInternal,
        fmt::format("demo: cannot start gemmsim: {}", std::strerror(rc)));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      throw Error(ExitCode::kInternal,
                  fmt::format("demo: waitpid: {}", std::strerror(errno)));
    }
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return static_cast<int>(ExitCode::kInternal);  // killed by a signal
}

}  // namespace gemmsim::app
