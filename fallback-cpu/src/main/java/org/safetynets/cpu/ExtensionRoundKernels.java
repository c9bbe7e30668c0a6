package org.safetynets.cpu;

import org.safetynets.field.Fp;

import static org.safetynets.cpu.LazyField.fold;

/**
 * A sum-check round over F_p^2 tables in one pass: for t = 0..degree, sum over i < half of prod_f T_f(i, t) with
 * T(i, t) = T[i] + t (T[i+half] - T[i]), each table as parts re + i*im (im null for a base table). Each pair is
 * read once and the values at t = 0..degree follow by adding the difference, as in {@link RoundKernels}; the
 * product is taken in F_p^2 (Karatsuba, three base products per extension product) and summed lazily per part.
 */
final class ExtensionRoundKernels {
    /** The most factors the direct kernel takes (the protocols use at most three). */
    static final int MAX_FACTORS = 3;

    private ExtensionRoundKernels() {
    }

    /**
     * @param re  the tables' real parts by index; only those named in {@code factors} are read
     * @param im  their imaginary parts, null for a base table
     * @return s(0).re, s(0).im, s(1).re, ... : 2 (degree + 1) canonical values
     */
    static long[] evaluations(WorkerPool pool, long[][] re, long[][] im, int[] factors, int half, int degree) {
        if (factors.length == 0 || factors.length > MAX_FACTORS) {
            throw new IllegalArgumentException("the direct kernel takes 1 to " + MAX_FACTORS + " factors, not " + factors.length);
        }
        // Distinct tables in order of first appearance: A in E*A*A is stepped once.
        int[] distinct = new int[factors.length];
        int[] slotOfFactor = new int[factors.length];
        int count = 0;
        for (int f = 0; f < factors.length; f++) {
            int slot = -1;
            for (int d = 0; d < count; d++) if (distinct[d] == factors[f]) slot = d;
            if (slot < 0) {
                slot = count++;
                distinct[slot] = factors[f];
            }
            slotOfFactor[f] = slot;
        }
        long[][] tableRe = new long[count][];
        long[][] tableIm = new long[count][];
        for (int d = 0; d < count; d++) {
            tableRe[d] = re[distinct[d]];
            tableIm[d] = im[distinct[d]];
        }
        int points = degree + 1;
        long work = 3L * half * points * factors.length;
        return pool.sumRange(half, work, 2 * points,
                (from, to, out) -> chunk(tableRe, tableIm, slotOfFactor, half, points, from, to, out));
    }

    private static void chunk(long[][] tableRe, long[][] tableIm, int[] slotOfFactor, int half, int points, int from,
                              int to, long[] out) {
        int n = tableRe.length;
        int factors = slotOfFactor.length;
        long[] valueRe = new long[n];
        long[] valueIm = new long[n];
        long[] stepRe = new long[n];
        long[] stepIm = new long[n];
        long[] accRe = new long[points];
        long[] accIm = new long[points];
        for (int i = from; i < to; i++) {
            for (int d = 0; d < n; d++) {
                long[] r = tableRe[d];
                long[] m = tableIm[d];
                valueRe[d] = r[i];
                stepRe[d] = Fp.sub(r[i + half], r[i]);
                if (m == null) {
                    valueIm[d] = 0;
                    stepIm[d] = 0;
                } else {
                    valueIm[d] = m[i];
                    stepIm[d] = Fp.sub(m[i + half], m[i]);
                }
            }
            for (int t = 0; t < points; t++) {
                long pr = valueRe[slotOfFactor[0]];
                long pi = valueIm[slotOfFactor[0]];
                for (int f = 1; f < factors; f++) {
                    long qr = valueRe[slotOfFactor[f]];
                    long qi = valueIm[slotOfFactor[f]];
                    // (pr + pi i)(qr + qi i) = (ac - bd) + ((a + b)(c + d) - ac - bd) i
                    long ac = Fp.mul(pr, qr);
                    long bd = Fp.mul(pi, qi);
                    long cross = Fp.mul(Fp.add(pr, pi), Fp.add(qr, qi));
                    pr = Fp.sub(ac, bd);
                    pi = Fp.sub(Fp.sub(cross, ac), bd);
                }
                accRe[t] = fold(accRe[t]) + pr;
                accIm[t] = fold(accIm[t]) + pi;
                for (int d = 0; d < n; d++) {
                    valueRe[d] = Fp.add(valueRe[d], stepRe[d]);
                    valueIm[d] = Fp.add(valueIm[d], stepIm[d]);
                }
            }
        }
        for (int t = 0; t < points; t++) {
            out[2 * t] = Fp.reduceUnsigned(accRe[t]);
            out[2 * t + 1] = Fp.reduceUnsigned(accIm[t]);
        }
    }
}
