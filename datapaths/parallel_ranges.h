// The one way work is split over threads: [0, count) cut into at most
// `threads` contiguous ranges, one per thread. Callers compute every result
// from its own inputs and index only, so the split cannot change a bit:
// results do not depend on the thread count.
#pragma once

#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

namespace gemmsim {

// body(begin, end) for each range, the last on the calling thread; one
// range (threads <= 1, or count <= 1) runs inline.
template <typename Body>
void ParallelRanges(int64_t count, int threads, const Body& body) {
  const int64_t workers =
      std::clamp<int64_t>(threads, 1, std::max<int64_t>(count, 1));
  if (workers == 1) {
    if (count > 0) body(int64_t{0}, count);
    return;
  }
  const int64_t per = (count + workers - 1) / workers;
  std::vector<std::thread> pool;
  int64_t begin = 0;
  for (; begin + per < count; begin += per)
    pool.emplace_back([&body, begin, per] { body(begin, begin + per); });
  body(begin, count);
  for (std::thread& th : pool) th.join();
}

}  // namespace gemmsim
