package org.safetynets.proof;

import org.safetynets.Limits;
import org.safetynets.ProofRejected;
import org.safetynets.SafetyNetsException;
import org.safetynets.layer.Claim;
import org.safetynets.layer.Network;
import org.safetynets.model.Model;
import org.safetynets.poly.Multilinear;
import org.safetynets.transcript.FiatShamirTranscript;
import org.safetynets.transcript.Transcript;

import java.util.Arrays;
import java.util.List;

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
     * Verifies a proof file's bytes; malformed bytes are a rejection, never an exception. A proof over the limits
     * is a rejection too (its reason names the limit): a verifier must not accept what it has not checked.
     */
    public static Verdict verify(Model model, long[][] samples, byte[] proofFile, Limits limits) {
        Proof proof;
        try {
            proof = ProofCodec.decode(proofFile, "proof", limits);
        } catch (SafetyNetsException e) { // MalformedInput or LimitExceeded
            return new Verdict.Rejected(e.getMessage(), 0, -1);
        }
        return verify(model, samples, proof, limits);
    }

    public static Verdict verify(Model model, long[][] samples, Proof proof) {
        return verify(model, samples, proof, Limits.DEFAULTS);
    }

    public static Verdict verify(Model model, long[][] samples, Proof proof, Limits limits) {
        if (!Arrays.equals(proof.modelDigest(), model.digest())) {
            return new Verdict.Rejected("proof is for a different model (digest mismatch)", 0, -1);
        }
        if (proof.batch() != samples.length) {
            return new Verdict.Rejected("proof is for a batch of " + proof.batch() + ", the input has " + samples.length, 0, -1);
        }
        if (!proof.input().equals(model.input()) || !proof.output().equals(model.output())) {
            return new Verdict.Rejected("proof shapes " + proof.input() + " -> " + proof.output() + " do not match the model's "
                    + model.input() + " -> " + model.output(), 0, -1);
        }
        InputBatch input;
        try {
            input = InputBatch.of(model, samples, limits);
        } catch (SafetyNetsException e) { // MalformedInput or LimitExceeded
            return new Verdict.Rejected(e.getMessage(), 0, -1);
        }
        FiatShamirTranscript transcript = FiatShamirTranscript.forVerifier(proof.body());
        Verdict verdict = verify(Network.compile(model, samples.length), proof.modelDigest(), input, transcript);
        if (verdict instanceof Verdict.Accepted) {
            try {
                transcript.requireFullyRead();
            } catch (ProofRejected e) {
                return new Verdict.Rejected(e.getMessage(), 0, -1);
            }
        }
        return verdict;
    }

    /** The protocol itself, over any transcript. */
    public static Verdict verify(Network network, byte[] modelDigest, InputBatch input, Transcript transcript) {
        List<Network.Step> steps = network.steps();
        int layer = 0;
        try {
            ProofSchedule.bindPublic(transcript, modelDigest, network, input);
            long[] outputs = ProofSchedule.outputs(transcript, network, null);
            long[] point = ProofSchedule.outputPoint(transcript, network);
            Claim claim = new Claim(point, Multilinear.evaluate(ProofSchedule.padOutputs(network, outputs), point));
            for (int i = steps.size() - 1; i >= 0; i--) {
                layer = steps.get(i).modelLayer();
                claim = steps.get(i).protocol().verify(transcript, claim);
            }
            layer = 0;
            if (input.evaluate(claim.point()) != claim.value()) {
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
