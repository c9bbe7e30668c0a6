#!/usr/bin/env bash
# Compiles the shared kernel sources (kernels/src/cuda/kernels.cu, which includes common/ and device/) with nvcc into
# the two images the CUDA backend loads, and writes the manifest that ties them to their sources:
#   kernels.compute_75.ptx   PTX for compute capability 7.5 (the oldest nvcc 13 targets); the driver JITs it for
#                            whatever GPU it finds (7.5 and newer)
#   kernels.sm_90.fatbin     Hopper: sm_90 machine code (no JIT) plus compute_90 PTX, chosen on compute capability 9.x
#   kernels.manifest         the SHA-256 of the sources, the nvcc that compiled them, the flags, each image's SHA-256
#
# Usage: build-kernels.sh [-q] OUT_DIR [NVCC]     (NVCC defaults to $NVCC, then nvcc on the PATH; -q: no summary
#                                                 line, as the Maven build runs it, so `mvn -q` stays quiet)
#   To regenerate the committed images after changing a kernel source:
#     kernels/cuda/build-kernels.sh kernels/cuda/src/main/resources/org/safetynets/cuda
# The Maven build runs it into target/ when nvcc is present, and CudaKernelImagesTest fails if the committed images
# differ from what this nvcc makes of the current sources; without nvcc the test still checks the sources' SHA-256.
set -euo pipefail
set -f # no globbing: the -gencode argument holds brackets

quiet=false
if [ "${1:-}" = "-q" ]; then
  quiet=true
  shift
fi
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 [-q] OUT_DIR [NVCC]" >&2
  exit 2
fi
out_dir="$1"
nvcc="${2:-${NVCC:-nvcc}}"
script_dir="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$(cd "$script_dir/../src" && pwd)"
mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd)"

# Flags are part of the manifest: the same sources under other flags are other images.
ptx_flags="-ptx -arch=compute_75"
fatbin_flags="-fatbin -gencode arch=compute_90,code=[sm_90,compute_90]"

# Compile in the source directory with relative paths, so no absolute path of this checkout reaches an image.
cd "$src/cuda"
# shellcheck disable=SC2086 # the flags are lists of words
"$nvcc" $ptx_flags -o "$out_dir/kernels.compute_75.ptx.tmp" kernels.cu
# shellcheck disable=SC2086
"$nvcc" $fatbin_flags -o "$out_dir/kernels.sm_90.fatbin.tmp" kernels.cu
mv "$out_dir/kernels.compute_75.ptx.tmp" "$out_dir/kernels.compute_75.ptx"
mv "$out_dir/kernels.sm_90.fatbin.tmp" "$out_dir/kernels.sm_90.fatbin"

# The sources' digest: sha256sum's lines ("<hex>  <path>\n") for every file the CUDA build can include, in byte
# order of their paths relative to kernels/src, hashed again. CudaKernelImages recomputes it the same way.
cd "$src"
sources_sha256="$(find common device cuda -type f \( -name '*.h' -o -name '*.cu' \) | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)"
nvcc_version="$("$nvcc" --version | grep -o 'release [0-9.]*, V[0-9.]*' | head -n 1)"
{
  echo "# Written by kernels/cuda/build-kernels.sh; do not edit. Regenerate after changing kernels/src (kernels/README.md)."
  echo "sources.sha256=$sources_sha256"
  echo "nvcc=$nvcc_version"
  echo "kernels.compute_75.ptx.flags=$ptx_flags"
  echo "kernels.compute_75.ptx.sha256=$(sha256sum "$out_dir/kernels.compute_75.ptx" | cut -d' ' -f1)"
  echo "kernels.sm_90.fatbin.flags=$fatbin_flags"
  echo "kernels.sm_90.fatbin.sha256=$(sha256sum "$out_dir/kernels.sm_90.fatbin" | cut -d' ' -f1)"
} > "$out_dir/kernels.manifest"
$quiet || echo "build-kernels.sh: wrote kernels.compute_75.ptx, kernels.sm_90.fatbin and kernels.manifest to $out_dir ($nvcc_version)"
