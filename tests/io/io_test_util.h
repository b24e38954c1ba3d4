// Helpers shared by the tests of io/: a scratch directory, raw file bytes,
// typed views of Tensor data, and a check that a call fails as an input
// file error naming the file.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "datapaths/error.h"
#include "io/tensor.h"

namespace gemmsim::io::testing {

// A fresh directory under the system temp dir, removed with its contents.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("gemmsim-io-test-" + std::to_string(::getpid()) + "-" +
             std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(std::string_view name) const {
    return (path_ / name).string();
  }
  // Names of the entries in the directory, sorted.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(path_)) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  std::filesystem::path path_;
};

inline void write_bytes(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline std::string data_file(std::string_view name) {
  return std::string(GEMMSIM_TEST_DATA_DIR) + "/" + std::string(name);
}

template <class T>
std::vector<T> values_of(const Tensor& tensor) {
  REQUIRE(tensor.data.size() % sizeof(T) == 0);
  std::vector<T> values(tensor.data.size() / sizeof(T));
  std::memcpy(values.data(), tensor.data.data(), tensor.data.size());
  return values;
}

template <class T>
Tensor make_tensor(DType dtype, std::vector<int64_t> shape,
                   const std::vector<T>& values) {
  Tensor tensor{dtype, std::move(shape), {}};
  tensor.data.resize(values.size() * sizeof(T));
  std::memcpy(tensor.data.data(), values.data(), tensor.data.size());
  return tensor;
}

// Deterministic non-trivial bytes for round trips.
inline std::vector<uint8_t> pattern_bytes(size_t size, uint32_t seed) {
  std::vector<uint8_t> bytes(size);
  uint32_t state = seed * 2654435761u + 1;
  for (auto& byte : bytes) {
    state = state * 1664525u + 1013904223u;
    byte = static_cast<uint8_t>(state >> 24);
  }
  return bytes;
}

// Runs `call`, which must throw gemmsim::Error with exit code 3; returns its
// message, or a description of what happened instead (which then fails the
// caller's CHECKs on the message).
inline std::string input_error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const gemmsim::Error& e) {
    CHECK(e.code() == ExitCode::kInputFile);
    return e.what();
  } catch (const std::exception& e) {
    FAIL_CHECK("threw a non-gemmsim exception: " << e.what());
    return "";
  }
  FAIL_CHECK("did not throw");
  return "";
}

inline bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

}  // namespace gemmsim::io::testing
