#!/usr/bin/env bash
# Runs bench_formats, keeps its JSON, and prints the median conversions per
# second of every case with its ratio to the float32 copy (a Markdown table).
#
# Usage: bench/run_formats.sh [JSON_OUT] [-- extra benchmark flags...]
#   JSON_OUT  where to write the results
#             (default: $BUILD_DIR/bench/bench_formats.json)
# Environment:
#   BUILD_DIR  the CMake build directory (default: build)
#   BENCH_CPU  pin the run to this CPU with taskset (default: not pinned)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-${root}/build}"
binary="${build_dir}/bench/bench_formats"
json_out="${build_dir}/bench/bench_formats.json"
if [[ $# -gt 0 && "$1" != "--" ]]; then
  json_out="$1"
  shift
fi
if [[ $# -gt 0 && "$1" == "--" ]]; then shift; fi

if [[ ! -x "${binary}" ]]; then
  echo "error: ${binary} not found; build it with:" >&2
  echo "  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release &&" \
       "cmake --build build --target bench_formats" >&2
  exit 1
fi

pin=()
if [[ -n "${BENCH_CPU:-}" ]]; then pin=(taskset -c "${BENCH_CPU}"); fi

"${pin[@]}" "${binary}" --benchmark_format=json \
  --benchmark_out="${json_out}" --benchmark_out_format=json "$@" >/dev/null

/usr/bin/python3 - "${json_out}" <<'PY'
import json
import sys

with open(sys.argv[1]) as f:
    data = json.load(f)

# "BM_EncodeFloat32/e4m3fn_rne/repeats:9" -> "EncodeFloat32/e4m3fn_rne"
def case_name(run):
    name = run.get("run_name", run["name"])
    parts = [p for p in name.split("/") if not p.startswith("repeats:")]
    parts[0] = parts[0].removeprefix("BM_")
    return "/".join(parts)

medians = {}
labels = {}
for run in data["benchmarks"]:
    if run.get("error_occurred"):
        medians.setdefault(case_name(run), None)
        continue
    if run.get("run_type") == "aggregate":
        if run.get("aggregate_name") != "median":
            continue
    elif any(r.get("run_type") == "aggregate" for r in data["benchmarks"]):
        continue  # repetitions ran: report the medians only
    medians[case_name(run)] = run.get("items_per_second")
    labels[case_name(run)] = run.get("label", "")

copy = medians.get("Float32Copy")
ctx = data.get("context", {})
load = ", ".join(f"{x:.2f}" for x in ctx.get("load_avg", []))
print(f"{ctx.get('host_name', '?')}: {ctx.get('num_cpus', '?')} CPUs at "
      f"{ctx.get('mhz_per_cpu', '?')} MHz, load average {load}")
print()
print("| case | median M conversions/s | ratio to float32 copy |")
print("|---|---:|---:|")
for name, ips in medians.items():
    if ips is None:
        print(f"| {name} | skipped | |")
        continue
    ratio = f"{ips / copy:.3f}" if copy else "n/a"
    note = f" ({labels[name]})" if labels.get(name) else ""
    print(f"| {name}{note} | {ips / 1e6:,.0f} | {ratio} |")
PY
