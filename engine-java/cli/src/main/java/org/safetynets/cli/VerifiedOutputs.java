package org.safetynets.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.safetynets.model.Model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The outputs a proof established, as {@code verify} writes them for users and scripts, and the check of a
 * host's claimed outputs file against them. Only these are to be acted on: a host's {@code X.outputs.json} is
 * a claim until it equals what a proof established.
 *
 * <p>Written: {@code {"verified": true, "model": "sha256:...", "output_scale": S, "outputs": [[...], ...],
 * "argmax": [...]}}, one sample per line; real output = integer / S. Public so that the service module's client
 * writes the same file.
 */
public final class VerifiedOutputs {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private VerifiedOutputs() {
    }

    public static byte[] write(Model model, long[][] outputs) {
        String head = String.format(Locale.ROOT, "{\"verified\": true, \"model\": \"sha256:%s\", \"output_scale\": %s,%n",
                Format.hex(model.digest()), jsonNumber(model.outputScale()));
        String rest = new String(TensorJson.writeOutputs(outputs), StandardCharsets.UTF_8).substring(1); // drop its '{'
        return (head + rest).getBytes(StandardCharsets.UTF_8);
    }

    /** A double as JSON writes it: integral scales without a fraction, others in full precision. */
    private static String jsonNumber(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) return Long.toString((long) value);
        return Double.toString(value);
    }

    /**
     * Null when the claimed outputs file (the {@code prove} format: {@code "outputs"}, and {@code "argmax"} if
     * present) holds exactly {@code verified}; else the first difference, as a rejection reason. A file that is
     * not such JSON is a difference too: it is not the verified outputs.
     */
    public static String difference(byte[] claimedJson, String source, long[][] verified) {
        JsonNode root;
        try {
            root = MAPPER.readTree(claimedJson);
        } catch (JsonProcessingException e) {
            return source + " is not valid JSON: " + Main.oneLine(e.getOriginalMessage());
        } catch (IOException e) {
            return source + " cannot be read: " + Main.oneLine(e.getMessage());
        }
        JsonNode outputs = root == null ? null : root.get("outputs");
        if (outputs == null || !outputs.isArray()) return source + " has no \"outputs\" array";
        if (outputs.size() != verified.length) {
            return source + " claims " + outputs.size() + " samples; the proof establishes " + verified.length;
        }
        for (int b = 0; b < verified.length; b++) {
            JsonNode row = outputs.get(b);
            if (!row.isArray() || row.size() != verified[b].length) {
                return source + " sample " + b + " is not an array of " + verified[b].length + " outputs";
            }
            for (int f = 0; f < verified[b].length; f++) {
                JsonNode value = row.get(f);
                if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() != verified[b][f]) {
                    return source + " sample " + b + " output " + f + " claims " + value + "; the proof establishes " + verified[b][f];
                }
            }
        }
        JsonNode argmax = root.get("argmax");
        if (argmax != null) {
            long[] best = TensorJson.argmax(verified);
            if (!argmax.isArray() || argmax.size() != best.length) return source + " \"argmax\" is not an array of " + best.length;
            for (int b = 0; b < best.length; b++) {
                JsonNode value = argmax.get(b);
                if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() != best[b]) {
                    return source + " sample " + b + " argmax claims " + value + "; the proven outputs give " + best[b];
                }
            }
        }
        return null;
    }
}
