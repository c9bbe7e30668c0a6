package org.safetynets.cli;

import org.safetynets.field.Fp;
import org.safetynets.proof.Proof;

/**
 * The outputs a proof claims. The proof body's first message is the outputs, sample by sample, as canonical
 * 8-byte little-endian field elements (see {@link org.safetynets.proof.ProofCodec}); the prover's own proof is
 * read here so {@code prove} need not run the network twice. They are established only once the proof verifies.
 */
public final class ProofOutputs {
    private ProofOutputs() {
    }

    /** Signed integer outputs, batch x output features. */
    public static long[][] claimed(Proof proof) {
        int features = proof.output().size();
        byte[] body = proof.body();
        long[][] outputs = new long[proof.batch()][features];
        for (int b = 0; b < proof.batch(); b++) {
            for (int f = 0; f < features; f++) {
                outputs[b][f] = Fp.toSigned(Fp.read(body, offset(proof, b, f), "proof"));
            }
        }
        return outputs;
    }

    /** Byte offset in the body of output {@code feature} of sample {@code sample}. */
    static int offset(Proof proof, int sample, int feature) {
        return (sample * proof.output().size() + feature) * Fp.BYTES;
    }

    /** The same proof with one claimed output raised by 1 (mod p): the demo's cheating prover. */
    static Proof withOutputRaised(Proof proof, int sample, int feature) {
        byte[] body = proof.body();
        int offset = offset(proof, sample, feature);
        Fp.write(Fp.add(Fp.read(body, offset, "proof"), 1), body, offset);
        return new Proof(proof.modelDigest(), proof.batch(), proof.input(), proof.output(), body);
    }
}
