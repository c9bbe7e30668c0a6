/*
 * The few spellings that differ between device languages, so that field.h and the kernels are written once.
 * The including backend chooses the language with an explicit definition placed before this file:
 *   #define SN_OPENCL   (OpenCL C 1.2, compiled at run time by the OpenCL backend)
 *   #define SN_CUDA     (CUDA C++, compiled to PTX by nvcc for the CUDA backend)
 * rather than by compiler-identification macros, which differ between OpenCL implementations.
 *
 * Types: u64 / i64 / u32 / i32 are exact-width integers in both languages.
 * Qualifiers: KERNEL marks an entry point; GLOBAL qualifies a pointer into device memory; LOCAL declares an
 * array shared by a work-group (a CUDA block); LOCAL_PTR qualifies a pointer to one; DEVICE a helper function.
 * Indexing: GLOBAL_ID(d), LOCAL_ID(d), GROUP_ID(d), LOCAL_SIZE(d), NUM_GROUPS(d), GLOBAL_SIZE_OF(d) for d in 0..2.
 * LOCAL_BARRIER() makes the work-group's LOCAL writes visible to the whole group.
 * SN_FP64, defined by the including backend where the device has 64-bit floating point (OpenCL's cl_khr_fp64; every
 * CUDA GPU), compiles the limb-method products (fma on double); without it they are left out of the program.
 *
 * The kernels speak OpenCL's words: a work-item is a CUDA thread, a work-group a block (LOCAL memory is __shared__),
 * and the NDRange the grid; the host launches the same groups either way (org.safetynets.kernels.WorkShape).
 * Every kernel file under kernels/src/device is compiled by both backends; OpenCL-only code (vector types) lives in
 * kernels/src/opencl and is not part of the CUDA translation unit (kernels/src/cuda/kernels.cu).
 */
#ifndef SN_PRELUDE_H
#define SN_PRELUDE_H

#if defined(SN_OPENCL)

typedef ulong u64;
typedef long i64;
typedef uint u32;
typedef int i32;
#define KERNEL __kernel
#define GLOBAL __global
#define LOCAL __local
#define LOCAL_PTR __local
#define DEVICE static inline
#define MUL_HI64(a, b) mul_hi((u64) (a), (u64) (b))
#define LOCAL_BARRIER() barrier(CLK_LOCAL_MEM_FENCE)
#define GLOBAL_ID(d) ((u32) get_global_id(d))
#define LOCAL_ID(d) ((u32) get_local_id(d))
#define GROUP_ID(d) ((u32) get_group_id(d))
#define LOCAL_SIZE(d) ((u32) get_local_size(d))
#define NUM_GROUPS(d) ((u32) get_num_groups(d))
#define GLOBAL_SIZE_OF(d) ((u32) get_global_size(d))
#ifdef SN_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

#elif defined(SN_CUDA)

typedef unsigned long long u64;
typedef long long i64;
typedef unsigned int u32;
typedef int i32;
#define KERNEL extern "C" __global__
#define GLOBAL
#define LOCAL __shared__
#define LOCAL_PTR
#define DEVICE static __device__ __forceinline__
#define MUL_HI64(a, b) __umul64hi((u64) (a), (u64) (b))
#define LOCAL_BARRIER() __syncthreads()
#define SN_DIM3(v, d) ((d) == 0 ? (v).x : (d) == 1 ? (v).y : (v).z)
#define LOCAL_ID(d) ((u32) SN_DIM3(threadIdx, d))
#define GROUP_ID(d) ((u32) SN_DIM3(blockIdx, d))
#define LOCAL_SIZE(d) ((u32) SN_DIM3(blockDim, d))
#define NUM_GROUPS(d) ((u32) SN_DIM3(gridDim, d))
#define GLOBAL_ID(d) (GROUP_ID(d) * LOCAL_SIZE(d) + LOCAL_ID(d))
#define GLOBAL_SIZE_OF(d) (NUM_GROUPS(d) * LOCAL_SIZE(d))

#else
#error "define SN_OPENCL or SN_CUDA before including prelude.h"
#endif

#endif
