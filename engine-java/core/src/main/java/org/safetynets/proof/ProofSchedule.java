package org.safetynets.proof;

import org.safetynets.field.Fp;
import org.safetynets.field.Fp2;
import org.safetynets.layer.Network;
import org.safetynets.tensor.Shape;
import org.safetynets.transcript.Transcript;

/**
 * The proof's opening steps, shared by the prover and the verifier. Everything public is bound before the
 * first challenge: protocol version, model digest, batch size and shapes, the input batch; then the prover's
 * outputs; then the random point at which the verifier evaluates MLE(outputs) to get the first claim.
 */
final class ProofSchedule {
    /** 2: challenges, claims and round messages in F_p^2 (version 1 drew 61-bit challenges from F_p). */
    static final long PROTOCOL_VERSION = 2;

    private ProofSchedule() {
    }

    static void bindPublic(Transcript transcript, byte[] modelDigest, Network network, InputBatch input) {
        transcript.absorbPublic("protocol.version", new long[] {PROTOCOL_VERSION});
        transcript.absorbPublicBytes("model.digest", modelDigest);
        Shape in = network.input().shape();
        Shape out = network.output().shape();
        transcript.absorbPublic("shapes", new long[] {network.batch(), in.channels(), in.height(), in.width(),
            out.channels(), out.height(), out.width()});
        transcript.absorbPublicBytes("input", input.transcriptBytes());
    }

    /** The outputs, sample by sample, as canonical field elements (batch x output features). */
    static long[] outputs(Transcript transcript, Network network, long[] values) {
        return transcript.message("outputs", network.batch() * network.output().shape().size(), values);
    }

    static Fp2[] outputPoint(Transcript transcript, Network network) {
        return transcript.challenges("output.point", network.output().variables());
    }

    /** Outputs message -> padded output tensor. */
    static long[] padOutputs(Network network, long[] outputs) {
        int features = network.output().shape().size();
        long[][] samples = new long[network.batch()][features];
        for (int b = 0; b < network.batch(); b++) System.arraycopy(outputs, b * features, samples[b], 0, features);
        return network.output().pad(samples);
    }

    static long[] flattenOutputs(Network network, long[] paddedOutput) {
        long[][] samples = network.output().unpad(paddedOutput);
        int features = network.output().shape().size();
        long[] flat = new long[network.batch() * features];
        for (int b = 0; b < samples.length; b++) System.arraycopy(samples[b], 0, flat, b * features, features);
        return flat;
    }

    static long[][] signedOutputs(Network network, long[] outputs) {
        int features = network.output().shape().size();
        long[][] samples = new long[network.batch()][features];
        for (int b = 0; b < network.batch(); b++)
            for (int f = 0; f < features; f++) samples[b][f] = Fp.toSigned(outputs[b * features + f]);
        return samples;
    }
}
