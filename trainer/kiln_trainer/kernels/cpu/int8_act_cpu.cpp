// The int8-activation path (W8A8 / W4A8 dynamic): each activation row is quantized to int8
// with its own symmetric scale sx = max|x| / 127 inside the call, the dot products run in
// integers, and the result is dequantized once per output: y = dot * sx * (weight scale).
//
// Why: with fp32 activations every weight byte costs a widen, a convert and an FMA; with int8
// activations 64 (AVX-512 VNNI vpdpbusd) or 32 (AVX2 vpmaddubsw) byte pairs cost one or three
// instructions, so the kernel runs at memory speed on one thread where the fp32 path is compute
// bound. The price is the activation rounding: |error| <= sx / 2 * sum_k |W[n, k]| per output,
// about 0.1-0.5% of |y| for ordinary activations (the fp32 path stays selectable).
//
// The unsigned x signed byte instructions and how each ISA meets them:
// - VNNI int8: vpdpbusd takes u8 x s8, so x is stored offset by +128 (q ^ 0x80) and
//   128 * sum_k W[n, k] (col_sums, computed once per weight by the caller) is subtracted after.
// - AVX2 int8: vpmaddubsw(u8, s8) saturates its 16-bit pair sums at 255 * 127 * 2; with
//   |x| (<= 127) as the unsigned side and W carrying x's sign (vpsignb) a pair is at most
//   2 * 127 * 127 = 32258, so it never saturates. vpmaddwd with ones widens pairs to int32.
// - int4 (both): the nibble (0..15) is the unsigned side as stored, x the signed one; the -8
//   offset becomes -8 * sum(x) per 8 columns (corr, once per activation row), and one per-lane
//   scale vector covers groups of 32, 64 or 128 (lane l covers columns 8l..8l+7 of a unit).
//   int4 activations are stored per unit (128 columns VNNI, 64 AVX2) as the even columns then
//   the odd ones, which is how a mask and a shift unpack the packed bytes.

#include "cpu_common.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace kiln {
namespace {

enum class Kind { kScalar, kAvx2, kVnni };

Kind kind_for(Isa isa) {
  if (isa == Isa::kAvx512 && cpu_has_vnni()) return Kind::kVnni;
  return isa == Isa::kScalar ? Kind::kScalar : Kind::kAvx2;
}

// Register tiles (weight rows x activation rows): VNNI has 32 vector registers, AVX2 16.
template <Kind K> struct Tile;
template <> struct Tile<Kind::kVnni> { static constexpr int R = 4, MT = 4; };
template <> struct Tile<Kind::kAvx2> { static constexpr int R = 4, MT = 2; };
template <> struct Tile<Kind::kScalar> { static constexpr int R = 1, MT = 1; };

// ---------------------------------------------------------------------- row quantization

// max|x| over the row; false when the row holds a NaN or an infinity.
bool row_amax_scalar(const float* x, int64_t K, float* amax) {
  float a = 0.f;
  bool finite = true;
  for (int64_t k = 0; k < K; ++k) {
    finite &= std::isfinite(x[k]);
    a = std::max(a, std::fabs(x[k]));
  }
  *amax = a;
  return finite;
}

void row_quant_scalar(const float* x, int64_t K, float inv, int8_t* q) {
  for (int64_t k = 0; k < K; ++k) {
    const float v = std::nearbyint(x[k] * inv);  // round half to even, as cvtps2dq does
    q[k] = static_cast<int8_t>(std::min(127.f, std::max(-127.f, v)));
  }
}

#ifdef KILN_X86
KILN_AVX2_TARGET bool row_amax_avx2(const float* x, int64_t K, float* amax) {
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 inf = _mm256_set1_ps(INFINITY);
  __m256 m = _mm256_setzero_ps(), bad = _mm256_setzero_ps();
  int64_t k = 0;
  for (; k + 8 <= K; k += 8) {
    const __m256 a = _mm256_and_ps(_mm256_loadu_ps(x + k), abs_mask);
    bad = _mm256_or_ps(bad, _mm256_cmp_ps(a, inf, _CMP_NLT_UQ));  // NaN or inf
    m = _mm256_max_ps(m, a);
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, m);
  float a = 0.f;
  for (float v : lanes) a = std::max(a, v);
  float tail = 0.f;
  const bool tail_ok = row_amax_scalar(x + k, K - k, &tail);
  *amax = std::max(a, tail);
  return tail_ok && _mm256_movemask_ps(bad) == 0;
}

KILN_AVX2_TARGET void row_quant_avx2(const float* x, int64_t K, float inv, int8_t* q) {
  const __m256 s = _mm256_set1_ps(inv);
  const __m256i lo = _mm256_set1_epi32(-127), hi = _mm256_set1_epi32(127);
  int64_t k = 0;
  for (; k + 8 <= K; k += 8) {
    __m256i v = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + k), s));
    v = _mm256_min_epi32(_mm256_max_epi32(v, lo), hi);
    const __m128i p16 = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(q + k), _mm_packs_epi16(p16, p16));
  }
  row_quant_scalar(x + k, K - k, inv, q + k);
}
#endif

// Quantized activation rows in the layout `kind` reads.
struct QRows {
  int64_t ld = 0;                // bytes per row (K rounded up to the unit, zero-padded)
  std::vector<uint8_t> q;        // (M, ld) int8 (VNNI int8: uint8 = q + 128)
  std::vector<float> sx;         // (M,) row scales
  int64_t ldc = 0;               // int4: int32 per row of corr
  std::vector<int32_t> corr;     // int4: (M, ldc) -8 * sum of x over columns 8l..8l+7 of a unit
};

int64_t unit_for(Kind kind, int64_t bits) {
  if (kind == Kind::kScalar) return 1;
  if (bits == 8) return kind == Kind::kVnni ? 64 : 32;
  return kind == Kind::kVnni ? 128 : 64;
}

bool quantize_rows(Kind kind, int64_t bits, const float* x, int64_t M, int64_t K, QRows& Q) {
  const int64_t unit = unit_for(kind, bits);
  const bool vnni8 = kind == Kind::kVnni && bits == 8;
  Q.ld = (K + unit - 1) / unit * unit;
  Q.q.assign(M * Q.ld, vnni8 ? 0x80 : 0);  // padding is a zero activation either way
  Q.sx.resize(M);
  const int64_t lanes = unit / 8;
  if (bits == 4 && unit > 1) {
    Q.ldc = Q.ld / unit * lanes;
    Q.corr.assign(M * Q.ldc, 0);
  }
  std::vector<int8_t> row(K);
  for (int64_t m = 0; m < M; ++m) {
    const float* xm = x + m * K;
    float amax = 0.f;
#ifdef KILN_X86
    const bool avx2 = kind != Kind::kScalar;
    if (!(avx2 ? row_amax_avx2(xm, K, &amax) : row_amax_scalar(xm, K, &amax))) return false;
    const float inv = amax > 0.f ? 127.f / amax : 0.f;
    if (avx2) row_quant_avx2(xm, K, inv, row.data()); else row_quant_scalar(xm, K, inv, row.data());
#else
    if (!row_amax_scalar(xm, K, &amax)) return false;
    row_quant_scalar(xm, K, amax > 0.f ? 127.f / amax : 0.f, row.data());
#endif
    Q.sx[m] = amax / 127.f;
    uint8_t* dst = Q.q.data() + m * Q.ld;
    if (bits == 8 || unit == 1) {
      for (int64_t k = 0; k < K; ++k) dst[k] = static_cast<uint8_t>(row[k]) ^ (vnni8 ? 0x80 : 0);
      continue;
    }
    const int64_t half = unit / 2;
    int32_t* corr = Q.corr.data() + m * Q.ldc;
    for (int64_t k = 0; k < K; ++k) {
      const int64_t base = k / unit * unit, j = k - base;
      dst[base + (j & 1) * half + j / 2] = static_cast<uint8_t>(row[k]);
      corr[k / unit * lanes + j / 8] -= 8 * row[k];
    }
  }
  return true;
}

// ------------------------------------------------------------------------------ int8 tiles
// out[r * MT + m] = sum_k xq[m, k] * w[r, k] (VNNI: plus 128 * sum_k w[r, k]).

template <int R, int MT>
void i8_tile_scalar(const uint8_t* xq, int64_t ldx, const int8_t* w, int64_t K, int32_t* out) {
  for (int r = 0; r < R; ++r)
    for (int m = 0; m < MT; ++m) {
      const int8_t* xm = reinterpret_cast<const int8_t*>(xq + m * ldx);
      int32_t s = 0;
      for (int64_t k = 0; k < K; ++k) s += int32_t{xm[k]} * int32_t{w[r * K + k]};
      out[r * MT + m] = s;
    }
}

#ifdef KILN_X86
template <int R, int MT>
KILN_VNNI_TARGET void i8_tile_vnni(const uint8_t* xq, int64_t ldx, const int8_t* w, int64_t K, int32_t* out) {
  __m512i acc[R][MT];
  for (int r = 0; r < R; ++r)
    for (int m = 0; m < MT; ++m) acc[r][m] = _mm512_setzero_si512();
  int64_t k = 0;
  for (; k + 64 <= K; k += 64) {
    __m512i wv[R];
    for (int r = 0; r < R; ++r) {
      wv[r] = _mm512_loadu_si512(w + r * K + k);
      // The next block's rows at the same column: R concurrent streams that cross a page
      // every 4 KB outrun the hardware prefetcher (a prefetch past the weight's end is harmless).
      _mm_prefetch(reinterpret_cast<const char*>(w + (r + R) * K + k), _MM_HINT_T0);
    }
    for (int m = 0; m < MT; ++m) {
      const __m512i xv = _mm512_loadu_si512(xq + m * ldx + k);
      for (int r = 0; r < R; ++r) acc[r][m] = _mm512_dpbusd_epi32(acc[r][m], xv, wv[r]);
    }
  }
  if (k < K) {  // the activation row is padded to 64; the weight tail is a masked load
    const __mmask64 mask = ~0ULL >> (64 - (K - k));
    __m512i wv[R];
    for (int r = 0; r < R; ++r) wv[r] = _mm512_maskz_loadu_epi8(mask, w + r * K + k);
    for (int m = 0; m < MT; ++m) {
      const __m512i xv = _mm512_loadu_si512(xq + m * ldx + k);
      for (int r = 0; r < R; ++r) acc[r][m] = _mm512_dpbusd_epi32(acc[r][m], xv, wv[r]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int m = 0; m < MT; ++m) out[r * MT + m] = _mm512_reduce_add_epi32(acc[r][m]);
}

KILN_AVX2_TARGET inline int32_t hsum_epi32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
  return _mm_cvtsi128_si32(s);
}

template <int R, int MT>
KILN_AVX2_TARGET void i8_tile_avx2(const uint8_t* xq, int64_t ldx, const int8_t* w, int64_t K, int32_t* out) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i acc[R][MT];
  for (int r = 0; r < R; ++r)
    for (int m = 0; m < MT; ++m) acc[r][m] = _mm256_setzero_si256();
  int64_t k = 0;
  for (; k + 32 <= K; k += 32) {
    __m256i wv[R];
    for (int r = 0; r < R; ++r) {
      wv[r] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + r * K + k));
      if ((k & 63) == 0) _mm_prefetch(reinterpret_cast<const char*>(w + (r + R) * K + k), _MM_HINT_T0);
    }
    for (int m = 0; m < MT; ++m) {
      const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq + m * ldx + k));
      const __m256i ax = _mm256_abs_epi8(xv);
      for (int r = 0; r < R; ++r) {
        const __m256i p = _mm256_maddubs_epi16(ax, _mm256_sign_epi8(wv[r], xv));
        acc[r][m] = _mm256_add_epi32(acc[r][m], _mm256_madd_epi16(p, ones));
      }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int m = 0; m < MT; ++m) {
      const int8_t* xm = reinterpret_cast<const int8_t*>(xq + m * ldx);
      int32_t s = hsum_epi32(acc[r][m]);
      for (int64_t kk = k; kk < K; ++kk) s += int32_t{xm[kk]} * int32_t{w[r * K + kk]};
      out[r * MT + m] = s;
    }
}
#endif

// ------------------------------------------------------------------------------ int4 tiles
// out[r * MT + m] = sum_g scale[r, g] * sum_{k in g} xq[m, k] * (nibble[r, k] - 8).

template <int R, int MT>
void i4_tile_scalar(const uint8_t* xq, int64_t ldx, const int32_t*, int64_t, const uint8_t* w, int64_t K,
                    const float* s, int64_t lds, int64_t gs, float* out) {
  for (int r = 0; r < R; ++r)
    for (int m = 0; m < MT; ++m) {
      const int8_t* xm = reinterpret_cast<const int8_t*>(xq + m * ldx);
      const uint8_t* wr = w + r * (K / 2);
      float total = 0.f;
      for (int64_t g = 0; g < K / gs; ++g) {
        int32_t acc = 0;
        for (int64_t j = g * gs / 2; j < (g + 1) * gs / 2; ++j)
          acc += ((wr[j] & 0x0F) - 8) * int32_t{xm[2 * j]} + ((wr[j] >> 4) - 8) * int32_t{xm[2 * j + 1]};
        total += static_cast<float>(acc) * s[r * lds + g];
      }
      out[r * MT + m] = total;
    }
}

#ifdef KILN_X86
template <int R, int MT>
KILN_VNNI_TARGET void i4_tile_vnni(const uint8_t* xq, int64_t ldx, const int32_t* corr, int64_t ldc,
                                   const uint8_t* w, int64_t K, const float* s, int64_t lds, int64_t gs,
                                   float* out) {
  const __m512i low4 = _mm512_set1_epi8(0x0F);
  alignas(64) int32_t lane_group[16];
  for (int l = 0; l < 16; ++l) lane_group[l] = static_cast<int32_t>(8 * l / gs);
  const __m512i sidx = _mm512_load_si512(lane_group);
  const int64_t groups_per_unit = 128 / gs;
  __m512 acc[R][MT];
  for (int r = 0; r < R; ++r)
    for (int m = 0; m < MT; ++m) acc[r][m] = _mm512_setzero_ps();
  for (int64_t k = 0, u = 0; k < K; k += 128, ++u) {
    const int64_t rem = K - k;  // a multiple of 32, since gs is
    const __mmask64 wmask = rem >= 128 ? ~0ULL : ~0ULL >> (64 - rem / 2);
    const int64_t g0 = k / gs;
    const __mmask8 smask = static_cast<__mmask8>((1u << std::min(groups_per_unit, rem / gs)) - 1);
    for (int r = 0; r < R; ++r) {
      const __m512i v = _mm512_maskz_loadu_epi8(wmask, w + r * (K / 2) + k / 2);
      _mm_prefetch(reinterpret_cast<const char*>(w + (r + R) * (K / 2) + k / 2), _MM_HINT_T0);  // as in i8_tile_vnni
      const __m512i lo = _mm512_and_si512(v, low4);
      const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), low4);
      // One group per unit (gs = 128, the default) is a broadcast; smaller groups a permute.
      const __m512 sv = groups_per_unit == 1 ? _mm512_set1_ps(s[r * lds + g0])
                                             : _mm512_permutexvar_ps(sidx, _mm512_castps128_ps512(
                                                                               _mm_maskz_loadu_ps(smask, s + r * lds + g0)));
      for (int m = 0; m < MT; ++m) {
        const uint8_t* xm = xq + m * ldx + k;
        __m512i t = _mm512_loadu_si512(corr + m * ldc + u * 16);
        t = _mm512_dpbusd_epi32(t, lo, _mm512_loadu_si512(xm));
        t = _mm512_dpbusd_epi32(t, hi, _mm512_loadu_si512(xm + 64));
        acc[r][m] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(t), sv, acc[r][m]);
      }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int m = 0; m < MT; ++m) out[r * MT + m] = _mm512_reduce_add_ps(acc[r][m]);
}

KILN_AVX2_TARGET inline float hsum_ps(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

template <int R, int MT>
KILN_AVX2_TARGET void i4_tile_avx2(const uint8_t* xq, int64_t ldx, const int32_t* corr, int64_t ldc,
                                   const uint8_t* w, int64_t K, const float* s, int64_t lds, int64_t gs,
                                   float* out) {
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  const __m256i ones = _mm256_set1_epi16(1);
  __m256 acc[R][MT];
  for (int r = 0; r < R; ++r)
    for (int m = 0; m < MT; ++m) acc[r][m] = _mm256_setzero_ps();
  for (int64_t k = 0, u = 0; k < K; k += 64, ++u) {
    const bool full = K - k >= 64;  // else 32 columns remain (K is a multiple of 32)
    const int64_t g0 = k / gs;
    for (int r = 0; r < R; ++r) {
      const uint8_t* wp = w + r * (K / 2) + k / 2;
      if ((k & 127) == 0) _mm_prefetch(reinterpret_cast<const char*>(wp + R * (K / 2)), _MM_HINT_T0);
      const __m256i v = full ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wp))
                             : _mm256_set_m128i(_mm_setzero_si128(), _mm_loadu_si128(reinterpret_cast<const __m128i*>(wp)));
      const __m256i lo = _mm256_and_si256(v, low4);
      const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
      const float* sr = s + r * lds + g0;
      // gs = 32: lanes 0-3 are the unit's first group, lanes 4-7 its second.
      const __m256 sv = gs == 32 ? _mm256_set_m128(_mm_set1_ps(full ? sr[1] : 0.f), _mm_set1_ps(sr[0]))
                                 : _mm256_set1_ps(sr[0]);
      for (int m = 0; m < MT; ++m) {
        const uint8_t* xm = xq + m * ldx + k;
        // Pair sums are at most 2 * 15 * 127 each, so two of them still fit in 16 bits.
        const __m256i p = _mm256_add_epi16(
            _mm256_maddubs_epi16(lo, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xm))),
            _mm256_maddubs_epi16(hi, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xm + 32))));
        const __m256i t = _mm256_add_epi32(_mm256_madd_epi16(p, ones),
                                           _mm256_loadu_si256(reinterpret_cast<const __m256i*>(corr + m * ldc + u * 8)));
        acc[r][m] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(t), sv, acc[r][m]);
      }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int m = 0; m < MT; ++m) out[r * MT + m] = hsum_ps(acc[r][m]);
}
#endif

// ---------------------------------------------------------------------------------- driver

struct Job {
  const QRows* Q;
  int64_t M, K, N, gs, bits;
  const void* qw;
  const float* scales;
  const int32_t* col_sums;  // VNNI int8 only
  const float* bias;
  float* y;
};

template <Kind KD, int R, int MT>
void tile(const Job& J, int64_t n0, int64_t m0) {
  const QRows& Q = *J.Q;
  const uint8_t* xq = Q.q.data() + m0 * Q.ld;
  float res[R * MT];
  if (J.bits == 8) {
    int32_t dots[R * MT];
    const int8_t* w = static_cast<const int8_t*>(J.qw) + n0 * J.K;
    if constexpr (KD == Kind::kScalar) i8_tile_scalar<R, MT>(xq, Q.ld, w, J.K, dots);
#ifdef KILN_X86
    if constexpr (KD == Kind::kAvx2) i8_tile_avx2<R, MT>(xq, Q.ld, w, J.K, dots);
    if constexpr (KD == Kind::kVnni) i8_tile_vnni<R, MT>(xq, Q.ld, w, J.K, dots);
#endif
    for (int r = 0; r < R; ++r) {
      const int32_t offset = KD == Kind::kVnni ? 128 * J.col_sums[n0 + r] : 0;
      for (int m = 0; m < MT; ++m)
        res[r * MT + m] = static_cast<float>(dots[r * MT + m] - offset) * J.scales[n0 + r];
    }
  } else {
    const int64_t lds = J.K / J.gs;
    const uint8_t* w = static_cast<const uint8_t*>(J.qw) + n0 * (J.K / 2);
    const float* s = J.scales + n0 * lds;
    const int32_t* corr = Q.corr.data() + m0 * Q.ldc;
    if constexpr (KD == Kind::kScalar) i4_tile_scalar<R, MT>(xq, Q.ld, corr, Q.ldc, w, J.K, s, lds, J.gs, res);
#ifdef KILN_X86
    if constexpr (KD == Kind::kAvx2) i4_tile_avx2<R, MT>(xq, Q.ld, corr, Q.ldc, w, J.K, s, lds, J.gs, res);
    if constexpr (KD == Kind::kVnni) i4_tile_vnni<R, MT>(xq, Q.ld, corr, Q.ldc, w, J.K, s, lds, J.gs, res);
#endif
  }
  for (int r = 0; r < R; ++r) {
    const float b = J.bias ? J.bias[n0 + r] : 0.f;
    for (int m = 0; m < MT; ++m) J.y[(m0 + m) * J.N + n0 + r] = res[r * MT + m] * Q.sx[m0 + m] + b;
  }
}

// All activation rows against weight rows [n0, n0 + rows): tiles of MT rows, the remainder
// through smaller instantiations (a runtime M cannot pick a template argument otherwise).
template <Kind KD, int R>
void rows_block(const Job& J, int64_t n0) {
  constexpr int MT = Tile<KD>::MT;
  int64_t m0 = 0;
  for (; m0 + MT <= J.M; m0 += MT) tile<KD, R, MT>(J, n0, m0);
  for (; m0 < J.M; ++m0) tile<KD, R, 1>(J, n0, m0);
}

template <Kind KD>
void run_kind(const Job& J) {
  constexpr int R = Tile<KD>::R;
  const int64_t blocks = (J.N + R - 1) / R;
  // Chunks of >= ~1M multiply-adds: integer dots are ~4x cheaper than the fp32 path's.
  const int64_t chunk = std::max<int64_t>(1, (int64_t{1} << 20) / std::max<int64_t>(1, R * J.K * J.M));
  run_chunked(blocks, chunk, [&J](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t n0 = b * R;
      if (n0 + R <= J.N) {
        rows_block<KD, R>(J, n0);
      } else {
        for (int64_t n = n0; n < J.N; ++n) rows_block<KD, 1>(J, n);
      }
    }
  });
}

}  // namespace

bool int8_act_matmul(Isa isa, const float* x, int64_t M, int64_t K, int64_t N, const void* qw,
                     const float* scales, const int32_t* col_sums, int64_t bits, int64_t gs,
                     const float* bias, float* y) {
  const Kind kind = kind_for(isa);
  QRows Q;
  if (!quantize_rows(kind, bits, x, M, K, Q)) return false;
  std::vector<int32_t> sums;
  if (kind == Kind::kVnni && bits == 8 && col_sums == nullptr) {
    sums.resize(N);
    const int8_t* w = static_cast<const int8_t*>(qw);
    for (int64_t n = 0; n < N; ++n) {
      int32_t s = 0;
      for (int64_t k = 0; k < K; ++k) s += w[n * K + k];
      sums[n] = s;
    }
    col_sums = sums.data();
  }
  const Job J{&Q, M, K, N, gs, bits, qw, scales, col_sums, bias, y};
  switch (kind) {
    case Kind::kVnni: run_kind<Kind::kVnni>(J); break;
    case Kind::kAvx2: run_kind<Kind::kAvx2>(J); break;
    default: run_kind<Kind::kScalar>(J);
  }
  return true;
}

}  // namespace kiln
