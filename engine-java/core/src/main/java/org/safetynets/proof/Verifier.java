package org.safetynets.proof;

import org.safetynets.Limits;
import org.safetynets.MalformedInput;
import org.safetynets.ProofRejected;
import org.safetynets.SafetyNetsException;
import org.safetynets.field.Fp2;
import org.safetynets.layer.Claim;
import org.safetynets.layer.Network;
import org.safetynets.model.Model;
import org.safetynets.poly.Multilinear;
import org.safetynets.tensor.Shape;
import org.safetynets.transcript.FiatShamirTranscript;
import org.safetynets.transcript.Transcript;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Checks a proof with the model and the inputs alone: no backend, no native code. Its cost is the MLE of the
 * inputs and outputs, one MLE of each weight tensor, and O(degree) per sum-check round; nothing is done per
 * product over the batch, which is why it is far cheaper than running the network.
 */
public final class Verifier {
    private Verifier() {
    }

    /** Verifies under {@link Limits#DEFAULTS}. */
    public static Verdict verify(Model model, long[][] samples, byte[] proofFile) {
        return verify(model, samples, proofFile, Limits.DEFAULTS);
    }

    /**
     * Verifies a proof file's bytes; malformed bytes are a rejection, never an exception. The header is screened
     * against the model and the inputs (digest, batch, shapes, and a body of exactly the length the proof's schedule
     * needs) before the body is read, and the body is read in place: a hostile file costs no more than its header.
     * A proof over the limits is a rejection too (its reason names the limit): a verifier must not accept what it
     * has not checked.
     */
    public static Verdict verify(Model model, long[][] samples, byte[] proofFile, Limits limits) {
        return verifyFile(model, model.digest(), batch -> Network.compile(model, batch), samples, proofFile, limits);
    }

    /** A proof file's header decoded (malformed: a rejection), then the checks of the body read in place. */
    private static Verdict verifyFile(Model model, byte[] digest, IntFunction<Network> networks, long[][] samples, byte[] proofFile,
                                      Limits limits) {
        ProofCodec.Header header;
        try {
            header = ProofCodec.decodeHeader(proofFile, proofFile.length, "proof");
        } catch (MalformedInput e) {
            return new Verdict.Rejected(e.getMessage(), 0, -1);
        }
        return verify(model, digest, networks, samples, header,
                () -> ByteBuffer.wrap(proofFile, ProofCodec.HEADER_BYTES, proofFile.length - ProofCodec.HEADER_BYTES), limits);
    }

    public static Verdict verify(Model model, long[][] samples, Proof proof) {
        return verify(model, samples, proof, Limits.DEFAULTS);
    }

    public static Verdict verify(Model model, long[][] samples, Proof proof, Limits limits) {
        return verify(model, samples, proof.header(), proof::bodyView, limits);
    }

    /** The size in bytes of a proof file of {@code model} at {@code batch}: header and the schedule's messages. */
    public static long proofFileBytes(Model model, int batch) {
        return ProofCodec.fileBytes(Network.compile(model, batch));
    }

    /**
     * The checks made of a proof's header before its body is read: the model digest, the batch and the shapes must
     * be the verifier's own, the batch within {@code limits}, and the body exactly as long as the schedule of this
     * model at this batch needs. Null when the header passes. A caller holding a proof file can screen its first
     * {@link ProofCodec#HEADER_BYTES} bytes (see {@link ProofCodec#decodeHeader}) before reading the rest.
     */
    public static Verdict.Rejected screen(Model model, int batch, ProofCodec.Header header, Limits limits) {
        Verdict.Rejected declared = screenDeclared(model, model.digest(), batch, header);
        if (declared != null) return declared;
        try {
            InputBatch.requireWithinLimits(model, batch, limits);
        } catch (SafetyNetsException e) { // LimitExceeded
            return new Verdict.Rejected(e.getMessage(), 0, -1);
        }
        return screenBody(Network.compile(model, batch), header, limits);
    }

    private static Verdict verify(Model model, long[][] samples, ProofCodec.Header header, Supplier<ByteBuffer> body, Limits limits) {
        return verify(model, model.digest(), batch -> Network.compile(model, batch), samples, header, body, limits);
    }

    /** The checks of {@link #verify(Model, long[][], Proof, Limits)}, with the model's digest and network given. */
    private static Verdict verify(Model model, byte[] digest, IntFunction<Network> networks, long[][] samples,
                                  ProofCodec.Header header, Supplier<ByteBuffer> body, Limits limits) {
        Verdict.Rejected declared = screenDeclared(model, digest, samples.length, header);
        if (declared != null) return declared;
        InputBatch input;
        try {
            input = InputBatch.of(model, samples, limits);
        } catch (SafetyNetsException e) { // MalformedInput or LimitExceeded
            return new Verdict.Rejected(e.getMessage(), 0, -1);
        }
        Network network = networks.apply(samples.length);
        Verdict.Rejected length = screenBody(network, header, limits);
        if (length != null) return length;
        FiatShamirTranscript transcript = FiatShamirTranscript.forVerifier(body.get());
        Verdict verdict = verify(network, header.modelDigest(), input, transcript);
        if (verdict instanceof Verdict.Accepted) {
            try {
                transcript.requireFullyRead();
            } catch (ProofRejected e) {
                return new Verdict.Rejected(e.getMessage(), 0, -1);
            }
        }
        return verdict;
    }

    /**
     * A verifier of one model that checks many batches: the same checks as {@link #verify(Model, long[][], Proof,
     * Limits)}, with what depends on the model alone done once ({@link PreparedModel}). A one-shot verification of the
     * TIMIT network spends most of its time there: the model's digest and compiling its network.
     */
    public static final class Prepared {
        private final PreparedModel prepared;

        private Prepared(PreparedModel prepared) {
            this.prepared = prepared;
        }

        /** @throws MalformedInput if the model is not one a proof can be checked against (as decoding would say) */
        public static Prepared of(Model model, Limits limits) {
            return new Prepared(PreparedModel.of(model, limits, "the model to verify against"));
        }

        static Prepared of(PreparedModel prepared) {
            return new Prepared(prepared);
        }

        public Verdict verify(long[][] samples, Proof proof) {
            return Verifier.verify(prepared.model, prepared.digest, prepared::network, samples, proof.header(), proof::bodyView, prepared.limits);
        }

        /** The checks of {@link Verifier#verify(Model, long[][], byte[], Limits)}: malformed bytes are a rejection. */
        public Verdict verify(long[][] samples, byte[] proofFile) {
            return verifyFile(prepared.model, prepared.digest, prepared::network, samples, proofFile, prepared.limits);
        }

        /**
         * The protocol over any transcript (the interactive one with a prover host), as {@link Verifier#verify(Network,
         * byte[], InputBatch, Transcript)}, for an input batch of {@link #input}.
         */
        public Verdict verify(InputBatch input, Transcript transcript) {
            return Verifier.verify(prepared.network(input.batch()), prepared.digest, input, transcript);
        }

        /** @throws org.safetynets.LimitExceeded if a batch of this size is over this verifier's limits */
        public void requireWithinLimits(int batch) {
            InputBatch.requireWithinLimits(prepared.model, batch, prepared.limits);
        }

        /** The samples as this model's input batch, under this verifier's limits. @throws MalformedInput, LimitExceeded */
        public InputBatch input(long[][] samples) {
            return InputBatch.of(prepared.model, samples, prepared.limits);
        }

        /** The model's digest, as proofs bind it. */
        public byte[] digest() {
            return prepared.digest.clone();
        }

        /** The shapes of the model's input and output. */
        public Shape inputShape() {
            return prepared.model.input();
        }

        public Shape outputShape() {
            return prepared.model.output();
        }

        /** The size in bytes of a proof file of this model at {@code batch}, as {@link Verifier#proofFileBytes}. */
        public long proofFileBytes(int batch) {
            return ProofCodec.fileBytes(prepared.network(batch));
        }

        public Limits limits() {
            return prepared.limits;
        }
    }

    /** What the header says it is about, against what the verifier holds; null when they agree. */
    private static Verdict.Rejected screenDeclared(Model model, byte[] digest, int batch, ProofCodec.Header header) {
        if (!Arrays.equals(header.modelDigest(), digest)) {
            return new Verdict.Rejected("proof is for a different model (digest mismatch)", 0, -1);
        }
        if (header.batch() != batch) {
            return new Verdict.Rejected("proof is for a batch of " + header.batch() + ", the input has " + batch, 0, -1);
        }
        if (!header.input().equals(model.input()) || !header.output().equals(model.output())) {
            return new Verdict.Rejected("proof shapes " + header.input() + " -> " + header.output() + " do not match the model's "
                    + model.input() + " -> " + model.output(), 0, -1);
        }
        return null;
    }

    /** The body must be exactly the schedule's messages: anything longer or shorter is rejected unread. */
    private static Verdict.Rejected screenBody(Network network, ProofCodec.Header header, Limits limits) {
        long expected = ProofCodec.bodyBytes(network);
        if (header.bodyLength() != expected) {
            return new Verdict.Rejected("proof body has " + header.bodyLength() + " bytes; the proof of this model for a batch of "
                    + network.batch() + " has " + expected, 0, -1);
        }
        try {
            limits.requireProofBytes("proof", ProofCodec.HEADER_BYTES + expected);
        } catch (SafetyNetsException e) { // LimitExceeded
            return new Verdict.Rejected(e.getMessage(), 0, -1);
        }
        return null;
    }

    /** The protocol itself, over any transcript. */
    public static Verdict verify(Network network, byte[] modelDigest, InputBatch input, Transcript transcript) {
        List<Network.Step> steps = network.steps();
        int layer = 0;
        try {
            ProofSchedule.bindPublic(transcript, modelDigest, network, input);
            long[] outputs = ProofSchedule.outputs(transcript, network, null);
            Fp2[] point = ProofSchedule.outputPoint(transcript, network);
            Claim claim = new Claim(point, Multilinear.evaluate(ProofSchedule.padOutputs(network, outputs), point));
            for (int i = steps.size() - 1; i >= 0; i--) {
                layer = steps.get(i).modelLayer();
                claim = steps.get(i).protocol().verify(transcript, claim);
            }
            layer = 0;
            if (!input.evaluate(claim.point()).equals(claim.value())) {
                return new Verdict.Rejected("the claim reduced to the input does not match the input batch", 0, -1);
            }
            return new Verdict.Accepted(ProofSchedule.signedOutputs(network, outputs));
        } catch (ProofRejected e) {
            ProofRejected located = e.atLayer(layer);
            String kind = "";
            for (Network.Step step : steps) if (step.modelLayer() == located.layer()) kind = " (" + step.kind() + ")";
            return new Verdict.Rejected(located.reason() + kind, located.layer(), located.round());
        }
    }
}
