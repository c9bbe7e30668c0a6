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

    private static void finish(long[] acc, long[] out) {
        for (int t = 0; t < acc.length; t++) out[t] = Fp.reduceUnsigned(acc[t]);
    }
}
