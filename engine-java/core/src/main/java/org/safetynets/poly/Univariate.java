package org.safetynets.poly;

import org.safetynets.field.Fp;
import org.safetynets.field.Fp2;

/** Polynomials of degree d given by their evaluations at t = 0, 1, ..., d (the form of a round message). */
public final class Univariate {
    /**
     * The inverted Lagrange denominators 1 / prod_{s != t}(t - s) for n evaluations, n up to this many: they depend on
     * n alone, and inverting them (a field exponentiation) took about 3 % of a one-sample proof when done per call
     * (every sum-check round interpolates once, on both sides).
     */
    private static final int TABULATED = 8;
    private static final long[][] INVERSE_DENOMINATORS = new long[TABULATED + 1][];

    static {
        for (int n = 1; n <= TABULATED; n++) INVERSE_DENOMINATORS[n] = Fp.batchInverse(denominators(n));
    }

    private Univariate() {
    }

    /** prod_{s != t}(t - s) = t! * (-1)^(n-1-t) * (n-1-t)! for t < n. */
    private static long[] denominators(int n) {
        long[] denominators = new long[n];
        for (int t = 0; t < n; t++) {
            long d = Fp.mul(factorial(t), factorial(n - 1 - t));
            denominators[t] = ((n - 1 - t) & 1) == 1 ? Fp.neg(d) : d;
        }
        return denominators;
    }

    private static long[] inverseDenominators(int n) {
        return n <= TABULATED ? INVERSE_DENOMINATORS[n] : Fp.batchInverse(denominators(n));
    }

    /**
     * Lagrange interpolation at x from values[t] = g(t), t = 0..d:
     * g(x) = sum_t values[t] * prod_{s != t} (x - s) / (t - s).
     */
    public static long evaluate(long[] values, long x) {
        int n = values.length;
        if (n == 0) throw new IllegalArgumentException("no evaluations");
        if (Long.compareUnsigned(x, n) < 0) return values[(int) x];
        long[] differences = new long[n];
        for (int t = 0; t < n; t++) differences[t] = Fp.sub(x, t);
        // prefix[t] = prod_{s<t}(x-s), suffix[t] = prod_{s>t}(x-s)
        long[] prefix = new long[n];
        long[] suffix = new long[n];
        prefix[0] = 1;
        for (int t = 1; t < n; t++) prefix[t] = Fp.mul(prefix[t - 1], differences[t - 1]);
        suffix[n - 1] = 1;
        for (int t = n - 2; t >= 0; t--) suffix[t] = Fp.mul(suffix[t + 1], differences[t + 1]);
        long[] inverses = inverseDenominators(n);
        long result = 0;
        for (int t = 0; t < n; t++) {
            long term = Fp.mul(values[t], Fp.mul(Fp.mul(prefix[t], suffix[t]), inverses[t]));
            result = Fp.add(result, term);
        }
        return result;
    }

    /** The same interpolation over F_p^2: round messages and challenges are extension elements. */
    public static Fp2 evaluate(Fp2[] values, Fp2 x) {
        int n = values.length;
        if (n == 0) throw new IllegalArgumentException("no evaluations");
        if (x.isBase() && Long.compareUnsigned(x.re(), n) < 0) return values[(int) x.re()];
        Fp2[] prefix = new Fp2[n];
        Fp2[] suffix = new Fp2[n];
        prefix[0] = Fp2.ONE;
        for (int t = 1; t < n; t++) prefix[t] = prefix[t - 1].mul(x.sub(Fp2.of(t - 1)));
        suffix[n - 1] = Fp2.ONE;
        for (int t = n - 2; t >= 0; t--) suffix[t] = suffix[t + 1].mul(x.sub(Fp2.of(t + 1)));
        long[] inverses = inverseDenominators(n);
        Fp2 result = Fp2.ZERO;
        for (int t = 0; t < n; t++) result = result.add(values[t].mul(prefix[t]).mul(suffix[t]).mul(inverses[t]));
        return result;
    }

    private static long factorial(int n) {
        long f = 1;
        for (int i = 2; i <= n; i++) f = Fp.mul(f, i);
        return f;
    }
}
