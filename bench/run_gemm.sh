#!/usr/bin/env bash
# Whole-process wall time of `gemmsim gemm` against a native float32 GEMM
# (OpenBLAS sgemm, bench/native_sgemm.cc) on the same FP8-valued operands,
# both on 2 threads; prints the median of RUNS runs and the ratio.
# Usage: bench/run_gemm.sh [SIZE] [RUNS] [PRESET...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-${root}/build}"
size="${1:-2048}"
runs="${2:-5}"
shift 2 2>/dev/null || true
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(fp8-acc-fp32 h100-e4m3-fp32 fp8-acc-fp16)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Debian's python3-numpy belongs to /usr/bin/python3 (another python3 may
# come first on PATH).
python="${PYTHON:-$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3)}"
"$python" "${root}/bench/make_gemm_operands.py" "$work" "$size"
export OPENBLAS_NUM_THREADS=2
# gemmsim runs its large allocations on huge pages (app/huge_pages.h); the
# native reference gets the same environment, so the comparison is fair.
export GLIBC_TUNABLES=glibc.malloc.hugetlb=1

median() {  # median wall seconds of running "$@" $runs times
  local times=()
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null
    t1=$(date +%s.%N)
    times+=("$(echo "$t1 - $t0" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

native=$(median "${build}/bench/native_sgemm" "$work/a.npy" "$work/b.npy" "$work/d.npy")
printf '| %s | %s | %s |\n|---|---:|---:|\n' "${size}^3, 2 threads" "median s" "ratio"
printf '| native sgemm (OpenBLAS) | %.3f | 1.0 |\n' "$native"
for preset in "${presets[@]}"; do
  t=$(median "${build}/gemmsim" gemm --numerics "$preset" --threads 2 \
      "$work/a.npy" "$work/b.npy" -o "$work/d.npy")
  printf '| gemmsim gemm %s | %.3f | %.1f |\n' "$preset" "$t" "$(echo "$t / $native" | bc -l)"
done
