package org.safetynets.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.safetynets.Limits;
import org.safetynets.MalformedInput;
import org.safetynets.model.Model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON files of the command line, ezkl-style.
 *
 * <p>Input: {@code {"input_data": [[v0, v1, ...], ...]}}, one inner array per sample, each holding the model's
 * {@code input().size()} integers in (c, h, w) row-major order, every one within the model's input range.
 * Other top-level fields are ignored, as ezkl's own data files carry more. Reading streams the tokens, so a large
 * batch costs its long[] and no tree; any problem is a {@link MalformedInput} naming the file, the sample, the
 * value and the line and column.
 *
 * <p>Outputs: {@code {"outputs": [[...], ...], "argmax": [...]}}, the signed integer outputs sample by sample
 * (real value = integer / the model's output scale) and each sample's index of its largest output.
 *
 * <p>Both are written one sample per line; the bytes depend on the values alone.
 */
public final class TensorJson {
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private TensorJson() {
    }

    /** Parses and checks an input file's bytes under {@link Limits#DEFAULTS}. */
    static long[][] readInputs(byte[] json, String source, Model model) {
        return readInputs(json, source, model, Limits.DEFAULTS);
    }

    /**
     * Parses and checks an input file's bytes; {@code source} names the file in messages. LimitExceeded, giving the
     * file's whole sample count, before a sample beyond {@code limits.maxBatch()}, or one that would take samples x
     * features beyond {@code limits.maxTensorElements()}, is read.
     */
    static long[][] readInputs(byte[] json, String source, Model model, Limits limits) {
        try (JsonParser parser = MAPPER.createParser(json)) {
            return new InputReader(parser, source, model, limits).read();
        } catch (JsonProcessingException e) {
            throw new MalformedInput(source, "invalid JSON: " + jacksonMessage(e) + at(e.getLocation()));
        } catch (IOException e) {
            throw new MalformedInput(source, "cannot be read: " + Main.oneLine(e.getMessage()));
        }
    }

    public static byte[] writeInputs(long[][] samples) {
        StringBuilder json = new StringBuilder("{\"input_data\": ");
        appendRows(json, samples);
        return json.append("}\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] writeOutputs(long[][] outputs) {
        StringBuilder json = new StringBuilder("{\"outputs\": ");
        appendRows(json, outputs);
        json.append(",\n\"argmax\": ");
        appendRow(json, argmax(outputs));
        return json.append("}\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Each sample's index of its largest output (the first, on ties). */
    public static long[] argmax(long[][] outputs) {
        long[] best = new long[outputs.length];
        for (int b = 0; b < outputs.length; b++) {
            int index = 0;
            for (int i = 1; i < outputs[b].length; i++) if (outputs[b][i] > outputs[b][index]) index = i;
            best[b] = index;
        }
        return best;
    }

    private static void appendRows(StringBuilder json, long[][] rows) {
        json.append('[');
        for (int b = 0; b < rows.length; b++) {
            json.append(b == 0 ? "\n  " : ",\n  ");
            appendRow(json, rows[b]);
        }
        json.append("\n]");
    }

    private static void appendRow(StringBuilder json, long[] row) {
        json.append('[');
        for (int i = 0; i < row.length; i++) {
            if (i > 0) json.append(", ");
            json.append(row[i]);
        }
        json.append(']');
    }

    /** Jackson's message with its inner locations ("[Source: ...; line: 1, column: 17]") shortened to "line 1, column 17". */
    private static String jacksonMessage(JsonProcessingException e) {
        return Main.oneLine(e.getOriginalMessage()).replaceAll("\\[Source: [^\\]]*?line: (\\d+), column: (\\d+)\\]", "line $1, column $2");
    }

    private static String at(JsonLocation location) {
        if (location == null || location.getLineNr() < 0) return "";
        return " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    /** One pass over the tokens of an input file. */
    private static final class InputReader {
        private final JsonParser parser;
        private final String source;
        private final Model model;
        private final int size;
        private final Limits limits;

        InputReader(JsonParser parser, String source, Model model, Limits limits) {
            this.parser = parser;
            this.source = source;
            this.model = model;
            this.size = model.input().size();
            this.limits = limits;
        }

        long[][] read() throws IOException {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw problem("expected a JSON object {\"input_data\": [[...], ...]}");
            }
            long[][] samples = null;
            for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
                String field = parser.currentName();
                parser.nextToken();
                if ("input_data".equals(field)) samples = samples();
                else parser.skipChildren();
            }
            if (parser.nextToken() != null) throw problem("unexpected content after the JSON object");
            if (samples == null) throw new MalformedInput(source, "has no \"input_data\" field");
            return samples;
        }

        private long[][] samples() throws IOException {
            if (parser.currentToken() != JsonToken.START_ARRAY) {
                throw problem("\"input_data\" must be an array of samples, each an array of integers");
            }
            List<long[]> samples = new ArrayList<>();
            for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
                int b = samples.size();
                // Checked before sample b is read: neither the count nor the values can outgrow the limits. Once
                // over, the rest is counted unread, so the refusal gives the file's real number of samples.
                if (b + 1L > limits.maxBatch() || Limits.product(b + 1L, size) > limits.maxTensorElements()) {
                    long count = b + countUnread(token);
                    limits.requireBatch(source, count);
                    limits.requireTensor(source, "input batch of " + count + " samples x " + size + " values", Limits.product(count, size));
                }
                if (token != JsonToken.START_ARRAY) throw problem("sample " + b + " is " + describe(token) + ", not an array of integers");
                samples.add(sample(b));
            }
            if (samples.isEmpty()) throw problem("\"input_data\" holds no samples");
            return samples.toArray(new long[0][]);
        }

        /** The samples from {@code token} to the end of "input_data", skipped without allocating for them. */
        private long countUnread(JsonToken token) throws IOException {
            long count = 0;
            for (; token != JsonToken.END_ARRAY; token = parser.nextToken()) {
                if (token == null) throw problem("\"input_data\" is not closed (the file ends early)");
                count++;
                parser.skipChildren();
            }
            return count;
        }

        private long[] sample(int b) throws IOException {
            // Grows with the values present, so a short file cannot make a model with huge samples allocate them.
            long[] values = new long[Math.min(size, 1024)];
            int i = 0;
            for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
                String where = "sample " + b + " value " + i;
                if (i == size) throw problem("sample " + b + " has more than " + size + " values; the model takes " + takes());
                if (token == JsonToken.VALUE_NUMBER_FLOAT) throw problem(where + " is " + parser.getText() + ", not an integer");
                if (token != JsonToken.VALUE_NUMBER_INT) throw problem(where + " is " + describe(token) + ", not an integer");
                if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) throw outOfRange(where, parser.getText());
                long v = parser.getLongValue();
                if (v < model.inputMin() || v > model.inputMax()) throw outOfRange(where, Long.toString(v));
                if (i == values.length) values = java.util.Arrays.copyOf(values, (int) Math.min(size, 2L * values.length));
                values[i++] = v;
            }
            if (i != size) throw problem("sample " + b + " has " + i + " values; the model takes " + takes());
            return values;
        }

        private MalformedInput outOfRange(String where, String value) {
            return problem(where + " is " + value + ", outside the model's input range [" + model.inputMin() + ", "
                    + model.inputMax() + "]");
        }

        private String takes() {
            return size + " (" + model.input() + ")";
        }

        private MalformedInput problem(String what) {
            return new MalformedInput(source, what + at(parser.currentTokenLocation()));
        }

        private static String describe(JsonToken token) {
            if (token == null) return "missing (the file ends early)";
            return switch (token) {
                case START_OBJECT -> "an object";
                case START_ARRAY -> "an array";
                case VALUE_STRING -> "a string";
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
                case VALUE_TRUE, VALUE_FALSE -> "a boolean";
                case VALUE_NULL -> "null";
                default -> token.asString() != null ? token.asString() : token.name();
            };
        }
    }
}
