package org.safetynets.service;

import org.junit.jupiter.api.Test;
import org.safetynets.MalformedInput;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The metadata frames decode strictly: hostile bytes are MalformedInput, never another exception. */
class FrameTest {
    @Test
    void roundTrips() {
        Frame frame = Frame.words(Frame.Kind.EXTENSION_MESSAGE, "dense.round", new long[] {1, -2, Long.MAX_VALUE});
        Frame back = Frame.decode(frame.encode(), "test");
        assertEquals(frame.kind(), back.kind());
        assertEquals("dense.round", back.label());
        assertArrayEquals(new long[] {1, -2, Long.MAX_VALUE}, back.words("test"));
        assertEquals("REJECT: x", Frame.decode(Frame.text(Frame.Kind.VERDICT, "REJECT: x").encode(), "test").text());
    }

    @Test
    void refusesHostileBytes() {
        assertThrows(MalformedInput.class, () -> Frame.decode(new byte[] {0, 0}, "test"));
        assertThrows(MalformedInput.class, () -> Frame.decode(new byte[] {(byte) 99, 0, 0}, "test"));
        assertThrows(MalformedInput.class, () -> Frame.decode(new byte[] {1, 5, 0, 'a'}, "test"));          // label longer than the bytes
        assertThrows(MalformedInput.class, () -> Frame.decode(new byte[] {1, (byte) 0xff, (byte) 0xff}, "test"));
        assertThrows(MalformedInput.class, () -> Frame.decode(new byte[] {1, 1, 0, (byte) 0xc3}, "test")); // not UTF-8
        Frame ragged = Frame.decode(new byte[] {1, 0, 0, 1, 2, 3}, "test");
        assertThrows(MalformedInput.class, () -> ragged.words("test"));
    }

    @Test
    void requestsDecodeStrictly() {
        ExchangeRequest request = new ExchangeRequest(ExchangeRequest.Mode.INTERACTIVE, "demo");
        assertEquals(request, ExchangeRequest.decode(request.encode()));
        for (String bad : new String[] {"", "[]", "{\"mode\": \"prove\"}", "{\"mode\": 1, \"model\": \"m\"}",
            "{\"mode\": \"prove\", \"model\": \"m\", \"extra\": 1}", "{\"mode\": \"PROVE\", \"model\": \"m\"}"}) {
            assertThrows(MalformedInput.class, () -> ExchangeRequest.decode(bad.getBytes(java.nio.charset.StandardCharsets.UTF_8)), bad);
        }
    }
}
