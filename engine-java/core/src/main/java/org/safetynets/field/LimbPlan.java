package org.safetynets.field;

/**
 * How exact products of small weights with field elements may be summed in 64-bit floating point (the limb method):
 * the one rule that the CPU backend's {@code LimbProducts} and the device kernels' {@code *_limb} products share.
 *
 * <p>An activation is split into limbs whose products with every weight, summed over a block of terms, stay integers
 * of magnitude below 2^51; a double holds every integer below 2^53 exactly, and a fused multiply-add of
 * integer-valued doubles whose exact result is such an integer returns it exactly, so every partial sum is the exact
 * integer. From the data's maxima (maxW over the weights, maxX over the activations' signed representatives):
 * <ul>
 *   <li>one limb, the signed representative s with |s| <= maxX: a block of floor((2^51 - 1) / (maxW*maxX)) terms
 *   sums to at most block*maxW*maxX <= 2^51 - 1;</li>
 *   <li>two limbs of the canonical element x = hi*2^31 + lo, hi < 2^30, lo < 2^31, whenever maxW <= 2^16: every
 *   limb product is below maxW*2^31, so a block of floor(2^20 / maxW) >= 16 terms sums below 2^51.</li>
 * </ul>
 * Why 2^51 and not 2^53: the CPU moves an integer |d| < 2^51 between a long and a double by one add and one
 * reinterpretation of bits (see LimbProducts); a device converts natively, and the same, smaller, block is exact there.
 *
 * @param limbs 1 or 2
 * @param block the most terms a limb sum may take before it is recombined mod p
 */
public record LimbPlan(int limbs, long block) {
    /** Bits of the low limb. */
    public static final int LIMB_BITS = 31;
    /** Every partial sum of a block is an integer of magnitude at most this (below 2^51), held exactly by a double. */
    public static final long EXACT = (1L << 51) - 1;
    /** Below this many terms per block the limb sums' conversions stop paying for themselves. */
    public static final int MIN_BLOCK = 16;
    /** The largest weight magnitude two limbs take with blocks of at least {@link #MIN_BLOCK} terms. */
    public static final long MAX_TWO_LIMB_WEIGHT = (1L << (51 - LIMB_BITS)) / MIN_BLOCK;

    /**
     * The plan for weights of magnitude at most maxW and activations of signed magnitude at most maxX over
     * {@code terms} terms, or null when neither limb count keeps a block of {@link #MIN_BLOCK} terms exact.
     */
    public static LimbPlan of(long maxW, long maxX, long terms) {
        if (maxW == 0) return null; // an all-zero product: the streaming kernels skip every term
        long wanted = Math.min(terms, MIN_BLOCK);
        if (maxX <= EXACT / maxW) {
            long block = EXACT / (maxW * maxX == 0 ? 1 : maxW * maxX);
            if (block >= wanted) return new LimbPlan(1, block);
        }
        // Limb products below maxW*2^31: a block of 2^20 / maxW sums below 2^51.
        if (maxW <= MAX_TWO_LIMB_WEIGHT) return new LimbPlan(2, (1L << (51 - LIMB_BITS)) / maxW);
        return null;
    }
}
