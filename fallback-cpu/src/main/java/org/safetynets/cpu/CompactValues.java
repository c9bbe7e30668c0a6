package org.safetynets.cpu;

import org.safetynets.field.Fp;

/**
 * A tensor of small signed integers held as {@code byte[]}, {@code short[]} or {@code int[]} (the narrowest that
 * holds its proven bound) instead of one 8-byte field element each: how the CPU backend keeps an activation between
 * the forward pass and the backward pass that reads it (see {@link org.safetynets.backend.Backend#compact}). The
 * shipped MNIST CNN's first convolution output, 16 KiB per sample as bytes against 128 KiB as field elements, is the
 * largest tensor of its proof. Narrowing and widening are exact: an element is the signed integer its field element
 * embeds, and widening gives back the same canonical field elements.
 */
final class CompactValues {
    private CompactValues() {
    }

    /**
     * The narrow array for field elements that embed integers of magnitude at most {@code magnitude}, or null when
     * no type narrower than a long holds that bound.
     *
     * @throws IllegalArgumentException naming the first element beyond the bound
     */
    static Object narrow(WorkerPool pool, long[] values, long magnitude) {
        int n = values.length;
        if (magnitude <= Byte.MAX_VALUE) {
            byte[] out = new byte[n];
            pool.forRange(n, n, (from, to) -> {
                for (int i = from; i < to; i++) out[i] = (byte) signedWithin(values, i, magnitude);
            });
            return out;
        }
        if (magnitude <= Short.MAX_VALUE) {
            short[] out = new short[n];
            pool.forRange(n, n, (from, to) -> {
                for (int i = from; i < to; i++) out[i] = (short) signedWithin(values, i, magnitude);
            });
            return out;
        }
        if (magnitude <= Integer.MAX_VALUE) {
            int[] out = new int[n];
            pool.forRange(n, n, (from, to) -> {
                for (int i = from; i < to; i++) out[i] = (int) signedWithin(values, i, magnitude);
            });
            return out;
        }
        return null;
    }

    /** The canonical field elements of a narrow array made by {@link #narrow}. */
    static long[] widen(WorkerPool pool, Object compact) {
        if (compact instanceof byte[] b) {
            long[] out = new long[b.length];
            pool.forRange(b.length, b.length, (from, to) -> {
                for (int i = from; i < to; i++) out[i] = Fp.fromSigned(b[i]);
            });
            return out;
        }
        if (compact instanceof short[] s) {
            long[] out = new long[s.length];
            pool.forRange(s.length, s.length, (from, to) -> {
                for (int i = from; i < to; i++) out[i] = Fp.fromSigned(s[i]);
            });
            return out;
        }
        int[] w = (int[]) compact;
        long[] out = new long[w.length];
        pool.forRange(w.length, w.length, (from, to) -> {
            for (int i = from; i < to; i++) out[i] = Fp.fromSigned(w[i]);
        });
        return out;
    }

    private static long signedWithin(long[] values, int i, long magnitude) {
        long v = Fp.toSigned(values[i]);
        if (v > magnitude || v < -magnitude) {
            throw new IllegalArgumentException("element " + i + " is " + v + ", beyond the bound " + magnitude + " it was compacted under");
        }
        return v;
    }
}
