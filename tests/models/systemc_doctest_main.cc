// main() of the SystemC test executables: libsystemc.so owns main() and calls
// sc_main(), so sc_main runs doctest (see tests/models/CMakeLists.txt).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <systemc>

int sc_main(int argc, char* argv[]) {
  doctest::Context context(argc, argv);
  return context.run();
}
