package org.safetynets.cpu;

import org.safetynets.field.Fp;

import java.util.Arrays;

import static org.safetynets.cpu.LazyField.fold;
import static org.safetynets.cpu.LazyField.term;

/**
 * Sum-check round messages: for t = 0..degree, s(t) = sum over i < half of prod_f T_f(i, t) with
 * T(i, t) = T[i] + t*(T[i+half] - T[i]). Each pair (T[i], T[i+half]) is read once: the values at t = 0..degree
 * follow by adding the difference, T(i, t+1) = T(i, t) + (T[i+half] - T[i]). A table that appears more than once
 * among the factors (A in eq*A*A) is evaluated once. The common shapes (A, A*B, A*B*B, A*B*C) have their own
 * loops; anything else takes the general one.
 *
 * <p>Sums are unsigned accumulators kept below 2^63: fold(acc) < 2^61 + 8 plus one value < 2^62 (a canonical
 * product or a {@link LazyField#term}).
 */
final class RoundKernels {
    /** Signed values of magnitude up to SMALL square without a modular multiplication (see weightedSquareSumsAtZeroAndTwo). */
    private static final long SMALL = 1L << 28;
    private static final int SMALL_BITS_PLUS_ONE = 29;
    /** Pairs looked at together before the square sums choose how to treat them: 2 x 2 KiB, well inside L1. */
    private static final int SCAN = 256;

    private RoundKernels() {
    }

    /** @param data the tables by index; only those named in {@code factors} are read */
    static long[] evaluations(WorkerPool pool, long[][] data, int[] factors, int half, int degree) {
        int points = degree + 1;
        if (factors.length == 0) {
            // The empty product is 1 at every i.
            long[] out = new long[points];
            Arrays.fill(out, Fp.fromLong(half));
            return out;
        }
        // Distinct tables in order of first appearance, and how often each appears.
        int[] distinct = new int[factors.length];
        int[] multiplicity = new int[factors.length];
        int[] slotOfFactor = new int[factors.length];
        int count = 0;
        for (int f = 0; f < factors.length; f++) {
            int slot = -1;
            for (int d = 0; d < count; d++) if (distinct[d] == factors[f]) slot = d;
            if (slot < 0) {
                slot = count++;
                distinct[slot] = factors[f];
            }
            multiplicity[slot]++;
            slotOfFactor[f] = slot;
        }
        long work = (long) half * points * factors.length;
        long[] sums = new long[points];
        if (count == 1 && factors.length == 1) {
            // Linear: s(t) = S0 + t*(S1 - S0) with S0 = sum T[i], S1 = sum T[i+half].
            long[] t0t1 = pool.sumRange(half, half, 2, (from, to, out) -> linearSums(data[factors[0]], half, from, to, out));
            long slope = Fp.sub(t0t1[1], t0t1[0]);
            for (int t = 0; t < points; t++) sums[t] = Fp.add(t0t1[0], Fp.mul(Fp.fromLong(t), slope));
            return sums;
        }
        if (count == 2 && factors.length == 2) {
            long[] a = data[distinct[0]];
            long[] b = data[distinct[1]];
            return pool.sumRange(half, work, points, (from, to, out) -> productOfTwo(a, b, half, from, to, out));
        }
        if (count == 2 && factors.length == 3) {
            int single = multiplicity[0] == 1 ? 0 : 1;
            long[] a = data[distinct[single]];
            long[] b = data[distinct[1 - single]];
            return pool.sumRange(half, work, points, (from, to, out) -> productOneTwo(a, b, half, from, to, out));
        }
        if (count == 3 && factors.length == 3) {
            long[] a = data[distinct[0]];
            long[] b = data[distinct[1]];
            long[] c = data[distinct[2]];
            return pool.sumRange(half, work, points, (from, to, out) -> productOfThree(a, b, c, half, from, to, out));
        }
        long[][] tables = new long[count][];
        for (int d = 0; d < count; d++) tables[d] = data[distinct[d]];
        return pool.sumRange(half, work, points, (from, to, out) -> general(tables, slotOfFactor, half, from, to, out));
    }

    private static void linearSums(long[] a, int half, int from, int to, long[] out) {
        long low = 0;
        long high = 0;
        for (int i = from; i < to; i++) {
            low = fold(low) + a[i];
            high = fold(high) + a[i + half];
        }
        out[0] = Fp.reduceUnsigned(low);
        out[1] = Fp.reduceUnsigned(high);
    }

    private static void productOfTwo(long[] a, long[] b, int half, int from, int to, long[] out) {
        long[] acc = new long[out.length];
        for (int i = from; i < to; i++) {
            long x = a[i];
            long dx = Fp.sub(a[i + half], x);
            long y = b[i];
            long dy = Fp.sub(b[i + half], y);
            for (int t = 0; t < acc.length; t++) {
                acc[t] = fold(acc[t]) + term(x, y);
                x = Fp.add(x, dx);
                y = Fp.add(y, dy);
            }
        }
        finish(acc, out);
    }

    /** a * b * b. */
    private static void productOneTwo(long[] a, long[] b, int half, int from, int to, long[] out) {
        long[] acc = new long[out.length];
        for (int i = from; i < to; i++) {
            long x = a[i];
            long dx = Fp.sub(a[i + half], x);
            long y = b[i];
            long dy = Fp.sub(b[i + half], y);
            for (int t = 0; t < acc.length; t++) {
                acc[t] = fold(acc[t]) + term(x, Fp.mul(y, y));
                x = Fp.add(x, dx);
                y = Fp.add(y, dy);
            }
        }
        finish(acc, out);
    }

    private static void productOfThree(long[] a, long[] b, long[] c, int half, int from, int to, long[] out) {
        long[] acc = new long[out.length];
        for (int i = from; i < to; i++) {
            long x = a[i];
            long dx = Fp.sub(a[i + half], x);
            long y = b[i];
            long dy = Fp.sub(b[i + half], y);
            long z = c[i];
            long dz = Fp.sub(c[i + half], z);
            for (int t = 0; t < acc.length; t++) {
                acc[t] = fold(acc[t]) + term(Fp.mul(x, y), z);
                x = Fp.add(x, dx);
                y = Fp.add(y, dy);
                z = Fp.add(z, dz);
            }
        }
        finish(acc, out);
    }

    /** Any factor list: {@code slotOfFactor[f]} says which of {@code tables} factor f reads. */
    private static void general(long[][] tables, int[] slotOfFactor, int half, int from, int to, long[] out) {
        int n = tables.length;
        long[] value = new long[n];
        long[] step = new long[n];
        long[] acc = new long[out.length];
        for (int i = from; i < to; i++) {
            for (int d = 0; d < n; d++) {
                value[d] = tables[d][i];
                step[d] = Fp.sub(tables[d][i + half], value[d]);
            }
            for (int t = 0; t < acc.length; t++) {
                long product = value[slotOfFactor[0]];
                for (int f = 1; f < slotOfFactor.length; f++) product = Fp.mul(product, value[slotOfFactor[f]]);
                acc[t] = fold(acc[t]) + product;
                for (int d = 0; d < n; d++) value[d] = Fp.add(value[d], step[d]);
            }
        }
        finish(acc, out);
    }

    /**
     * sum W[i]*a_t^2 for each t in {@code points}, a_t = A[i] + t*(A[i+half] - A[i]), with split weights
     * W[i] = high[i >> lowVariables] * low[i mod 2^lowVariables]: any points (the rare case).
     */
    static long[] weightedSquareSums(WorkerPool pool, long[] high, long[] low, int lowVariables, long[] a, int half, int[] points) {
        int mask = (1 << lowVariables) - 1;
        return pool.sumRange(half, 3L * points.length * half, points.length, (from, to, out) -> {
            long[] acc = new long[points.length];
            for (int i = from; i < to; i++) {
                long weight = Fp.mul(high[i >> lowVariables], low[i & mask]);
                long x0 = a[i];
                long dx = Fp.sub(a[i + half], x0);
                for (int p = 0; p < points.length; p++) {
                    long x = Fp.add(x0, Fp.mul(points[p], dx));
                    acc[p] = fold(acc[p]) + term(weight, Fp.mul(x, x));
                }
            }
            finish(acc, out);
        });
    }

    /**
     * {sum W[i]*a_0^2, sum W[i]*a_2^2} with split weights: the hot case, where the prover derives the t = 1 sum from
     * its claim.
     *
     * <p>Blocks of 2^lowVariables pairs share one high weight, so a block is summed against {@code low} and then
     * multiplied by its high weight once; chunks of work are whole blocks. Within a block, runs of up to
     * {@link #SCAN} pairs are first squared into a small buffer, then weighted:
     * <ul>
     * <li>squaring: an all-zero run (zero padding, 28 -> 32 pixels say) is skipped; a run of small integers (the
     * layer's activations, before the first fold) is squared exactly in 64-bit arithmetic; any other run takes the
     * field path without per-element tests;</li>
     * <li>weighting: where {@code low} is the same on both sides of a variable (a pooled window offset has weight 1
     * at 0 and at 1), the two squares that share a weight are added before the one multiplication by it; where
     * {@code high} is, a block and its partner block are summed together in the same way. A 2 x 2 sum pool has one
     * offset bit in each factor, so a quarter of the weight products remain. This is about 5% of the demo CNN's
     * square sum-checks: most of their time is the squares and the memory traffic.</li>
     * </ul>
     */
    static long[] weightedSquareSumsAtZeroAndTwo(WorkerPool pool, long[] high, long[] low, int lowVariables, long[] a,
                                                  int half) {
        int blockSize = 1 << lowVariables;
        int blocks = half >> lowVariables;
        int run = Math.min(SCAN, blockSize);
        int lowBit = symmetricBit(low, blockSize);
        int partner = lowBit < 0 ? 0 : 1 << lowBit;
        int highBit = symmetricBit(high, blocks);
        int partnerBlocks = highBit < 0 ? 0 : 1 << highBit;
        // With a symmetric high variable, a unit of work is a block whose bit highBit is clear and its partner block.
        int units = partnerBlocks == 0 ? blocks : blocks / 2;
        return pool.sumRange(units, 4L * half, 2, (from, to, out) -> {
            RunSquares squares = new RunSquares(a, half, partnerBlocks << lowVariables);
            long[] sq0 = squares.sq0;
            long[] sq2 = squares.sq2;
            long[] block = new long[2]; // canonical sums of the current block against low
            long acc0 = 0;
            long acc2 = 0;
            for (int unit = from; unit < to; unit++) {
                int b = partnerBlocks == 0 ? unit : (unit / partnerBlocks) * 2 * partnerBlocks + unit % partnerBlocks;
                int base = b << lowVariables;
                block[0] = 0;
                block[1] = 0;
                if (partner == 0) {
                    for (int j = 0; j < blockSize; j += run) {
                        if (squares.square(base + j, run, 0)) weigh(low, j, sq0, sq2, run, block);
                    }
                } else if (2 * partner <= run) {
                    // Each run holds whole pairs (j, j + partner).
                    for (int j = 0; j < blockSize; j += run) {
                        if (squares.square(base + j, run, 0)) weighPairs(low, j, sq0, sq2, run, partner, block);
                    }
                } else {
                    // A run with the symmetric bit clear, and its partner run, side by side in the buffer.
                    for (int group = 0; group < blockSize; group += 2 * partner) {
                        for (int j = group; j < group + partner; j += run) {
                            boolean any = squares.square(base + j, run, 0);
                            any |= squares.square(base + j + partner, run, run);
                            if (any) weighPairs(low, j, sq0, sq2, 2 * run, run, block);
                        }
                    }
                }
                acc0 = fold(acc0) + term(high[b], block[0]);
                acc2 = fold(acc2) + term(high[b], block[1]);
            }
            out[0] = Fp.reduceUnsigned(acc0);
            out[1] = Fp.reduceUnsigned(acc2);
        });
    }

    /**
     * A variable u of a product table with table[x] = table[x + 2^u] for every x < size whose bit u is clear (the
     * weight is the same at 0 and 1, as on a pooled window offset), the highest if several, or -1.
     */
    static int symmetricBit(long[] table, int size) {
        for (int u = Integer.numberOfTrailingZeros(size) - 1; u >= 0; u--) {
            int step = 1 << u;
            boolean symmetric = true;
            for (int x = 0; x < size && symmetric; x++) {
                if ((x & step) == 0 && table[x] != table[x + step]) symmetric = false;
            }
            if (symmetric) return u;
        }
        return -1;
    }

    /** Adds sum low[lowStart + k] * sq[k] over k < n to {@code sums} (buffer entries below 2^61 + 2; canonical sums out). */
    private static void weigh(long[] low, int lowStart, long[] sq0, long[] sq2, int n, long[] sums) {
        long sum0 = sums[0];
        long sum2 = sums[1];
        for (int k = 0; k < n; k++) {
            long weight = low[lowStart + k];
            sum0 = fold(sum0) + term(weight, sq0[k]);
            sum2 = fold(sum2) + term(weight, sq2[k]);
        }
        sums[0] = Fp.reduceUnsigned(sum0);
        sums[1] = Fp.reduceUnsigned(sum2);
    }

    /**
     * The same where buffer entries k and k + partner share the weight low[lowStart + k] (k in the first half of each
     * group of 2 * partner): one product per pair. Two buffer entries (each below 2^61 + 2) add up to less than
     * 2^62 + 4, which {@link LazyField#term} takes; an accumulator stays below 2^63 + 16, unsigned.
     */
    private static void weighPairs(long[] low, int lowStart, long[] sq0, long[] sq2, int n, int partner, long[] sums) {
        long sum0 = sums[0];
        long sum2 = sums[1];
        for (int group = 0; group < n; group += 2 * partner) {
            for (int k = group; k < group + partner; k++) {
                long weight = low[lowStart + k];
                sum0 = fold(sum0) + term(weight, sq0[k] + sq0[k + partner]);
                sum2 = fold(sum2) + term(weight, sq2[k] + sq2[k + partner]);
            }
        }
        sums[0] = Fp.reduceUnsigned(sum0);
        sums[1] = Fp.reduceUnsigned(sum2);
    }

    /**
     * One chunk's squaring of runs of pairs (a_0, a_1) = (A[i], A[i+half]); with a partner offset (a symmetric high
     * variable), the partner run's squares are added in, since both share weights.
     */
    private static final class RunSquares {
        final long[] sq0 = new long[2 * SCAN];
        final long[] sq2 = new long[2 * SCAN];
        private final long[] partner0 = new long[SCAN];
        private final long[] partner2 = new long[SCAN];
        private final long[] a;
        private final int half;
        private final int partnerOffset;

        RunSquares(long[] a, int half, int partnerOffset) {
            this.a = a;
            this.half = half;
            this.partnerOffset = partnerOffset;
        }

        /**
         * Writes the squares of a_0 and of a_2 = 2*a_1 - a_0 for pairs [from, from + n) into sq0 and sq2 at offset
         * {@code off}, plus those of the partner run if any, each entry below 2^61 + 2; false (and zeros written)
         * when every value read is zero.
         */
        boolean square(int from, int n, int off) {
            boolean any = squareRun(from, n, sq0, sq2, off);
            if (partnerOffset == 0) return any;
            boolean partnerAny = squareRun(from + partnerOffset, n, partner0, partner2, 0);
            if (partnerAny) {
                for (int k = 0; k < n; k++) {
                    sq0[off + k] = fold(sq0[off + k] + partner0[k]);
                    sq2[off + k] = fold(sq2[off + k] + partner2[k]);
                }
            }
            return any | partnerAny;
        }

        /** The canonical squares of one run. */
        private boolean squareRun(int from, int n, long[] out0, long[] out2, int off) {
            switch (runKind(a, half, from, from + n)) {
                case ZERO_RUN -> {
                    Arrays.fill(out0, off, off + n, 0);
                    Arrays.fill(out2, off, off + n, 0);
                    return false;
                }
                case SMALL_RUN -> {
                    // Signed values in [-2^28, 2^28): |2*s1 - s0| < 2^30, so both squares are exact, below 2^60 < p.
                    for (int k = 0; k < n; k++) {
                        long s0 = LazyField.signed(a[from + k]);
                        long s2 = 2 * LazyField.signed(a[from + k + half]) - s0;
                        out0[off + k] = s0 * s0;
                        out2[off + k] = s2 * s2;
                    }
                }
                default -> {
                    for (int k = 0; k < n; k++) {
                        long x0 = a[from + k];
                        long x2 = Fp.sub(Fp.add(a[from + k + half], a[from + k + half]), x0);
                        out0[off + k] = Fp.mul(x0, x0);
                        out2[off + k] = Fp.mul(x2, x2);
                    }
                }
            }
            return true;
        }
    }

    private static final int ZERO_RUN = 0;
    private static final int SMALL_RUN = 1;
    private static final int FIELD_RUN = 2;

    /**
     * ZERO_RUN if A[i] = A[i + half] = 0 for every i in [from, to), SMALL_RUN if all their signed values lie in
     * [-SMALL, SMALL), else FIELD_RUN. Only ORs in the loop (no branch, no max): it vectorises, and random data would
     * mispredict any test per element.
     */
    private static int runKind(long[] a, int half, int from, int to) {
        long any = 0;
        long shifted = 0; // x + SMALL mod p is below 2^29 exactly when signed(x) is in [-SMALL, SMALL)
        for (int i = from; i < to; i++) {
            long x0 = a[i];
            long x1 = a[i + half];
            any |= x0 | x1;
            shifted |= Fp.add(x0, SMALL) | Fp.add(x1, SMALL);
        }
        if (any == 0) return ZERO_RUN;
        return (shifted >>> SMALL_BITS_PLUS_ONE) == 0 ? SMALL_RUN : FIELD_RUN;
    }

    private static void finish(long[] acc, long[] out) {
        for (int t = 0; t < acc.length; t++) out[t] = Fp.reduceUnsigned(acc[t]);
    }
}
