package org.safetynets.cpu;

import org.safetynets.backend.SquareRounds;
import org.safetynets.field.Fp;
import org.safetynets.field.Fp2;
import org.safetynets.poly.Multilinear;
import org.safetynets.poly.Univariate;

import java.util.ArrayList;
import java.util.List;

/**
 * The x^2 sum-check's rounds on the CPU, claim = sum_x E(x) A(x)^2 with E(x) = prod_j f_j(x_j),
 * f_j(t) = zero_j + t (one_j - zero_j) over F_p^2 and A in F_p: the same round polynomials as the plain degree-3
 * round of E * A * A, without a table of E.
 *
 * <p>In the round that binds variable m, s(t) = bound * f_m(t) * q(t) with bound = prod over bound variables of
 * f_j(r_j) and q(t) = sum over the lower variables x' of E_low(x') A(x', t)^2 (E folded at the bound variables is
 * bound times E_low). E_low is kept as high (x) low, low over the lowest {@link #LOW_WEIGHT_VARIABLES} variables
 * (in cache) and high over the rest, rebuilt each round from the weights (2^(m-10) entries against the 2^m pairs
 * of the round). q is quadratic: q(3) = q(0) - 3 q(1) + 3 q(2), and q(1) follows from the running claim,
 * claim = bound (f_m(0) q(0) + f_m(1) q(1)), whenever bound and one_m are non-zero (else it is computed).
 *
 * <p>A stays in F_p until a challenge folds it, so the first two rounds come from one pass over the base table
 * ({@link SquareRoundKernels#grid}, base products against the two parts of the low weights), and both their
 * challenges are folded together into the first extension table (2^(k-2) entries). From then on each challenge
 * is folded in the pass that computes the next round's sums. The caller's values are never written. The grid
 * pays: all rounds of k = 22 took 89 ms with it against 110 ms taking the first two rounds one at a time (one
 * thread, small activations with zero runs).
 *
 * <p>With SIMD ({@link SquareLaneLoops}, where a run fills whole vectors): the grid over small activations, the
 * two folds out of the base table (exact limb sums while the activations are small; the general formula
 * otherwise), each later fold, and the extension sums run on lanes. Demo CNN, batch 256, 2 threads: the k = 21
 * sum-check's third round (the two folds plus its sums) went from about 7.3 to 4.7 ms, and k = 20's from 4.3 to
 * 2.0 ms (single noisy runs).
 */
final class CpuSquareRounds implements SquareRounds {
    /** The weight factor kept whole: 2^10 entries of each part, which stay in cache. */
    static final int LOW_WEIGHT_VARIABLES = 10;

    private final WorkerPool pool;
    private final Fp2[] zero;
    private final Fp2[] one;
    private final long[] values;
    private final boolean useGrid;
    /** Whether the passes run on SIMD lanes ({@link SquareLaneLoops}) where a run fills whole vectors. */
    private final boolean simd;
    /** The table once a challenge has touched it; null while A is still the caller's base table. */
    private long[] re;
    private long[] im;
    /** Challenges bound but not yet folded into the table, highest variable first (at most two). */
    private final List<Fp2> unfolded = new ArrayList<>(2);
    /** The next variable to bind, from k - 1 down; -1 once all are bound. */
    private int variable;
    private Fp2 bound = Fp2.ONE;
    /** G[3u + v] of the first two rounds, when the grid served them. */
    private Fp2[] grid;
    /** The low weight factor over all {@link #LOW_WEIGHT_VARIABLES} variables (re, im), once built; read only. */
    private long[][] fullLowTable;

    /**
     * @param values  A, at least 2^k entries (k = the number of weights); read only
     * @param useGrid whether the first two rounds come from one pass (else they are taken one at a time)
     */
    CpuSquareRounds(WorkerPool pool, Fp2[] zeroWeights, Fp2[] oneWeights, long[] values, boolean useGrid) {
        this(pool, zeroWeights, oneWeights, values, useGrid, false);
    }

    /** @param simd whether to run the SIMD passes; requires {@link Simd#usable()} */
    CpuSquareRounds(WorkerPool pool, Fp2[] zeroWeights, Fp2[] oneWeights, long[] values, boolean useGrid, boolean simd) {
        if (zeroWeights.length != oneWeights.length) throw new IllegalArgumentException("weights of different lengths");
        if (zeroWeights.length > 30) throw new IllegalArgumentException("x^2 sum-check over " + zeroWeights.length + " variables");
        if (values.length < 1L << zeroWeights.length) {
            throw new IllegalArgumentException(values.length + " values for " + zeroWeights.length + " variables");
        }
        this.pool = pool;
        this.zero = zeroWeights.clone();
        this.one = oneWeights.clone();
        this.values = values;
        this.useGrid = useGrid;
        this.simd = simd;
        this.variable = zeroWeights.length - 1;
    }

    @Override
    public Fp2[] roundPolynomial(Fp2 claim) {
        int m = variable;
        if (m < 0) throw new IllegalStateException("every variable is bound");
        int k = zero.length;
        Fp2[] q = new Fp2[3]; // q(0), q(1), q(2)
        if (m == k - 1 && k >= 2 && useGrid) {
            grid = grid();
            // q(t) = sum over v of f_{m-1}(v) G(t, v)
            for (int t = 0; t < 3; t++) q[t] = zero[m - 1].mul(grid[3 * t]).add(one[m - 1].mul(grid[3 * t + 1]));
        } else if (m == k - 2 && grid != null) {
            // G(u, t) is quadratic in u: interpolated at the first challenge
            for (int t = 0; t < 3; t++) q[t] = Univariate.evaluate(new Fp2[] {grid[t], grid[3 + t], grid[6 + t]}, unfolded.get(0));
        } else {
            boolean derive = SquareRounds.q1FollowsFromClaim(bound, one[m]);
            long[] sums = sums(m, derive ? new int[] {0, 2} : new int[] {0, 1, 2});
            q[0] = new Fp2(sums[0], sums[1]);
            if (derive) {
                q[2] = new Fp2(sums[2], sums[3]);
                q[1] = SquareRounds.q1FromClaim(claim, zero[m], one[m], bound, q[0]);
            } else {
                q[1] = new Fp2(sums[2], sums[3]);
                q[2] = new Fp2(sums[4], sums[5]);
            }
        }
        return SquareRounds.roundFromSums(zero[m], one[m], bound, q[0], q[1], q[2]);
    }

    @Override
    public void bind(Fp2 r) {
        int m = variable;
        if (m < 0) throw new IllegalStateException("every variable is bound");
        bound = bound.mul(zero[m].add(r.mul(one[m].sub(zero[m]))));
        unfolded.add(r);
        variable--;
        if (unfolded.size() > 2 || (unfolded.size() == 2 && re != null)) {
            throw new IllegalStateException("challenges left unfolded: bind without roundPolynomial");
        }
    }

    @Override
    public Fp2 finalValue() {
        if (variable >= 0) throw new IllegalStateException((variable + 1) + " variables still live");
        if (!unfolded.isEmpty()) foldTarget(1).apply(0, 1);
        return re == null ? Fp2.of(values[0]) : new Fp2(re[0], im[0]);
    }

    @Override
    public void close() {
        re = null;
        im = null;
    }

    // ---- the passes -----------------------------------------------------------------------------------------

    private Fp2[] grid() {
        int below = zero.length - 2;
        SquareRoundKernels.Weights w = weights(below);
        long[] g = SquareRoundKernels.grid(pool, values, 1 << below, w, simd);
        Fp2[] out = new Fp2[9];
        for (int i = 0; i < 9; i++) out[i] = new Fp2(g[2 * i], g[2 * i + 1]);
        return out;
    }

    /** q at the points over the pairs of the round binding variable m, folding the unfolded challenges in first. */
    private long[] sums(int m, int[] points) {
        int pairs = 1 << m;
        SquareRoundKernels.Weights w = weights(m);
        if (re == null && unfolded.isEmpty()) return SquareRoundKernels.baseSums(pool, values, pairs, w, points);
        SquareRoundKernels.FoldRange fold = unfolded.isEmpty() ? null : foldTarget(2 * pairs);
        return SquareRoundKernels.foldThenSums(pool, re, im, pairs, w, points, fold, simd);
    }

    /**
     * Makes (re, im) the table the unfolded challenges fold into ({@code size} live entries after the folds) and
     * returns the fold of a range of it; the challenges count as folded from here on.
     */
    private SquareRoundKernels.FoldRange foldTarget(int size) {
        long[] r1 = parts(unfolded.get(0));
        SquareRoundKernels.FoldRange fold;
        if (re != null) {
            if (unfolded.size() != 1) throw new IllegalStateException("extension table with " + unfolded.size() + " challenges to fold");
            long[] tableRe = re;
            long[] tableIm = im;
            boolean lanes = simd;
            fold = (from, to) -> {
                if (lanes && (to - from) % SquareLaneLoops.lanes() == 0) {
                    SquareLaneLoops.foldExtension(tableRe, tableIm, size, r1[0], r1[1], from, to - from);
                } else {
                    ExtensionFoldKernels.foldExtension(tableRe, tableIm, size, r1[0], r1[1], from, to);
                }
            };
        } else {
            long[] tableRe = new long[size];
            long[] tableIm = new long[size];
            long[] a = values;
            if (unfolded.size() == 1) {
                fold = (from, to) -> ExtensionFoldKernels.foldBase(a, size, r1[0], r1[1], tableRe, tableIm, from, to);
            } else {
                long[] r2 = parts(unfolded.get(1));
                long[] r12 = parts(unfolded.get(0).mul(unfolded.get(1)));
                // The quad's corner weights (1 - r1)(1 - r2), (1 - r1) r2, r1 (1 - r2), r1 r2, for small activations.
                Fp2 c1 = unfolded.get(0);
                Fp2 c2 = unfolded.get(1);
                Fp2[] corner = {Fp2.ONE.sub(c1).mul(Fp2.ONE.sub(c2)), Fp2.ONE.sub(c1).mul(c2), c1.mul(Fp2.ONE.sub(c2)), c1.mul(c2)};
                long[] cornerRe = new long[4];
                long[] cornerIm = new long[4];
                for (int q = 0; q < 4; q++) {
                    cornerRe[q] = corner[q].re();
                    cornerIm[q] = corner[q].im();
                }
                boolean lanes = simd;
                fold = (from, to) -> {
                    // a run whose values are not all small is folded again, exactly, by the general formula
                    if (!lanes || (to - from) % SquareLaneLoops.lanes() != 0
                            || !SquareLaneLoops.smallBilinear(a, from, size, cornerRe, cornerIm, to - from, tableRe, tableIm, from)) {
                        ExtensionFoldKernels.foldBaseTwice(a, size, r1, r2, r12, tableRe, tableIm, from, to);
                    }
                };
            }
            re = tableRe;
            im = tableIm;
        }
        unfolded.clear();
        return fold;
    }

    private static long[] parts(Fp2 x) {
        return new long[] {x.re(), x.im()};
    }

    /**
     * E_low over variables [0, variables) as high (x) low. The low factor over all {@link #LOW_WEIGHT_VARIABLES} is the
     * same in every round that binds a variable above them, so it is built once (2^10 F_p^2 products a round were
     * about a tenth of the rounds' time at batch 1).
     */
    private SquareRoundKernels.Weights weights(int variables) {
        int low = Math.min(variables, LOW_WEIGHT_VARIABLES);
        long[][] lowTable;
        if (low == LOW_WEIGHT_VARIABLES) {
            if (fullLowTable == null) fullLowTable = Multilinear.productTable(zero, one, 0, low);
            lowTable = fullLowTable;
        } else {
            lowTable = Multilinear.productTable(zero, one, 0, low);
        }
        long[][] highTable = Multilinear.productTable(zero, one, low, variables);
        return new SquareRoundKernels.Weights(highTable[0], highTable[1], lowTable[0], lowTable[1], low);
    }
}
