// Weight-only int8 matmul on CUDA: y (M, N) = x (M, K) @ (qweight (N, K) * scales (N,))^T + bias.
//
// Pure CUDA with a C ABI launcher (no torch headers), so scripts/check_kernels.sh can compile it
// with bare nvcc; the torch binding lives in binding.cpp.
//
// Decode (few rows): a GEMV with one warp per output row. Each lane loads 16 weights at once
// (one 128-bit load) and the four float4 of x they pair with; the row's partial sums meet in a
// warp shuffle reduction. The per-row scale is applied once, after the reduction.
// Prefill (many rows): a 64 x 64 output tile per block, K walked in slices of 32; weights are
// dequantized to float while being staged into shared memory, and each thread accumulates a
// 4 x 4 register block.

#include <cuda_runtime.h>
#include <stdint.h>

#include "quant_common.cuh"

namespace {

template <bool kVec>
__global__ void int8_gemv_kernel(const float* __restrict__ x, const int8_t* __restrict__ w,
                                 const float* __restrict__ scales, const float* __restrict__ bias,
                                 float* __restrict__ y, int M, int N, int K) {
  const int warp = threadIdx.x / kiln::kWarp;
  const int lane = threadIdx.x % kiln::kWarp;
  const int n = blockIdx.x * kiln::kGemvWarps + warp;
  const int m = blockIdx.y;
  if (n >= N || m >= M) return;
  const int8_t* wr = w + static_cast<size_t>(n) * K;
  const float* xr = x + static_cast<size_t>(m) * K;
  float acc = 0.f;
  if (kVec) {
    // K % 16 == 0 here, so every row start and every 16-wide chunk is 16-byte aligned.
    for (int k = lane * 16; k < K; k += kiln::kWarp * 16) {
      const int4 packed = *reinterpret_cast<const int4*>(wr + k);
      const int8_t* b = reinterpret_cast<const int8_t*>(&packed);
      const float4* xv = reinterpret_cast<const float4*>(xr + k);
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        const float4 xx = xv[i];
        acc += xx.x * b[4 * i] + xx.y * b[4 * i + 1] + xx.z * b[4 * i + 2] + xx.w * b[4 * i + 3];
      }
    }
  } else {
    for (int k = lane; k < K; k += kiln::kWarp) acc += xr[k] * static_cast<float>(wr[k]);
  }
  acc = kiln::warp_sum(acc);
  if (lane == 0) y[static_cast<size_t>(m) * N + n] = acc * scales[n] + (bias ? bias[n] : 0.f);
}

__global__ void int8_gemm_kernel(const float* __restrict__ x, const int8_t* __restrict__ w,
                                 const float* __restrict__ scales, const float* __restrict__ bias,
                                 float* __restrict__ y, int M, int N, int K) {
  using namespace kiln;
  // Stored k-major so the inner loop reads 4 consecutive rows / columns of a k slice;
  // +4 padding keeps the transposed stores from piling into one bank.
  __shared__ float xs[kTileK][kTileM + 4];
  __shared__ float ws[kTileK][kTileN + 4];
  const int tid = threadIdx.x;
  const int m0 = blockIdx.y * kTileM, n0 = blockIdx.x * kTileN;
  const int tm = (tid / 16) * 4, tn = (tid % 16) * 4;
  float acc[4][4] = {};
  for (int k0 = 0; k0 < K; k0 += kTileK) {
    // 256 threads stage 64 x 32 values of each operand, 8 apiece; consecutive threads take
    // consecutive k so global reads coalesce.
#pragma unroll
    for (int i = 0; i < (kTileM * kTileK) / kGemmThreads; ++i) {
      const int idx = tid + i * kGemmThreads;
      const int r = idx / kTileK, c = idx % kTileK;
      const int k = k0 + c;
      const int m = m0 + r, n = n0 + r;
      xs[c][r] = (m < M && k < K) ? x[static_cast<size_t>(m) * K + k] : 0.f;
      ws[c][r] = (n < N && k < K) ? static_cast<float>(w[static_cast<size_t>(n) * K + k]) * scales[n] : 0.f;
    }
    __syncthreads();
    mma_tile_4x4(xs, ws, tm, tn, acc);
    __syncthreads();
  }
  store_tile_4x4(acc, bias, y, M, N, m0 + tm, n0 + tn);
}

}  // namespace

extern "C" int kiln_int8_matmul(const float* x, const int8_t* qweight, const float* scales, const float* bias,
                                float* y, int M, int N, int K, cudaStream_t stream) {
  if (M <= kiln::kGemvMaxRows) {
    const dim3 grid((N + kiln::kGemvWarps - 1) / kiln::kGemvWarps, M);
    const dim3 block(kiln::kGemvWarps * kiln::kWarp);
    const bool vec = K % 16 == 0 && kiln::aligned16(x) && kiln::aligned16(qweight);
    if (vec) {
      int8_gemv_kernel<true><<<grid, block, 0, stream>>>(x, qweight, scales, bias, y, M, N, K);
    } else {
      int8_gemv_kernel<false><<<grid, block, 0, stream>>>(x, qweight, scales, bias, y, M, N, K);
    }
  } else {
    const dim3 grid((N + kiln::kTileN - 1) / kiln::kTileN, (M + kiln::kTileM - 1) / kiln::kTileM);
    int8_gemm_kernel<<<grid, kiln::kGemmThreads, 0, stream>>>(x, qweight, scales, bias, y, M, N, K);
  }
  return static_cast<int>(cudaGetLastError());
}
