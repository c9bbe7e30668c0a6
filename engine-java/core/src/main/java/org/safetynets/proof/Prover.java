package org.safetynets.proof;

import org.safetynets.Limits;
import org.safetynets.backend.Backend;
import org.safetynets.backend.DeviceTensor;
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
        return prove(model, Network.compile(model, samples.length), model.digest(), input, backend, progress, limits);
    }

    private static Proof prove(Model model, Network network, byte[] digest, InputBatch input, Backend backend, Progress progress,
                               Limits limits) {
        limits.requireProofBytes("proof", ProofCodec.fileBytes(network));
        FiatShamirTranscript transcript = FiatShamirTranscript.forProver();
        prove(network, digest, input, backend, transcript, progress);
        return new Proof(digest, network.batch(), model.input(), model.output(), transcript.proofBytes());
    }

    /**
     * A prover of one model for many batches (a prover host, a Spark executor, {@code evaluate}): the same proofs as
     * {@link #prove(Model, long[][], Backend, Progress, Limits)}, with what depends on the model alone done once
     * ({@link PreparedModel}: the digest and the compiled networks). A proof of one sample of the shipped MNIST CNN
     * spent about a tenth of its time there; one of the TIMIT network hashes its 96 MB encoding. Safe for concurrent
     * use, each call with its own backend.
     */
    public static final class Prepared {
        private final PreparedModel prepared;

        private Prepared(PreparedModel prepared) {
            this.prepared = prepared;
        }

        /** @throws org.safetynets.MalformedInput if the model would not decode under {@code limits} */
        public static Prepared of(Model model, Limits limits) {
            return new Prepared(PreparedModel.of(model, limits, "the model to prove"));
        }

        /** The model's digest, as proofs bind it. */
        public byte[] digest() {
            return prepared.digest.clone();
        }

        public Proof prove(long[][] samples, Backend backend, Progress progress) {
            InputBatch input = InputBatch.of(prepared.model, samples, prepared.limits);
            return Prover.prove(prepared.model, prepared.network(samples.length), prepared.digest, input, backend, progress, prepared.limits);
        }

        /**
         * The protocol over any transcript (the interactive one of a prover host), as {@link Prover#prove(Network,
         * byte[], InputBatch, Backend, Transcript, Progress)}, for an input batch of this model.
         */
        public long[] prove(InputBatch input, Backend backend, Transcript transcript, Progress progress) {
            return Prover.prove(prepared.network(input.batch()), prepared.digest, input, backend, transcript, progress);
        }

        /** A verifier of the same model and limits, sharing this prover's copy, digest and networks (a self-check). */
        public Verifier.Prepared verifier() {
            return Verifier.Prepared.of(prepared);
        }
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
