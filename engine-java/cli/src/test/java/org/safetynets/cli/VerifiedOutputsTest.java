package org.safetynets.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.Test;
import org.safetynets.model.Dense;
import org.safetynets.model.Model;
import org.safetynets.model.Square;
import org.safetynets.tensor.Shape;

import java.io.IOException;
import java.math.BigInteger;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The verified outputs file carries the model's output scale exactly, as valid JSON, however large. */
class VerifiedOutputsTest {
    private static final JsonMapper EXACT = JsonMapper.builder().enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS).build();

    /** Red-team find: an input scale of 2^62 and five x^2 layers made "output_scale": Infinity, which is not JSON. */
    @Test
    void aScaleBeyondADoubleIsWrittenInFull() throws IOException {
        Model model = new Model("huge-scale", Shape.vector(1), 0, 1, 1L << 62,
                List.of(new Square(), new Square(), new Square(), new Square(), new Square()));
        BigInteger expected = BigInteger.TWO.pow(62 * 32);
        assertEquals(expected, model.exactOutputScale());
        long[][] outputs = {{1}};
        byte[] file = VerifiedOutputs.write(model, outputs);
        JsonNode root = EXACT.readTree(file);
        assertEquals(expected, root.get("output_scale").bigIntegerValue());
        assertNull(VerifiedOutputs.difference(file, "own", model, outputs), "its own file is exactly the verified outputs");
        assertTrue(Format.scale(model.exactOutputScale()).endsWith("e+597"), Format.scale(model.exactOutputScale()));
    }

    /** 3^40 is above 2^53: a double would round it (to 1.2157665459056929E19). */
    @Test
    void aScaleAbove2To53IsExact() throws IOException {
        Model model = new Model("odd-scale", Shape.vector(1), 0, 1, 4052555153018976267L, // 3^39
                List.of(new Dense(1, 1, new long[] {1}, new long[] {0}, 3)));
        BigInteger expected = BigInteger.valueOf(3).pow(40);
        assertEquals(expected, model.exactOutputScale());
        assertEquals(expected, EXACT.readTree(VerifiedOutputs.write(model, new long[][] {{0}})).get("output_scale").bigIntegerValue());
        String claimed = "{\"output_scale\": 1.2157665459056929E19, \"outputs\": [[0]]}";
        assertTrue(String.valueOf(VerifiedOutputs.difference(claimed.getBytes(), "host", model, new long[][] {{0}}))
                .contains("claims output scale 1.2157665459056929E19; the model's is " + expected));
    }
}
