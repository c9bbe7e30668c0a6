package org.safetynets.service;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.safetynets.MalformedInput;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * One application-metadata frame of an exchange: {@code u8 kind, u16 label length, label (UTF-8), payload}, the
 * payload being 8-byte little-endian words for messages and challenges (as in a proof file) or raw bytes for a
 * proof chunk, and UTF-8 text for a verdict. Decoding is strict: an unknown kind, a label longer than
 * {@link #MAX_LABEL_BYTES}, invalid UTF-8 or a word payload whose length is not a multiple of 8 is malformed.
 */
record Frame(Kind kind, String label, byte[] payload) {
    static final int MAX_LABEL_BYTES = 256;
    /** The longest verdict text a client sends; a longer one is cut to it ({@link #verdict}). */
    static final int MAX_VERDICT_BYTES = 4096;
    /**
     * The longest frame a client sends: a challenge (two words) or its verdict, with the header and the longest
     * label. The host refuses a longer one from its length, before copying it.
     */
    static final int MAX_CLIENT_BYTES = 3 + MAX_LABEL_BYTES + MAX_VERDICT_BYTES;

    enum Kind {
        /** Host: the base-field message with this label is the record batch carried by the same Arrow message. */
        BATCH_MESSAGE,
        /** Host: an F_p^2 message (words re, im, ...). */
        EXTENSION_MESSAGE,
        /** Client: the challenge with this label (two words, re and im). */
        CHALLENGE,
        /** Host: the next bytes of a proof file. */
        PROOF_CHUNK,
        /** Host: nothing more follows (the proof is complete). */
        END,
        /** Client: its verdict, "ACCEPT" or "REJECT: reason"; it ends the exchange. */
        VERDICT
    }

    Frame {
        if (label.getBytes(StandardCharsets.UTF_8).length > MAX_LABEL_BYTES) throw new IllegalArgumentException("label too long: " + label);
    }

    static Frame words(Kind kind, String label, long[] words) {
        ByteBuffer buffer = ByteBuffer.allocate(Math.multiplyExact(words.length, 8)).order(ByteOrder.LITTLE_ENDIAN);
        for (long word : words) buffer.putLong(word);
        return new Frame(kind, label, buffer.array());
    }

    static Frame text(Kind kind, String text) {
        return new Frame(kind, "", text.getBytes(StandardCharsets.UTF_8));
    }

    /** A client's verdict frame, its text cut to {@link #MAX_VERDICT_BYTES} (whole characters) if longer. */
    static Frame verdict(String text) {
        java.nio.CharBuffer in = java.nio.CharBuffer.wrap(text);
        ByteBuffer out = ByteBuffer.allocate(MAX_VERDICT_BYTES);
        StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE)
                .encode(in, out, true);
        return new Frame(Kind.VERDICT, "", java.util.Arrays.copyOf(out.array(), out.position()));
    }

    long[] words(String source) {
        if (payload.length % 8 != 0) throw new MalformedInput(source, kind + " '" + label + "' has " + payload.length + " bytes, not whole words");
        long[] words = new long[payload.length / 8];
        ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(words);
        return words;
    }

    String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    byte[] encode() {
        byte[] name = label.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(3 + name.length + payload.length).order(ByteOrder.LITTLE_ENDIAN)
                .put((byte) kind.ordinal()).putShort((short) name.length).put(name).put(payload).array();
    }

    /** The frame as a buffer for {@code putMetadata}/{@code putNext}, which take ownership of it. */
    ArrowBuf toBuffer(BufferAllocator allocator) {
        byte[] bytes = encode();
        ArrowBuf buffer = allocator.buffer(bytes.length);
        // writeBytes, not setBytes: a buffer whose writer index stays 0 travels as empty metadata.
        buffer.writeBytes(bytes);
        return buffer;
    }

    static Frame decode(byte[] bytes, String source) {
        if (bytes.length < 3) throw new MalformedInput(source, "a frame of " + bytes.length + " bytes is shorter than its header");
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int kind = Byte.toUnsignedInt(in.get());
        if (kind >= Kind.values().length) throw new MalformedInput(source, "unknown frame kind " + kind);
        int labelBytes = Short.toUnsignedInt(in.getShort());
        if (labelBytes > MAX_LABEL_BYTES || labelBytes > in.remaining()) {
            throw new MalformedInput(source, "frame label of " + labelBytes + " bytes does not fit");
        }
        String label;
        try {
            label = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(in.slice().limit(labelBytes)).toString();
        } catch (CharacterCodingException e) {
            throw new MalformedInput(source, "frame label is not UTF-8");
        }
        in.position(in.position() + labelBytes);
        byte[] payload = new byte[in.remaining()];
        in.get(payload);
        return new Frame(Kind.values()[kind], label, payload);
    }

    /** The frame in a received metadata buffer; MalformedInput when there is none. */
    static Frame read(ArrowBuf metadata, String source) {
        return read(metadata, source, Integer.MAX_VALUE);
    }

    /** As {@link #read(ArrowBuf, String)}; a frame longer than {@code maxBytes} is refused before it is copied. */
    static Frame read(ArrowBuf metadata, String source, int maxBytes) {
        if (metadata == null || metadata.readableBytes() == 0) throw new MalformedInput(source, "a message without its frame");
        if (metadata.readableBytes() > maxBytes) {
            throw new MalformedInput(source, "a frame of " + metadata.readableBytes() + " bytes, more than the " + maxBytes + " a frame here can have");
        }
        byte[] bytes = new byte[Math.toIntExact(metadata.readableBytes())];
        metadata.getBytes(metadata.readerIndex(), bytes);
        return decode(bytes, source);
    }
}
