// Weight-only int4 matmul on CUDA: y (M, N) = x (M, K) @ dequant(qweight (N, K/2), scales (N, K/gs))^T + bias.
//
// Byte j of a row holds column 2j in its low nibble and 2j+1 in its high nibble, each stored
// as value + 8. group_size is a multiple of 32 dividing K (checked by the binding), so a
// 32-column chunk never straddles two groups and every row starts 16-byte aligned.
//
// Decode: one warp per output row; each lane loads 16 bytes (32 weights, one group's scale)
// and 8 float4 of x per step. Prefill: the same 64 x 64 tiling as the int8 kernel, unpacking
// nibbles while staging the weight slice into shared memory.

#include <cuda_runtime.h>
#include <stdint.h>

#include "quant_common.cuh"

namespace {

__device__ __forceinline__ float lo_nibble(uint32_t word, int byte) {
  return static_cast<float>(static_cast<int>((word >> (8 * byte)) & 0xFu) - 8);
}

__device__ __forceinline__ float hi_nibble(uint32_t word, int byte) {
  return static_cast<float>(static_cast<int>((word >> (8 * byte + 4)) & 0xFu) - 8);
}

__global__ void int4_gemv_kernel(const float* __restrict__ x, const uint8_t* __restrict__ w,
                                 const float* __restrict__ scales, const float* __restrict__ bias,
                                 float* __restrict__ y, int M, int N, int K, int group_size) {
  const int warp = threadIdx.x / kiln::kWarp;
  const int lane = threadIdx.x % kiln::kWarp;
  const int n = blockIdx.x * kiln::kGemvWarps + warp;
  const int m = blockIdx.y;
  if (n >= N || m >= M) return;
  const int groups = K / group_size;
  const uint8_t* wr = w + static_cast<size_t>(n) * (K / 2);
  const float* xr = x + static_cast<size_t>(m) * K;
  const float* sr = scales + static_cast<size_t>(n) * groups;
  float acc = 0.f;
  for (int k = lane * 32; k < K; k += kiln::kWarp * 32) {
    const uint4 packed = *reinterpret_cast<const uint4*>(wr + k / 2);  // columns k .. k+31
    const uint32_t words[4] = {packed.x, packed.y, packed.z, packed.w};
    const float4* xv = reinterpret_cast<const float4*>(xr + k);
    float part = 0.f;
#pragma unroll
    for (int i = 0; i < 4; ++i) {  // word i holds columns k + 8i .. k + 8i + 7
      const float4 a = xv[2 * i], b = xv[2 * i + 1];
      part += a.x * lo_nibble(words[i], 0) + a.y * hi_nibble(words[i], 0) + a.z * lo_nibble(words[i], 1) +
              a.w * hi_nibble(words[i], 1) + b.x * lo_nibble(words[i], 2) + b.y * hi_nibble(words[i], 2) +
              b.z * lo_nibble(words[i], 3) + b.w * hi_nibble(words[i], 3);
    }
    acc += part * sr[k / group_size];
  }
  acc = kiln::warp_sum(acc);
  if (lane == 0) y[static_cast<size_t>(m) * N + n] = acc + (bias ? bias[n] : 0.f);
}

__global__ void int4_gemm_kernel(const float* __restrict__ x, const uint8_t* __restrict__ w,
                                 const float* __restrict__ scales, const float* __restrict__ bias,
                                 float* __restrict__ y, int M, int N, int K, int group_size) {
  using namespace kiln;
  __shared__ float xs[kTileK][kTileM + 4];
  __shared__ float ws[kTileK][kTileN + 4];
  const int tid = threadIdx.x;
  const int m0 = blockIdx.y * kTileM, n0 = blockIdx.x * kTileN;
  const int tm = (tid / 16) * 4, tn = (tid % 16) * 4;
  const int groups = K / group_size;
  float acc[4][4] = {};
  // K is a multiple of group_size, hence of kTileK: no partial k slice.
  for (int k0 = 0; k0 < K; k0 += kTileK) {
#pragma unroll
    for (int i = 0; i < (kTileM * kTileK) / kGemmThreads; ++i) {
      const int idx = tid + i * kGemmThreads;
      const int r = idx / kTileK, c = idx % kTileK;
      const int m = m0 + r;
      xs[c][r] = m < M ? x[static_cast<size_t>(m) * K + k0 + c] : 0.f;
    }
    // The weight slice is 64 rows x 16 bytes: one byte (two columns) per thread per pass.
#pragma unroll
    for (int i = 0; i < (kTileN * kTileK / 2) / kGemmThreads; ++i) {
      const int idx = tid + i * kGemmThreads;
      const int r = idx / (kTileK / 2), c = idx % (kTileK / 2);
      const int n = n0 + r;
      float lo = 0.f, hi = 0.f;
      if (n < N) {
        const uint32_t byte = w[static_cast<size_t>(n) * (K / 2) + k0 / 2 + c];
        const float s = scales[static_cast<size_t>(n) * groups + k0 / group_size];
        lo = static_cast<float>(static_cast<int>(byte & 0xFu) - 8) * s;
        hi = static_cast<float>(static_cast<int>(byte >> 4) - 8) * s;
      }
      ws[2 * c][r] = lo;
      ws[2 * c + 1][r] = hi;
    }
    __syncthreads();
    mma_tile_4x4(xs, ws, tm, tn, acc);
    __syncthreads();
  }
  store_tile_4x4(acc, bias, y, M, N, m0 + tm, n0 + tn);
}

}  // namespace

extern "C" int kiln_int4_matmul(const float* x, const uint8_t* qweight, const float* scales, const float* bias,
                                float* y, int M, int N, int K, int group_size, cudaStream_t stream) {
  if (group_size <= 0 || group_size % kiln::kTileK != 0 || K % group_size != 0) {
    return static_cast<int>(cudaErrorInvalidValue);
  }
  if (M <= kiln::kGemvMaxRows && kiln::aligned16(x) && kiln::aligned16(qweight)) {
    const dim3 grid((N + kiln::kGemvWarps - 1) / kiln::kGemvWarps, M);
    int4_gemv_kernel<<<grid, kiln::kGemvWarps * kiln::kWarp, 0, stream>>>(x, qweight, scales, bias, y, M, N, K,
                                                                           group_size);
  } else {
    const dim3 grid((N + kiln::kTileN - 1) / kiln::kTileN, (M + kiln::kTileM - 1) / kiln::kTileM);
    int4_gemm_kernel<<<grid, kiln::kGemmThreads, 0, stream>>>(x, qweight, scales, bias, y, M, N, K, group_size);
  }
  return static_cast<int>(cudaGetLastError());
}
