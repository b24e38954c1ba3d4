// AtomicOutputFile: output appears complete on commit() or not at all.
#include "io/atomic_file.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <stdexcept>

#include "io/npy.h"
#include "io/safetensors.h"
#include "io_test_util.h"

namespace gemmsim::io {
namespace {

using testing::contains;
using testing::TempDir;

TEST_CASE("commit() moves the complete file into place") {
  TempDir dir;
  std::string path = dir.file("out.bin");
  {
    AtomicOutputFile out(path);
    out.write(std::string_view("hello "));
    out.write("world", 5);
    // Until commit() only the hidden temporary exists, beside the target.
    CHECK(!std::filesystem::exists(path));
    CHECK(dir.entries().size() == 1);
    CHECK(std::filesystem::path(out.temp_path()).parent_path() ==
          std::filesystem::path(path).parent_path());
    out.commit();
    CHECK(out.temp_path().empty());
  }
  CHECK(testing::read_bytes(path) == "hello world");
  CHECK(dir.entries() == std::vector<std::string>{"out.bin"});
}

TEST_CASE("the output file gets the usual permissions, not mkstemp's 0600") {
  TempDir dir;
  std::string path = dir.file("mode.bin");
  mode_t mask = ::umask(022);  // known umask for this test
  {
    AtomicOutputFile out(path);
    out.commit();
  }
  ::umask(mask);
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0644);
}

TEST_CASE("without commit() nothing is left behind") {
  TempDir dir;
  std::string fresh = dir.file("fresh.bin");
  std::string existing = dir.file("existing.bin");
  testing::write_bytes(existing, "old");
  int ran = 0;
  for (const std::string& path : {fresh, existing}) {
    CAPTURE(path);
    // Destroyed without commit(), as when an exception unwinds.
    CHECK_THROWS_AS(
        [&] {
          AtomicOutputFile out(path);
          out.write(std::string_view("partial"));
          throw std::runtime_error("failure mid-write");
        }(),
        std::runtime_error);
    {
      AtomicOutputFile out(path);  // never written, never committed
    }
    ++ran;
  }
  CHECK(ran == 2);
  CHECK(testing::read_bytes(existing) == "old");
  CHECK(dir.entries() == std::vector<std::string>{"existing.bin"});
}

TEST_CASE("writing into a missing directory fails and creates nothing") {
  TempDir dir;
  std::string path = dir.file("no/such/dir/out.npy");
  Tensor tensor{DType::kU8, {1}, {1}};
  int ran = 0;
  for (int writer = 0; writer < 3; ++writer) {
    std::string message = testing::input_error_of([&] {
      if (writer == 0) AtomicOutputFile out(path);
      if (writer == 1) write_npy(path, tensor);
      if (writer == 2) write_safetensors(path, {{"t", tensor}});
    });
    CHECK(message == path + ": cannot write: No such file or directory");
    ++ran;
  }
  CHECK(ran == 3);
  CHECK(dir.entries().empty());
}

TEST_CASE("a rename that fails leaves the destination and no temporary") {
  TempDir dir;
  std::string path = dir.file("is_a_dir");
  std::filesystem::create_directory(path);
  {
    AtomicOutputFile out(path);
    out.write(std::string_view("data"));
    std::string message = testing::input_error_of([&] { out.commit(); });
    CHECK(message == path + ": cannot write: Is a directory");
  }
  CHECK(std::filesystem::is_directory(path));
  CHECK(dir.entries() == std::vector<std::string>{"is_a_dir"});
}

}  // namespace
}  // namespace gemmsim::io
