// What the two CPU kernel files share: the ISA enum, the target attributes and the chunked
// thread runner. quant_matmul_cpu.cpp holds the fp32-activation path and the Python binding;
// int8_act_cpu.cpp the int8-activation path.
#pragma once

#include <torch/extension.h>

#include <atomic>
#include <cstdint>
#include <functional>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define KILN_X86 1
#define KILN_AVX512_TARGET __attribute__((target("avx512f,avx512bw,avx2,fma")))
#define KILN_VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma")))
#define KILN_AVX2_TARGET __attribute__((target("avx2,fma")))
#endif

namespace kiln {

enum class Isa : int { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

// Whether the CPU has AVX-512 VNNI (vpdpbusd): the avx512 path's int8-activation kernels need
// it; an AVX-512 CPU without it runs the AVX2 integer kernels there.
bool cpu_has_vnni();

// Runs fn(b0, b1) over [0, blocks) in chunks of `chunk` blocks, on the calling thread plus up to
// at::get_num_threads() - 1 helpers that join when they get a core (see quant_matmul_cpu.cpp).
void run_chunked(int64_t blocks, int64_t chunk, const std::function<void(int64_t, int64_t)>& fn);

// The int8-activation path: y (M, N) = dequant(quant_rows(x)) @ dequant(W)^T + bias, x
// quantized per row, symmetric, to int8 inside the call. Returns false, having written nothing,
// when x holds a NaN or an infinity (no finite scale exists); the caller then runs the fp32 path.
// col_sums: int8 only, sum over k of W[n, k] (N,) int32, may be null (computed here).
bool int8_act_matmul(Isa isa, const float* x, int64_t M, int64_t K, int64_t N, const void* qw,
                     const float* scales, const int32_t* col_sums, int64_t bits, int64_t gs,
                     const float* bias, float* y);

}  // namespace kiln
