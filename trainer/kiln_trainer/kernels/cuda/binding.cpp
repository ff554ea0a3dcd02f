// Torch binding for the CUDA kernels: checks shapes and dtypes, allocates the output and calls
// the C ABI launchers of int8_matmul.cu / int4_matmul.cu on the current stream.

#include <torch/extension.h>
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>
#include <cuda_runtime_api.h>

#include <cstdint>

extern "C" int kiln_int8_matmul(const float* x, const int8_t* qweight, const float* scales, const float* bias,
                                float* y, int M, int N, int K, cudaStream_t stream);
extern "C" int kiln_int4_matmul(const float* x, const uint8_t* qweight, const float* scales, const float* bias,
                                float* y, int M, int N, int K, int group_size, cudaStream_t stream);

namespace {

torch::Tensor quant_matmul_cuda(torch::Tensor x, torch::Tensor qweight, torch::Tensor scales, int64_t bits,
                                int64_t group_size, c10::optional<torch::Tensor> bias) {
  TORCH_CHECK(x.is_cuda() && qweight.is_cuda() && scales.is_cuda(), "quant_matmul_cuda: tensors must be on CUDA");
  TORCH_CHECK(x.dim() == 2 && x.scalar_type() == torch::kFloat32, "x must be float32 (M, K)");
  TORCH_CHECK(scales.scalar_type() == torch::kFloat32, "scales must be float32");
  const c10::cuda::CUDAGuard guard(x.device());
  x = x.contiguous();
  qweight = qweight.contiguous();
  scales = scales.contiguous();
  const int64_t M = x.size(0), K = x.size(1), N = qweight.size(0);
  torch::Tensor b;
  if (bias.has_value() && bias->defined()) {
    b = bias->to(torch::kFloat32).contiguous();
    TORCH_CHECK(b.is_cuda() && b.numel() == N, "bias must be (N,) on the same device");
  }
  auto y = torch::empty({M, N}, x.options());
  if (M == 0 || N == 0) return y;
  const float* bias_ptr = b.defined() ? b.data_ptr<float>() : nullptr;
  const cudaStream_t stream = at::cuda::getCurrentCUDAStream();
  int err;
  if (bits == 8) {
    TORCH_CHECK(qweight.scalar_type() == torch::kInt8 && qweight.size(1) == K, "int8 qweight must be (N, K)");
    TORCH_CHECK(scales.numel() == N, "int8 scales must be (N,)");
    err = kiln_int8_matmul(x.data_ptr<float>(), qweight.data_ptr<int8_t>(), scales.data_ptr<float>(), bias_ptr,
                           y.data_ptr<float>(), M, N, K, stream);
  } else {
    TORCH_CHECK(bits == 4, "bits must be 8 or 4, got ", bits);
    TORCH_CHECK(group_size > 0 && group_size % 32 == 0 && K % group_size == 0,
                "int4 needs group_size a multiple of 32 dividing K");
    TORCH_CHECK(qweight.scalar_type() == torch::kUInt8 && qweight.size(1) * 2 == K, "int4 qweight must be (N, K/2)");
    TORCH_CHECK(scales.numel() == N * (K / group_size), "int4 scales must be (N, K/group_size)");
    err = kiln_int4_matmul(x.data_ptr<float>(), qweight.data_ptr<uint8_t>(), scales.data_ptr<float>(), bias_ptr,
                           y.data_ptr<float>(), M, N, K, group_size, stream);
  }
  TORCH_CHECK(err == 0, "quant_matmul_cuda launch failed: ", cudaGetErrorString(static_cast<cudaError_t>(err)));
  return y;
}

}  // namespace

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.def("quant_matmul", &quant_matmul_cuda, "weight-only int8/int4 matmul (CUDA)", py::arg("x"),
        py::arg("qweight"), py::arg("scales"), py::arg("bits"), py::arg("group_size"), py::arg("bias") = py::none());
}
