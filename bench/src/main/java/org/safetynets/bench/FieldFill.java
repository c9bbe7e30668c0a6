package org.safetynets.bench;

import org.safetynets.field.Fp;

/**
 * The benchmark's test data and result digest, written identically in {@code bench/c/field_matmul_ref.c} so that
 * the C reference and the Java backend multiply the same matrices and their checksums must agree.
 *
 * <p>Fill rule: splitmix64 from {@link #SEED}, each output reduced mod p; A (m x k) is drawn first, then
 * B (k x n), both row-major. Checksum: h = h * {@link #CHECKSUM_BASE} + c (mod p) over C in row-major order.
 */
public final class FieldFill {
    public static final long SEED = 0x5AFE7E75L;
    public static final long CHECKSUM_BASE = 1_000_003L;

    private long state;

    public FieldFill(long seed) {
        this.state = seed;
    }

    /** The generator the C reference uses. */
    public static FieldFill standard() {
        return new FieldFill(SEED);
    }

    public long nextElement() {
        state += 0x9E3779B97F4A7C15L;
        long z = state;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return Fp.reduceUnsigned(z);
    }

    public long[] elements(int count) {
        long[] out = new long[count];
        for (int i = 0; i < count; i++) out[i] = nextElement();
        return out;
    }

    public static long checksum(long[] values) {
        long h = 0;
        for (long v : values) h = Fp.add(Fp.mul(h, CHECKSUM_BASE), v);
        return h;
    }

    /** A (m x k) then B (k x n), drawn in that order from the standard generator. */
    public record Operands(long[] a, long[] b) {
        public static Operands standard(MatmulShape shape) {
            FieldFill fill = FieldFill.standard();
            long[] a = fill.elements(Math.multiplyExact(shape.m(), shape.k()));
            long[] b = fill.elements(Math.multiplyExact(shape.k(), shape.n()));
            return new Operands(a, b);
        }
    }
}
