package org.safetynets.backend;

import org.safetynets.field.Fp;
import org.safetynets.field.Fp2;
import org.safetynets.poly.Multilinear;
import org.safetynets.tensor.ConvGeometry;
import org.safetynets.tensor.PoolGeometry;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The F_p^2 operations of {@link Backend} built from its base-field kernels, which every backend has. With a
 * table held as re + i*im, an operation linear in it is two base operations (one per part); a product of
 * extension factors expands into one base operation per choice of parts, signed by the power of i it picks.
 * Exact arithmetic makes the result the same field elements as any fused kernel, so proofs do not depend on
 * which a backend uses. The host combines parts only for the small results of the layer protocols (sum-check
 * tables over features, kernel offsets or pixels, never over the batch).
 */
final class ExtensionKernels {
    private ExtensionKernels() {
    }

    static ExtTensor upload(Backend backend, long[] re, long[] im) {
        DeviceTensor real = backend.upload(re);
        if (im == null) return ExtTensor.base(real);
        try {
            return new ExtTensor(real, backend.upload(im));
        } catch (RuntimeException e) {
            real.close();
            throw e;
        }
    }

    /** E[x] = prod_j (x_j ? one[j] : zero[j]) over F_p^2, built on the host. */
    static ExtTensor productTable(Backend backend, Fp2[] zero, Fp2[] one) {
        if (Fp2.allBase(zero) && Fp2.allBase(one)) return ExtTensor.base(backend.productTable(Fp2.reals(zero), Fp2.reals(one)));
        long[][] table = Multilinear.productTable(zero, one, 0, zero.length);
        return upload(backend, table[0], table[1]);
    }

    static Fp2 get(Backend backend, ExtTensor t, int index) {
        return new Fp2(backend.get(t.re(), index), t.isBase() ? 0 : backend.get(t.im(), index));
    }

    /**
     * T[i] = T[i] + r (T[i + half] - T[i]) for i < half, with r in F_p^2: in place for a base table and a base
     * challenge, else on the host into new parts (the argument is left as it was: its owner closes it). Returns
     * the folded table.
     */
    static ExtTensor fold(Backend backend, ExtTensor table, int half, Fp2 r) {
        if (table.isBase() && r.isBase()) {
            backend.fold(table.re(), half, r.re());
            return table;
        }
        long[] re = backend.download(table.re());
        long[] im = table.isBase() ? new long[re.length] : backend.download(table.im());
        long c = r.re(), d = r.im();
        long[] foldedRe = new long[half];
        long[] foldedIm = new long[half];
        for (int i = 0; i < half; i++) {
            long dre = Fp.sub(re[i + half], re[i]);
            long dim = Fp.sub(im[i + half], im[i]);
            foldedRe[i] = Fp.add(re[i], Fp.sub(Fp.mul(c, dre), Fp.mul(d, dim)));
            foldedIm[i] = Fp.add(im[i], Fp.add(Fp.mul(c, dim), Fp.mul(d, dre)));
        }
        return upload(backend, foldedRe, foldedIm);
    }

    /**
     * One sum-check round over extension tables: the product of the factors expands over the choice of part
     * (re or im) of each; a choice with k imaginary parts contributes i^k times a base round.
     */
    static Fp2[] roundEvaluations(Backend backend, ExtTensor[] tables, int[] factors, int half, int degree) {
        long[] re = new long[degree + 1];
        long[] im = new long[degree + 1];
        Map<String, long[]> computed = new HashMap<>(); // a product of parts does not depend on their order (A*A)
        int choices = 1 << factors.length;
        for (int choice = 0; choice < choices; choice++) {
            List<DeviceTensor> parts = new ArrayList<>();
            int[] partOfFactor = new int[factors.length];
            int[] ids = new int[factors.length];
            boolean present = true;
            int imaginary = 0;
            for (int f = 0; f < factors.length; f++) {
                boolean pickIm = (choice >> f & 1) == 1;
                ExtTensor table = tables[factors[f]];
                if (pickIm && table.isBase()) {
                    present = false;
                    break;
                }
                DeviceTensor part = pickIm ? table.im() : table.re();
                int index = parts.indexOf(part);
                if (index < 0) {
                    parts.add(part);
                    index = parts.size() - 1;
                }
                partOfFactor[f] = index;
                ids[f] = 2 * factors[f] + (pickIm ? 1 : 0);
                imaginary += pickIm ? 1 : 0;
            }
            if (!present) continue;
            int[] key = ids.clone();
            Arrays.sort(key);
            long[] values = computed.computeIfAbsent(Arrays.toString(key),
                    k -> backend.roundEvaluations(parts.toArray(DeviceTensor[]::new), partOfFactor, half, degree));
            for (int t = 0; t <= degree; t++) {
                switch (imaginary & 3) {
                    case 0 -> re[t] = Fp.add(re[t], values[t]);
                    case 1 -> im[t] = Fp.add(im[t], values[t]);
                    case 2 -> re[t] = Fp.sub(re[t], values[t]);
                    default -> im[t] = Fp.sub(im[t], values[t]);
                }
            }
        }
        Fp2[] out = new Fp2[degree + 1];
        for (int t = 0; t <= degree; t++) out[t] = new Fp2(re[t], im[t]);
        return out;
    }

    /** weights^T M over F_p^2: two base combinations per extension operand, combined on the host when both are. */
    static ExtTensor rowCombination(Backend backend, ExtTensor weights, ExtTensor matrix, int rows, int cols) {
        return bilinear(backend, weights, matrix, (w, m) -> backend.rowCombination(w, m, rows, cols));
    }

    /** M weights over F_p^2. */
    static ExtTensor columnCombination(Backend backend, ExtTensor matrix, ExtTensor weights, int rows, int cols) {
        return bilinear(backend, matrix, weights, (m, w) -> backend.columnCombination(m, w, rows, cols));
    }

    private interface BaseBilinear {
        DeviceTensor apply(DeviceTensor a, DeviceTensor b);
    }

    /** (a_re + i a_im) (b_re + i b_im) for an operation bilinear over F_p. */
    private static ExtTensor bilinear(Backend backend, ExtTensor a, ExtTensor b, BaseBilinear op) {
        if (a.isBase() && b.isBase()) return ExtTensor.base(op.apply(a.re(), b.re()));
        if (a.isBase() || b.isBase()) {
            DeviceTensor re = op.apply(a.re(), b.re());
            try {
                return new ExtTensor(re, a.isBase() ? op.apply(a.re(), b.im()) : op.apply(a.im(), b.re()));
            } catch (RuntimeException e) {
                re.close();
                throw e;
            }
        }
        long[] rr = downloadClosing(backend, op.apply(a.re(), b.re()));
        long[] ii = downloadClosing(backend, op.apply(a.im(), b.im()));
        long[] ri = downloadClosing(backend, op.apply(a.re(), b.im()));
        long[] ir = downloadClosing(backend, op.apply(a.im(), b.re()));
        for (int k = 0; k < rr.length; k++) {
            rr[k] = Fp.sub(rr[k], ii[k]);
            ri[k] = Fp.add(ri[k], ir[k]);
        }
        return upload(backend, rr, ri);
    }

    private static long[] downloadClosing(Backend backend, DeviceTensor t) {
        try (t) {
            return backend.download(t);
        }
    }

    static Fp2[] poolOffsetSums(Backend backend, DeviceTensor input, ExtTensor eqOut, PoolGeometry geometry) {
        long[] re = backend.poolOffsetSums(input, eqOut.re(), geometry);
        long[] im = eqOut.isBase() ? new long[re.length] : backend.poolOffsetSums(input, eqOut.im(), geometry);
        Fp2[] out = new Fp2[re.length];
        for (int i = 0; i < re.length; i++) out[i] = new Fp2(re[i], im[i]);
        return out;
    }

    /** The patch sums, trilinear in x, the row weights and the column weights: one base call per choice of parts. */
    static ExtTensor convPatchSums(Backend backend, ExtTensor x, Fp2[] eqRows, Fp2[] eqCols, ConvGeometry geometry) {
        long[][] rows = {Fp2.reals(eqRows), Fp2.allBase(eqRows) ? null : Fp2.imaginaries(eqRows)};
        long[][] cols = {Fp2.reals(eqCols), Fp2.allBase(eqCols) ? null : Fp2.imaginaries(eqCols)};
        DeviceTensor[] xs = {x.re(), x.im()};
        long[] re = null;
        long[] im = null;
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 2; b++)
                for (int c = 0; c < 2; c++) {
                    if (xs[a] == null || rows[b] == null || cols[c] == null) continue;
                    long[] part = downloadClosing(backend, backend.convPatchSums(xs[a], rows[b], cols[c], geometry));
                    if (re == null) {
                        re = new long[part.length];
                        im = new long[part.length];
                    }
                    int k = a + b + c;
                    long[] target = (k & 1) == 0 ? re : im;
                    boolean negative = k >= 2;
                    for (int i = 0; i < part.length; i++) target[i] = negative ? Fp.sub(target[i], part[i]) : Fp.add(target[i], part[i]);
                }
        return upload(backend, re, im);
    }
}
