// Weight-only int8 / int4 matmul on the CPU: y = x @ dequant(W)^T + bias, dequantization fused.
//
// Layouts are those of trainer/compress/quantize.py:
//   int8: qweight int8 (N, K), scales float (N,)
//   int4: qweight uint8 (N, K/2), byte j = column 2j (low nibble) | column 2j+1 (high nibble),
//         value = nibble - 8; scales float (N, K/group_size)
//
// Few activation rows (decode): the weight is streamed once from memory, widened to fp32 in
// registers and FMA'd against each activation row, four output rows at a time so one load of x
// feeds four weight rows. Weight bytes are the bottleneck there, which is why int8 beats fp32.
// Many rows (prefill): the work is compute bound, so each thread dequantizes a panel of weight
// rows into an fp32 scratch buffer and hands it to ATen's GEMM (single-threaded inside the
// parallel region), which is far better tuned than a hand loop.
//
// Built with -O3 -march=native: the AVX-512 paths compile where the build machine has it, the
// portable loops (written to auto-vectorise) everywhere else.

#include <torch/extension.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#if defined(__AVX512F__) && defined(__AVX512BW__)
#include <immintrin.h>
#define KILN_AVX512 1
#endif

namespace {

constexpr int kRows = 4;             // output rows per register block
constexpr int64_t kPanelRows = 64;   // weight rows dequantized per GEMM call in the prefill path
constexpr int64_t kPrefillMinRows = 16;  // from here on, GEMM on dequantized panels wins

// ------------------------------------------------------------------------------------- int8

template <int R>
inline void int8_dot(const float* __restrict x, const int8_t* __restrict w, int64_t ldw, int64_t K,
                     float* out) {
  int64_t k = 0;
  float sums[R];
#ifdef KILN_AVX512
  // Two accumulators per row: 2R independent FMA chains hide the FMA latency.
  __m512 acc0[R], acc1[R];
  for (int r = 0; r < R; ++r) acc0[r] = acc1[r] = _mm512_setzero_ps();
  for (; k + 32 <= K; k += 32) {
    const __m512 x0 = _mm512_loadu_ps(x + k);
    const __m512 x1 = _mm512_loadu_ps(x + k + 16);
    for (int r = 0; r < R; ++r) {
      const int8_t* wr = w + r * ldw + k;
      const __m512 w0 = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i*)wr)));
      const __m512 w1 =
          _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i*)(wr + 16))));
      acc0[r] = _mm512_fmadd_ps(w0, x0, acc0[r]);
      acc1[r] = _mm512_fmadd_ps(w1, x1, acc1[r]);
    }
  }
  for (int r = 0; r < R; ++r) sums[r] = _mm512_reduce_add_ps(_mm512_add_ps(acc0[r], acc1[r]));
#else
  for (int r = 0; r < R; ++r) sums[r] = 0.f;
#endif
  for (int r = 0; r < R; ++r) {
    const int8_t* wr = w + r * ldw;
    float s = 0.f;
    for (int64_t kk = k; kk < K; ++kk) s += x[kk] * static_cast<float>(wr[kk]);
    out[r] = sums[r] + s;
  }
}

// --------------------------------------------------------------------------------------- int4

// The int4 dot reads x "nibble-permuted": within each 32-column block, the 16 even columns
// first, then the 16 odd ones, so that 16 packed bytes unpack (mask / shift) straight into two
// vectors that line up with x. Blocks of 32 exist because group sizes are multiples of 32.
void permute_for_int4(const float* x, int64_t K, float* xp) {
  for (int64_t b = 0; b < K; b += 32) {
    for (int j = 0; j < 16; ++j) {
      xp[b + j] = x[b + 2 * j];
      xp[b + 16 + j] = x[b + 2 * j + 1];
    }
  }
}

template <int R>
inline void int4_dot(const float* __restrict xp, const uint8_t* __restrict w, int64_t ldw, int64_t K,
                     const float* __restrict scales, int64_t lds, int64_t gs, float* out) {
  const int64_t groups = K / gs;
#ifdef KILN_AVX512
  const __m512i mask = _mm512_set1_epi32(0x0F);
  const __m512i eight = _mm512_set1_epi32(8);
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
        const __m512 lo = _mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_and_si512(v, mask), eight));
        const __m512 hi = _mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_srli_epi32(v, 4), eight));
        glo[r] = _mm512_fmadd_ps(lo, xlo, glo[r]);
        ghi[r] = _mm512_fmadd_ps(hi, xhi, ghi[r]);
      }
    }
    for (int r = 0; r < R; ++r)
      acc[r] = _mm512_fmadd_ps(_mm512_add_ps(glo[r], ghi[r]), _mm512_set1_ps(scales[r * lds + g]), acc[r]);
  }
  for (int r = 0; r < R; ++r) out[r] = _mm512_reduce_add_ps(acc[r]);
#else
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
#endif
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
  const int64_t lds = K / gs;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t k = 0; k < K; k += 2) {
      const int byte = w[r * (K / 2) + k / 2];
      const float s = scales[r * lds + k / gs];  // k and k+1 share a group: gs is even
      out[r * K + k] = static_cast<float>((byte & 0x0F) - 8) * s;
      out[r * K + k + 1] = static_cast<float>((byte >> 4) - 8) * s;
    }
  }
}

// --------------------------------------------------------------------------------- the paths

// Few rows: parallel over blocks of kRows output rows; each block reads its weight rows once
// per activation row (they stay in L1/L2 between activation rows).
void gemv_path(const float* x, int64_t M, int64_t K, int64_t N, const void* qw, const float* scales,
               const float* bias, int64_t bits, int64_t gs, float* y) {
  std::vector<float> xp;
  const float* xin = x;
  if (bits == 4) {
    xp.resize(M * K);
    for (int64_t m = 0; m < M; ++m) permute_for_int4(x + m * K, K, xp.data() + m * K);
    xin = xp.data();
  }
  const int64_t blocks = (N + kRows - 1) / kRows;
  // >= 4M multiply-adds (~0.15 ms on one core) per task. One core already streams int8 weights
  // several times faster than fp32 GEMV reads its weights, and a parallel region is only as
  // fast as its slowest thread: on a busy machine a descheduled worker stalls the region for a
  // whole scheduler slice (milliseconds, measured). So decode-sized layers stay on the calling
  // thread and only big ones fan out.
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 22) / std::max<int64_t>(1, kRows * K * M));
  at::parallel_for(0, blocks, grain, [&](int64_t b0, int64_t b1) {
    float out[kRows];
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t n0 = b * kRows;
      const int rows = static_cast<int>(std::min<int64_t>(kRows, N - n0));
      for (int64_t m = 0; m < M; ++m) {
        const float* xm = xin + m * K;
        if (bits == 8) {
          const int8_t* w = static_cast<const int8_t*>(qw) + n0 * K;
          if (rows == kRows) {
            int8_dot<kRows>(xm, w, K, K, out);
          } else {
            for (int r = 0; r < rows; ++r) int8_dot<1>(xm, w + r * K, K, K, out + r);
          }
          for (int r = 0; r < rows; ++r) y[m * N + n0 + r] = out[r] * scales[n0 + r] + (bias ? bias[n0 + r] : 0.f);
        } else {
          const int64_t lds = K / gs;
          const uint8_t* w = static_cast<const uint8_t*>(qw) + n0 * (K / 2);
          const float* s = scales + n0 * lds;
          if (rows == kRows) {
            int4_dot<kRows>(xm, w, K / 2, K, s, lds, gs, out);
          } else {
            for (int r = 0; r < rows; ++r) int4_dot<1>(xm, w + r * (K / 2), K / 2, K, s + r * lds, lds, gs, out + r);
          }
          for (int r = 0; r < rows; ++r) y[m * N + n0 + r] = out[r] + (bias ? bias[n0 + r] : 0.f);
        }
      }
    }
  });
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

torch::Tensor quant_matmul_cpu(torch::Tensor x, torch::Tensor qweight, torch::Tensor scales, int64_t bits,
                               int64_t group_size, c10::optional<torch::Tensor> bias) {
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
  if (M >= kPrefillMinRows) {
    auto y = panel_path(x, N, qweight.data_ptr(), scales.data_ptr<float>(), bits, group_size);
    return b.defined() ? y.add_(b) : y;
  }
  auto y = torch::empty({M, N}, x.options());
  // Decode: the bias is added in the kernel's epilogue, saving a separate elementwise op.
  gemv_path(x.data_ptr<float>(), M, K, N, qweight.data_ptr(), scales.data_ptr<float>(),
            b.defined() ? b.data_ptr<float>() : nullptr, bits, group_size, y.data_ptr<float>());
  return y;
}

bool has_avx512() {
#ifdef KILN_AVX512
  return true;
#else
  return false;
#endif
}

}  // namespace

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.def("quant_matmul", &quant_matmul_cpu, "weight-only int8/int4 matmul (CPU)", py::arg("x"),
        py::arg("qweight"), py::arg("scales"), py::arg("bits"), py::arg("group_size"), py::arg("bias") = py::none());
  m.def("has_avx512", &has_avx512, "whether the AVX-512 paths were compiled in");
}
