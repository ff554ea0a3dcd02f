#!/usr/bin/env bash
# Compile every CUDA kernel under trainer/kiln_trainer/kernels for sm_80 and sm_90 (objects only, nothing
# linked or run), so kernel changes are checked on machines without a GPU. The .cu files are
# plain CUDA with C ABI launchers; the torch binding (binding.cpp) is built by
# torch.utils.cpp_extension on a CUDA machine and is not compiled here.
set -euo pipefail

cd "$(dirname "$0")/.."
NVCC="${NVCC:-$(command -v nvcc || echo /usr/local/bin/nvcc)}"
if [[ ! -x "$NVCC" ]]; then
  echo "check_kernels: nvcc not found (set NVCC)" >&2
  exit 2
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

mapfile -t sources < <(find trainer/kiln_trainer/kernels -name '*.cu' | sort)
if [[ ${#sources[@]} -eq 0 ]]; then
  echo "check_kernels: no .cu files found" >&2
  exit 1
fi

# One job per (file, arch) in parallel: each nvcc run is single-threaded.
pids=()
labels=()
for src in "${sources[@]}"; do
  for arch in 80 90; do
    obj="$out/$(basename "$src" .cu).sm_${arch}.o"
    "$NVCC" -std=c++17 -O3 -Werror all-warnings -gencode "arch=compute_${arch},code=sm_${arch}" \
      -c "$src" -o "$obj" >"$obj.log" 2>&1 &
    pids+=($!)
    labels+=("$src sm_${arch}|$obj.log")
  done
done

failed=0
for i in "${!pids[@]}"; do
  label="${labels[$i]%%|*}"
  log="${labels[$i]##*|}"
  if wait "${pids[$i]}"; then
    echo "ok    $label"
  else
    echo "FAIL  $label" >&2
    cat "$log" >&2
    failed=1
  fi
done
exit "$failed"
