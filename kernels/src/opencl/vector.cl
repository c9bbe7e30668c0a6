/*
 * OpenCL only: conv2d_signed over 8 batch entries per work-item in OpenCL's vector types (long8), which a CPU
 * device such as POCL maps onto its vector unit. A GPU gains nothing from it (a warp already runs 32 batch entries
 * side by side), so the CUDA backend uses conv2d_signed from device/inference.h and this file is not part of the
 * CUDA translation unit. Uses CONV_PARAMS and the field header, so it comes after device/inference.h.
 */

/* Signed representatives of 8 canonical elements, and the canonical elements of 8 signed sums (see field.h). */
DEVICE long8 signed8(ulong8 a) {
    return as_long8(a) - select((long8) 0, (long8) (i64) SN_P, as_long8(a) > (long8) (i64) SN_MAX_SIGNED);
}

DEVICE ulong8 field8(long8 s) {
    long8 r = (s & (long8) (i64) SN_P) + (s >> 61);
    r += (r >> 63) & (long8) (i64) SN_P;
    return as_ulong8(select(r, r - (long8) (i64) SN_P, r >= (long8) (i64) SN_P));
}

/*
 * conv2d_signed with each work-item computing 8 consecutive batch entries as one long8: the multiply-adds are
 * explicit SIMD (a CPU device's vector unit; a GPU splits them), which work-item loops around a loop nest do not
 * give on CPU devices. NDRange (Bp/8, outHp*outWp, Cop); Bp a multiple of 8; termsPerReduce >= k.
 */
KERNEL void conv2d_signed8(GLOBAL const u64 *K, GLOBAL const u64 *X, GLOBAL u64 *Y, CONV_PARAMS, u64 termsPerReduce) {
    u32 b = GLOBAL_ID(0) * 8;
    u32 bp = GLOBAL_SIZE_OF(0) * 8;
    u32 oh = GLOBAL_ID(1) / outWp;
    u32 ow = GLOBAL_ID(1) % outWp;
    u32 co = GLOBAL_ID(2);
    GLOBAL u64 *out = Y + ((u64) GLOBAL_ID(2) * GLOBAL_SIZE_OF(1) + GLOBAL_ID(1)) * bp + b;
    if (co >= cout || oh >= outH || ow >= outW) {
        vstore8((ulong8) 0, 0, out);
        return;
    }
    long8 acc = 0;
    u64 terms = 0;
    GLOBAL const u64 *kernelRow = K + (u64) co * kernelColumns;
    for (u32 ci = 0; ci < cin; ci++) {
        for (u32 kh = 0; kh < k; kh++) {
            i32 ih = (i32) (oh * stride + kh) - (i32) pad;
            if (ih < 0 || ih >= (i32) height) continue;
            GLOBAL const u64 *weights = kernelRow + (ci * kp + kh) * kp;
            GLOBAL const u64 *xRow = X + ((u64) (ci * hp + ih) * wp) * bp + b;
            if (terms + k > termsPerReduce) {
                acc = as_long8(field8(acc));
                terms = 0;
            }
            for (u32 kw = 0; kw < k; kw++) {
                i32 iw = (i32) (ow * stride + kw) - (i32) pad;
                if (iw < 0 || iw >= (i32) width) continue;
                acc += (long8) fp_signed(weights[kw]) * signed8(vload8(0, xRow + (u64) iw * bp));
            }
            terms += k;
        }
    }
    vstore8(field8(acc), 0, out);
}
