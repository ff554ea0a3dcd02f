// Weight-only int8 / int4 matmul on the CPU: y = x @ dequant(W)^T + bias, dequantization fused.
//
// Layouts are those of trainer/compress/quantize.py:
//   int8: qweight int8 (N, K), scales float (N,)
//   int4: qweight uint8 (N, K/2), byte j = column 2j (low nibble) | column 2j+1 (high nibble),
//         value = nibble - 8; scales float (N, K/group_size)
//
// Few activation rows (decode, M < kPrefillMinRows): the weight is streamed once from memory,
// widened to fp32 in registers and FMA'd against each activation row, four output rows at a time
// so one load of x feeds four weight rows, threads splitting the output rows. Weight bytes are
// the bottleneck there, which is why int8 beats fp32 and int4 beats int8.
// Many rows (prefill): the work is compute bound, so each thread dequantizes a panel of weight
// rows into an fp32 scratch buffer and hands it to ATen's GEMM (single-threaded inside the
// parallel region), which is far better tuned than a hand loop.
//
// ISA dispatch at run time: the file is compiled for the baseline x86-64 target, and the
// AVX-512 and AVX2+FMA kernels carry their own target attributes, so one binary runs everywhere
// and picks the widest path the CPU has (__builtin_cpu_supports). set_isa() forces a narrower
// path so that tests can check each one on any machine that has it.

#include "cpu_common.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace kiln {

bool cpu_has_vnni() {
#ifdef KILN_X86
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512vnni");
#else
  return false;
#endif
}

// Chunks handed out through an atomic counter: the calling thread starts at once and helpers
// from the inter-op pool join when they get a core. A fork-join region (at::parallel_for) waits
// for every thread it split the rows between, so on a loaded machine one descheduled worker
// stalls the whole call for a scheduler slice (measured: 2 threads 6x slower than 1 under load).
// Here a helper that starts late finds no chunk left and never touches the buffers; the caller
// waits only for chunks that were claimed.
void run_chunked(int64_t blocks, int64_t chunk, const std::function<void(int64_t, int64_t)>& fn) {
  const int64_t chunks = (blocks + chunk - 1) / chunk;
  const int helpers = static_cast<int>(std::min<int64_t>(at::get_num_threads() - 1, chunks - 1));
  if (helpers <= 0) {
    fn(0, blocks);
    return;
  }
  struct Shared {
    std::atomic<int64_t> next{0};
    std::atomic<int64_t> done{0};
  };
  auto shared = std::make_shared<Shared>();
  // Helpers copy fn: one that starts after the caller returned must not read a dead reference,
  // and it finds no chunk left, so it never calls its copy.
  auto work = [shared, fn, chunk, chunks, blocks]() {
    for (int64_t c; (c = shared->next.fetch_add(1)) < chunks;) {
      fn(c * chunk, std::min(blocks, (c + 1) * chunk));
      shared->done.fetch_add(1, std::memory_order_release);
    }
  };
  for (int h = 0; h < helpers; ++h) at::launch(work);
  work();
  while (shared->done.load(std::memory_order_acquire) < chunks) std::this_thread::yield();
}

}  // namespace kiln

namespace {

using kiln::Isa;

constexpr int kRows = 4;             // output rows per register block
constexpr int64_t kPanelRows = 64;   // weight rows dequantized per GEMM call in the prefill path
constexpr int64_t kPrefillMinRows = 16;  // from here on, GEMM on dequantized panels wins

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return "avx512";
    case Isa::kAvx2: return "avx2";
    default: return "scalar";
  }
}

Isa best_isa() {
#ifdef KILN_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")) return Isa::kAvx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::kAvx2;
#endif
  return Isa::kScalar;
}

std::atomic<int> g_isa{static_cast<int>(best_isa())};

// The decode kernel for one block of `rows` (<= kRows) output rows, all M activation rows.
struct Block {
  const float* x;      // (M, K), int4: nibble-permuted (see permute_for_int4)
  const float* xs;     // int4: (M, K/gs) sum of x over each group, else null
  int64_t M, K, N;
  const void* qw;
  const float* scales;
  const float* bias;   // may be null
  int64_t gs;          // int4 group size
  float* y;            // (M, N)
};

// The int4 dots read x "nibble-permuted": within each 32-column block, the 16 even columns
// first, then the 16 odd ones, so that 16 packed bytes unpack (mask / shift) straight into
// vectors that line up with x. Blocks of 32 exist because group sizes are multiples of 32.
void permute_for_int4(const float* x, int64_t K, float* xp) {
  for (int64_t b = 0; b < K; b += 32) {
    for (int j = 0; j < 16; ++j) {
      xp[b + j] = x[b + 2 * j];
      xp[b + 16 + j] = x[b + 2 * j + 1];
    }
  }
}

// The epilogues shared by every ISA: scale (int8 only), bias, store.
inline void store_int8(const Block& B, int64_t m, int64_t n0, int rows, const float* out) {
  for (int r = 0; r < rows; ++r)
    B.y[m * B.N + n0 + r] = out[r] * B.scales[n0 + r] + (B.bias ? B.bias[n0 + r] : 0.f);
}
inline void store_int4(const Block& B, int64_t m, int64_t n0, int rows, const float* out) {
  for (int r = 0; r < rows; ++r) B.y[m * B.N + n0 + r] = out[r] + (B.bias ? B.bias[n0 + r] : 0.f);
}

// -------------------------------------------------------------------------------------- scalar
// Plain loops (the compiler may still vectorise them for the baseline SSE2 target).

template <int R>
void int8_dot_scalar(const float* __restrict x, const int8_t* __restrict w, int64_t ldw, int64_t K,
                     float* out) {
  for (int r = 0; r < R; ++r) {
    const int8_t* wr = w + r * ldw;
    float s = 0.f;
    for (int64_t k = 0; k < K; ++k) s += x[k] * static_cast<float>(wr[k]);
    out[r] = s;
  }
}

template <int R>
void int4_dot_scalar(const float* __restrict xp, const uint8_t* __restrict w, int64_t ldw, int64_t K,
                     const float* __restrict scales, int64_t lds, int64_t gs, float* out) {
  const int64_t groups = K / gs;
  for (int r = 0; r < R; ++r) {
    const uint8_t* wr = w + r * ldw;
    float total = 0.f;
    for (int64_t g = 0; g < groups; ++g) {
      float s = 0.f;
      for (int64_t k = g * gs; k < (g + 1) * gs; k += 32) {
        for (int j = 0; j < 16; ++j) {
          const int byte = wr[k / 2 + j];
          s += xp[k + j] * static_cast<float>((byte & 0x0F) - 8) +
               xp[k + 16 + j] * static_cast<float>((byte >> 4) - 8);
        }
      }
      total += s * scales[r * lds + g];
    }
    out[r] = total;
  }
}

#ifdef KILN_X86
// ------------------------------------------------------------------------------------- AVX-512

template <int R>
KILN_AVX512_TARGET inline void int8_dot_avx512(const float* __restrict x, const int8_t* __restrict w,
                                               int64_t ldw, int64_t K, float* out) {
  // Two accumulators per row: 2R independent FMA chains hide the FMA latency.
  __m512 acc0[R], acc1[R];
  for (int r = 0; r < R; ++r) acc0[r] = acc1[r] = _mm512_setzero_ps();
  int64_t k = 0;
  for (; k + 32 <= K; k += 32) {
    const __m512 x0 = _mm512_loadu_ps(x + k);
    const __m512 x1 = _mm512_loadu_ps(x + k + 16);
    for (int r = 0; r < R; ++r) {
      const int8_t* wr = w + r * ldw + k;
      const __m512 w0 = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i*)wr)));
      const __m512 w1 = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i*)(wr + 16))));
      acc0[r] = _mm512_fmadd_ps(w0, x0, acc0[r]);
      acc1[r] = _mm512_fmadd_ps(w1, x1, acc1[r]);
    }
  }
  for (int r = 0; r < R; ++r) {
    const int8_t* wr = w + r * ldw;
    float s = 0.f;
    for (int64_t kk = k; kk < K; ++kk) s += x[kk] * static_cast<float>(wr[kk]);
    out[r] = _mm512_reduce_add_ps(_mm512_add_ps(acc0[r], acc1[r])) + s;
  }
}

// Nibbles are FMA'd unshifted (0..15); the -8 offset is folded in per group as
// 8 * sum(x over the group) (xs), one multiply per group instead of a subtract per value.
template <int R>
KILN_AVX512_TARGET inline void int4_dot_avx512(const float* __restrict xp, const float* __restrict xs,
                                               const uint8_t* __restrict w, int64_t ldw, int64_t K,
                                               const float* __restrict scales, int64_t lds, int64_t gs,
                                               float* out) {
  const int64_t groups = K / gs;
  const __m512i mask = _mm512_set1_epi32(0x0F);
  __m512 acc[R];
  for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
  for (int64_t g = 0; g < groups; ++g) {
    __m512 glo[R], ghi[R];
    for (int r = 0; r < R; ++r) glo[r] = ghi[r] = _mm512_setzero_ps();
    for (int64_t k = g * gs; k < (g + 1) * gs; k += 32) {
      const __m512 xlo = _mm512_loadu_ps(xp + k);
      const __m512 xhi = _mm512_loadu_ps(xp + k + 16);
      for (int r = 0; r < R; ++r) {
        const __m512i v = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i*)(w + r * ldw + k / 2)));
        glo[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_and_si512(v, mask)), xlo, glo[r]);
        ghi[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_srli_epi32(v, 4)), xhi, ghi[r]);
      }
    }
    const __m512 off = _mm512_set1_ps(0.5f * xs[g]);  // 8 * sum(x) spread over 16 lanes
    for (int r = 0; r < R; ++r) {
      const __m512 grp = _mm512_sub_ps(_mm512_add_ps(glo[r], ghi[r]), off);
      acc[r] = _mm512_fmadd_ps(grp, _mm512_set1_ps(scales[r * lds + g]), acc[r]);
    }
  }
  for (int r = 0; r < R; ++r) out[r] = _mm512_reduce_add_ps(acc[r]);
}

// ------------------------------------------------------------------------------------ AVX2+FMA

KILN_AVX2_TARGET inline float hsum256(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

template <int R>
KILN_AVX2_TARGET inline void int8_dot_avx2(const float* __restrict x, const int8_t* __restrict w,
                                           int64_t ldw, int64_t K, float* out) {
  __m256 acc0[R], acc1[R];
  for (int r = 0; r < R; ++r) acc0[r] = acc1[r] = _mm256_setzero_ps();
  int64_t k = 0;
  for (; k + 16 <= K; k += 16) {
    const __m256 x0 = _mm256_loadu_ps(x + k);
    const __m256 x1 = _mm256_loadu_ps(x + k + 8);
    for (int r = 0; r < R; ++r) {
      const __m128i v = _mm_loadu_si128((const __m128i*)(w + r * ldw + k));
      const __m256 w0 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(v));
      const __m256 w1 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_unpackhi_epi64(v, v)));
      acc0[r] = _mm256_fmadd_ps(w0, x0, acc0[r]);
      acc1[r] = _mm256_fmadd_ps(w1, x1, acc1[r]);
    }
  }
  for (int r = 0; r < R; ++r) {
    const int8_t* wr = w + r * ldw;
    float s = 0.f;
    for (int64_t kk = k; kk < K; ++kk) s += x[kk] * static_cast<float>(wr[kk]);
    out[r] = hsum256(_mm256_add_ps(acc0[r], acc1[r])) + s;
  }
}

template <int R>
KILN_AVX2_TARGET inline void int4_dot_avx2(const float* __restrict xp, const float* __restrict xs,
                                           const uint8_t* __restrict w, int64_t ldw, int64_t K,
                                           const float* __restrict scales, int64_t lds, int64_t gs,
                                           float* out) {
  const int64_t groups = K / gs;
  const __m256i mask = _mm256_set1_epi32(0x0F);
  __m256 acc[R];
  for (int r = 0; r < R; ++r) acc[r] = _mm256_setzero_ps();
  for (int64_t g = 0; g < groups; ++g) {
    __m256 ga[R], gb[R];
    for (int r = 0; r < R; ++r) ga[r] = gb[r] = _mm256_setzero_ps();
    for (int64_t k = g * gs; k < (g + 1) * gs; k += 32) {
      for (int r = 0; r < R; ++r) {
        const __m128i v = _mm_loadu_si128((const __m128i*)(w + r * ldw + k / 2));
        const __m256i v0 = _mm256_cvtepu8_epi32(v);                       // bytes 0..7
        const __m256i v1 = _mm256_cvtepu8_epi32(_mm_unpackhi_epi64(v, v));  // bytes 8..15
        ga[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_and_si256(v0, mask)), _mm256_loadu_ps(xp + k), ga[r]);
        gb[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_and_si256(v1, mask)), _mm256_loadu_ps(xp + k + 8), gb[r]);
        ga[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(v0, 4)), _mm256_loadu_ps(xp + k + 16), ga[r]);
        gb[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(v1, 4)), _mm256_loadu_ps(xp + k + 24), gb[r]);
      }
    }
    const __m256 off = _mm256_set1_ps(xs[g]);  // 8 * sum(x) spread over 8 lanes = sum(x) per lane
    for (int r = 0; r < R; ++r) {
      const __m256 grp = _mm256_sub_ps(_mm256_add_ps(ga[r], gb[r]), off);
      acc[r] = _mm256_fmadd_ps(grp, _mm256_set1_ps(scales[r * lds + g]), acc[r]);
    }
  }
  for (int r = 0; r < R; ++r) out[r] = hsum256(acc[r]);
}
#endif  // KILN_X86

// ---------------------------------------------------------------------------- decode drivers
// One driver per ISA (a macro, because a target attribute cannot depend on a template
// parameter): the dots inline into it only when caller and callee share the target.

#define KILN_DEFINE_BLOCKS(SUFFIX, TARGET, INT8_DOT, INT4_DOT)                                        \
  TARGET void run_blocks_##SUFFIX(const Block& B, int64_t bits, int64_t b0, int64_t b1) {              \
    float out[kRows];                                                                                  \
    const int64_t K = B.K;                                                                             \
    for (int64_t b = b0; b < b1; ++b) {                                                                \
      const int64_t n0 = b * kRows;                                                                    \
      const int rows = static_cast<int>(std::min<int64_t>(kRows, B.N - n0));                          \
      for (int64_t m = 0; m < B.M; ++m) {                                                              \
        const float* xm = B.x + m * K;                                                                 \
        if (bits == 8) {                                                                               \
          const int8_t* w = static_cast<const int8_t*>(B.qw) + n0 * K;                                 \
          if (rows == kRows) {                                                                         \
            INT8_DOT<kRows>(xm, w, K, K, out);                                                         \
          } else {                                                                                     \
            for (int r = 0; r < rows; ++r) INT8_DOT<1>(xm, w + r * K, K, K, out + r);                  \
          }                                                                                            \
          store_int8(B, m, n0, rows, out);                                                             \
        } else {                                                                                       \
          const int64_t lds = K / B.gs;                                                                \
          const uint8_t* w = static_cast<const uint8_t*>(B.qw) + n0 * (K / 2);                         \
          const float* s = B.scales + n0 * lds;                                                        \
          const float* xs = B.xs + m * lds;                                                            \
          if (rows == kRows) {                                                                         \
            INT4_DOT<kRows>(xm, xs, w, K / 2, K, s, lds, B.gs, out);                                   \
          } else {                                                                                     \
            for (int r = 0; r < rows; ++r)                                                             \
              INT4_DOT<1>(xm, xs, w + r * (K / 2), K / 2, K, s + r * lds, lds, B.gs, out + r);         \
          }                                                                                            \
          store_int4(B, m, n0, rows, out);                                                             \
        }                                                                                              \
      }                                                                                                \
    }                                                                                                  \
  }

// The scalar dot ignores xs: it subtracts the offset per value.
template <int R>
inline void int4_dot_scalar_xs(const float* xp, const float*, const uint8_t* w, int64_t ldw, int64_t K,
                               const float* scales, int64_t lds, int64_t gs, float* out) {
  int4_dot_scalar<R>(xp, w, ldw, K, scales, lds, gs, out);
}

KILN_DEFINE_BLOCKS(scalar, , int8_dot_scalar, int4_dot_scalar_xs)
#ifdef KILN_X86
KILN_DEFINE_BLOCKS(avx2, KILN_AVX2_TARGET, int8_dot_avx2, int4_dot_avx2)
KILN_DEFINE_BLOCKS(avx512, KILN_AVX512_TARGET, int8_dot_avx512, int4_dot_avx512)
#endif

// Few rows: threads share out blocks of kRows output rows; each block reads its weight rows
// once per activation row (they stay in L1 between activation rows).
void gemv_path(Block B, int64_t bits, Isa isa) {
  std::vector<float> xp, xs;
  if (bits == 4) {
    const int64_t groups = B.K / B.gs;
    xp.resize(B.M * B.K);
    xs.resize(B.M * groups);
    for (int64_t m = 0; m < B.M; ++m) {
      permute_for_int4(B.x + m * B.K, B.K, xp.data() + m * B.K);
      for (int64_t g = 0; g < groups; ++g) {
        float s = 0.f;
        for (int64_t k = g * B.gs; k < (g + 1) * B.gs; ++k) s += B.x[m * B.K + k];
        xs[m * groups + g] = s;
      }
    }
    B.x = xp.data();
    B.xs = xs.data();
  }
  const int64_t blocks = (B.N + kRows - 1) / kRows;
  auto run = [B, bits, isa](int64_t b0, int64_t b1) {
    switch (isa) {
#ifdef KILN_X86
      case Isa::kAvx512: run_blocks_avx512(B, bits, b0, b1); break;
      case Isa::kAvx2: run_blocks_avx2(B, bits, b0, b1); break;
#endif
      default: run_blocks_scalar(B, bits, b0, b1);
    }
  };
  // Chunks of >= ~256K multiply-adds (tens of microseconds); see kiln::run_chunked.
  const int64_t chunk = std::max<int64_t>(1, (int64_t{1} << 18) / std::max<int64_t>(1, kRows * B.K * B.M));
  kiln::run_chunked(blocks, chunk, run);
}

// ------------------------------------------------------------------------------ dequantization

void dequant_rows_int8(const int8_t* w, const float* scales, int64_t rows, int64_t K, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float s = scales[r];
    for (int64_t k = 0; k < K; ++k) out[r * K + k] = static_cast<float>(w[r * K + k]) * s;
  }
}

void dequant_rows_int4(const uint8_t* w, const float* scales, int64_t rows, int64_t K, int64_t gs,
                       float* out) {
  // Group by group, so the inner loop has no division and a constant scale (it vectorises).
  const int64_t lds = K / gs;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t g = 0; g < lds; ++g) {
      const float s = scales[r * lds + g];
      const uint8_t* wg = w + r * (K / 2) + g * (gs / 2);
      float* og = out + r * K + g * gs;
      for (int64_t j = 0; j < gs / 2; ++j) {
        const int byte = wg[j];
        og[2 * j] = static_cast<float>((byte & 0x0F) - 8) * s;
        og[2 * j + 1] = static_cast<float>((byte >> 4) - 8) * s;
      }
    }
  }
}

// Many rows: yT (N, M) so that each panel's output rows are contiguous for mm_out.
torch::Tensor panel_path(const torch::Tensor& x, int64_t N, const void* qw, const float* scales,
                         int64_t bits, int64_t gs) {
  const int64_t M = x.size(0), K = x.size(1);
  auto yT = torch::empty({N, M}, x.options());
  const auto xT = x.t();
  const int64_t panels = (N + kPanelRows - 1) / kPanelRows;
  at::parallel_for(0, panels, 1, [&](int64_t p0, int64_t p1) {
    // Worker threads do not inherit the caller's InferenceMode; without it, writing into an
    // output allocated under inference_mode() is refused.
    c10::InferenceMode guard;
    auto scratch = torch::empty({kPanelRows, K}, x.options());
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t n0 = p * kPanelRows;
      const int64_t rows = std::min<int64_t>(kPanelRows, N - n0);
      float* buf = scratch.data_ptr<float>();
      if (bits == 8) {
        dequant_rows_int8(static_cast<const int8_t*>(qw) + n0 * K, scales + n0, rows, K, buf);
      } else {
        dequant_rows_int4(static_cast<const uint8_t*>(qw) + n0 * (K / 2), scales + n0 * (K / gs), rows,
                          K, gs, buf);
      }
      auto out = yT.narrow(0, n0, rows);
      at::mm_out(out, scratch.narrow(0, 0, rows), xT);
    }
  });
  return yT.t().contiguous();
}

// Activations: "int8" (quantized per row inside the call, integer dots, the default) or "fp32"
// (exact to the dequantized weight, up to float rounding). See int8_act_cpu.cpp.
enum class Act : int { kFp32 = 0, kInt8 = 1 };
std::atomic<int> g_act{static_cast<int>(Act::kInt8)};

torch::Tensor quant_matmul_cpu(torch::Tensor x, torch::Tensor qweight, torch::Tensor scales, int64_t bits,
                               int64_t group_size, c10::optional<torch::Tensor> bias,
                               c10::optional<torch::Tensor> col_sums) {
  TORCH_CHECK(x.device().is_cpu() && qweight.device().is_cpu() && scales.device().is_cpu(),
              "quant_matmul_cpu: tensors must be on the CPU");
  TORCH_CHECK(x.dim() == 2 && x.scalar_type() == torch::kFloat32, "x must be float32 (M, K)");
  TORCH_CHECK(scales.scalar_type() == torch::kFloat32, "scales must be float32");
  TORCH_CHECK(bits == 8 || bits == 4, "bits must be 8 or 4, got ", bits);
  x = x.contiguous();
  qweight = qweight.contiguous();
  scales = scales.contiguous();
  const int64_t M = x.size(0), K = x.size(1), N = qweight.size(0);
  if (bits == 8) {
    TORCH_CHECK(qweight.scalar_type() == torch::kInt8 && qweight.size(1) == K, "int8 qweight must be (N, K)");
    TORCH_CHECK(scales.numel() == N, "int8 scales must be (N,)");
  } else {
    TORCH_CHECK(group_size > 0 && group_size % 32 == 0 && K % group_size == 0,
                "int4 needs group_size a multiple of 32 dividing K");
    TORCH_CHECK(qweight.scalar_type() == torch::kUInt8 && qweight.size(1) * 2 == K, "int4 qweight must be (N, K/2)");
    TORCH_CHECK(scales.numel() == N * (K / group_size), "int4 scales must be (N, K/group_size)");
  }
  torch::Tensor b;
  if (bias.has_value() && bias->defined()) {
    b = bias->to(torch::kFloat32).contiguous();
    TORCH_CHECK(b.device().is_cpu() && b.numel() == N, "bias must be (N,) on the CPU");
  }
  const Isa isa = static_cast<Isa>(g_isa.load());
  if (static_cast<Act>(g_act.load()) == Act::kInt8 && M > 0 && N > 0) {
    const int32_t* sums = nullptr;
    if (bits == 8 && col_sums.has_value() && col_sums->defined()) {
      TORCH_CHECK(col_sums->device().is_cpu() && col_sums->scalar_type() == torch::kInt32 && col_sums->numel() == N &&
                      col_sums->is_contiguous(),
                  "col_sums must be contiguous int32 (N,) on the CPU");
      sums = col_sums->data_ptr<int32_t>();
    }
    auto y = torch::empty({M, N}, x.options());
    if (kiln::int8_act_matmul(isa, x.data_ptr<float>(), M, K, N, qweight.data_ptr(), scales.data_ptr<float>(), sums,
                              bits, group_size, b.defined() ? b.data_ptr<float>() : nullptr, y.data_ptr<float>()))
      return y;
    // x holds a NaN or an infinity: no int8 scale exists; the fp32 path propagates it.
  }
  if (M >= kPrefillMinRows) {
    auto y = panel_path(x, N, qweight.data_ptr(), scales.data_ptr<float>(), bits, group_size);
    return b.defined() ? y.add_(b) : y;
  }
  auto y = torch::empty({M, N}, x.options());
  // Decode: the bias is added in the kernel's epilogue, saving a separate elementwise op.
  Block B{x.data_ptr<float>(), nullptr, M, K, N, qweight.data_ptr(), scales.data_ptr<float>(),
          b.defined() ? b.data_ptr<float>() : nullptr, group_size, y.data_ptr<float>()};
  gemv_path(B, bits, isa);
  return y;
}

std::string current_act() { return static_cast<Act>(g_act.load()) == Act::kInt8 ? "int8" : "fp32"; }

std::string set_act(const std::string& name) {
  TORCH_CHECK(name == "int8" || name == "fp32", "activations must be int8 or fp32, got '", name, "'");
  g_act.store(static_cast<int>(name == "int8" ? Act::kInt8 : Act::kFp32));
  return current_act();
}

// What runs now, e.g. "avx512-vnni/int8-act": the ISA path, and for int8 activations which
// integer kernel (an AVX-512 CPU without VNNI runs the AVX2 integer kernels).
std::string kernel_path() {
  const Isa isa = static_cast<Isa>(g_isa.load());
  if (static_cast<Act>(g_act.load()) == Act::kFp32) return std::string(isa_name(isa)) + "/fp32-act";
  const char* ints = isa == Isa::kAvx512 && kiln::cpu_has_vnni() ? "avx512-vnni" : isa == Isa::kScalar ? "scalar" : "avx2";
  return std::string(ints) + "/int8-act";
}

std::string current_isa() { return isa_name(static_cast<Isa>(g_isa.load())); }

std::vector<std::string> available_isas() {
  std::vector<std::string> out;
  for (int i = static_cast<int>(best_isa()); i >= 0; --i) out.emplace_back(isa_name(static_cast<Isa>(i)));
  return out;
}

// Force a path ("avx512", "avx2", "scalar") or "auto" for the best this CPU has. A path the
// CPU lacks is refused: running it would die on an illegal instruction.
std::string set_isa(const std::string& name) {
  const Isa best = best_isa();
  Isa want = best;
  if (name == "avx512") want = Isa::kAvx512;
  else if (name == "avx2") want = Isa::kAvx2;
  else if (name == "scalar") want = Isa::kScalar;
  else TORCH_CHECK(name == "auto", "isa must be auto, avx512, avx2 or scalar, got '", name, "'");
  TORCH_CHECK(static_cast<int>(want) <= static_cast<int>(best), "this CPU cannot run the ", name,
              " path (best: ", isa_name(best), ")");
  g_isa.store(static_cast<int>(want));
  return isa_name(want);
}

}  // namespace

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.def("quant_matmul", &quant_matmul_cpu, "weight-only int8/int4 matmul (CPU)", py::arg("x"),
        py::arg("qweight"), py::arg("scales"), py::arg("bits"), py::arg("group_size"), py::arg("bias") = py::none(),
        py::arg("col_sums") = py::none());
  m.def("act", &current_act, "the activation type of the CPU path: int8 or fp32");
  m.def("set_act", &set_act, "use int8 or fp32 activations; returns the one now in use", py::arg("name"));
  m.def("kernel_path", &kernel_path, "the kernel that runs now, e.g. avx512-vnni/int8-act");
  m.def("isa", &current_isa, "the path the decode kernel runs: avx512, avx2 or scalar");
  m.def("available_isas", &available_isas, "the paths this CPU can run, widest first");
  m.def("set_isa", &set_isa, "force a path (or 'auto'); returns the path now in use", py::arg("name"));
}
