# Sanitizer builds (issue 6). GEMMSIM_SANITIZE=ON compiles and links every
# target with AddressSanitizer and UndefinedBehaviorSanitizer at -O1 -g:
# optimised enough to run the whole ctest suite in CI time, with line
# numbers in reports. -fno-sanitize-recover=undefined makes UB abort, so a
# test that hits it fails instead of printing a warning and passing.
# GEMMSIM_FUZZ=ON (clang only) builds the libFuzzer targets under fuzz/:
# every library gets -fsanitize=fuzzer-no-link for coverage, the fuzz
# executables link the libFuzzer main. scripts/test turns both on in one
# clang build (build-asan/): the coverage instrumentation costs the tests
# little, and one build instead of two keeps CI's time down.
#
# Included once, before any target (include_guard: the top-level
# CMakeLists and -DCMAKE_PROJECT_INCLUDE may both pull it in).
include_guard(GLOBAL)

option(GEMMSIM_SANITIZE "Build with AddressSanitizer and UBSan (-O1 -g)" OFF)
option(GEMMSIM_FUZZ "Build the libFuzzer targets in fuzz/ (clang only)" OFF)

if(GEMMSIM_FUZZ AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "GEMMSIM_FUZZ=ON needs clang++ "
          "(-DCMAKE_CXX_COMPILER=clang++); found ${CMAKE_CXX_COMPILER_ID}")
endif()

if(GEMMSIM_SANITIZE OR GEMMSIM_FUZZ)
  # After CMAKE_CXX_FLAGS_<CONFIG> on the command line, so -O1 wins over
  # Release's -O3.
  add_compile_options(-O1 -g -fno-omit-frame-pointer
                      -fsanitize=address,undefined
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

if(GEMMSIM_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
