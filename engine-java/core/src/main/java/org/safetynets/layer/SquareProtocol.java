package org.safetynets.layer;

import org.safetynets.ProofRejected;
import org.safetynets.backend.Backend;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.field.Fp;
import org.safetynets.poly.Multilinear;
import org.safetynets.sumcheck.Sumcheck;
import org.safetynets.tensor.Layout;
import org.safetynets.transcript.Transcript;

/**
 * Square, y = x*x. Claim MLE(Y)(r) = v becomes v = sum_x eq(r, x) * MLE(X)(x)^2, a degree-3 sum-check over
 * every variable of the tensor; the prover then sends c = MLE(X)(r') and the verifier checks
 * eq(r, r') * c^2 against the sum-check's final claim. New claim: MLE(X)(r') = c.
 */
public final class SquareProtocol implements LayerProtocol {
    private final Layout layout;

    public SquareProtocol(Layout layout) {
        this.layout = layout;
    }

    /** The transcript steps after the sum-check. */
    static final class Schedule {
        static long inputValue(Transcript transcript, Long value) {
            return transcript.message("square.input", 1, value == null ? null : new long[] {value})[0];
        }
    }

    @Override
    public Layout input() {
        return layout;
    }

    @Override
    public Layout output() {
        return layout;
    }

    @Override
    public DeviceTensor infer(Backend backend, DeviceTensor input) {
        return backend.square(input);
    }

    @Override
    public Claim prove(Backend backend, Transcript transcript, Claim claim, DeviceTensor input) {
        try (DeviceTensor eq = backend.eqTable(claim.point())) {
            long[] point = Sumcheck.prove(backend, transcript, new DeviceTensor[] {eq, input}, new int[] {0, 1, 1}, layout.variables());
            long c = Schedule.inputValue(transcript, backend.get(input, 0));
            return new Claim(point, c);
        }
    }

    @Override
    public Claim verify(Transcript transcript, Claim claim) {
        Sumcheck.Reduced reduced = Sumcheck.verify(transcript, claim.value(), layout.variables(), 3);
        long c = Schedule.inputValue(transcript, null);
        long expected = Fp.mul(Multilinear.eq(claim.point(), reduced.point()), Fp.mul(c, c));
        if (expected != reduced.finalClaim()) {
            throw new ProofRejected("square: eq(r, r') * c^2 does not match the sum-check's final claim", 0, layout.variables());
        }
        return new Claim(reduced.point(), c);
    }

    @Override
    public long proofElements() {
        return 4L * layout.variables() + 1;
    }
}
