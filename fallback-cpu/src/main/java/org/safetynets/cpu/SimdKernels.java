package org.safetynets.cpu;

import org.safetynets.field.Fp;

import java.util.Arrays;

import static org.safetynets.cpu.LaneLoops.canonicalSums;
import static org.safetynets.cpu.LaneLoops.differences;
import static org.safetynets.cpu.LaneLoops.products;
import static org.safetynets.cpu.LaneLoops.sum;

/**
 * The proof's table-wide kernels on SIMD lanes: the fold and the dot products of column combinations. They
 * compute the same field elements as the scalar kernels, a lane at a time. Each is a sequence of {@link LaneLoops}
 * over runs of at most a block, through small buffers that stay in cache.
 *
 * <p>This class loads only where the JVM has the module ({@code --add-modules jdk.incubator.vector});
 * {@link CpuBackend} checks with {@link Simd#usable()} before touching it.
 */
final class SimdKernels {
    /** The longest piece a fold or a dot product puts through a buffer; buffers hold at least this or a block. */
    private static final int RUN = 1024;

    private SimdKernels() {
    }

    static int lanes() {
        return LaneLoops.lanes();
    }

    /** One thread's scratch arrays, so that kernels allocate per chunk of work, not per run. */
    static final class Buffers {
        final long[] x;
        final long[] y;
        private final long[] challenge;
        private long filledWith = -1;

        Buffers(int size) {
            x = new long[size];
            y = new long[size];
            challenge = new long[size];
        }

        Buffers() {
            this(RUN);
        }

        /** An array of r in every entry (products take two arrays). */
        long[] broadcast(long r) {
            if (filledWith != r) {
                Arrays.fill(challenge, r);
                filledWith = r;
            }
            return challenge;
        }
    }

    /** T[i] = T[i] + r*(T[i+half] - T[i]) for i in [from, to), canonical; to - from a multiple of the lanes. */
    static void fold(long[] t, int half, long r, int from, int to, Buffers buffers) {
        for (int i = from; i < to; i += RUN) {
            foldPairs(t, i, t, i + half, r, Math.min(RUN, to - i), t, i, buffers);
        }
    }

    /** out[outOff + j] = low[lowOff + j] + r*(high[highOff + j] - low[lowOff + j]), canonical, for j < n <= buffer size. */
    private static void foldPairs(long[] low, int lowOff, long[] high, int highOff, long r, int n, long[] out, int outOff,
                                  Buffers buffers) {
        long[] d = buffers.x;
        differences(low, lowOff, high, highOff, n, d, 0);
        products(buffers.broadcast(r), 0, d, 0, n, d, 0);
        canonicalSums(low, lowOff, d, 0, n, out, outOff);
    }

    /** Canonical sum of a[aOff + i] * b[bOff + i] over i < n, for operands below 2^61 + 2^32. */
    static long dot(long[] a, int aOff, long[] b, int bOff, int n, Buffers buffers) {
        long total = 0;
        int whole = n - n % lanes();
        for (int i = 0; i < whole; i += RUN) {
            int m = Math.min(RUN, whole - i);
            products(a, aOff + i, b, bOff + i, m, buffers.y, 0);
            total = Fp.add(total, sum(buffers.y, 0, m));
        }
        for (int i = whole; i < n; i++) total = Fp.add(total, Fp.mul(Fp.reduceUnsigned(a[aOff + i]), Fp.reduceUnsigned(b[bOff + i])));
        return total;
    }
}
