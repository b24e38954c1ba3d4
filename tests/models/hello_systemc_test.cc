// Elaborates and runs the hello pipeline once (SystemC elaborates once per
// process, so this executable holds a single simulating test case).
#include <doctest/doctest.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "models/hello/adder_datapath.h"
#include "models/hello/hello_pipeline.h"

namespace hello = gemmsim::models::hello;

TEST_CASE("hello pipeline: outputs match the datapath, timing is analytic") {
  std::vector<std::pair<uint32_t, uint32_t>> inputs;
  for (uint32_t i = 0; i < 20; ++i) {
    inputs.emplace_back(i * 0x0D000000u, 0x10000000u * (i % 5) + i);
  }
  const int latency = 3;

  const hello::HelloResult result = hello::run_hello(inputs, latency);

  REQUIRE(result.outputs.size() == inputs.size());
  size_t saturated = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    CAPTURE(i);
    const uint32_t expected =
        hello::add_saturating(inputs[i].first, inputs[i].second);
    CHECK(result.outputs[i] == expected);
    if (expected == 0xFFFFFFFFu) ++saturated;
  }
  // Both regimes of the datapath must be exercised.
  CHECK(saturated > 0);
  CHECK(saturated < inputs.size());

  // Edges are numbered from 1 and the producer never stalls, so pair i
  // (0-based) is popped on edge i + 1 and its result leaves on edge
  // i + 1 + latency: the last one on edge inputs.size() + latency.
  const uint64_t expected_cycle = inputs.size() + latency;
  CHECK(result.last_cycle == expected_cycle);
  CHECK(result.last_time ==
        sc_core::sc_time(hello::kHelloClockPeriodNs * expected_cycle,
                         sc_core::SC_NS));
}
