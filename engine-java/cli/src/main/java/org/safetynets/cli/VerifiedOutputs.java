package org.safetynets.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
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
    private VerifiedOutputs() {
    }

    public static byte[] write(Model model, long[][] outputs) {
        String head = String.format(Locale.ROOT, "{\"verified\": true, \"model\": \"sha256:%s\", \"output_scale\": %s,%n",
                Format.hex(model.digest()), model.exactOutputScale());
        String rest = new String(TensorJson.writeOutputs(outputs), StandardCharsets.UTF_8).substring(1); // drop its '{'
        return (head + rest).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Null when the claimed outputs file (the {@code prove} format: {@code "outputs"}, and {@code "argmax"} if
     * present; or this class's own, whose {@code "verified"}, {@code "model"} and {@code "output_scale"} must then
     * be right for {@code model}) holds exactly {@code verified}; else the first difference, as a rejection reason.
     * A file that is not such JSON is a difference too: it is not the verified outputs. Strict, because other
     * programs read the same file: a duplicated key (parsers differ on which one counts), anything after the object,
     * or an unknown field is a difference. Streamed, stopping at the first difference: a host's file of any size
     * costs no more memory than the verified outputs.
     */
    public static String difference(byte[] claimedJson, String source, Model model, long[][] verified) {
        try (JsonParser parser = STRICT.createParser(claimedJson)) {
            String difference = objectDifference(parser, source, model, verified);
            if (difference == null && parser.nextToken() != null) return source + " has more after its JSON object";
            return difference;
        } catch (JsonProcessingException e) {
            return source + " is not valid JSON: " + Main.oneLine(e.getOriginalMessage());
        } catch (IOException e) {
            return source + " cannot be read: " + Main.oneLine(e.getMessage());
        }
    }

    private static final JsonFactory STRICT = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private static String objectDifference(JsonParser parser, String source, Model model, long[][] verified) throws IOException {
        if (parser.nextToken() != JsonToken.START_OBJECT) return source + " is not a JSON object";
        boolean sawOutputs = false;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            String difference = switch (field) {
                case "outputs" -> {
                    sawOutputs = true;
                    yield rowsDifference(parser, source, verified);
                }
                case "argmax" -> longsDifference(parser, source + " \"argmax\" is not an array of " + verified.length,
                        i -> source + " sample " + i + " argmax", TensorJson.argmax(verified), "the proven outputs give");
                case "verified" -> value == JsonToken.VALUE_TRUE || value == JsonToken.VALUE_FALSE ? null
                        : source + " \"verified\" is " + parser.getText() + ", not true or false";
                case "model" -> value == JsonToken.VALUE_STRING && parser.getText().equals("sha256:" + Format.hex(model.digest())) ? null
                        : source + " names model " + parser.getText() + "; the proof is of sha256:" + Format.hex(model.digest());
                case "output_scale" -> value.isNumeric() && new java.math.BigDecimal(parser.getText()).compareTo(new java.math.BigDecimal(model.exactOutputScale())) == 0
                        ? null : source + " claims output scale " + parser.getText() + "; the model's is " + model.exactOutputScale();
                default -> source + " has a field \"" + Main.oneLine(field) + "\" that an outputs file does not have";
            };
            if (difference != null) return difference;
        }
        return sawOutputs ? null : source + " has no \"outputs\" array";
    }

    /** The "outputs" array (the parser on its first token) against the verified rows. */
    private static String rowsDifference(JsonParser parser, String source, long[][] verified) throws IOException {
        if (parser.currentToken() != JsonToken.START_ARRAY) return source + " has no \"outputs\" array";
        int b = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (b == verified.length) return source + " claims more than " + verified.length + " samples; the proof establishes " + verified.length;
            int sample = b;
            String difference = longsDifference(parser, source + " sample " + b + " is not an array of " + verified[b].length + " outputs",
                    i -> source + " sample " + sample + " output " + i, verified[b], "the proof establishes");
            if (difference != null) return difference;
            b++;
        }
        return b == verified.length ? null : source + " claims " + b + " samples; the proof establishes " + verified.length;
    }

    /**
     * An array of integers (the parser on its first token) against {@code expected}, entry by entry: {@code notArray}
     * if it is not an array of that length, else "{@code where(i)} claims V; {@code truth} X" at the first difference.
     */
    private static String longsDifference(JsonParser parser, String notArray, java.util.function.IntFunction<String> where, long[] expected,
                                          String truth) throws IOException {
        if (parser.currentToken() != JsonToken.START_ARRAY) return notArray;
        int i = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (i == expected.length) return notArray;
            boolean equal = parser.currentToken() == JsonToken.VALUE_NUMBER_INT && parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER
                    && parser.getLongValue() == expected[i];
            if (!equal) {
                String claimed = parser.currentToken().isScalarValue() ? parser.getText() : parser.currentToken().asString();
                return where.apply(i) + " claims " + claimed + "; " + truth + " " + expected[i];
            }
            i++;
        }
        return i == expected.length ? null : notArray;
    }
}
