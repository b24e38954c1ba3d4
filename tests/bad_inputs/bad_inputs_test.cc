// The bad-input corpus (cases.yaml) through the real gemmsim binary: every
// case's exit code, message, absent outputs and output values. Files too
// big or too odd to check in are generated here into {gen}; {not_utf8} is
// a byte that cannot appear in UTF-8 (cases.yaml itself must be UTF-8).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "io/npy.h"
#include "tests/cli/run_gemmsim.h"

namespace {

using gemmsim::testing::FileExists;
using gemmsim::testing::RunGemmsim;
using gemmsim::testing::TempDir;
using gemmsim::testing::WriteBytes;

// A version 2.0 .npy prefix whose length field says `header_length`.
std::string NpyV2Prefix(uint32_t header_length) {
  std::string prefix("\x93NUMPY\x02\x00", 8);
  for (int i = 0; i < 4; ++i)
    prefix += static_cast<char>(header_length >> (8 * i) & 0xff);
  return prefix;
}

std::string NpyWithHeader(const std::string& dict) {
  std::string header = dict;
  header.append((64 - (12 + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  return NpyV2Prefix(static_cast<uint32_t>(header.size())) + header;
}

// Ten anchored lists, each holding ten aliases of the one before: 10^10
// leaves if anything expanded it.
std::string AliasBomb() {
  std::string text = "[&a0 [x, x, x, x, x, x, x, x, x, x]";
  for (int i = 1; i < 10; ++i) {
    text += ", &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j)
      text += (j ? ", *a" : "*a") + std::to_string(i - 1);
    text += "]";
  }
  return text + "]";
}

// A .safetensors file whose header is `json`, padded as the writer does.
std::string Safetensors(std::string json) {
  json.append((8 - json.size() % 8) % 8, ' ');
  std::string prefix;
  for (int i = 0; i < 8; ++i)
    prefix += static_cast<char>(uint64_t{json.size()} >> (8 * i) & 0xff);
  return prefix + json;
}

void GenerateFiles(const std::string& gen) {
  // A million nested arrays where a dtype or a shape belongs: the message
  // must not dump them (nlohmann's dump recurses per level).
  const std::string deep =
      std::string(1'000'000, '[') + std::string(1'000'000, ']');
  WriteBytes(gen + "/deep_dtype.safetensors",
             Safetensors("{\"w\": {\"dtype\": " + deep +
                         ", \"shape\": [], \"data_offsets\": [0, 0]}}"));
  WriteBytes(gen + "/deep_shape.safetensors",
             Safetensors("{\"w\": {\"dtype\": \"F32\", \"shape\": [" + deep +
                         "], \"data_offsets\": [0, 0]}}"));
  WriteBytes(gen + "/header_length_1mib.npy",
             NpyV2Prefix(1 << 20) + std::string(100, ' '));
  WriteBytes(gen + "/header_100kb.npy",
             NpyWithHeader("{'descr': '<f4', 'fortran_order': False, "
                           "'shape': (2,), }" +
                           std::string(100'000, ' ')));
  WriteBytes(gen + "/shape_2e120.npy",
             NpyWithHeader("{'descr': '<f4', 'fortran_order': False, "
                           "'shape': (1099511627776, 1099511627776, "
                           "1099511627776), }"));
  WriteBytes(gen + "/shape_4tib.npy",
             NpyWithHeader("{'descr': '<f4', 'fortran_order': False, "
                           "'shape': (1099511627776,), }"));
  WriteBytes(gen + "/alias_bomb.yaml", "seed: " + AliasBomb() + "\n");
  WriteBytes(gen + "/alias_bomb_machine.yaml",
             "name: bomb\nengine: " + AliasBomb() + "\n");
  WriteBytes(gen + "/deep_flow.yaml",
             "inputs: " + std::string(100'000, '[') + "\n");
  std::string block = "engine:\n";
  for (int depth = 1; depth <= 1000; ++depth)
    block += std::string(depth, ' ') + "a:\n";
  WriteBytes(gen + "/deep_block.yaml", block);
  std::string big = "name: big\n";
  while (big.size() <= (1 << 20)) big += "# padding padding padding\n";
  WriteBytes(gen + "/big.yaml", big);
  // The manifest fuzzer's first finding: yaml-cpp 0.7 looped forever on it.
  WriteBytes(gen + "/not_utf8.yaml", ",\xFFg\xFF\xFF\xFF\xFFg\x9A");
  // The manifest fuzzer's second: a ',' that cannot start a value made
  // yaml-cpp 0.7's LoadAll loop forever, allocating.
  WriteBytes(gen + "/leading_comma.yaml", ",,,,%a2ur: r: re!d}\n");
  WriteBytes(gen + "/not_utf8.csv", "layer,M,N,K\nqkv\xC0\xAF,8,8,8\n");
}

void Substitute(std::string* text, const std::string& key,
                const std::string& value) {
  for (size_t at; (at = text->find(key)) != std::string::npos;)
    text->replace(at, key.size(), value);
}

// Compares an output .npy element by element; NaN equals NaN.
void CheckValues(const YAML::Node& expected, const std::string& path) {
  REQUIRE(FileExists(path));
  const gemmsim::io::Tensor tensor = gemmsim::io::read_npy(path);
  if (expected["f32"]) {
    const auto want = expected["f32"].as<std::vector<double>>();
    REQUIRE(tensor.dtype == gemmsim::io::DType::kF32);
    REQUIRE(tensor.numel() == static_cast<int64_t>(want.size()));
    for (size_t i = 0; i < want.size(); ++i) {
      float got = 0;
      std::memcpy(&got, tensor.data.data() + 4 * i, 4);
      const auto w = static_cast<float>(want[i]);
      INFO("element ", i, " got ", got, " expected ", w);
      CHECK((std::isnan(w) ? std::isnan(got) : got == w));
    }
  } else {
    const auto want = expected["u8"].as<std::vector<int>>();
    REQUIRE(tensor.dtype == gemmsim::io::DType::kU8);
    REQUIRE(tensor.data.size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      INFO("element ", i);
      CHECK(int{tensor.data[i]} == want[i]);
    }
  }
}

}  // namespace

TEST_CASE("the bad-input corpus gives the expected exit codes and outputs") {
  const std::string data = std::string(GEMMSIM_BAD_INPUTS_DIR) + "/data";
  TempDir gen;
  GenerateFiles(gen.path());
  // Root may write anywhere a mode allows nothing; sysfs refuses even root.
  TempDir readonly_dir;
  REQUIRE(::chmod(readonly_dir.path().c_str(), 0555) == 0);
  const std::string readonly = ::geteuid() == 0 ? "/sys" : readonly_dir.path();
  const std::string deep_override =
      "accumulate.block=" + std::string(100'000, '[');

  const YAML::Node cases =
      YAML::LoadFile(std::string(GEMMSIM_BAD_INPUTS_DIR) + "/cases.yaml");
  size_t ran = 0;
  for (const YAML::Node& c : cases) {
    TempDir tmp;
    auto expand = [&](std::string text) {
      Substitute(&text, "{data}", data);
      Substitute(&text, "{gen}", gen.path());
      Substitute(&text, "{tmp}", tmp.path());
      Substitute(&text, "{readonly}", readonly);
      Substitute(&text, "{deep_override}", deep_override);
      Substitute(&text, "{not_utf8}", "\xFF");
      return text;
    };
    std::vector<std::string> args;
    for (const YAML::Node& arg : c["args"])
      args.push_back(expand(arg.as<std::string>()));
    CAPTURE(c["name"].as<std::string>());
    const auto result = RunGemmsim(args);
    INFO("stderr: ", result.err.substr(0, 2000));
    CHECK(result.exit_code == c["exit"].as<int>());
    if (c["message"]) {
      CHECK(result.err.find(expand(c["message"].as<std::string>())) !=
            std::string::npos);
    }
    if (c["stdout"]) {
      INFO("stdout: ", result.out.substr(0, 2000));
      CHECK(result.out.find(c["stdout"].as<std::string>()) !=
            std::string::npos);
    }
    for (const YAML::Node& absent : c["absent"]) {
      INFO("must not exist: ", absent.as<std::string>());
      CHECK_FALSE(FileExists(expand(absent.as<std::string>())));
    }
    if (c["no_stdout"]) CHECK(result.out.empty());
    if (c["values"])
      CheckValues(c["values"], expand(c["values"]["file"].as<std::string>()));
    ++ran;
  }
  CHECK(ran == 80);
  ::chmod(readonly_dir.path().c_str(), 0755);
}
