package org.safetynets.proof;

import org.safetynets.tensor.Shape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A non-interactive proof: what it is about (model digest, batch, shapes) and its body, the prover's messages in
 * order, whose first message is the outputs. See {@link ProofCodec} for the file format.
 *
 * <p>The body is held as a read-only view, so that a proof decoded from a file's bytes reads them in place: a
 * hostile body can be as large as the proof-size limit, and copying it several times was enough to exhaust a heap.
 */
public final class Proof {
    private final byte[] modelDigest;
    private final int batch;
    private final Shape input;
    private final Shape output;
    private final ByteBuffer body;

    /** A proof owning a copy of {@code body}. */
    public Proof(byte[] modelDigest, int batch, Shape input, Shape output, byte[] body) {
        this(modelDigest, batch, input, output, ByteBuffer.wrap(body.clone()));
    }

    private Proof(byte[] modelDigest, int batch, Shape input, Shape output, ByteBuffer body) {
        if (modelDigest.length != 32) throw new IllegalArgumentException("a model digest is 32 bytes, got " + modelDigest.length);
        this.modelDigest = modelDigest.clone();
        this.batch = batch;
        this.input = input;
        this.output = output;
        this.body = body.slice().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A proof whose body is {@code header.bodyLength()} bytes of {@code bytes} at {@code offset}, read in place, not copied. */
    static Proof viewing(ProofCodec.Header header, byte[] bytes, int offset) {
        return new Proof(header.modelDigest(), header.batch(), header.input(), header.output(),
                ByteBuffer.wrap(bytes, offset, Math.toIntExact(header.bodyLength())));
    }

    public byte[] modelDigest() {
        return modelDigest.clone();
    }

    public int batch() {
        return batch;
    }

    public Shape input() {
        return input;
    }

    public Shape output() {
        return output;
    }

    /** A copy of the body. */
    public byte[] body() {
        byte[] copy = new byte[body.remaining()];
        body.duplicate().get(copy);
        return copy;
    }

    /** The body, read-only and little-endian, without a copy. */
    public ByteBuffer bodyView() {
        return body.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    public int bodyLength() {
        return body.remaining();
    }

    ProofCodec.Header header() {
        return new ProofCodec.Header(modelDigest, batch, input, output, body.remaining());
    }

    /** Size in bytes of the encoded proof file. */
    public int encodedSize() {
        return ProofCodec.HEADER_BYTES + body.remaining();
    }
}
