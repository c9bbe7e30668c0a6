package org.safetynets.cli;

import org.safetynets.LimitExceeded;
import org.safetynets.Limits;
import org.safetynets.MalformedInput;
import org.safetynets.model.Dense;
import org.safetynets.model.Model;
import org.safetynets.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TensorJsonTest {
    /** Three inputs in [-2, 5], one output. */
    private static final Model MODEL = new Model("tiny", Shape.vector(3), -2, 5, 1,
            List.of(new Dense(1, 3, new long[] {1, 2, 3}, new long[] {0}, 1)));

    private static long[][] read(String json) {
        return TensorJson.readInputs(json.getBytes(StandardCharsets.UTF_8), "in.json", MODEL);
    }

    private static String problem(String json) {
        MalformedInput e = assertThrows(MalformedInput.class, () -> read(json));
        assertEquals("in.json", e.source());
        return e.getMessage();
    }

    @Test
    void inputsRoundTrip() {
        long[][] samples = {{-2, 0, 5}, {1, 2, 3}};
        byte[] json = TensorJson.writeInputs(samples);
        assertArrayEquals(samples, TensorJson.readInputs(json, "in.json", MODEL));
        assertEquals("{\"input_data\": [\n  [-2, 0, 5],\n  [1, 2, 3]\n]}\n", new String(json, StandardCharsets.UTF_8));
    }

    @Test
    void otherFieldsAreIgnoredAsInEzklFiles() {
        assertArrayEquals(new long[][] {{1, 1, 1}}, read("{\"output_data\": [[0.5]], \"input_data\": [[1, 1, 1]], \"x\": {\"y\": []}}"));
    }

    @Test
    void outputsCarryTheArgmax() {
        String json = new String(TensorJson.writeOutputs(new long[][] {{3, -1, 7}, {-4, -4, -5}}), StandardCharsets.UTF_8);
        assertEquals("{\"outputs\": [\n  [3, -1, 7],\n  [-4, -4, -5]\n],\n\"argmax\": [2, 0]}\n", json);
    }

    @Test
    void problemsNameTheSampleTheValueAndThePlace() {
        assertTrue(problem("{\"input_data\": [[1, 2.5, 3]]}").contains("sample 0 value 1 is 2.5, not an integer (line 1, column 21)"));
        assertTrue(problem("{\"input_data\": [[1, 2, 3], [1, \"2\", 3]]}").contains("sample 1 value 1 is a string, not an integer"));
        assertTrue(problem("{\"input_data\": [[1, 2, 3], [1, 2]]}").contains("sample 1 has 2 values; the model takes 3 (3x1x1)"));
        assertTrue(problem("{\"input_data\": [[1, 2, 3, 4]]}").contains("sample 0 has more than 3 values"));
        assertTrue(problem("{\"input_data\": [[1, 2, 6]]}").contains("sample 0 value 2 is 6, outside the model's input range [-2, 5]"));
        assertTrue(problem("{\"input_data\": [[1, 2, 99999999999999999999999]]}").contains("outside the model's input range"));
        assertTrue(problem("{\"input_data\": [1, 2, 3]}").contains("sample 0 is a number, not an array of integers"));
        assertTrue(problem("{\"input_data\": []}").contains("holds no samples"));
        assertTrue(problem("{\"data\": [[1, 2, 3]]}").contains("has no \"input_data\" field"));
        assertTrue(problem("[[1, 2, 3]]").contains("expected a JSON object"));
        assertTrue(problem("{\"input_data\": [[1, 2, 3]]} {}").contains("after the JSON object"));
        assertTrue(problem("{\"input_data\": [[1, 2, 3]], \"input_data\": [[1, 2, 3]]}").contains("invalid JSON: Duplicate field"));
        assertTrue(problem("{\"input_data\": [[1, 2, 3]").contains("invalid JSON"));
        assertTrue(problem("").contains("expected a JSON object"));
    }

    @Test
    void aBatchOverTheLimitIsRefusedWithTheFilesRealSampleCount() {
        byte[] json = TensorJson.writeInputs(new long[64][3]);
        Limits limits = Limits.DEFAULTS.withMaxBatch(10);
        LimitExceeded e = assertThrows(LimitExceeded.class, () -> TensorJson.readInputs(json, "in.json", MODEL, limits));
        assertEquals("in.json: batch of 64 samples exceeds the limit max-batch = 10 (raise it with --max-batch)", e.getMessage());
        LimitExceeded elements = assertThrows(LimitExceeded.class,
                () -> TensorJson.readInputs(json, "in.json", MODEL, Limits.DEFAULTS.withMaxTensorElements(30)));
        assertEquals("in.json: input batch of 64 samples x 3 values of 192 elements exceeds the limit max-tensor-elements = 30 "
                + "(raise it with --max-tensor-elements)", elements.getMessage());
        assertEquals(10, TensorJson.readInputs(TensorJson.writeInputs(new long[10][3]), "in.json", MODEL, limits).length);
    }

    @Test
    void messagesAreOneLine() {
        String message = problem("{\"input_data\": [[1, 2, 3]");
        assertEquals(1, message.lines().count());
        assertTrue(message.contains("expected close marker for Array (start marker at line 1, column 16) (line 1, column 26)"), message);
    }
}
