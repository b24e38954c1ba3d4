#include "app/commands/unknown_arguments.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>

#include "app/did_you_mean.h"

namespace gemmsim::app {
namespace {

// The options of `command` as typed (--numerics, -o), and the same names
// without their dashes, to compare with what was typed.
struct OptionNames {
  std::vector<std::string> typed, bare;
};

OptionNames NamesOf(const CLI::App& command) {
  OptionNames names;
  for (const CLI::Option* o : command.get_options()) {
    for (const std::string& l : o->get_lnames()) {
      names.typed.push_back("--" + l);
      names.bare.push_back(l);
    }
    for (const std::string& s : o->get_snames()) {
      names.typed.push_back("-" + s);
      names.bare.push_back(s);
    }
  }
  return names;
}

std::string UnknownOption(const CLI::App& command, const std::string& typed,
                          const std::string& bare) {
  const OptionNames names = NamesOf(command);
  std::vector<std::string> suggestions;
  for (const std::string& b : ClosestNames(bare, names.bare)) {
    for (size_t i = 0; i < names.bare.size(); ++i) {
      if (names.bare[i] == b) suggestions.push_back(names.typed[i]);
    }
  }
  const bool top = command.get_parent() == nullptr;
  const std::string path = top ? "gemmsim" : "gemmsim " + command.get_name();
  return fmt::format(
      "{}unknown option '{}'{} ({} --help lists the options)",
      top ? "" : command.get_name() + ": ", typed,
      suggestions.empty()
          ? ""
          : "; did you mean " + QuotedAlternatives(suggestions) + "?",
      path);
}

std::string UnknownSubcommand(const CLI::App& app, const std::string& typed) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands({}))
    names.push_back(sub->get_name());
  return fmt::format("unknown subcommand '{}'{} (the subcommands: {})", typed,
                     DidYouMean(typed, names), fmt::join(names, ", "));
}

}  // namespace

std::string UnknownArgumentMessage(const CLI::App& app,
                                   const std::vector<std::string>& args) {
  // Read the arguments as CLI11 does (App::_recognize): a subcommand name
  // at the top, "--" ends the options, --name[=value], -x[rest] unless x is
  // a digit (a negative number), anything else a value or a positional.
  const CLI::App* command = &app;
  for (const std::string& arg : args) {
    if (arg == "--") break;
    std::string name, rest;
    if (CLI::detail::split_long(arg, name, rest)) {
      if (!command->get_option_no_throw("--" + name))
        return UnknownOption(*command, "--" + name, name);
    } else if (CLI::detail::split_short(arg, name, rest)) {
      const bool number = name[0] >= '0' && name[0] <= '9';
      if (!command->get_option_no_throw("-" + name) && !number) {
        // `-numerics` was meant as --numerics: compare all of it.
        return UnknownOption(*command, arg.size() > 2 ? arg : "-" + name,
                             arg.substr(1));
      }
    } else if (command == &app) {
      const std::vector<const CLI::App*> subs = app.get_subcommands(
          [&](const CLI::App* sub) { return sub->check_name(arg); });
      if (subs.empty()) return UnknownSubcommand(app, arg);
      command = subs.front();
    }
  }
  return "";
}

}  // namespace gemmsim::app
