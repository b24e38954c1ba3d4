# Every dependency is a Debian package; scripts/setup installs the missing ones.
find_package(PkgConfig REQUIRED)
pkg_check_modules(SYSTEMC REQUIRED IMPORTED_TARGET systemc)
find_package(Boost 1.74 REQUIRED)            # header-only: Multiprecision
find_package(fmt REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(doctest REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(Threads REQUIRED)
