/*
 * The CUDA translation unit: the same device sources the OpenCL backend compiles (kernels/src/common and
 * kernels/src/device), with the prelude's CUDA spellings chosen by the explicit SN_CUDA below. Nothing here is a
 * second copy of a kernel: a change to a shared kernel reaches both backends, and the committed PTX records the
 * sources' checksum so that it cannot fall behind them silently (kernels/README.md, "Regenerating the PTX").
 *
 * Every entry point is extern "C" (KERNEL in the prelude), so its PTX .entry name is the kernel's own name, which
 * is what CudaBackend looks up with cuModuleGetFunction.
 */
#define SN_CUDA 1
#define SN_FP64 1 /* every CUDA GPU has fp64 fma: the limb-method products are compiled */
#include "../common/prelude.h"
#include "../common/field.h"
#include "../device/reduce.h"
#include "../device/inference.h"
#include "../device/tables.h"
#include "../device/sumcheck.h"
