#include "models/chip/chip_plan.h"

#include <algorithm>

#include "models/cost/tile_cycles.h"

namespace gemmsim::models {
namespace {

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// The HBM bytes of each output tile of one batch, in the order the tiles are
// issued. Same panel scheme as the cost model (models/cost/README.md
// "Memory"): when A or B fits in half the SRAM each operand is read once;
// otherwise a panel of the resident operand stays on chip and the other
// operand streams once per panel, whichever orientation moves less. Every
// tile loads what it is the first to need, so the sum over tiles is the
// cost model's byte count exactly.
struct OutputTile {
  int64_t row0, rows, col0, cols;
  double bytes;
};

std::vector<OutputTile> OutputTraffic(const cost::Machine& machine,
                                      const cost::Geometry& g,
                                      const cost::GemmShape& s) {
  const double in =
      static_cast<double>(cost::DtypeBytes(cost::CanonicalDtype(s.dtype)));
  const double out = std::max(2.0, in) * (s.addend ? 2 : 1);
  const double k = static_cast<double>(s.k);
  const int64_t row_tiles = CeilDiv(s.m, g.rows),
                col_tiles = CeilDiv(s.n, g.cols);
  const double a = static_cast<double>(s.m) * k * in;
  const double b = k * static_cast<double>(s.n) * in;
  const double budget = static_cast<double>(machine.sram_bytes) / 2;
  // Panel widths in tiles: everything when an operand fits.
  int64_t col_panel = col_tiles, row_panel = row_tiles;
  bool b_resident = true;
  if (std::min(a, b) > budget) {
    const auto panel_tiles = [&](int64_t tile) {
      const double fit = budget / (k * in);
      return std::max<int64_t>(tile, static_cast<int64_t>(fit) / tile * tile) /
             tile;
    };
    col_panel = panel_tiles(g.cols);
    row_panel = panel_tiles(g.rows);
    const double by_b =
        a * static_cast<double>(CeilDiv(col_tiles, col_panel)) + b;
    const double by_a =
        b * static_cast<double>(CeilDiv(row_tiles, row_panel)) + a;
    b_resident = by_b <= by_a;
  }
  const auto extent = [](int64_t i, int64_t tile, int64_t size) {
    return std::min(tile, size - i * tile);
  };
  std::vector<OutputTile> tiles;
  tiles.reserve(static_cast<size_t>(row_tiles * col_tiles));
  const auto add = [&](int64_t i, int64_t j, bool load_a, bool load_b) {
    const int64_t mt = extent(i, g.rows, s.m), nt = extent(j, g.cols, s.n);
    double bytes = static_cast<double>(mt) * static_cast<double>(nt) * out;
    if (load_a) bytes += static_cast<double>(mt) * k * in;
    if (load_b) bytes += k * static_cast<double>(nt) * in;
    tiles.push_back({i * g.rows, mt, j * g.cols, nt, bytes});
  };
  if (b_resident) {
    // Per panel of B columns: A's row panel once per panel, B's columns once.
    for (int64_t p = 0; p < col_tiles; p += col_panel)
      for (int64_t i = 0; i < row_tiles; ++i)
        for (int64_t j = p; j < std::min(col_tiles, p + col_panel); ++j)
          add(i, j, j == p, i == 0);
  } else {
    for (int64_t p = 0; p < row_tiles; p += row_panel)
      for (int64_t j = 0; j < col_tiles; ++j)
        for (int64_t i = p; i < std::min(row_tiles, p + row_panel); ++i)
          add(i, j, j == 0, i == p);
  }
  return tiles;
}

}  // namespace

ChipPlan PlanGemm(const cost::Machine& machine, const cost::GemmShape& gemm) {
  // EstimateGemm checks the shape and dtype and picks the geometry.
  const cost::Cost estimate = cost::EstimateGemm(machine, gemm);
  ChipPlan plan;
  const cost::DtypeEngines& e = cost::EnginesFor(machine, gemm.dtype);
  plan.engines = e.count;
  if (estimate.flops == 0) return plan;
  const cost::Geometry& g = estimate.geometry;
  plan.geometry = g;
  plan.once_cycles = cost::OnceCycles(machine, g);
  const bool os = machine.dataflow == cost::Dataflow::kOutputStationary;
  const bool bare = cost::IsBareArray(machine, e, g);
  const int64_t stream = os ? gemm.k : gemm.m;
  const std::vector<OutputTile> traffic = OutputTraffic(machine, g, gemm);
  // Split-K (as the cost model): each output tile's K shared by `splits`
  // engine tiles, its bytes spread over them.
  const int64_t splits = cost::SplitK(
      machine, e, static_cast<int64_t>(traffic.size()) * gemm.batch, gemm.k);
  const int64_t split_stream = CeilDiv(stream, splits);
  const double full = cost::TileCycles(machine, e, g, split_stream);
  std::vector<ChipTile> batch;
  if (os) {
    // Engine tiles are the output tiles (or their K shares): one transfer
    // each.
    for (const OutputTile& t : traffic) {
      for (int64_t part = 0; part < splits; ++part) {
        ChipTile tile;
        tile.rows = t.rows;
        tile.cols = t.cols;
        tile.row0 = t.row0;
        tile.col0 = t.col0;
        tile.cycles =
            bare ? cost::BareTileCycles(machine, split_stream, t.rows, t.cols)
                 : full;
        tile.bytes = t.bytes / static_cast<double>(splits);
        batch.push_back(tile);
      }
    }
  } else {
    // Weight stationary tiles B (K x N), not D: the batch's bytes are spread
    // evenly over its weight tiles.
    double total = 0;
    for (const OutputTile& t : traffic) total += t.bytes;
    const int64_t row_tiles = CeilDiv(gemm.k, g.rows),
                  col_tiles = CeilDiv(gemm.n, g.cols);
    const double share = total / static_cast<double>(row_tiles * col_tiles);
    for (int64_t i = 0; i < row_tiles; ++i) {
      for (int64_t j = 0; j < col_tiles; ++j) {
        const int64_t kt = std::min(g.rows, gemm.k - i * g.rows),
                      nt = std::min(g.cols, gemm.n - j * g.cols);
        ChipTile tile;
        tile.rows = kt;
        tile.cols = nt;
        tile.row0 = i * g.rows;
        tile.col0 = j * g.cols;
        tile.cycles =
            bare ? cost::BareTileCycles(machine, stream, kt, nt) : full;
        tile.bytes = share;
        // Issue order is K slice by K slice: the previous slice of these
        // columns is col_tiles tiles earlier.
        if (i > 0)
          tile.depends_on = static_cast<int64_t>(batch.size()) - col_tiles;
        batch.push_back(tile);
      }
    }
  }
  plan.tiles.reserve(batch.size() * static_cast<size_t>(gemm.batch));
  for (int64_t b = 0; b < gemm.batch; ++b) {
    const int64_t offset = static_cast<int64_t>(plan.tiles.size());
    for (ChipTile t : batch) {
      if (t.depends_on >= 0) t.depends_on += offset;
      plan.tiles.push_back(t);
    }
  }
  for (const ChipTile& t : plan.tiles) plan.bytes += t.bytes;
  return plan;
}

}  // namespace gemmsim::models
