// Numerics loaded once per (file, modification time, --set overrides): a
// training loop calls gemmsim.matmul thousands of times with the same model,
// and reading and checking the YAML each time would cost more than a small
// GEMM. A file changed on disk is read again.
#pragma once

#include <string>
#include <vector>

#include "datapaths/arithmetic/numerics.h"

namespace gemmsim::python {

// LoadNumerics(name_or_path, sets), cached; thread-safe. Errors are
// LoadNumerics's and are not cached.
Numerics CachedNumerics(const std::string& name_or_path,
                        const std::vector<std::string>& sets);

}  // namespace gemmsim::python
