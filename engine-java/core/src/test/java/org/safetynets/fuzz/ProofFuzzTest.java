package org.safetynets.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.safetynets.LimitExceeded;
import org.safetynets.Limits;
import org.safetynets.MalformedInput;
import org.safetynets.backend.ReferenceBackend;
import org.safetynets.model.Model;
import org.safetynets.model.TestModels;
import org.safetynets.proof.ProofCodec;
import org.safetynets.proof.Prover;
import org.safetynets.proof.Verdict;
import org.safetynets.proof.Verifier;

import java.util.Arrays;

/**
 * Hostile proof files against ProofCodec and the verifier: decoding throws only MalformedInput or LimitExceeded,
 * Verifier.verify never throws, and the only file it accepts is the honest proof itself (any other accepted file
 * would be a second proof of the same statement: a soundness failure, or a malleable encoding).
 */
class ProofFuzzTest {
    private static final Model MODEL = TestModels.zoo(41).get(11); // cnn-stride2: conv, x^2, flatten, dense
    private static final long[][] INPUTS = TestModels.inputs(MODEL, 2, 1);
    private static final byte[] HONEST = ProofCodec.encode(Prover.prove(MODEL, INPUTS, new ReferenceBackend()));
    private static final Limits LIMITS = Limits.DEFAULTS.withMaxProofBytes(1 << 20);

    @FuzzTest(maxDuration = "10s")
    void proof(byte[] data) {
        byte[] file = Patch.apply(HONEST, data);
        try {
            ProofCodec.decode(file, "fuzz", LIMITS);
        } catch (MalformedInput | LimitExceeded expected) {
            // the documented errors
        }
        Verdict verdict = Verifier.verify(MODEL, INPUTS, file, LIMITS);
        if (verdict.accepted() && !Arrays.equals(file, HONEST)) {
            throw new AssertionError("accepted a proof file that differs from the honest one");
        }
    }
}
