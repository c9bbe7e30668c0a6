package org.safetynets.proof;

import org.safetynets.Limits;
import org.safetynets.backend.Backend;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.field.Fp;
import org.safetynets.field.Fp2;
import org.safetynets.layer.Claim;
import org.safetynets.layer.Network;
import org.safetynets.model.Model;
import org.safetynets.poly.Multilinear;
import org.safetynets.transcript.FiatShamirTranscript;
import org.safetynets.transcript.Transcript;

import java.util.List;

/**
 * Runs the network on a backend and proves its outputs: claims flow from the outputs back to the inputs, one
 * sub-protocol per layer (see {@link org.safetynets.layer}). The same code serves the Fiat-Shamir and the
 * interactive transcript.
 */
public final class Prover {
    /** Told after the forward pass and after each layer's sub-protocol, for progress on long proofs. */
    public interface Progress {
        void step(String what, int done, int total);

        Progress NONE = (what, done, total) -> { };
    }

    private Prover() {
    }

    /** A non-interactive proof of the model's outputs on {@code samples}. */
    public static Proof prove(Model model, long[][] samples, Backend backend) {
        return prove(model, samples, backend, Progress.NONE);
    }

    public static Proof prove(Model model, long[][] samples, Backend backend, Progress progress) {
        return prove(model, samples, backend, progress, Limits.DEFAULTS);
    }

    /** @throws org.safetynets.LimitExceeded before any work if the batch or an activation is over {@code limits} */
    public static Proof prove(Model model, long[][] samples, Backend backend, Progress progress, Limits limits) {
        InputBatch input = InputBatch.of(model, samples, limits);
        Network network = Network.compile(model, samples.length);
        limits.requireProofBytes("proof", Limits.product(network.proofWords(), Fp.BYTES) + ProofCodec.HEADER_BYTES);
        byte[] digest = model.digest();
        FiatShamirTranscript transcript = FiatShamirTranscript.forProver();
        prove(network, digest, input, backend, transcript, progress);
        return new Proof(digest, samples.length, model.input(), model.output(), transcript.proofBytes());
    }

    /**
     * The protocol itself, over any transcript.
     *
     * @return the outputs as canonical field elements, sample by sample
     */
    public static long[] prove(Network network, byte[] modelDigest, InputBatch input, Backend backend, Transcript transcript,
                               Progress progress) {
        List<Network.Step> steps = network.steps();
        int total = steps.size() + 1;
        List<DeviceTensor> activations = network.forward(backend, backend.upload(input.padded()));
        try {
            progress.step("inference", 1, total);
            long[] paddedOutput = backend.download(activations.get(activations.size() - 1));
            ProofSchedule.bindPublic(transcript, modelDigest, network, input);
            long[] outputs = ProofSchedule.outputs(transcript, network, ProofSchedule.flattenOutputs(network, paddedOutput));
            Fp2[] point = ProofSchedule.outputPoint(transcript, network);
            Claim claim = new Claim(point, Multilinear.evaluate(paddedOutput, point));
            // claim: MLE(A_i)(point) = value, for i from the last layer down to the input
            for (int i = steps.size() - 1; i >= 0; i--) {
                claim = steps.get(i).protocol().prove(backend, transcript, claim, activations.get(i));
                activations.get(i).close();
                progress.step("layer " + steps.get(i).modelLayer() + " (" + steps.get(i).kind() + ")", total - i, total);
            }
            return outputs;
        } finally {
            for (DeviceTensor t : activations) t.close();
        }
    }

    /** Plain inference in the field on the same backend (what the proof's cost is compared with), as signed integers. */
    public static long[][] infer(Model model, long[][] samples, Backend backend) {
        long[] input = InputBatch.of(model, samples).padded();
        Network network = Network.compile(model, samples.length);
        long[] padded;
        try (DeviceTensor uploaded = backend.upload(input); DeviceTensor output = network.infer(backend, uploaded)) {
            padded = backend.download(output);
        }
        return ProofSchedule.signedOutputs(network, ProofSchedule.flattenOutputs(network, padded));
    }
}
