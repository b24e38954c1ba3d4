// Option values shared by several commands, parsed into their types with
// errors that name the option and the accepted values (exit 2).
#pragma once

#include <string>

namespace CLI {
class App;
}

#include "datapaths/formats/codec.h"
#include "datapaths/formats/format.h"

namespace gemmsim::app {

Format ParseFormatOption(const std::string& value);
RoundingSpec ParseRoundingOption(const std::string& mode, int stochastic_bits);
Overflow ParseOverflowOption(const std::string& value);

// Declares --threads on `command`, stored in *threads (default 0).
void AddThreadsOption(CLI::App* command, int* threads);

// --threads N: N in 1..4096, or 0 for every core; the count to use.
int ResolveThreadsOption(int requested);

}  // namespace gemmsim::app
