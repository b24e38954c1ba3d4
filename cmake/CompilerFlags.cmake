# Numerics-safe flags for every target of the project.
# -ffp-contract=off: the compiler must not fuse a*b+c into an FMA, which would
#   change rounding (DEVELOPERS.md "Standards"). Never -ffast-math, never
#   -march=native: results must be identical on every x86-64 machine.
add_compile_options(-ffp-contract=off -fno-fast-math)
add_compile_options(-Wall -Wextra -Wpedantic -Werror)
# GCC 12 at -O3 reports impossible overlaps inside std::string's operator+
# (GCC bug 105329, a false positive); the warning is off, not just demoted.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  add_compile_options(-Wno-restrict)
endif()

# GEMMSIM_SANITIZE, GEMMSIM_FUZZ: the hardening builds (issue 6).
include(${PROJECT_SOURCE_DIR}/cmake/Sanitizers.cmake)
