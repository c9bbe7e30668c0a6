package org.safetynets.layer;

import org.safetynets.ProofRejected;
import org.safetynets.backend.Backend;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.field.Fp2;
import org.safetynets.sumcheck.Sumcheck;
import org.safetynets.tensor.Layout;
import org.safetynets.tensor.PoolGeometry;
import org.safetynets.transcript.Transcript;

/**
 * Square, y = x*x, optionally followed by sum pooling with a power-of-two window s (the paper's x^2 -> pool
 * pattern), proven by one degree-3 sum-check.
 *
 * <p>Square alone: claim MLE(Y)(r) = v is v = sum_x eq(r, x) * MLE(X)(x)^2. With the pool, the window offset is
 * the low log2(s) bits of the input row and column, and pooling sums over them, so a claim on the pooled output
 * at r is v = sum_x E(x) * MLE(X)(x)^2 where E is eq(r, .) on the other bits and 1 on the offset bits: the
 * pool costs nothing of its own. Either way E is a product weight prod_j f_j(x_j); the prover runs
 * {@link Sumcheck#proveWeightedSquare}, then sends c = MLE(X)(r'), and the verifier checks E(r') * c^2 against
 * the sum-check's final claim. New claim: MLE(X)(r') = c.
 */
public final class SquareProtocol implements LayerProtocol {
    private final Layout in;
    private final PoolGeometry pool;

    /** @param pool the sum pool that follows the square, or null */
    public SquareProtocol(Layout in, PoolGeometry pool) {
        this.in = in;
        this.pool = pool;
        if (pool != null && !pool.input().equals(in)) throw new IllegalArgumentException("pool input differs from the square's");
    }

    /** The degree-3 sum-check over every input variable, then c = MLE(X)(r'). */
    @Override
    public ProtocolSchedule schedule() {
        return ProtocolSchedule.builder().sumcheck(in.variables(), 3).value("square.input").build();
    }

    @Override
    public Layout input() {
        return in;
    }

    @Override
    public Layout output() {
        return pool == null ? in : pool.output();
    }

    @Override
    public DeviceTensor infer(Backend backend, DeviceTensor input) {
        return pool == null ? backend.square(input) : backend.squareThenSumPool(input, pool);
    }

    /**
     * Weights {zero, one} per input variable: eq with the output point, and 1, 1 on pooled offset bits (the low
     * log2(s) bits of the row and of the column; PoolGeometry guarantees the input has that many).
     */
    private Fp2[][] weights(Fp2[] outputPoint) {
        int k = in.variables();
        Fp2[] zero = new Fp2[k];
        Fp2[] one = new Fp2[k];
        int offset = pool == null ? 0 : pool.offsetVariables();
        int lb = in.batchVariables();
        int lw = in.widthVariables();
        int next = 0;
        for (int j = 0; j < k; j++) {
            boolean offsetBit = (j >= lb && j < lb + offset) || (j >= lb + lw && j < lb + lw + offset);
            if (offsetBit) {
                zero[j] = Fp2.ONE;
                one[j] = Fp2.ONE;
            } else {
                Fp2 r = outputPoint[next++];
                zero[j] = Fp2.ONE.sub(r);
                one[j] = r;
            }
        }
        if (next != outputPoint.length) throw new IllegalStateException("output point of " + outputPoint.length + " variables, used " + next);
        return new Fp2[][] {zero, one};
    }

    @Override
    public Claim prove(Backend backend, Transcript transcript, Claim claim, DeviceTensor input) {
        Fp2[][] w = weights(claim.point());
        ProtocolSchedule.Play play = schedule().play(transcript);
        Sumcheck.Proven proven = play.proveSquare(backend, claim.value(), w[0], w[1], input);
        Fp2 c = play.value("square.input", proven.finalValues()[0]);
        play.end();
        return new Claim(proven.point(), c);
    }

    @Override
    public Claim verify(Transcript transcript, Claim claim) {
        Fp2[][] w = weights(claim.point());
        ProtocolSchedule.Play play = schedule().play(transcript);
        Sumcheck.Reduced reduced = play.verifySumcheck(claim.value());
        Fp2 c = play.value("square.input", null);
        play.end();
        Fp2 expected = Sumcheck.productWeightAt(w[0], w[1], reduced.point()).mul(c.square());
        if (!expected.equals(reduced.finalClaim())) {
            throw new ProofRejected("square: E(r') * c^2 does not match the sum-check's final claim", 0, in.variables());
        }
        return new Claim(reduced.point(), c);
    }

}
