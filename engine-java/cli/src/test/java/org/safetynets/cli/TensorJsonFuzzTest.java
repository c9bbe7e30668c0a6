package org.safetynets.cli;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.safetynets.LimitExceeded;
import org.safetynets.Limits;
import org.safetynets.MalformedInput;
import org.safetynets.model.Model;
import org.safetynets.model.TestModels;
import org.safetynets.proof.InputBatch;
import org.safetynets.fuzz.Patch;

/**
 * Hostile input files against TensorJson: only MalformedInput or LimitExceeded, and whatever it returns is a batch
 * the model accepts (every sample the right length, every value in range).
 */
class TensorJsonFuzzTest {
    private static final Model MODEL = TestModels.zoo(43).get(5); // conv-s1-p1: 2x5x6 inputs in [0, 3]
    private static final byte[] VALID = TensorJson.writeInputs(TestModels.inputs(MODEL, 2, 1));
    private static final Limits LIMITS = Limits.DEFAULTS.withMaxBatch(64).withMaxTensorElements(1 << 16);

    @FuzzTest(maxDuration = "10s")
    void inputs(byte[] data) {
        byte[] file = Patch.apply(VALID, data);
        long[][] samples;
        try {
            samples = TensorJson.readInputs(file, "fuzz", MODEL, LIMITS);
        } catch (MalformedInput | LimitExceeded expected) {
            return;
        }
        InputBatch.of(MODEL, samples, LIMITS); // throws if the reader let through anything the model refuses
    }
}
