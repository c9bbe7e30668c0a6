package org.safetynets.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.safetynets.LimitExceeded;
import org.safetynets.Limits;
import org.safetynets.MalformedInput;
import org.safetynets.model.Model;
import org.safetynets.model.ModelCodec;
import org.safetynets.model.TestModels;

import java.util.Arrays;

/**
 * Hostile model files against ModelCodec: only MalformedInput or LimitExceeded, and a file that decodes is the
 * canonical encoding of what it decodes to (so one model has one digest). Limits are lowered to 2^20 elements so
 * that any allocation a header could drive stays far below the fuzzing JVM's heap.
 */
class ModelFuzzTest {
    private static final byte[] VALID = ModelCodec.encode(TestModels.zoo(42).get(10)); // cnn: every layer kind
    private static final Limits LIMITS = Limits.DEFAULTS.withMaxTensorElements(1 << 20);

    @FuzzTest(maxDuration = "10s")
    void model(byte[] data) {
        byte[] file = Patch.apply(VALID, data);
        Model model;
        try {
            model = ModelCodec.decode(file, "fuzz", LIMITS);
        } catch (MalformedInput | LimitExceeded expected) {
            return;
        }
        if (!Arrays.equals(file, ModelCodec.encode(model))) throw new AssertionError("decoded a non-canonical encoding");
        model.shapes();
        model.parameters();
    }
}
