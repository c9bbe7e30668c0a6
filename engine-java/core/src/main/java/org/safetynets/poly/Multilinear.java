package org.safetynets.poly;

import org.safetynets.field.Fp;
import org.safetynets.field.Fp2;

/**
 * Multilinear extensions of tables of 2^k field elements.
 *
 * <p>Convention used everywhere: variable j of a table is bit j of the index (variable 0 is the least
 * significant bit), and a point is a {@code long[k]} whose entry j is the value of variable j. For a tensor
 * laid out as index = ((c*H + h)*W + w)*B + b the batch bits are the lowest variables and the channel bits the
 * highest. Sum-check binds the highest variable first ("fold halves"), so folding keeps memory access
 * contiguous.
 */
public final class Multilinear {
    private Multilinear() {
    }

    /** eq(point, x) for every x in {0,1}^k, as a table of 2^k entries. */
    public static long[] eqTable(long[] point) {
        long[] table = new long[1 << point.length];
        table[0] = 1;
        int size = 1;
        // Invariant: table[0..size) holds eq over the variables 0..j-1; variable j doubles it.
        for (long r : point) {
            for (int i = 0; i < size; i++) {
                long high = Fp.mul(table[i], r);
                table[i + size] = high;
                table[i] = Fp.sub(table[i], high);
            }
            size <<= 1;
        }
        return table;
    }

    /** eq(a, b) = prod_j (a_j b_j + (1 - a_j)(1 - b_j)). */
    public static long eq(long[] a, long[] b) {
        if (a.length != b.length) throw new IllegalArgumentException("points of different dimension");
        long result = 1;
        for (int j = 0; j < a.length; j++) {
            long ab = Fp.mul(a[j], b[j]);
            long term = Fp.add(Fp.sub(Fp.sub(1, a[j]), b[j]), Fp.add(ab, ab));
            result = Fp.mul(result, term);
        }
        return result;
    }

    /** MLE(table)(point), by folding the highest variable first; the table is not modified. */
    public static long evaluate(long[] table, long[] point) {
        int k = point.length;
        if (table.length != (1 << k)) {
            throw new IllegalArgumentException("table of " + table.length + " entries for a point of " + k + " variables");
        }
        if (k == 0) return table[0];
        long[] work = table.clone();
        int size = table.length;
        for (int j = k - 1; j >= 0; j--) {
            size >>= 1;
            fold(work, size, point[j]);
        }
        return work[0];
    }

    /**
     * Binds the highest variable of the first 2*half entries to r, in place:
     * f'[i] = f[i] + r*(f[i+half] - f[i]) for i < half.
     */
    public static void fold(long[] table, int half, long r) {
        for (int i = 0; i < half; i++) {
            table[i] = Fp.add(table[i], Fp.mul(r, Fp.sub(table[i + half], table[i])));
        }
    }

    /** Sum over the first {@code count} entries of eqTable(point): the MLE of the indicator [x < count]. */
    public static long prefixIndicator(long[] point, int count) {
        long[] eq = eqTable(point);
        long sum = 0;
        for (int i = 0; i < count; i++) sum = Fp.add(sum, eq[i]);
        return sum;
    }

    /** Concatenates points: the first argument's variables become the lowest. */
    public static long[] concat(long[]... parts) {
        int n = 0;
        for (long[] p : parts) n += p.length;
        long[] out = new long[n];
        int at = 0;
        for (long[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** Variables [from, from+count) of a point. */
    public static long[] slice(long[] point, int from, int count) {
        long[] out = new long[count];
        System.arraycopy(point, from, out, 0, count);
        return out;
    }

    // ---- over F_p^2: points and claims are extension elements, tables of witness values stay in F_p -------------

    /** eq(point, x) for every x in {0,1}^k, over F_p^2. */
    public static Fp2[] eqTable(Fp2[] point) {
        Fp2[] table = new Fp2[1 << point.length];
        table[0] = Fp2.ONE;
        int size = 1;
        for (Fp2 r : point) {
            for (int i = 0; i < size; i++) {
                Fp2 high = table[i].mul(r);
                table[i + size] = high;
                table[i] = table[i].sub(high);
            }
            size <<= 1;
        }
        return table;
    }

    /** MLE(table)(point) of a base-field table at an extension point: the first fold makes it an extension table. */
    public static Fp2 evaluate(long[] table, Fp2[] point) {
        int k = point.length;
        if (table.length != (1 << k)) {
            throw new IllegalArgumentException("table of " + table.length + " entries for a point of " + k + " variables");
        }
        if (k == 0) return Fp2.of(table[0]);
        int half = table.length >> 1;
        Fp2 r = point[k - 1];
        Fp2[] work = new Fp2[half];
        for (int i = 0; i < half; i++) work[i] = Fp2.of(table[i]).add(r.mul(Fp.sub(table[i + half], table[i])));
        return evaluate(work, Multilinear.slice(point, 0, k - 1));
    }

    /** MLE(table)(point) over F_p^2; the table is not modified. */
    public static Fp2 evaluate(Fp2[] table, Fp2[] point) {
        int k = point.length;
        if (table.length != (1 << k)) {
            throw new IllegalArgumentException("table of " + table.length + " entries for a point of " + k + " variables");
        }
        Fp2[] work = table.clone();
        int size = table.length;
        for (int j = k - 1; j >= 0; j--) {
            size >>= 1;
            for (int i = 0; i < size; i++) work[i] = work[i].add(point[j].mul(work[i + size].sub(work[i])));
        }
        return work[0];
    }

    /**
     * The product table E[x] = prod_j (x_j ? one[from + j] : zero[from + j]) over the variables [from, to), as its
     * real and imaginary parts {re, im} (the layout a backend holds an extension table in).
     */
    public static long[][] productTable(Fp2[] zero, Fp2[] one, int from, int to) {
        int n = 1 << (to - from);
        long[] re = new long[n];
        long[] im = new long[n];
        re[0] = 1;
        int size = 1;
        // Invariant: entries [0, size) hold the product over the variables before j; variable j doubles the table.
        for (int j = from; j < to; j++) {
            long zr = zero[j].re(), zi = zero[j].im(), or = one[j].re(), oi = one[j].im();
            for (int i = 0; i < size; i++) {
                long a = re[i], b = im[i];
                re[i + size] = Fp.sub(Fp.mul(a, or), Fp.mul(b, oi));
                im[i + size] = Fp.add(Fp.mul(a, oi), Fp.mul(b, or));
                re[i] = Fp.sub(Fp.mul(a, zr), Fp.mul(b, zi));
                im[i] = Fp.add(Fp.mul(a, zi), Fp.mul(b, zr));
            }
            size <<= 1;
        }
        return new long[][] {re, im};
    }

    /** eq(a, b) over F_p^2. */
    public static Fp2 eq(Fp2[] a, Fp2[] b) {
        if (a.length != b.length) throw new IllegalArgumentException("points of different dimension");
        Fp2 result = Fp2.ONE;
        for (int j = 0; j < a.length; j++) {
            Fp2 ab = a[j].mul(b[j]);
            result = result.mul(Fp2.ONE.sub(a[j]).sub(b[j]).add(ab).add(ab));
        }
        return result;
    }

    /** Sum over the first {@code count} entries of eqTable(point) over F_p^2. */
    public static Fp2 prefixIndicator(Fp2[] point, int count) {
        Fp2[] eq = eqTable(point);
        Fp2 sum = Fp2.ZERO;
        for (int i = 0; i < count; i++) sum = sum.add(eq[i]);
        return sum;
    }

    /** sum_i a[i] * b[i] of an extension vector and a base one. */
    public static Fp2 dot(Fp2[] a, long[] b) {
        long re = 0;
        long im = 0;
        for (int i = 0; i < b.length; i++) {
            if (b[i] == 0) continue;
            re = Fp.add(re, Fp.mul(a[i].re(), b[i]));
            im = Fp.add(im, Fp.mul(a[i].im(), b[i]));
        }
        return new Fp2(re, im);
    }

    public static Fp2[] concat(Fp2[]... parts) {
        int n = 0;
        for (Fp2[] p : parts) n += p.length;
        Fp2[] out = new Fp2[n];
        int at = 0;
        for (Fp2[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    public static Fp2[] slice(Fp2[] point, int from, int count) {
        Fp2[] out = new Fp2[count];
        System.arraycopy(point, from, out, 0, count);
        return out;
    }

    /** Number of variables of a power-of-two size. */
    public static int log2(int powerOfTwo) {
        if (powerOfTwo <= 0 || Integer.bitCount(powerOfTwo) != 1) {
            throw new IllegalArgumentException(powerOfTwo + " is not a power of two");
        }
        return Integer.numberOfTrailingZeros(powerOfTwo);
    }

    public static int nextPowerOfTwo(int n) {
        if (n <= 0) throw new IllegalArgumentException("size must be positive: " + n);
        if (n > (1 << 30)) throw new IllegalArgumentException("size " + n + " is too large to pad to a power of two");
        return n == 1 ? 1 : Integer.highestOneBit(n - 1) << 1;
    }
}
