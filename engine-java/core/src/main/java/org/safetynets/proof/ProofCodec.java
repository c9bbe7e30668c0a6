package org.safetynets.proof;

import org.safetynets.Limits;
import org.safetynets.MalformedInput;
import org.safetynets.field.Fp;
import org.safetynets.layer.Network;
import org.safetynets.tensor.Shape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The proof file format, version 2 (little-endian):
 * <pre>
 * magic "SNPROOF\0" | u32 version | u8[32] model digest (SHA-256) | u32 batch
 * | u32 input channels, height, width | u32 output channels, height, width | u64 body length | body
 * </pre>
 * The body is the Fiat-Shamir prover's messages, each a run of canonical 8-byte little-endian words: the first
 * message is the outputs, sample by sample, one F_p element each; every later message (round polynomials, claimed
 * evaluations) is F_p^2 elements, each as two words, re then im. Their number and lengths follow from the model and
 * batch, so the body carries no framing. Version 1 (challenges from F_p) is refused with a line saying to prove again. Decoding is strict: wrong magic or version, a body
 * length that disagrees with the bytes present, or trailing bytes are errors; a batch or a size over the
 * {@link Limits} is refused (LimitExceeded) before anything is allocated for it.
 */
public final class ProofCodec {
    private static final byte[] MAGIC = "SNPROOF\0".getBytes(StandardCharsets.US_ASCII);
    /** 2: messages in F_p^2 after the outputs (see {@link ProofSchedule#PROTOCOL_VERSION}). */
    public static final int VERSION = 2;
    public static final int HEADER_BYTES = 8 + 4 + 32 + 4 + 12 + 12 + 8;

    private ProofCodec() {
    }

    /** The bytes of the body of a proof by this network: its schedule's words, 8 bytes each. */
    static long bodyBytes(Network network) {
        return Limits.product(network.proofWords(), Fp.BYTES);
    }

    /** The bytes of a whole proof file by this network: the header and {@link #bodyBytes}. */
    static long fileBytes(Network network) {
        return HEADER_BYTES + bodyBytes(network);
    }

    /** What a proof declares about itself, before its body: enough to screen it against the verifier's model and inputs. */
    public record Header(byte[] modelDigest, int batch, Shape input, Shape output, long bodyLength) {
    }

    public static byte[] encode(Proof proof) {
        ByteBuffer out = ByteBuffer.allocate(proof.encodedSize()).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).putInt(VERSION).put(proof.modelDigest()).putInt(proof.batch());
        putShape(out, proof.input());
        putShape(out, proof.output());
        out.putLong(proof.bodyLength()).put(proof.bodyView());
        return out.array();
    }

    /** Decodes under {@link Limits#DEFAULTS}. */
    public static Proof decode(byte[] bytes, String source) {
        return decode(bytes, source, Limits.DEFAULTS);
    }

    /**
     * The proof in {@code bytes}, whose body it reads in place: the caller must not change {@code bytes} while the
     * proof is in use.
     *
     * @param source file name for messages
     * @throws MalformedInput for bytes that are not a well-formed proof
     * @throws org.safetynets.LimitExceeded for a proof, declared or present, larger than {@code limits} allow
     */
    public static Proof decode(byte[] bytes, String source, Limits limits) {
        limits.requireProofBytes(source, bytes.length);
        Header header = decodeHeader(bytes, bytes.length, source);
        limits.requireBatch(source, header.batch());
        return Proof.viewing(header, bytes, HEADER_BYTES);
    }

    /**
     * Reads the header from the first bytes of a proof whose total size is {@code totalBytes} (all of a proof file
     * need not be in memory): the magic number, the version, positive sizes, and a body length that is exactly the
     * bytes that follow the header. No limit is applied: a verifier compares the header with its own model and
     * batch, which bound everything, before it reads a body.
     *
     * @param prefix at least the first {@link #HEADER_BYTES} bytes of the proof, or all of it if shorter
     * @throws MalformedInput for a header that is not well formed, or a body length that disagrees with the size
     */
    public static Header decodeHeader(byte[] prefix, long totalBytes, String source) {
        if (prefix.length < MAGIC.length || !Arrays.equals(Arrays.copyOf(prefix, MAGIC.length), MAGIC)) {
            throw new MalformedInput(source, "not a SafetyNets proof (bad magic number)");
        }
        if (totalBytes < HEADER_BYTES || prefix.length < HEADER_BYTES) {
            throw new MalformedInput(source, "proof is truncated: " + totalBytes + " bytes, the header alone needs " + HEADER_BYTES);
        }
        ByteBuffer in = ByteBuffer.wrap(prefix, 0, HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        in.position(MAGIC.length);
        int version = in.getInt();
        if (version == 1) {
            throw new MalformedInput(source, "proof format version 1 was made with 61-bit challenges and is no longer accepted; prove again");
        }
        if (version != VERSION) {
            throw new MalformedInput(source, "proof format version " + Integer.toUnsignedString(version) + "; this build reads version " + VERSION);
        }
        byte[] digest = new byte[32];
        in.get(digest);
        int batch = positive(in.getInt(), "batch", source);
        Shape input = shape(in, "input shape", source);
        Shape output = shape(in, "output shape", source);
        long bodyLength = in.getLong();
        long present = totalBytes - HEADER_BYTES;
        // A u64 beyond 2^63 reads as negative: it is more than any file holds.
        if (bodyLength < 0 || bodyLength > present) {
            throw new MalformedInput(source, "proof is truncated: body declares " + Long.toUnsignedString(bodyLength) + " bytes, " + present + " present");
        }
        if (bodyLength < present) {
            throw new MalformedInput(source, (present - bodyLength) + " trailing bytes after the proof body");
        }
        return new Header(digest, batch, input, output, bodyLength);
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
