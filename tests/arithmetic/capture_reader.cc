#include "tests/arithmetic/capture_reader.h"

#include <bit>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "datapaths/arithmetic/dot_product.h"

namespace gemmsim::testing {
namespace {

std::string Dir(const std::string& gpu, const std::string& input) {
  return std::string(GEMMSIM_CAPTURE_DIR) + "/" + gpu + "/" + input + "/";
}

std::vector<std::vector<float>> ReadHexRows(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<std::vector<float>> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::vector<float> row;
    std::string word;
    while (words >> word)
      row.push_back(std::bit_cast<float>(
          static_cast<uint32_t>(std::stoul(word, nullptr, 16))));
    if (!row.empty()) rows.push_back(row);
  }
  return rows;
}

std::vector<float> ReadBinaryWords(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<float> values;
  std::string word;
  while (in >> word)
    values.push_back(std::bit_cast<float>(
        static_cast<uint32_t>(std::stoul(word, nullptr, 2))));
  return values;
}

}  // namespace

CaptureSet ReadCaptures(const std::string& gpu, const std::string& input,
                        const std::string& output) {
  const std::string dir = Dir(gpu, input);
  CaptureSet s;
  s.a = ReadHexRows(dir + "a_" + gpu + "_" + input + ".txt");
  s.b = ReadHexRows(dir + "b_" + gpu + "_" + input + ".txt");
  s.c = ReadBinaryWords(dir + "c_" + gpu + "_fp32.txt");
  s.d = ReadBinaryWords(dir + "d_" + gpu + "_" + output + ".txt");
  if (s.a.size() != s.d.size() || s.b.size() != s.d.size() ||
      s.c.size() != s.d.size())
    throw std::runtime_error("capture files of " + dir + " disagree in length");
  return s;
}

int CountCaptureMatches(
    const CaptureSet& set, const Numerics& numerics, bool c_is_zero,
    const std::function<void(size_t, float, float)>& on_mismatch) {
  const int emin_a = numerics.a.format.min_normal_exponent();
  const int emin_b = numerics.b.format.min_normal_exponent();
  int matched = 0;
  for (size_t i = 0; i < set.size(); ++i) {
    std::vector<Factor> a, b;
    for (float x : set.a[i]) a.push_back(MakeFactor(x, emin_a));
    for (float x : set.b[i]) b.push_back(MakeFactor(x, emin_b));
    const double c = c_is_zero ? 0.0 : set.c[i];
    const float d = static_cast<float>(DotProduct(a, b, c, numerics));
    if (std::bit_cast<uint32_t>(d) == std::bit_cast<uint32_t>(set.d[i])) {
      ++matched;
    } else if (on_mismatch) {
      on_mismatch(i, d, set.d[i]);
    }
  }
  return matched;
}

}  // namespace gemmsim::testing
