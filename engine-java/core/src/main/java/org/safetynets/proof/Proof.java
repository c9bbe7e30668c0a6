package org.safetynets.proof;

import org.safetynets.tensor.Shape;

/**
 * A non-interactive proof: what it is about (model digest, batch, shapes) and its body, the prover's
 * messages in order, whose first message is the outputs. See {@link ProofCodec} for the file format.
 */
public record Proof(byte[] modelDigest, int batch, Shape input, Shape output, byte[] body) {
    public Proof {
        modelDigest = modelDigest.clone();
        body = body.clone();
    }

    @Override
    public byte[] modelDigest() {
        return modelDigest.clone();
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    /** Size in bytes of the encoded proof file. */
    public int encodedSize() {
        return ProofCodec.HEADER_BYTES + body.length;
    }
}
