#include "models/mac_array/systolic_array.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "datapaths/arithmetic/term.h"
#include "datapaths/error.h"
#include "models/mac_array/mac_unit.h"

namespace gemmsim::models {
namespace {

// A value on a wire between PEs: a factor with a valid bit, and (WS) the A
// row it belongs to.
struct Operand {
  bool valid = false;
  Factor f;
  int64_t m = 0;
};

// Shared by both dataflows: the problem, a tile iterator and D's writes.
class GemmBase : public SystolicGemm {
 protected:
  // Exactly one of d (D out, C in) and acc (states in and out) is set.
  GemmBase(const MacArrayConfig& config, const GemmProblem& p,
           const Numerics& n, double* d, MacState* acc)
      : config_(config), p_(p), n_(n), d_(d), acc_io_(acc) {
    CheckMacArrayNumerics(n);
    CheckMacArrayProblem(p);
    if (config.rows < 1 || config.cols < 1)
      throw ConfigError("MAC array: rows and cols must be >= 1");
    if (p.m == 0 || p.n == 0 || p.k == 0) {  // nothing reaches the array
      if (d != nullptr) {
        for (int64_t e = 0; e < p.m * p.n; ++e)
          d[e] = MacOutput(MacInit(C(e / p.n, e % p.n), n), n);
      }
      done_ = true;
    }
  }
  // What PE (i, j) of the GEMM starts from, and where its result goes.
  MacState Start(int64_t i, int64_t j) const {
    return acc_io_ ? acc_io_[i * p_.n + j] : MacInit(C(i, j), n_);
  }
  void Finish(int64_t i, int64_t j, const MacState& s) {
    if (acc_io_) {
      acc_io_[i * p_.n + j] = s;
    } else {
      d_[i * p_.n + j] = MacOutput(s, n_);
    }
  }
  double C(int64_t i, int64_t j) const { return p_.c ? p_.c[i * p_.n + j] : 0; }
  Factor A(int64_t i, int64_t k) const {
    return MakeFactor(p_.a.values[i * p_.k + k], p_.a.emin);
  }
  Factor B(int64_t k, int64_t j) const {
    return MakeFactor(p_.b.values[k * p_.n + j], p_.b.emin);
  }

 public:
  bool Done() const override { return done_; }

 protected:
  const MacArrayConfig config_;
  const GemmProblem p_;
  const Numerics n_;
  double* const d_;
  MacState* const acc_io_;
  bool done_ = false;
};

// Output stationary: tiles (m0, n0) in row-major order; per tile a compute
// phase (until every PE did K MACs) and a drain phase (r cycles).
class OsGemm : public GemmBase {
 public:
  OsGemm(const MacArrayConfig& c, const GemmProblem& p, const Numerics& n,
         double* d, MacState* acc)
      : GemmBase(c, p, n, d, acc) {
    if (!done_) StartTile();
  }

  void Step() override {
    if (done_) return;
    if (done_macs_ < r_ * c_ * p_.k) {
      Compute();
    } else {
      Drain();
    }
  }

 private:
  struct Pe {
    MacState s;
    Operand a, b;  // registers passed right / down
  };
  Pe& pe(int64_t i, int64_t j) { return pes_[i * c_ + j]; }

  void StartTile() {
    r_ = std::min<int64_t>(config_.rows, p_.m - m0_);
    c_ = std::min<int64_t>(config_.cols, p_.n - n0_);
    pes_.assign(r_ * c_, Pe{});
    for (int64_t i = 0; i < r_; ++i)
      for (int64_t j = 0; j < c_; ++j) pe(i, j).s = Start(m0_ + i, n0_ + j);
    t_ = done_macs_ = drained_ = 0;
  }

  // Edge feeders: row i gets A[m0 + i][t - i], column j gets B[t - j][n0 + j].
  Operand FeedA(int64_t i) const {
    const int64_t k = t_ - i;
    if (k < 0 || k >= p_.k) return {};
    return {true, A(m0_ + i, k), 0};
  }
  Operand FeedB(int64_t j) const {
    const int64_t k = t_ - j;
    if (k < 0 || k >= p_.k) return {};
    return {true, B(k, n0_ + j), 0};
  }

  void Compute() {
    // Bottom-right first, so that every PE reads its neighbours' registers
    // as they were before this edge.
    for (int64_t i = r_ - 1; i >= 0; --i) {
      for (int64_t j = c_ - 1; j >= 0; --j) {
        const Operand a = j == 0 ? FeedA(i) : pe(i, j - 1).a;
        const Operand b = i == 0 ? FeedB(j) : pe(i - 1, j).b;
        Pe& x = pe(i, j);
        if (a.valid != b.valid) throw std::logic_error("OS skew broken");
        if (a.valid) {
          x.s = MacStep(x.s, a.f, b.f, n_.accumulate);
          ++done_macs_;
        }
        x.a = a;
        x.b = b;
      }
    }
    ++t_;
  }

  // The bottom row leaves first; each result is rounded as it leaves.
  void Drain() {
    const int64_t i = r_ - 1 - drained_;
    for (int64_t j = 0; j < c_; ++j) Finish(m0_ + i, n0_ + j, pe(i, j).s);
    if (++drained_ < r_) return;
    n0_ += config_.cols;
    if (n0_ >= p_.n) {
      n0_ = 0;
      m0_ += config_.rows;
    }
    if (m0_ >= p_.m) {
      done_ = true;
    } else {
      StartTile();
    }
  }

  int64_t m0_ = 0, n0_ = 0, r_ = 0, c_ = 0;
  int64_t t_ = 0, done_macs_ = 0, drained_ = 0;
  std::vector<Pe> pes_;
};

// Weight stationary: column tiles n0, each over K-slices k0; per slice a
// preload phase (kr cycles) and a compute phase. acc_ (M x c) holds the
// partial sums between slices (the array's output buffer).
class WsGemm : public GemmBase {
 public:
  WsGemm(const MacArrayConfig& c, const GemmProblem& p, const Numerics& n,
         double* d, MacState* acc)
      : GemmBase(c, p, n, d, acc) {
    if (!done_) StartColumnTile();
  }

  void Step() override {
    if (done_) return;
    if (loaded_ < kr_) {
      Preload();
    } else {
      Compute();
    }
  }

 private:
  struct Pe {
    Factor w;
    Operand a;  // passed right
    bool psum_valid = false;
    MacState psum;  // passed down
  };
  Pe& pe(int64_t i, int64_t j) { return pes_[i * c_ + j]; }

  void StartColumnTile() {
    c_ = std::min<int64_t>(config_.cols, p_.n - n0_);
    acc_.assign(p_.m * c_, MacState{});
    for (int64_t m = 0; m < p_.m; ++m)
      for (int64_t j = 0; j < c_; ++j) acc_[m * c_ + j] = Start(m, n0_ + j);
    k0_ = 0;
    StartSlice();
  }

  void StartSlice() {
    kr_ = std::min<int64_t>(config_.rows, p_.k - k0_);
    pes_.assign(kr_ * c_, Pe{});
    t_ = done_macs_ = loaded_ = 0;
  }

  // Weights shift down one row per cycle: the last row of the slice enters
  // first, so that after kr cycles PE row i holds B[k0 + i].
  void Preload() {
    for (int64_t i = kr_ - 1; i >= 1; --i)
      for (int64_t j = 0; j < c_; ++j) pe(i, j).w = pe(i - 1, j).w;
    for (int64_t j = 0; j < c_; ++j)
      pe(0, j).w = B(k0_ + kr_ - 1 - loaded_, n0_ + j);
    ++loaded_;
  }

  // Row i of the array gets A[t - i][k0 + i].
  Operand FeedA(int64_t i) const {
    const int64_t m = t_ - i;
    if (m < 0 || m >= p_.m) return {};
    return {true, A(m, k0_ + i), m};
  }

  void Compute() {
    for (int64_t i = kr_ - 1; i >= 0; --i) {
      for (int64_t j = c_ - 1; j >= 0; --j) {
        const Operand a = j == 0 ? FeedA(i) : pe(i, j - 1).a;
        Pe& x = pe(i, j);
        x.a = a;
        x.psum_valid = a.valid;
        if (!a.valid) continue;
        const MacState in = i == 0 ? acc_[a.m * c_ + j] : pe(i - 1, j).psum;
        if (i > 0 && !pe(i - 1, j).psum_valid)
          throw std::logic_error("WS skew broken");
        // acc_down = round(acc_up + a * b): every hop rounds.
        const MacState out = MacStep(in, a.f, x.w, n_.accumulate);
        ++done_macs_;
        if (i == kr_ - 1) {
          acc_[a.m * c_ + j] = out;  // leaves the bottom of the column
        } else {
          x.psum = out;
        }
      }
    }
    ++t_;
    if (done_macs_ < p_.m * c_ * kr_) return;
    k0_ += config_.rows;
    if (k0_ < p_.k) {
      StartSlice();
      return;
    }
    // The output stage rounds each D as the last slice's sums leave.
    for (int64_t m = 0; m < p_.m; ++m)
      for (int64_t j = 0; j < c_; ++j) Finish(m, n0_ + j, acc_[m * c_ + j]);
    n0_ += config_.cols;
    if (n0_ >= p_.n) {
      done_ = true;
    } else {
      StartColumnTile();
    }
  }

  int64_t n0_ = 0, k0_ = 0, kr_ = 0, c_ = 0;
  int64_t t_ = 0, done_macs_ = 0, loaded_ = 0;
  std::vector<Pe> pes_;
  std::vector<MacState> acc_;
};

}  // namespace

std::unique_ptr<SystolicGemm> MakeSystolicGemm(const MacArrayConfig& config,
                                               const GemmProblem& problem,
                                               const Numerics& numerics,
                                               double* d) {
  if (config.dataflow == Dataflow::kOutputStationary)
    return std::make_unique<OsGemm>(config, problem, numerics, d, nullptr);
  return std::make_unique<WsGemm>(config, problem, numerics, d, nullptr);
}

std::unique_ptr<SystolicGemm> MakeSystolicTile(const MacArrayConfig& config,
                                               const GemmProblem& problem,
                                               const Numerics& numerics,
                                               MacState* acc) {
  if (config.dataflow == Dataflow::kOutputStationary)
    return std::make_unique<OsGemm>(config, problem, numerics, nullptr, acc);
  return std::make_unique<WsGemm>(config, problem, numerics, nullptr, acc);
}

}  // namespace gemmsim::models
