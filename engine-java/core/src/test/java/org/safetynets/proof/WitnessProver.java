package org.safetynets.proof;

import org.safetynets.adversary.CheatingProver;
import org.safetynets.adversary.Setting;
import org.safetynets.backend.Backend;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.field.Fp2;
import org.safetynets.layer.Claim;
import org.safetynets.layer.Network;
import org.safetynets.poly.Multilinear;
import org.safetynets.transcript.Transcript;

import java.util.ArrayList;
import java.util.List;

/**
 * A prover that lies in the witness rather than in the messages: it runs the honest layer provers, in the honest
 * schedule, over activation tensors of its choosing. Every message is then consistent with the tensors it claims,
 * so no round check can catch the lie; only a relation the verifier evaluates from its own model and inputs can.
 * This is how a host would hide values in positions the verifier never reads directly (padding).
 *
 * <p>{@code activations.get(0)} is the padded input tensor the prover claims, {@code activations.get(i + 1)} the
 * padded output of network step {@code i}; the last is the output it claims.
 */
final class WitnessProver implements CheatingProver {
    private final List<long[]> activations;

    WitnessProver(List<long[]> activations) {
        this.activations = List.copyOf(activations);
    }

    /** The honest activations of {@code setting}'s network on its inputs, as padded field tensors. */
    static List<long[]> honestActivations(Setting setting) {
        List<long[]> activations = new ArrayList<>();
        activations.add(setting.input().padded());
        Network network = setting.network();
        for (int i = 0; i < network.steps().size(); i++) activations.add(null);
        recomputeFrom(setting.backend(), network, activations, 0);
        return activations;
    }

    /** Replaces activations {@code from + 1 ..} by the honest layers applied to activation {@code from}. */
    static void recomputeFrom(Backend backend, Network network, List<long[]> activations, int from) {
        for (int i = from; i < network.steps().size(); i++) {
            try (DeviceTensor in = backend.upload(activations.get(i));
                 DeviceTensor out = network.steps().get(i).protocol().infer(backend, in)) {
                activations.set(i + 1, backend.download(out));
            }
        }
    }

    /** The real (unpadded) outputs that {@code activations} claim, as signed integers, sample by sample. */
    static long[][] claimedOutputs(Network network, List<long[]> activations) {
        return ProofSchedule.signedOutputs(network, ProofSchedule.flattenOutputs(network, activations.get(activations.size() - 1)));
    }

    @Override
    public void play(Setting setting, Transcript channel) {
        Network network = setting.network();
        Backend backend = setting.backend();
        int steps = network.steps().size();
        ProofSchedule.bindPublic(channel, setting.model().digest(), network, setting.input());
        long[] paddedOutput = activations.get(steps);
        ProofSchedule.outputs(channel, network, ProofSchedule.flattenOutputs(network, paddedOutput));
        Fp2[] point = ProofSchedule.outputPoint(channel, network);
        // The prover's claim is about its own padded output, padding included: MLE(activations[steps])(point).
        Claim claim = new Claim(point, Multilinear.evaluate(paddedOutput, point));
        for (int i = steps - 1; i >= 0; i--) {
            try (DeviceTensor in = backend.upload(activations.get(i))) {
                claim = network.steps().get(i).protocol().prove(backend, channel, claim, in);
            }
        }
    }
}
