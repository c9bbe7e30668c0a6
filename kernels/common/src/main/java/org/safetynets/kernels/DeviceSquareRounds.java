package org.safetynets.kernels;

import org.safetynets.backend.DeviceTensor;
import org.safetynets.backend.ExtTensor;
import org.safetynets.backend.SquareRounds;
import org.safetynets.field.Fp2;
import org.safetynets.poly.Multilinear;

/**
 * The x^2 sum-check's rounds on a device: claim = sum over x of E(x) A(x)^2 with E(x) = prod_j f_j(x_j). Each round
 * is one launch of the square_sums kernel over the live table, which first folds the previous round's challenge into
 * it in the same pass (a bind only records the challenge), with the weight of the lower variables E_low sent as
 * two small product tables (high (x) low, {@link #LOW_WEIGHT_VARIABLES} variables in the low one, which is sent once
 * and serves every round that binds a variable above it) rather than kept as a
 * table as large as A: the generic rounds ({@code Backend.squareRounds}'s default) fold such a table every round and
 * evaluate E A A at four points, where this folds A alone and sums two points (q(1) follows from the claim; see
 * {@link SquareRounds#q1FollowsFromClaim}). A stays the caller's table of F_p until the first challenge folds it into
 * new F_p^2 parts on the device.
 */
final class DeviceSquareRounds implements SquareRounds {
    /** Variables of the low weight factor: 2^10 entries, 16 KiB sent per round, against 2^(m - 10) of the high one. */
    static final int LOW_WEIGHT_VARIABLES = 10;

    private final KernelBackend<?> backend;
    private final Fp2[] zero;
    private final Fp2[] one;
    /** The live table: the caller's values until a challenge touches them, then F_p^2 parts this object owns. */
    private ExtTensor table;
    /** The challenge bound but not yet folded into {@link #table} (the next round's launch folds it), or null. */
    private Fp2 pending;
    /** The next variable to bind, from k - 1 down; -1 once all are bound. */
    private int variable;
    private Fp2 bound = Fp2.ONE;
    /** The low weight factor on the device (interleaved re, im) over {@link #lowVariables} variables, once sent. */
    private DeviceTensor lowFactor;
    private int lowVariables = -1;

    DeviceSquareRounds(KernelBackend<?> backend, Fp2[] zeroWeights, Fp2[] oneWeights, DeviceTensor values) {
        if (zeroWeights.length != oneWeights.length) throw new IllegalArgumentException("weights of different lengths");
        if (zeroWeights.length > 30) throw new IllegalArgumentException("x^2 sum-check over " + zeroWeights.length + " variables");
        this.backend = backend;
        this.zero = zeroWeights.clone();
        this.one = oneWeights.clone();
        this.table = ExtTensor.base(values);
        this.variable = zeroWeights.length - 1;
    }

    @Override
    public Fp2[] roundPolynomial(Fp2 claim) {
        int m = variable;
        if (m < 0) throw new IllegalStateException("every variable is bound");
        boolean derive = SquareRounds.q1FollowsFromClaim(bound, one[m]);
        int low = Math.min(m, LOW_WEIGHT_VARIABLES);
        if (low != lowVariables) { // the same factor serves every round that binds a variable above it
            if (lowFactor != null) lowFactor.close();
            lowFactor = null;
            lowFactor = backend.upload(KernelBackend.interleaved(Multilinear.productTable(zero, one, 0, low)));
            lowVariables = low;
        }
        KernelBackend.SquareSums sums = backend.squareSums(table, pending, 1 << m, lowFactor, low,
                KernelBackend.interleaved(Multilinear.productTable(zero, one, low, m)), !derive);
        adopt(sums.table());
        pending = null;
        Fp2[] q = sums.q();
        Fp2 q1 = derive ? SquareRounds.q1FromClaim(claim, zero[m], one[m], bound, q[0]) : q[1];
        return SquareRounds.roundFromSums(zero[m], one[m], bound, q[0], q1, q[derive ? 1 : 2]);
    }

    @Override
    public void bind(Fp2 r) {
        int m = variable;
        if (m < 0) throw new IllegalStateException("every variable is bound");
        bound = bound.mul(zero[m].add(r.mul(one[m].sub(zero[m]))));
        if (pending != null) foldPending(); // two binds without a round between: the first challenge is folded alone
        pending = r;
        variable--;
    }

    /** Folds the pending challenge into the table by a fold pass of its own (the last challenge, or a bind repeated). */
    private void foldPending() {
        int half = 1 << (variable + 1); // the live table has 2^(variable + 2) entries
        // a base table is the caller's: even a challenge of F_p folds it into new parts
        adopt(table.isBase() ? backend.foldIntoNewParts(table.re(), half, pending) : backend.fold(table, half, pending));
        pending = null;
    }

    /** Makes {@code live} the table, closing the old one when it was this object's own and is replaced. */
    private void adopt(ExtTensor live) {
        if (live != table && !table.isBase()) table.close();
        table = live;
    }

    @Override
    public Fp2 finalValue() {
        if (variable >= 0) throw new IllegalStateException((variable + 1) + " variables still live");
        if (pending != null) foldPending();
        return backend.get(table, 0);
    }

    @Override
    public void close() {
        if (!table.isBase()) table.close();
        if (lowFactor != null) lowFactor.close();
        lowFactor = null;
    }
}
