package org.safetynets.proof;

import org.safetynets.Limits;
import org.safetynets.MalformedInput;
import org.safetynets.tensor.Shape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The proof file format, version 1 (little-endian):
 * <pre>
 * magic "SNPROOF\0" | u32 version | u8[32] model digest (SHA-256) | u32 batch
 * | u32 input channels, height, width | u32 output channels, height, width | u64 body length | body
 * </pre>
 * The body is the Fiat-Shamir prover's messages, each a run of canonical 8-byte little-endian field
 * elements; their number and lengths follow from the model and batch, so the body carries no framing.
 * Its first message is the outputs, sample by sample. Decoding is strict: wrong magic or version, a body
 * length that disagrees with the bytes present, or trailing bytes are errors; a batch or a size over the
 * {@link Limits} is refused (LimitExceeded) before anything is allocated for it.
 */
public final class ProofCodec {
    private static final byte[] MAGIC = "SNPROOF\0".getBytes(StandardCharsets.US_ASCII);
    public static final int VERSION = 1;
    public static final int HEADER_BYTES = 8 + 4 + 32 + 4 + 12 + 12 + 8;

    private ProofCodec() {
    }

    public static byte[] encode(Proof proof) {
        ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + proof.body().length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).putInt(VERSION).put(proof.modelDigest()).putInt(proof.batch());
        putShape(out, proof.input());
        putShape(out, proof.output());
        out.putLong(proof.body().length).put(proof.body());
        return out.array();
    }

    /** Decodes under {@link Limits#DEFAULTS}. */
    public static Proof decode(byte[] bytes, String source) {
        return decode(bytes, source, Limits.DEFAULTS);
    }

    /**
     * @param source file name for messages
     * @throws MalformedInput for bytes that are not a well-formed proof
     * @throws org.safetynets.LimitExceeded for a proof, declared or present, larger than {@code limits} allow
     */
    public static Proof decode(byte[] bytes, String source, Limits limits) {
        limits.requireProofBytes(source, bytes.length);
        if (bytes.length < MAGIC.length || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
            throw new MalformedInput(source, "not a SafetyNets proof (bad magic number)");
        }
        if (bytes.length < HEADER_BYTES) {
            throw new MalformedInput(source, "proof is truncated: " + bytes.length + " bytes, the header alone needs " + HEADER_BYTES);
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        in.position(MAGIC.length);
        int version = in.getInt();
        if (version != VERSION) {
            throw new MalformedInput(source, "proof format version " + Integer.toUnsignedString(version) + "; this build reads version " + VERSION);
        }
        byte[] digest = new byte[32];
        in.get(digest);
        int batch = positive(in.getInt(), "batch", source);
        limits.requireBatch(source, batch);
        Shape input = shape(in, "input shape", source);
        Shape output = shape(in, "output shape", source);
        long bodyLength = in.getLong();
        // A u64 beyond 2^63 reads as negative: saturate, so it is over any limit rather than under it.
        limits.requireProofBytes(source, bodyLength < 0 ? Long.MAX_VALUE : Limits.product(1, bodyLength) + HEADER_BYTES);
        if (in.remaining() < bodyLength) {
            throw new MalformedInput(source, "proof is truncated: body declares " + bodyLength + " bytes, " + in.remaining() + " present");
        }
        if (in.remaining() > bodyLength) {
            throw new MalformedInput(source, (in.remaining() - bodyLength) + " trailing bytes after the proof body");
        }
        byte[] body = new byte[(int) bodyLength];
        in.get(body);
        return new Proof(digest, batch, input, output, body);
    }

    private static void putShape(ByteBuffer out, Shape shape) {
        out.putInt(shape.channels()).putInt(shape.height()).putInt(shape.width());
    }

    private static Shape shape(ByteBuffer in, String what, String source) {
        int c = positive(in.getInt(), what, source);
        int h = positive(in.getInt(), what, source);
        int w = positive(in.getInt(), what, source);
        try {
            return new Shape(c, h, w);
        } catch (IllegalArgumentException e) {
            throw new MalformedInput(source, what + ": " + e.getMessage());
        }
    }

    private static int positive(int v, String what, String source) {
        if (v <= 0) throw new MalformedInput(source, what + " holds " + Integer.toUnsignedString(v) + ", not a positive size");
        return v;
    }
}
