// Large tensors on transparent huge pages. On kernels where THP is in
// "madvise" mode (Debian's default), every fresh 4 KiB page of a big tensor
// costs a page fault; touching a few hundred MB then takes longer than an
// emulated GEMM itself (seen: 1.46 s -> 0.66 s whole-process for a 2048^3
// GEMM). glibc (>= 2.35) asks for huge pages for its large allocations when
// the tunable glibc.malloc.hugetlb=1 is set, which must happen before the
// process starts: so gemmsim re-executes itself once with it set.
#pragma once

namespace gemmsim::app {

// Re-executes the process with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 when
// the variable is unset (and GEMMSIM_NO_HUGE_PAGES is unset); returns
// normally when it did not (already set, or exec failed).
void UseHugePagesForLargeAllocations(char** argv);

}  // namespace gemmsim::app
