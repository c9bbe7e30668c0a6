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
     * {sum W[i]*a_0^2, sum W[i]*a_2^2} with split weights: the hot case, where the prover derives the t = 1 sum
     * from its claim. Each block of 2^lowVariables entries shares one high weight, so the block is summed
     * against {@code low} and multiplied by its high weight once.
     *
     * <p>Each run of up to {@link #SCAN} pairs is looked at first (its values stay in cache for the work that
     * follows): an all-zero run (zero padding, 24 -> 32 pixels say) is skipped; a run of small integers (the
     * layer's activations, before the first fold) squares them exactly in plain 64-bit arithmetic; any other
     * run takes the field path without per-element tests.
     */
    static long[] weightedSquareSumsAtZeroAndTwo(WorkerPool pool, long[] high, long[] low, int lowVariables, long[] a, int half) {
        int mask = (1 << lowVariables) - 1;
        return pool.sumRange(half, 4L * half, 2, (from, to, out) -> {
            long acc0 = 0;
            long acc2 = 0;
            long[] block = new long[2]; // canonical sums of the current block against low
            for (int start = from; start < to; ) {
                int end = Math.min(to, (start | mask) + 1); // the end of start's block, or of the range
                block[0] = 0;
                block[1] = 0;
                for (int runStart = start; runStart < end; runStart += SCAN) {
                    int runEnd = Math.min(end, runStart + SCAN);
                    int kind = runKind(a, half, runStart, runEnd);
                    if (kind == ZERO_RUN) continue;
                    if (kind == SMALL_RUN) smallSquareSums(a, half, low, mask, runStart, runEnd, block);
                    else fieldSquareSums(a, half, low, mask, runStart, runEnd, block);
                }
                long weight = high[start >> lowVariables];
                acc0 = fold(acc0) + term(weight, block[0]);
                acc2 = fold(acc2) + term(weight, block[1]);
                start = end;
            }
            out[0] = Fp.reduceUnsigned(acc0);
            out[1] = Fp.reduceUnsigned(acc2);
        });
    }

    /** Adds the run's sums at t = 0 and 2 to {@code block} (canonical), for signed values in [-SMALL, SMALL). */
    private static void smallSquareSums(long[] a, int half, long[] low, int mask, int from, int to, long[] block) {
        long sum0 = block[0];
        long sum2 = block[1];
        // s0, s1 in [-2^28, 2^28): |2*s1 - s0| < 2^30, so both squares are exact and below 2^60 < p.
        for (int i = from; i < to; i++) {
            long x0 = a[i];
            long x1 = a[i + half];
            long s0 = LazyField.signed(x0);
            long s2 = 2 * LazyField.signed(x1) - s0;
            long weight = low[i & mask];
            sum0 = fold(sum0) + term(weight, s0 * s0);
            sum2 = fold(sum2) + term(weight, s2 * s2);
        }
        block[0] = Fp.reduceUnsigned(sum0);
        block[1] = Fp.reduceUnsigned(sum2);
    }

    /** The same for any canonical values. */
    private static void fieldSquareSums(long[] a, int half, long[] low, int mask, int from, int to, long[] block) {
        long sum0 = block[0];
        long sum2 = block[1];
        for (int i = from; i < to; i++) {
            long x0 = a[i];
            long x1 = a[i + half];
            long x2 = Fp.sub(Fp.add(x1, x1), x0);
            long weight = low[i & mask];
            sum0 = fold(sum0) + term(weight, Fp.mul(x0, x0));
            sum2 = fold(sum2) + term(weight, Fp.mul(x2, x2));
        }
        block[0] = Fp.reduceUnsigned(sum0);
        block[1] = Fp.reduceUnsigned(sum2);
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
