#include "app/huge_pages.h"

#include <unistd.h>

#include <cstdlib>

namespace gemmsim::app {

void UseHugePagesForLargeAllocations(char** argv) {
  if (std::getenv("GLIBC_TUNABLES") || std::getenv("GEMMSIM_NO_HUGE_PAGES"))
    return;
  if (setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 0) != 0) return;
  execv("/proc/self/exe", argv);
  unsetenv("GLIBC_TUNABLES");  // exec failed: carry on as we are
}

}  // namespace gemmsim::app
