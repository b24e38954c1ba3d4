// Throughput of the bulk format conversions (datapaths/formats/bulk.h) in
// conversions per second, next to native references measured in the same
// process: a float32 copy (the memory-bandwidth ceiling for a 4-byte read
// and a write) and float32 -> float16 conversion (what the hardware does for
// a format it supports). See bench/README.md.
#include <benchmark/benchmark.h>
#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <random>
#include <span>
#include <string>

#include "datapaths/formats/bulk.h"

namespace gemmsim {
namespace {

constexpr size_t kCount = size_t{1} << 20;  // elements per array
constexpr size_t kAlignment = 64;           // one cache line
constexpr uint64_t kSeed = 20240601;

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

// A cache-line-aligned array of kCount elements of T.
template <typename T>
class AlignedArray {
 public:
  AlignedArray()
      : data_(static_cast<T*>(std::aligned_alloc(kAlignment, kBytes))) {
    if (data_ == nullptr) throw std::bad_alloc();
    std::fill_n(data_.get(), kCount, T{});
  }
  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }
  std::span<T> span() { return {data_.get(), kCount}; }
  std::span<const T> span() const { return {data_.get(), kCount}; }

 private:
  // kCount * sizeof(T) is a multiple of kAlignment, as aligned_alloc needs.
  static constexpr size_t kBytes = kCount * sizeof(T);
  std::unique_ptr<T[], FreeDeleter> data_;
};

// kCount float32 values from N(0, sigma^2), the same on every run.
std::unique_ptr<AlignedArray<float>> MakeNormal(float sigma) {
  auto array = std::make_unique<AlignedArray<float>>();
  std::mt19937 engine(kSeed);
  std::normal_distribution<float> normal(0.0f, sigma);
  for (float& x : array->span()) x = normal(engine);
  return array;
}

// The input for a format, scaled so that most values land in its normal
// range: N(0, 64^2) for e4m3fn (normals 2^-6..448), N(0, 2^2) for e2m1fn
// (normals 1..6). Built on first use; the native references use e4m3fn's.
const AlignedArray<float>& InputFor(const std::string& format) {
  static const auto e4m3fn = MakeNormal(64.0f);
  static const auto e2m1fn = MakeNormal(2.0f);
  return format == "e2m1fn" ? *e2m1fn : *e4m3fn;
}

void SetThroughput(benchmark::State& state) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(kCount));
}

// --- native references -----------------------------------------------------

void BM_Float32Copy(benchmark::State& state) {
  const AlignedArray<float>& in = InputFor("e4m3fn");
  AlignedArray<float> out;
  for (auto _ : state) {
    benchmark::DoNotOptimize(in.data());
    std::copy(in.data(), in.data() + kCount, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  SetThroughput(state);
}

// The compiler's own conversion of a scalar cast: vcvtps2ph where the CPU has
// F16C (x86-64-v3 clone), else libgcc's software __truncsfhf2.
__attribute__((target_clones("arch=x86-64-v3", "default"))) void CastToFloat16(
    const float* in, _Float16* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<_Float16>(in[i]);
}

void BM_Float32ToFloat16Cast(benchmark::State& state) {
  const AlignedArray<float>& in = InputFor("e4m3fn");
  AlignedArray<_Float16> out;
  for (auto _ : state) {
    benchmark::DoNotOptimize(in.data());
    CastToFloat16(in.data(), out.data(), kCount);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  SetThroughput(state);
}

// The hardware's vector conversion, 8 lanes at a time (F16C).
__attribute__((target("avx,f16c"))) void ConvertToFloat16F16c(const float* in,
                                                              uint16_t* out,
                                                              size_t n) {
  for (size_t i = 0; i < n; i += 8) {
    const __m256 x = _mm256_load_ps(in + i);
    const __m128i h = _mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT);
    _mm_store_si128(reinterpret_cast<__m128i*>(out + i), h);
  }
}

void BM_Float32ToFloat16F16c(benchmark::State& state) {
  if (!__builtin_cpu_supports("avx") || !__builtin_cpu_supports("f16c")) {
    state.SkipWithError("CPU lacks AVX/F16C");
    return;
  }
  const AlignedArray<float>& in = InputFor("e4m3fn");
  AlignedArray<uint16_t> out;
  for (auto _ : state) {
    benchmark::DoNotOptimize(in.data());
    ConvertToFloat16F16c(in.data(), out.data(), kCount);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  SetThroughput(state);
}

// --- gemmsim conversions ---------------------------------------------------

void BM_EncodeFloat32(benchmark::State& state, const std::string& name,
                      Rounding mode) {
  const Format format = FormatByName(name);
  EncodeOptions options;
  options.rounding.mode = mode;
  const RandomKey key{.seed = kSeed, .tensor = StreamTensor::kQuantize};
  const AlignedArray<float>& in = InputFor(name);
  AlignedArray<uint8_t> out;
  for (auto _ : state) {
    benchmark::DoNotOptimize(in.data());
    EncodeFloat32(format, in.span(), out.span(), options, key);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  SetThroughput(state);
  state.SetLabel(HasFastFloat32Kernel(format, options) ? "fast kernel"
                                                       : "generic path");
}

void BM_DecodeTable(benchmark::State& state, const std::string& name) {
  const Format format = FormatByName(name);
  const DecodeTable table(format);
  AlignedArray<uint8_t> codes;
  EncodeFloat32(format, InputFor(name).span(), codes.span(), EncodeOptions{});
  AlignedArray<float> out;
  for (auto _ : state) {
    benchmark::DoNotOptimize(codes.data());
    const uint8_t* c = codes.data();
    float* o = out.data();
    for (size_t i = 0; i < kCount; ++i) o[i] = static_cast<float>(table[c[i]]);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  SetThroughput(state);
}

// Medians over 9 repetitions; single-threaded (Google Benchmark's default),
// so items_per_second is conversions per second on one core.
void Configure(benchmark::internal::Benchmark* b) {
  b->Repetitions(9)->ReportAggregatesOnly(true)->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_Float32Copy)->Apply(Configure);
BENCHMARK(BM_Float32ToFloat16Cast)->Apply(Configure);
BENCHMARK(BM_Float32ToFloat16F16c)->Apply(Configure);
BENCHMARK_CAPTURE(BM_EncodeFloat32, e4m3fn_rne, "e4m3fn",
                  Rounding::kNearestEven)
    ->Apply(Configure);
BENCHMARK_CAPTURE(BM_EncodeFloat32, e4m3fn_stochastic, "e4m3fn",
                  Rounding::kStochastic)
    ->Apply(Configure);
BENCHMARK_CAPTURE(BM_EncodeFloat32, e2m1fn_rne, "e2m1fn",
                  Rounding::kNearestEven)
    ->Apply(Configure);
BENCHMARK_CAPTURE(BM_EncodeFloat32, e2m1fn_stochastic, "e2m1fn",
                  Rounding::kStochastic)
    ->Apply(Configure);
BENCHMARK_CAPTURE(BM_DecodeTable, e4m3fn, "e4m3fn")->Apply(Configure);

}  // namespace
}  // namespace gemmsim

BENCHMARK_MAIN();
