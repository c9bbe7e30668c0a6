/*
 * Work-group reductions. Kernels that reduce run SN_GROUP work-items per group (the driver launches them so);
 * each group writes one canonical partial per output column to partials[group * width + column], and
 * reduce_sums / reduce_max combine the partials of every group on the device, so only the final values cross
 * the bus.
 */
#define SN_GROUP 64

/* Sum over the work-group of values below 2^63, below 2^63 again; every work-item gets it. All must call. */
DEVICE u64 group_sum(LOCAL_PTR u64 *scratch, u64 v) {
    u32 l = LOCAL_ID(0);
    scratch[l] = v;
    LOCAL_BARRIER();
    for (u32 s = SN_GROUP / 2; s > 0; s >>= 1) {
        if (l < s) scratch[l] = fp_merge(scratch[l], scratch[l + s]);
        LOCAL_BARRIER();
    }
    u64 total = scratch[0];
    LOCAL_BARRIER(); /* scratch is reused by the next call */
    return total;
}

DEVICE u64 group_max(LOCAL_PTR u64 *scratch, u64 v) {
    u32 l = LOCAL_ID(0);
    scratch[l] = v;
    LOCAL_BARRIER();
    for (u32 s = SN_GROUP / 2; s > 0; s >>= 1) {
        if (l < s && scratch[l + s] > scratch[l]) scratch[l] = scratch[l + s];
        LOCAL_BARRIER();
    }
    u64 m = scratch[0];
    LOCAL_BARRIER();
    return m;
}

/* out[c] = sum over g < groups of partials[g*width + c] (canonical partials), for c < width. One group. */
KERNEL void reduce_sums(GLOBAL const u64 *partials, u32 groups, u32 width, GLOBAL u64 *out) {
    LOCAL u64 scratch[SN_GROUP];
    for (u32 c = 0; c < width; c++) {
        u64 acc = 0; /* fp_fold(acc) + partial < 2^61 + 8 + 2^61 */
        for (u32 g = LOCAL_ID(0); g < groups; g += SN_GROUP) acc = fp_fold(acc) + partials[g * width + c];
        u64 total = group_sum(scratch, acc);
        if (LOCAL_ID(0) == 0) out[c] = fp_reduce(total);
    }
}

/* out[0] = max over g < groups of partials[g]. One group. */
KERNEL void reduce_max(GLOBAL const u64 *partials, u32 groups, GLOBAL u64 *out) {
    LOCAL u64 scratch[SN_GROUP];
    u64 m = 0;
    for (u32 g = LOCAL_ID(0); g < groups; g += SN_GROUP) m = partials[g] > m ? partials[g] : m;
    m = group_max(scratch, m);
    if (LOCAL_ID(0) == 0) out[0] = m;
}

/* partials[group] = max |signed(x[i])| over this group's share of i < n: decides the signed product path. */
KERNEL void max_magnitude(GLOBAL const u64 *x, u32 n, GLOBAL u64 *partials) {
    LOCAL u64 scratch[SN_GROUP];
    u64 m = 0;
    for (u32 i = GLOBAL_ID(0); i < n; i += NUM_GROUPS(0) * SN_GROUP) {
        u64 v = fp_magnitude(x[i]);
        m = v > m ? v : m;
    }
    m = group_max(scratch, m);
    if (LOCAL_ID(0) == 0) partials[GROUP_ID(0)] = m;
}
