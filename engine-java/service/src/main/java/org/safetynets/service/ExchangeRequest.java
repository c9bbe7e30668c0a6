package org.safetynets.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.safetynets.MalformedInput;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * What a client asks for, carried in the {@code DoExchange} descriptor's command:
 * {@code {"mode": "prove" | "interactive", "model": NAME | "sha256:HEX"}}. Nothing else is accepted.
 */
record ExchangeRequest(Mode mode, String model) {
    static final int MAX_BYTES = 1024;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    enum Mode {
        /** Outputs and a proof file (Fiat-Shamir), verified by the client on its own. */
        PROVE,
        /** The interactive protocol: the client draws every challenge after the message it binds. */
        INTERACTIVE;

        String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    ExchangeRequest {
        if (model == null || model.isEmpty() || model.length() > 200) throw new MalformedInput("request", "model must be a name or sha256:HEX");
    }

    byte[] encode() {
        ObjectNode node = JSON.createObjectNode();
        node.put("mode", mode.wireName());
        node.put("model", model);
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }

    static ExchangeRequest decode(byte[] command) {
        if (command == null || command.length == 0) throw new MalformedInput("request", "the exchange names no request (descriptor command)");
        if (command.length > MAX_BYTES) throw new MalformedInput("request", "a request of " + command.length + " bytes is over " + MAX_BYTES);
        JsonNode root;
        try {
            root = JSON.readTree(command);
        } catch (IOException e) {
            throw new MalformedInput("request", "not JSON");
        }
        if (root == null || !root.isObject()) throw new MalformedInput("request", "not a JSON object");
        root.fieldNames().forEachRemaining(name -> {
            if (!Set.of("mode", "model").contains(name)) throw new MalformedInput("request", "unknown field '" + name + "'");
        });
        JsonNode mode = root.get("mode");
        JsonNode model = root.get("model");
        if (mode == null || !mode.isTextual()) throw new MalformedInput("request", "\"mode\" must be \"prove\" or \"interactive\"");
        if (model == null || !model.isTextual()) throw new MalformedInput("request", "\"model\" must be a string");
        for (Mode m : Mode.values()) {
            if (m.wireName().equals(mode.textValue())) return new ExchangeRequest(m, model.textValue());
        }
        throw new MalformedInput("request", "\"mode\" must be \"prove\" or \"interactive\", got \"" + mode.textValue() + "\"");
    }
}
