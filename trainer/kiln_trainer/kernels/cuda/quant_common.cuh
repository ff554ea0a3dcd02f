// Shared pieces of the int8 / int4 CUDA kernels: launch geometry, reductions, the 4 x 4
// register-blocked inner product of the tiled (prefill) kernels and its store.
#pragma once

#include <cuda_runtime.h>
#include <stdint.h>

namespace kiln {

constexpr int kWarp = 32;
constexpr int kGemvWarps = 4;     // output rows (one per warp) per GEMV block
constexpr int kGemvMaxRows = 8;   // up to this many activation rows the GEMV re-reads W per row
constexpr int kTileM = 64;        // activation rows per GEMM block
constexpr int kTileN = 64;        // output columns (weight rows) per GEMM block
constexpr int kTileK = 32;        // k slice staged in shared memory; int4 groups are multiples
constexpr int kGemmThreads = 256;  // 16 x 16 threads, each owning a 4 x 4 output block

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int offset = kWarp / 2; offset > 0; offset /= 2) v += __shfl_down_sync(0xffffffffu, v, offset);
  return v;
}

inline bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

__device__ __forceinline__ void mma_tile_4x4(const float (&xs)[kTileK][kTileM + 4],
                                             const float (&ws)[kTileK][kTileN + 4], int tm, int tn,
                                             float (&acc)[4][4]) {
#pragma unroll
  for (int kk = 0; kk < kTileK; ++kk) {
    float a[4], b[4];
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      a[i] = xs[kk][tm + i];
      b[i] = ws[kk][tn + i];
    }
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
      for (int j = 0; j < 4; ++j) acc[i][j] += a[i] * b[j];
  }
}

__device__ __forceinline__ void store_tile_4x4(const float (&acc)[4][4], const float* __restrict__ bias,
                                               float* __restrict__ y, int M, int N, int m, int n) {
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    if (m + i >= M) continue;
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      if (n + j < N) y[static_cast<size_t>(m + i) * N + n + j] = acc[i][j] + (bias ? bias[n + j] : 0.f);
    }
  }
}

}  // namespace kiln
